"""Balance sheets: what every holder owns and owes, in token units, read from the venues.

A holder's sheet is its wallet plus its claim on each account that holds tokens for it: LP
positions in every pool (what withdrawing them would pay, fees included), supply minus debt
in every lending market, queued withdrawals in every staking protocol and equity at the perp
venue. The sheets are the venues' view of who owns what; agents keep their own view of their
value (`MarketAgent.value`), and the value books (`sim.model.value_books`) check one against
the other. What a venue holds beyond its holders' claims (minimum liquidity locked forever,
protocol fees, lending reserves, the stake behind a liquid-staking token, emissions not yet
harvested, the perp counterparty) belongs to no agent: `outside` returns it per account.
"""

from __future__ import annotations

from collections.abc import Iterable

from sim.market.market import Market

Units = dict[str, int]
Sheet = dict[str, Units]
"""Signed token units per account a holder has a claim on ("wallet", "pool:<name>", ...)."""


def _add(into: Units, token: str, amount: int) -> None:
    if amount:
        into[token] = into.get(token, 0) + amount


def sheet(market: Market, holder: str) -> Sheet:
    """`holder`'s claims, per account (only accounts with a non-zero claim)."""
    out: Sheet = {}
    wallet = {t: a for t, a in market.ledger.wallet(holder).items() if a}
    if wallet:
        out["wallet"] = wallet
    for name, pool in market.pools.items():
        claim = {t: a for t, a in pool.lp_claim(holder).items() if a}
        if claim:
            out[f"pool:{name}"] = claim
    protocols = market.protocols
    for name, lending in protocols.lending.items():
        units: Units = {}
        for asset in lending.reserves:
            _add(units, asset, lending.supplied(holder, asset))
            _add(units, asset, -lending.debt(holder, asset))
        if units:
            out[f"lending:{name}"] = units
    for name, staking in protocols.staking_by_name.items():
        queued = protocols.queued_for(holder, staking.lst)
        if queued:
            out[f"staking:{name}"] = {staking.underlying: queued}
    for venue in protocols.venues.values():
        payable = venue.payable(holder) if hasattr(venue, "payable") else 0
        if payable:
            out[venue.wallet] = {venue.token: payable}
    return out


def total(sheet_: Sheet) -> Units:
    """A sheet's net units per token, over all its accounts."""
    out: Units = {}
    for units in sheet_.values():
        for t, a in units.items():
            _add(out, t, a)
    return out


def outside(market: Market, sheets: Iterable[Sheet], agents: set[str]) -> dict[str, Units]:
    """Per account that is not an agent's wallet: the units it holds beyond agents' claims on it.

    Venues (pools, lending markets, staking protocols, the rewards chef) and wallets of no
    agent (the block builder, the perp counterparty) are counted; an agent's claim on them
    (`sheet`) is taken off. Every unit of supply is then in an agent's sheet or here.
    """
    ledger = market.ledger
    held: dict[str, Units] = {}
    for name, holdings in ledger.venues.items():
        held[name] = {t: a for t, a in holdings().items() if a}
    for name, wallet in ledger.wallets.items():
        if name not in agents:
            units = {t: a for t, a in wallet.items() if a}
            if units or name in held:
                held.setdefault(name, {}).update(units)
    for sheet_ in sheets:
        for account, units in sheet_.items():
            if account == "wallet":
                continue
            into = held.setdefault(account, {})
            for t, a in units.items():
                into[t] = into.get(t, 0) - a
    for name, lending in market.protocols.lending.items():
        unowned: Units = {}  # supplies less debts of accounts that are no agent's
        for account in lending.accounts():
            if account not in agents:
                for asset in lending.reserves:
                    _add(unowned, asset, lending.supplied(account, asset))
                    _add(unowned, asset, -lending.debt(account, asset))
        deficit = {a: lending.deficit(a) for a in lending.reserves}
        _split_lending(held, name, lending.treasury, deficit, unowned)
    return {acc: {t: a for t, a in units.items() if a} for acc, units in held.items()}


def _split_lending(
    held: dict[str, Units], name: str, treasury: Units, deficit: Units, unowned: Units
) -> None:
    """Name a lending market's takes apart from its rounding dust: the treasury's supply
    (reserve-factor interest, liquidation protocol fees, flash-loan premiums) as
    ``lending:<name>:treasury``, the deficit (bad debt written off, owed to suppliers with
    nothing behind it) as ``lending:<name>:deficit``, a negative holding, and the positions of
    accounts that are no agent's (an attacker's abandoned borrowers) as
    ``lending:<name>:unowned``."""
    rest = held.setdefault(f"lending:{name}", {})
    parts = (("treasury", treasury, 1), ("deficit", deficit, -1), ("unowned", unowned, 1))
    for kind, units, sign in parts:
        part = held.setdefault(f"lending:{name}:{kind}", {})
        for t, a in units.items():
            part[t] = part.get(t, 0) + sign * a
            rest[t] = rest.get(t, 0) - sign * a

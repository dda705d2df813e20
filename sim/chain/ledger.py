"""Token books: every wallet, every explicit mint and burn, and the check that nothing leaks.

Wallets are plain `dict[str, int]` (token -> smallest units) so the hot path
is a dict update. Tokens enter the simulation only through `mint` and leave
only through `burn`; everything else is a move between wallets and venues
(pools, lending market, staking). `check` proves it: for every token,
minted - burned == wallets + venues.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sim.errors import ConservationError, InsufficientBalance

Holdings = Callable[[], dict[str, int]]


@dataclass(slots=True)
class Ledger:
    """All wallets plus the running totals of what was minted and burned, per token."""

    decimals: dict[str, int]
    wallets: dict[str, dict[str, int]] = field(default_factory=dict)
    minted: dict[str, int] = field(default_factory=dict)
    burned: dict[str, int] = field(default_factory=dict)
    venues: dict[str, Holdings] = field(default_factory=dict)
    flows: dict[str, dict[str, int]] = field(default_factory=dict)
    """Net supply created (+) or destroyed (-) per reason, per token: what the value books name."""

    def wallet(self, holder: str) -> dict[str, int]:
        """The wallet of `holder`, created empty on first use."""
        w = self.wallets.get(holder)
        if w is None:
            w = self.wallets[holder] = dict.fromkeys(self.decimals, 0)
        return w

    def add_venue(self, name: str, holdings: Holdings) -> None:
        """Register a contract (pool, market, protocol) whose holdings count toward supply."""
        self.venues[name] = holdings

    def mint(self, holder: str, token: str, amount: int, reason: str = "funding") -> None:
        """Create `amount` of `token` in `holder`'s wallet (an explicit supply increase)."""
        if amount < 0:
            raise ValueError(f"cannot mint a negative amount ({amount}) of {token}")
        w = self.wallet(holder)
        w[token] = w.get(token, 0) + amount
        self.minted_to_venue(token, amount, reason)

    def burn(self, holder: str, token: str, amount: int, reason: str = "other") -> None:
        """Destroy `amount` of `token` from `holder`'s wallet (an explicit supply decrease)."""
        w = self.wallet(holder)
        have = w.get(token, 0)
        if amount < 0 or amount > have:
            raise InsufficientBalance(f"{holder} cannot burn {amount} {token}: holds {have}")
        w[token] = have - amount
        self.burned_in_venue(token, amount, reason)

    def minted_to_venue(self, token: str, amount: int, reason: str = "other") -> None:
        """Record supply created directly inside a venue (e.g. staking yield, reward emissions)."""
        self.minted[token] = self.minted.get(token, 0) + amount
        by_token = self.flows.get(reason)
        if by_token is None:
            by_token = self.flows[reason] = {}
        by_token[token] = by_token.get(token, 0) + amount

    def burned_in_venue(self, token: str, amount: int, reason: str = "other") -> None:
        """Record supply destroyed directly inside a venue."""
        self.burned[token] = self.burned.get(token, 0) + amount
        by_token = self.flows.get(reason)
        if by_token is None:
            by_token = self.flows[reason] = {}
        by_token[token] = by_token.get(token, 0) - amount

    def transfer(self, src: str, dst: str, token: str, amount: int) -> None:
        """Move `amount` of `token` between two wallets."""
        ws = self.wallet(src)
        have = ws.get(token, 0)
        if amount < 0 or amount > have:
            raise InsufficientBalance(f"{src} cannot send {amount} {token}: holds {have}")
        ws[token] = have - amount
        wd = self.wallet(dst)
        wd[token] = wd.get(token, 0) + amount

    def supply(self, token: str) -> int:
        """Outstanding supply of `token` according to mints and burns."""
        return self.minted.get(token, 0) - self.burned.get(token, 0)

    def totals(self) -> dict[str, int]:
        """What is actually held, per token, across wallets and venues."""
        held: dict[str, int] = {}
        for w in self.wallets.values():
            for token, amount in w.items():
                held[token] = held.get(token, 0) + amount
        for holdings in self.venues.values():
            for token, amount in holdings().items():
                held[token] = held.get(token, 0) + amount
        return held

    def discrepancies(self) -> dict[str, int]:
        """Per token, held minus supply; empty when the books balance."""
        held = self.totals()
        tokens: Iterable[str] = set(held) | set(self.minted) | set(self.burned)
        out = {t: held.get(t, 0) - self.supply(t) for t in sorted(tokens)}
        negative = {f"{h}:{t}": a for h, w in self.wallets.items() for t, a in w.items() if a < 0}
        if negative:
            raise ConservationError(f"negative wallet balances: {negative}")
        return {t: d for t, d in out.items() if d != 0}

    def check(self, block: int) -> None:
        """Raise `ConservationError` naming the block, token and difference if anything leaked."""
        bad = self.discrepancies()
        if bad:
            detail = ", ".join(
                f"{t}: held - supply = {d} units ({d / 10 ** self.decimals.get(t, 0):.6g} {t})"
                for t, d in bad.items()
            )
            raise ConservationError(f"block {block}: tokens created or lost: {detail}")

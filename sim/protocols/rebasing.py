"""Rebasing LSTs (stETH): each change of the share price reaches every balance of the token.

Each block, after the yield accrues (and right after a penalty), `sync_rebase` multiplies
every balance of the LST by the growth of the share price, Lido's
``balance = shares * total_pooled / total_shares``, rounded down per holder: wallets (an
explicit ledger `mint`, or `burn` for a penalty, per holder), StableSwap pools (the pool's
whole token balance rebases and the change goes to its LPs, admin fees aside: stableswap-ng
`_balances()` for rebasing coins, as in Curve's stETH/ETH pool) and lending markets (cash and
every supplier's balance: `LendingMarket.rebase`), the last two booked with
`Ledger.minted_to_venue` / `burned_in_venue`. Flooring leaves the protocol a little more
underlying than the LST in circulation (a few wei per holder per block, never negative).
Other pool kinds cannot hold a rebasing LST (Uniswap pairs would need `sync`/`skim`; wrap it).
"""

from __future__ import annotations

from collections.abc import Iterable

from sim.chain.ledger import Ledger
from sim.errors import ProtocolError
from sim.pools.base import Pool
from sim.pools.curve.stableswap import StableSwapPool
from sim.protocols.lending import LendingMarket
from sim.protocols.staking import LiquidStaking

__all__ = ["book_venue_change", "refuse_untracked_holders", "sync_rebase"]

RebaseIndex = dict[str, tuple[int, int]]
"""Per rebasing LST: (total pooled, total shares) its balances were last rebased to."""


def refuse_untracked_holders(pools: Iterable[Pool], lst: str) -> None:
    """Refuse pools that cannot hold a rebasing LST (balances they do not track)."""
    for pool in pools:
        if lst in pool.tokens and not hasattr(pool, "admin_balances"):
            raise ProtocolError(
                f"pool {pool.name!r} ({pool.kind}) cannot hold the rebasing {lst}: only "
                "StableSwap pools follow a rebase (wrap it, as wstETH wraps stETH)"
            )


def book_venue_change(ledger: Ledger, token: str, change: int) -> None:
    """Book a balance change inside a venue (pool, market) as supply created or destroyed."""
    if change > 0:
        ledger.minted_to_venue(token, change, "staking yield")
    elif change < 0:
        ledger.burned_in_venue(token, -change, "staking yield")


def sync_rebase(
    protocol: LiquidStaking,
    index: RebaseIndex,
    rebased: dict[str, int],
    ledger: Ledger,
    pools: Iterable[Pool],
    markets: Iterable[LendingMarket],
) -> int:
    """Rebase every holder of a rebasing LST to the protocol's share price; returns the net
    change of balances (booked as explicit mints and burns, and added to `rebased`)."""
    lst = protocol.lst
    p0, s0 = index[lst]
    p1, s1 = protocol.total_pooled, protocol.total_shares()
    if (p1, s1) == (p0, s0):
        return 0
    index[lst] = (p1, s1)
    if not (p0 and s0 and p1 and s1):
        return 0
    num, den = p1 * s0, s1 * p0  # the share price's growth, (p1 / s1) / (p0 / s0)
    if num == den:
        return 0
    total = 0
    for holder, wallet in ledger.wallets.items():
        balance = wallet.get(lst, 0)
        if balance:
            change = balance * num // den - balance
            if change > 0:
                ledger.mint(holder, lst, change, "staking yield")
            elif change < 0:
                ledger.burn(holder, lst, -change, "staking yield")
            total += change
    for pool in pools:
        if lst in pool.tokens:
            if not isinstance(pool, StableSwapPool):  # the scenario loader refuses this
                raise ProtocolError(f"pool {pool.name!r} cannot hold rebasing {lst}")
            change = pool.rebase(pool.tokens.index(lst), num, den)
            book_venue_change(ledger, lst, change)
            total += change
    for market in markets:
        if lst in market.reserves:
            change = market.rebase(lst, num, den)
            book_venue_change(ledger, lst, change)
            total += change
    rebased[lst] += total
    return total

"""Token launches and liquidity locks: the public records a block explorer shows about a new token.

A `Launchpad` keeps, per market, who launched which token into which pool (and whether the
deployer kept the right to mint), and which LP shares a liquidity locker (Unicrypt, Team
Finance) holds until a block. Buyers read these records and the holder concentration of a
token before they buy; rug pullers write them when they launch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sim.chain.ledger import Ledger
from sim.errors import ProtocolError
from sim.pools.base import Pool

__all__ = [
    "HasLaunchpad",
    "Launchpad",
    "LpLock",
    "TokenLaunch",
    "holder_concentration",
    "launch_of",
    "launches",
    "lock_lp",
    "locked_lp",
    "locked_lp_share",
    "register_launch",
]


@dataclass(frozen=True, slots=True)
class TokenLaunch:
    """A token launched inside the run, as a block explorer shows it (public facts only)."""

    token: str
    deployer: str
    pool: str
    block: int
    mint_authority: bool


@dataclass(frozen=True, slots=True)
class LpLock:
    """LP shares of `holder` in `pool` that cannot be withdrawn before `until_block`."""

    pool: str
    holder: str
    shares: int
    until_block: int


@dataclass(slots=True)
class Launchpad:
    """A market's launch records and LP locks, in the order they were made."""

    launches: list[TokenLaunch] = field(default_factory=list)
    locks: list[LpLock] = field(default_factory=list)


class HasLaunchpad(Protocol):
    """What keeps a market's `Launchpad` (the `Protocols` container)."""

    launchpad: Launchpad


def register_launch(protocols: HasLaunchpad, launch: TokenLaunch) -> None:
    """Record a token launch (the deployer's contract is public: who, which pool, mint rights)."""
    protocols.launchpad.launches.append(launch)


def launches(protocols: HasLaunchpad) -> list[TokenLaunch]:
    """Every token launched in the run, in order."""
    return list(protocols.launchpad.launches)


def launch_of(protocols: HasLaunchpad, token: str) -> TokenLaunch | None:
    """The launch record of `token`, if it was launched in the run."""
    return next((x for x in protocols.launchpad.launches if x.token == token), None)


def lock_lp(protocols: HasLaunchpad, pool: str, holder: str, shares: int, until_block: int) -> None:
    """Lock `shares` LP tokens of `holder` in `pool` until `until_block` (a public locker)."""
    if shares < 0:
        raise ProtocolError(f"lock_lp: shares must be >= 0, got {shares}")
    protocols.launchpad.locks.append(LpLock(pool, holder, shares, until_block))


def locked_lp(protocols: HasLaunchpad, pool: str, holder: str | None, block: int) -> int:
    """LP shares of `pool` (of `holder`, or of everyone) still locked at `block`."""
    return sum(
        lk.shares
        for lk in protocols.launchpad.locks
        if lk.pool == pool and (holder is None or lk.holder == holder) and lk.until_block > block
    )


def locked_lp_share(
    protocols: HasLaunchpad, pool: Pool, block: int, until: int | None = None
) -> float:
    """Share of `pool`'s LP supply locked at `block` (and, given `until`, still locked then)."""
    supply = getattr(pool, "total_supply", 0)
    if not supply:
        return 0.0
    at = block if until is None else max(block, until)
    return locked_lp(protocols, pool.name, None, at) / supply


def holder_concentration(ledger: Ledger, token: str, exclude: tuple[str, ...] = ()) -> float:
    """Share of `token`'s supply in its largest wallet (a block explorer's 'top holder %').

    Contracts (pools, the chef, lending markets) are venues, not wallets, so they never count
    as holders; `exclude` drops further addresses (e.g. a burn address).
    """
    supply = ledger.supply(token)
    if supply <= 0:
        return 0.0
    top = max(
        (w.get(token, 0) for h, w in ledger.wallets.items() if h not in exclude),
        default=0,
    )
    return top / supply

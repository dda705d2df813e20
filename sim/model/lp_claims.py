"""How a pool exposes its LPs' claims, read in one place so the books never branch on pool kind.

Constant-product and StableSwap pools issue fungible LP shares (`total_supply`,
`balance_of`); a concentrated-liquidity pool has ranged positions and no shares. Every
question the books and reporters ask about LP claims (how many shares, what one share
holds, what part of a fee LPs keep) goes through the functions here. The pools are
gaining one LP-claims interface (`Pool.lp_supply()`, `lp_shares()`, `lp_reserves()`,
`claim()`, `lp_fee_share()`); when it lands, each function below becomes that call.
"""

from __future__ import annotations

from sim.pools import liquidity
from sim.pools.base import Pool


def lp_supply(pool: Pool) -> int:
    """LP shares outstanding; 0 for a pool of ranged positions (it issues none)."""
    return getattr(pool, "total_supply", 0)


def lp_shares(pool: Pool, holder: str) -> int:
    """LP shares `holder` owns in `pool` (0 for a pool of ranged positions)."""
    try:
        return liquidity.lp_shares(pool, holder)
    except AttributeError:
        return 0


def ranged_positions(pool: Pool) -> bool:
    """Whether LPs hold ranged positions rather than shares (their fees come from the pool's
    own fee growth, not from a per-share accumulator)."""
    return pool.kind == "concentrated"


def lp_reserves(pool: Pool) -> tuple[int, ...]:
    """Each token's amount the LP shares together claim pro rata."""
    if pool.kind == "constant_product":
        return (pool.reserve0, pool.reserve1)  # type: ignore[attr-defined]
    return tuple(pool.balances)  # type: ignore[attr-defined]


def claim_per_share(pool: Pool, supply: int) -> tuple[float, ...]:
    """Token units one LP share is worth (reserves / supply), as floats."""
    return tuple(r / supply for r in lp_reserves(pool))


def holder_claim(pool: Pool, holder: str) -> dict[str, int]:
    """Tokens `holder`'s shares would withdraw from `pool` pro rata (empty without shares)."""
    shares = lp_shares(pool, holder)
    return liquidity.claim(pool, shares) if shares else {}


def lp_fee_share(pool: Pool) -> float:
    """Fraction of swap fees that accrues to LPs (protocol/admin cuts removed)."""
    if pool.kind == "stableswap":
        return 1.0 - pool.admin_fee / 10**10  # type: ignore[attr-defined]
    if pool.kind == "constant_product" and getattr(pool, "fee_to", None):
        return 5 / 6
    return 1.0

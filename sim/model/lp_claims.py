"""The books' questions about LP claims, asked through the pools' one LP-claims interface
(`sim.pools.base.Pool`: `lp_supply`, `lp_shares`, `lp_reserves`, `claim`, `lp_fee_share`,
`lp_claims`), so the books never branch on a pool's kind."""

from __future__ import annotations

from sim.pools.base import LpClaims, Pool


def lp_supply(pool: Pool) -> int:
    """LP shares outstanding; 0 for a pool of ranged positions (it issues none)."""
    return pool.lp_supply()


def lp_shares(pool: Pool, holder: str) -> int:
    """LP shares `holder` owns in `pool` (0 for a pool of ranged positions)."""
    return pool.lp_shares(holder)


def ranged_positions(pool: Pool) -> bool:
    """Whether LPs hold ranged positions rather than shares (their fees come from the pool's
    own fee growth, not from a per-share accumulator)."""
    return pool.lp_claims is LpClaims.POSITIONS


def claim_per_share(pool: Pool, supply: int) -> tuple[float, ...]:
    """Token units one LP share is worth (reserves / supply), as floats."""
    return tuple(r / supply for r in pool.lp_reserves())


def holder_claim(pool: Pool, holder: str) -> dict[str, int]:
    """Tokens `holder`'s shares would withdraw from `pool` pro rata (empty without shares)."""
    shares = pool.lp_shares(holder)
    return pool.claim(shares) if shares else {}


def lp_fee_share(pool: Pool) -> float:
    """Fraction of swap fees that accrues to LPs (protocol/admin cuts removed)."""
    return pool.lp_fee_share()

"""LP claims as the books read them, the same way for every pool kind (the pools' one LP-claims
interface): shares, claims, the LPs' part of a fee."""

from __future__ import annotations

from sim.model.books import claim_per_share
from sim.pools.base import LpClaims
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.pools.uniswap_v3.pool import ConcentratedPool

E18 = 10**18


def test_a_constant_product_pool_issues_shares() -> None:
    pool = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6))
    assert pool.lp_supply() == 0 and pool.lp_shares("a") == 0
    assert pool.claim(0) == {"ETH": 0, "USDC": 0}
    pool.mint("a", 100 * E18, 10**12)  # sqrt(1e32) = 1e16 shares, 1,000 locked
    assert (pool.lp_supply(), pool.lp_shares("a"), pool.lp_shares("b")) == (
        10**16,
        10**16 - 1_000,
        0,
    )
    assert pool.lp_reserves() == (100 * E18, 10**12)
    assert claim_per_share(pool, pool.lp_supply()) == (10_000.0, 1e-4)
    assert pool.claim(pool.lp_shares("a")) == {"ETH": 100 * E18 - 10**7, "USDC": 10**12 - 1}
    assert pool.lp_claims is LpClaims.SHARES
    assert pool.lp_fee_share() == 1.0
    with_fee_to = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6), fee_to="treasury")
    assert with_fee_to.lp_fee_share() == 5 / 6  # UniswapV2Pair._mintFee: 1/6 of fees


def test_a_stableswap_pool_issues_shares_and_keeps_its_admin_cut() -> None:
    pool = StableSwapPool("s", ("A", "B"), (18, 6), 100, 4_000_000, 5_000_000_000)
    pool.add_liquidity([10 * E18, 10 * 10**6], 0, "a")
    assert pool.lp_supply() == pool.lp_shares("a") == 20 * E18  # D of a balanced pool
    assert pool.lp_reserves() == (10 * E18, 10 * 10**6)
    assert claim_per_share(pool, pool.lp_supply()) == (0.5, 0.5e-12)
    assert pool.claim(pool.lp_shares("a")) == {"A": 10 * E18, "B": 10 * 10**6}
    assert pool.lp_claims is LpClaims.SHARES
    assert pool.lp_fee_share() == 0.5
    assert StableSwapPool("s", ("A", "B"), (18, 6), 100, 4_000_000, 0).lp_fee_share() == 1.0


def test_a_concentrated_pool_has_positions_not_shares() -> None:
    pool = ConcentratedPool("v3", ("ETH", "USDC"), (18, 6), 3_000)
    assert pool.lp_supply() == 0 and pool.lp_shares("a") == 0
    assert pool.claim(0) == {"ETH": 0, "USDC": 0}
    assert pool.lp_claims is LpClaims.POSITIONS
    assert pool.lp_fee_share() == 1.0

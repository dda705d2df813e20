"""LP claims read the same way for every pool kind: shares, claims, the LPs' part of a fee."""

from __future__ import annotations

from sim.model.lp_claims import (
    claim_per_share,
    holder_claim,
    lp_fee_share,
    lp_shares,
    lp_supply,
    ranged_positions,
)
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.pools.uniswap_v3.pool import ConcentratedPool

E18 = 10**18


def test_a_constant_product_pool_issues_shares() -> None:
    pool = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6))
    assert lp_supply(pool) == 0 and lp_shares(pool, "a") == 0 and holder_claim(pool, "a") == {}
    pool.mint("a", 100 * E18, 10**12)  # sqrt(1e32) = 1e16 shares, 1,000 locked
    assert (lp_supply(pool), lp_shares(pool, "a"), lp_shares(pool, "b")) == (
        10**16,
        10**16 - 1_000,
        0,
    )
    assert pool.lp_reserves() == (100 * E18, 10**12)
    assert claim_per_share(pool, lp_supply(pool)) == (10_000.0, 1e-4)
    assert holder_claim(pool, "a") == {"ETH": 100 * E18 - 10**7, "USDC": 10**12 - 1}
    assert not ranged_positions(pool)
    assert lp_fee_share(pool) == 1.0
    with_fee_to = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6), fee_to="treasury")
    assert lp_fee_share(with_fee_to) == 5 / 6  # UniswapV2Pair._mintFee: 1/6 of fees


def test_a_stableswap_pool_issues_shares_and_keeps_its_admin_cut() -> None:
    pool = StableSwapPool("s", ("A", "B"), (18, 6), 100, 4_000_000, 5_000_000_000)
    pool.add_liquidity([10 * E18, 10 * 10**6], 0, "a")
    assert lp_supply(pool) == lp_shares(pool, "a") == 20 * E18  # D of a balanced pool
    assert pool.lp_reserves() == (10 * E18, 10 * 10**6)
    assert claim_per_share(pool, lp_supply(pool)) == (0.5, 0.5e-12)
    assert holder_claim(pool, "a") == {"A": 10 * E18, "B": 10 * 10**6}
    assert not ranged_positions(pool)
    assert lp_fee_share(pool) == 0.5
    assert lp_fee_share(StableSwapPool("s", ("A", "B"), (18, 6), 100, 4_000_000, 0)) == 1.0


def test_a_concentrated_pool_has_positions_not_shares() -> None:
    pool = ConcentratedPool("v3", ("ETH", "USDC"), (18, 6), 3_000)
    assert lp_supply(pool) == 0 and lp_shares(pool, "a") == 0 and holder_claim(pool, "a") == {}
    assert ranged_positions(pool)
    assert lp_fee_share(pool) == 1.0

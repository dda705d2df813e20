"""Float views derived from the exact state: spot price, price impact, depth within x%."""

from __future__ import annotations

import pytest

from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.uniswap_v2.pair import ConstantProductPool


def cp() -> ConstantProductPool:
    pool = ConstantProductPool("p", ("ETH", "USDC"), (18, 6), fee_bps=30)
    pool.mint("lp", 1_000 * 10**18, 3_000_000 * 10**6)
    return pool


def test_spot_price_in_human_units_both_ways() -> None:
    pool = cp()
    assert pool.spot_price("ETH", "USDC") == pytest.approx(3_000.0)
    assert pool.spot_price("USDC", "ETH") == pytest.approx(1 / 3_000.0)


def test_price_impact_matches_constant_product_formula() -> None:
    pool = cp()
    dx = 10 * 10**18  # 1% of the ETH reserve
    impact = pool.price_impact("ETH", "USDC", dx)
    # execution price / spot = 0.997 * x / (x + 0.997 dx)
    expected = 1 - 0.997 * 1_000 / (1_000 + 0.997 * 10)
    assert impact == pytest.approx(expected, rel=1e-6)


def test_depth_is_the_largest_size_within_the_impact_budget() -> None:
    pool = cp()
    size = pool.depth("USDC", "ETH", 1.0)
    assert pool.price_impact("USDC", "ETH", size) <= 0.01
    assert pool.price_impact("USDC", "ETH", int(size * 1.001)) > 0.01


def test_stableswap_is_deeper_than_constant_product_near_the_peg() -> None:
    curve = StableSwapPool("c", ("USDC", "USDT"), (6, 6), A=200, fee=4_000_000)
    curve.add_liquidity([10**12, 10**12], 0, "lp")
    v2 = ConstantProductPool("v", ("USDC", "USDT"), (6, 6), fee_bps=4)
    v2.mint("lp", 10**12, 10**12)
    assert curve.depth("USDC", "USDT", 0.5) > 20 * v2.depth("USDC", "USDT", 0.5)

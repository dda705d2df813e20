"""Arbitrage sizing on a V2 pair (sim/pools/uniswap_v2/arbitrage.py, ConstantProductPool.arb_amount_in): the
integer optimum of the exact output."""

from __future__ import annotations

import random
from fractions import Fraction
from math import isqrt

import pytest
from conftest import make_v2_pool as make_pool
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.errors import InvalidAmount
from sim.pools.base import search_arb_amount_in
from sim.pools.uniswap_v2.arbitrage import optimal_arb_input
from sim.pools.uniswap_v2.library import UINT112_MAX, get_amount_out
from sim.pools.uniswap_v2.pair import MINIMUM_LIQUIDITY, ConstantProductPool

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def profit(a: int, r_in: int, r_out: int, fee_bps: int, price: Fraction) -> Fraction:
    return get_amount_out(a, r_in, r_out, fee_bps) * price - a if a else Fraction(0)


def test_the_input_is_the_best_integer_by_brute_force() -> None:
    for r_in, r_out, fee_bps, price in [
        (1_000, 2_000, 30, Fraction(3, 4)),
        (5_000, 1_200, 0, Fraction(5)),
        (2_500, 2_500, 300, Fraction(11, 10)),
    ]:
        a = optimal_arb_input(r_in, r_out, fee_bps, price.numerator, price.denominator)
        best = max(profit(x, r_in, r_out, fee_bps, price) for x in range(0, 4 * r_in))
        assert profit(a, r_in, r_out, fee_bps, price) >= best - 1  # within 1 unit of token_in
        assert a > 0


def test_no_trade_when_none_pays_and_the_uint112_cap_holds() -> None:
    assert optimal_arb_input(1_000, 1_000, 30, 1, 1) == 0  # at the price, the fee loses
    assert optimal_arb_input(1_000, 1, 30, 10**6, 1) == 0  # one indivisible unit left to buy
    assert optimal_arb_input(0, 1_000, 30, 2, 1) == 0
    # the continuous optimum (about 7e36) is far beyond what the pair's uint112 reserve can take
    a = optimal_arb_input(UINT112_MAX - 10**20, 10**30, 0, 10**10, 1)
    assert 0 < a <= 10**20


def exact_profit(
    pool: ConstantProductPool, t_in: str, t_out: str, price: float, a: int
) -> Fraction:
    """Profit of input `a` in raw units of token_in at the reference price (exact)."""
    d_in = pool.decimals[pool.index(t_in)]
    d_out = pool.decimals[pool.index(t_out)]
    p = Fraction(price) * 10**d_in / 10**d_out
    if a == 0:
        return Fraction(0)
    return pool.quote_exact_in(t_in, t_out, a) * p - a


@given(
    st.integers(10**3, 10**30),
    st.integers(10**3, 10**30),
    st.sampled_from([0, 1, 30, 100, 1000]),
    st.floats(0.5, 2.0),
    st.booleans(),
    st.sampled_from([(18, 18), (18, 6), (6, 18), (8, 6)]),
)
@PROPS
def test_arb_amount_in_is_the_optimum(
    r0: int, r1: int, fee_bps: int, mispricing: float, zero_for_one: bool, decimals: tuple[int, int]
) -> None:
    assume(isqrt(r0 * r1) > MINIMUM_LIQUIDITY)
    pool = ConstantProductPool("p", ("X", "Y"), decimals, fee_bps)
    pool.mint("lp", r0, r1)
    t_in, t_out = ("X", "Y") if zero_for_one else ("Y", "X")
    price = pool.spot_price(t_out, t_in) * mispricing  # whole t_in per whole t_out
    a = pool.arb_amount_in(t_in, t_out, price)
    best = exact_profit(pool, t_in, t_out, price, a)
    assert a >= 0 and best >= 0
    if a > 0:
        assert best > 0
        assert best >= exact_profit(pool, t_in, t_out, price, a - 1)
    assert best >= exact_profit(pool, t_in, t_out, price, a + 1)
    # no other size does better by more than one raw unit of token_in (the rounding of the
    # output makes the exact profit a sawtooth, so a far-off tooth can be a hair higher)
    r_in = pool.holdings()[t_in]
    grid = {a * k // 16 for k in range(1, 48)} | {r_in >> s for s in range(0, 60, 3)}
    for size in grid:
        if size > 0 and r_in + size <= UINT112_MAX:
            assert exact_profit(pool, t_in, t_out, price, size) <= best + 1


def test_arb_amount_in_brute_force_small_pools() -> None:
    """Against every input on small pools: the result is within 1 raw unit of the true best.

    (On such tiny pools the rounding sawtooth has several teeth of nearly equal height,
    so the exact best integer is sometimes a neighbouring tooth a fraction of a unit higher.)
    """
    rng = random.Random(7)
    for _ in range(40):
        r0, r1 = rng.randrange(1_100, 5_000), rng.randrange(1_100, 5_000)
        pool = ConstantProductPool("p", ("X", "Y"), (0, 0), rng.choice([0, 30, 300]))
        pool.mint("lp", r0, r1)
        price = pool.spot_price("Y", "X") * rng.uniform(1.0, 1.6)
        a = pool.arb_amount_in("X", "Y", price)
        profits = [exact_profit(pool, "X", "Y", price, x) for x in range(0, 2 * r0)]
        best = max(profits)
        assert profits[a] >= best - 1
        assert profits[a] >= 0


def test_arb_amount_in_no_trade_and_errors() -> None:
    pool = make_pool()
    spot = pool.spot_price("ETH", "USDC")
    # inside the fee band no trade pays
    assert pool.arb_amount_in("USDC", "ETH", spot * 1.002) == 0
    assert pool.arb_amount_in("ETH", "USDC", 1 / (spot * 0.998)) == 0
    assert pool.arb_amount_in("USDC", "ETH", 0.0) == 0
    # outside it, a trade does, and it moves the price to about the reference price
    a = pool.arb_amount_in("USDC", "ETH", spot * 1.10)
    assert a > 0
    pool.swap_exact_in("USDC", "ETH", a)
    assert spot * 1.10 * 0.997 < pool.spot_price("ETH", "USDC") < spot * 1.10
    with pytest.raises(InvalidAmount, match="finite"):
        pool.arb_amount_in("USDC", "ETH", float("nan"))
    with pytest.raises(InvalidAmount, match="negative"):
        pool.arb_amount_in("USDC", "ETH", -1.0)


def test_arb_amount_in_beats_the_generic_search() -> None:
    pool = make_pool()
    for t_in, t_out, price in [
        ("USDC", "ETH", 3_300.0),
        ("ETH", "USDC", 1 / 2_700.0),
        ("USDC", "ETH", 3_010.0),
    ]:
        ours = pool.arb_amount_in(t_in, t_out, price)
        generic = search_arb_amount_in(pool, t_in, t_out, price)
        assert exact_profit(pool, t_in, t_out, price, ours) >= exact_profit(
            pool, t_in, t_out, price, generic
        )


def test_arb_near_uint112_and_imbalanced() -> None:
    pool = ConstantProductPool("big", ("A", "B"), (18, 18))
    pool.mint("lp", UINT112_MAX // 2, 10**6)  # wildly imbalanced and near the cap
    price = pool.spot_price("B", "A") * 100  # B is worth 100x more outside
    a = pool.arb_amount_in("A", "B", price)
    assert 0 < a <= UINT112_MAX - pool.reserve0
    pool.swap_exact_in("A", "B", a)  # must not overflow
    assert pool.reserve0 <= UINT112_MAX

"""SqrtPriceMath (sim/pools/uniswap_v3/sqrt_price_math.py): v3-core's published values, reverts, rounding."""

from __future__ import annotations

import pytest
from conftest import encode_price_sqrt
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError
from sim.pools.uniswap_v3.fixed_point import Q96
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.sqrt_price_math import (
    get_amount0_delta,
    get_amount0_delta_signed,
    get_amount1_delta,
    get_amount1_delta_signed,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from sim.pools.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from sim.units import MAX_UINT256

E18 = 10**18


def test_get_next_sqrt_price_from_input_published_values() -> None:
    one = encode_price_sqrt(1, 1)
    assert get_next_sqrt_price_from_input(one, E18, E18 // 10, False) == (
        87150978765690771352898345369
    )
    assert get_next_sqrt_price_from_input(one, E18, E18 // 10, True) == (
        72025602285694852357767227579
    )
    assert get_next_sqrt_price_from_input(one, 10 * E18, 2**100, True) == 624999999995069620
    assert get_next_sqrt_price_from_input(one, 1, MAX_UINT256 // 2, True) == 1
    assert get_next_sqrt_price_from_input(one, E18 // 10, 0, True) == one
    assert get_next_sqrt_price_from_input(one, E18 // 10, 0, False) == one
    # the product overflows 256 bits: the fallback formula answers, and cannot underflow
    assert get_next_sqrt_price_from_input(1, 1, 2**255, True) == 1


def test_get_next_sqrt_price_from_input_reverts_like_the_contract() -> None:
    with pytest.raises(InvalidAmount):
        get_next_sqrt_price_from_input(0, 1, E18 // 10, False)
    with pytest.raises(InsufficientLiquidity):
        get_next_sqrt_price_from_input(1, 0, E18 // 10, True)
    with pytest.raises(PoolError):  # the price would pass 2**160
        get_next_sqrt_price_from_input((1 << 160) - 1, 1024, 1024, False)


def test_get_next_sqrt_price_from_output_published_values_and_reverts() -> None:
    one = encode_price_sqrt(1, 1)
    assert get_next_sqrt_price_from_output(one, E18, E18 // 10, True) == (
        71305346262837903834189555302
    )
    assert get_next_sqrt_price_from_output(one, E18, E18 // 10, False) == (
        88031291682515930659493278152
    )
    price = 20282409603651670423947251286016  # virtual reserves: 4 token0, 262144 token1
    assert get_next_sqrt_price_from_output(price, 1024, 262143, True) == 77371252455336267181195264
    for amount_out, zero_for_one in [(4, False), (5, False), (262144, True), (262145, True)]:
        with pytest.raises(InsufficientLiquidity):
            get_next_sqrt_price_from_output(price, 1024, amount_out, zero_for_one)


def test_amount_deltas_published_values() -> None:
    one, p121 = encode_price_sqrt(1, 1), encode_price_sqrt(121, 100)
    assert get_amount0_delta(one, p121, E18, True) == 90909090909090910
    assert get_amount0_delta(one, p121, E18, False) == 90909090909090909
    assert get_amount1_delta(one, p121, E18, True) == 100000000000000000
    assert get_amount1_delta(one, p121, E18, False) == 99999999999999999
    assert get_amount0_delta(one, encode_price_sqrt(2, 1), 0, True) == 0
    assert get_amount1_delta(one, one, E18, True) == 0


def test_swap_computation_published_value() -> None:
    sqrt_p = 1025574284609383690408304870162715216695788925244
    liquidity = 50015962439936049619261659728067971248
    sqrt_q = get_next_sqrt_price_from_input(sqrt_p, liquidity, 406, True)
    assert sqrt_q == 1025574284609383582644711336373707553698163132913
    assert get_amount0_delta(sqrt_q, sqrt_p, liquidity, True) == 406


sqrt_prices = st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1)


liquidities = st.integers(0, MAX_UINT128)


@settings(max_examples=300, deadline=None)
@given(sqrt_prices, sqrt_prices, liquidities)
def test_amount_deltas_round_up_by_at_most_one(a: int, b: int, liquidity: int) -> None:
    for delta in (get_amount0_delta, get_amount1_delta):
        up = delta(a, b, liquidity, True)
        down = delta(a, b, liquidity, False)
        assert down <= up <= down + 1
        assert delta(b, a, liquidity, True) == up  # the argument order does not matter


@settings(max_examples=200, deadline=None)
@given(sqrt_prices, sqrt_prices, st.integers(1, MAX_UINT128 >> 1))
def test_amount_deltas_bracket_the_exact_value(a: int, b: int, liquidity: int) -> None:
    low, high = min(a, b), max(a, b)
    # exact amount0 = L * 2**96 * (high - low) / (high * low); amount1 = L * (high - low) / 2**96
    num0, den0 = (liquidity << 96) * (high - low), high * low
    assert get_amount0_delta(a, b, liquidity, False) * den0 <= num0
    assert get_amount0_delta(a, b, liquidity, True) * den0 >= num0
    num1 = liquidity * (high - low)
    assert get_amount1_delta(a, b, liquidity, False) * Q96 <= num1
    assert get_amount1_delta(a, b, liquidity, True) * Q96 >= num1


@settings(max_examples=100, deadline=None)
@given(sqrt_prices, sqrt_prices, st.integers(1, MAX_UINT128 >> 1))
def test_signed_amount_deltas_round_against_the_caller(a: int, b: int, liquidity: int) -> None:
    assert get_amount0_delta_signed(a, b, liquidity) == get_amount0_delta(a, b, liquidity, True)
    assert get_amount0_delta_signed(a, b, -liquidity) == -get_amount0_delta(a, b, liquidity, False)
    assert get_amount1_delta_signed(a, b, liquidity) == get_amount1_delta(a, b, liquidity, True)
    assert get_amount1_delta_signed(a, b, -liquidity) == -get_amount1_delta(a, b, liquidity, False)

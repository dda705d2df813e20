"""Uniswap V3 core math: published v3-core test vectors plus property checks."""

from __future__ import annotations

from decimal import Decimal, localcontext
from math import isqrt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError
from sim.pools.uniswap_v3.v3_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MAX_UINT128,
    MAX_UINT256,
    MIN_SQRT_RATIO,
    MIN_TICK,
    Q96,
    add_delta,
    compute_swap_step,
    get_amount0_delta,
    get_amount0_delta_signed,
    get_amount1_delta,
    get_amount1_delta_signed,
    get_amounts_for_liquidity,
    get_liquidity_for_amounts,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
    mul_div,
    mul_div_rounding_up,
    tick_spacing_to_max_liquidity_per_tick,
)

E18 = 10**18


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    """floor(sqrt(reserve1 / reserve0) * 2**96), as v3-core's test helper."""
    return isqrt((reserve1 << 192) // reserve0)


# ---------------------------------------------------------------- FullMath / LiquidityMath


def test_mul_div_floors_and_rounds_up() -> None:
    assert mul_div(7, 3, 2) == 10
    assert mul_div_rounding_up(7, 3, 2) == 11
    assert mul_div_rounding_up(6, 3, 2) == 9
    # a 512-bit intermediate that fits back in 256 bits
    assert mul_div(MAX_UINT256, MAX_UINT256, MAX_UINT256) == MAX_UINT256


def test_mul_div_reverts_on_zero_denominator_and_overflow() -> None:
    with pytest.raises(PoolError):
        mul_div(1, 1, 0)
    with pytest.raises(PoolError):
        mul_div(MAX_UINT256, 2, 1)
    with pytest.raises(PoolError):
        mul_div_rounding_up(MAX_UINT256, MAX_UINT256, MAX_UINT256 - 1)


def test_add_delta_reverts_on_underflow_and_overflow() -> None:
    assert add_delta(1, 0) == 1
    assert add_delta(1, -1) == 0
    assert add_delta(1, 1) == 2
    with pytest.raises(InsufficientLiquidity):
        add_delta(0, -1)
    with pytest.raises(InsufficientLiquidity):
        add_delta(3, -4)
    with pytest.raises(InvalidAmount):
        add_delta(MAX_UINT128 - 14, 15)


# ---------------------------------------------------------------- TickMath

# getSqrtRatioAtTick values from v3-core's TickMath spec snapshot.
PUBLISHED_SQRT_RATIOS = {
    MIN_TICK: MIN_SQRT_RATIO,
    MIN_TICK + 1: 4295343490,
    MAX_TICK - 1: 1461373636630004318706518188784493106690254656249,
    MAX_TICK: MAX_SQRT_RATIO,
    0: Q96,
    50: 79426470787362580746886972461,
    -50: 79030349367926598376800521322,
    100: 79625275426524748796330556128,
    -100: 78833030112140176575862854579,
    250: 80224679980005306637834519095,
    -250: 78244023372248365697264290337,
    500: 81233731461783161732293370115,
    -500: 77272108795590369356373805297,
    1000: 83290069058676223003182343270,
    -1000: 75364347830767020784054125655,
    2500: 89776708723587163891445672585,
    -2500: 69919044979842180277688105136,
    3000: 92049301871182272007977902845,
    -3000: 68192822843687888778582228483,
    4000: 96768528593268422080558758223,
    -4000: 64867181785621769311890333195,
    5000: 101729702841318637793976746270,
    -5000: 61703726247759831737814779831,
    50000: 965075977353221155028623082916,
    -50000: 6504256538020985011912221507,
    150000: 143194173941309278083010301478497,
    -150000: 43836292794701720435367485,
    250000: 21246587762933397357449903968194344,
    -250000: 295440463448801648376846,
    500000: 5697689776495288729098254600827762987878,
    -500000: 1101692437043807371,
    738203: 847134979253254120489401328389043031315994541,
    -738203: 7409801140451,
}


@pytest.mark.parametrize(("tick", "expected"), sorted(PUBLISHED_SQRT_RATIOS.items()))
def test_get_sqrt_ratio_at_tick_matches_published_values(tick: int, expected: int) -> None:
    assert get_sqrt_ratio_at_tick(tick) == expected


@pytest.mark.parametrize("tick", [MIN_TICK - 1, MAX_TICK + 1, -(2**23), 2**23 - 1])
def test_get_sqrt_ratio_at_tick_rejects_ticks_beyond_the_bounds(tick: int) -> None:
    with pytest.raises(InvalidAmount, match="outside"):
        get_sqrt_ratio_at_tick(tick)


@pytest.mark.parametrize("tick", [-887272, -500000, -1000, -1, 1, 20, 1000, 500000, 887272])
def test_get_sqrt_ratio_at_tick_is_within_a_hundredth_of_a_bip_of_the_exact_value(
    tick: int,
) -> None:
    with localcontext() as ctx:
        ctx.prec = 80
        exact = Decimal("1.0001") ** tick
        exact_sqrt = exact.sqrt() * Decimal(Q96)
        result = Decimal(get_sqrt_ratio_at_tick(tick))
        assert abs(result - exact_sqrt) / exact_sqrt < Decimal("1e-6")


def test_get_tick_at_sqrt_ratio_bounds_and_published_values() -> None:
    assert get_tick_at_sqrt_ratio(MIN_SQRT_RATIO) == MIN_TICK
    assert get_tick_at_sqrt_ratio(4295343490) == MIN_TICK + 1
    assert get_tick_at_sqrt_ratio(1461373636630004318706518188784493106690254656249) == (
        MAX_TICK - 1
    )
    assert get_tick_at_sqrt_ratio(MAX_SQRT_RATIO - 1) == MAX_TICK - 1
    assert get_tick_at_sqrt_ratio(Q96) == 0
    assert get_tick_at_sqrt_ratio(Q96 - 1) == -1
    with pytest.raises(InvalidAmount):
        get_tick_at_sqrt_ratio(MIN_SQRT_RATIO - 1)
    with pytest.raises(InvalidAmount):
        get_tick_at_sqrt_ratio(MAX_SQRT_RATIO)


@settings(max_examples=300, deadline=None)
@given(st.integers(MIN_TICK, MAX_TICK - 1))
def test_get_tick_at_sqrt_ratio_inverts_get_sqrt_ratio_at_tick(tick: int) -> None:
    sqrt_ratio = get_sqrt_ratio_at_tick(tick)
    assert get_tick_at_sqrt_ratio(sqrt_ratio) == tick
    if tick > MIN_TICK:
        assert get_tick_at_sqrt_ratio(sqrt_ratio - 1) == tick - 1


@settings(max_examples=300, deadline=None)
@given(st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1))
def test_get_tick_at_sqrt_ratio_is_the_greatest_tick_at_or_below(sqrt_price: int) -> None:
    tick = get_tick_at_sqrt_ratio(sqrt_price)
    assert get_sqrt_ratio_at_tick(tick) <= sqrt_price
    if tick < MAX_TICK:
        assert get_sqrt_ratio_at_tick(tick + 1) > sqrt_price


# ---------------------------------------------------------------- Tick


def test_max_liquidity_per_tick_matches_v3_core() -> None:
    assert tick_spacing_to_max_liquidity_per_tick(10) == 1917569901783203986719870431555990
    assert tick_spacing_to_max_liquidity_per_tick(60) == 11505743598341114571880798222544994
    assert tick_spacing_to_max_liquidity_per_tick(200) == 38350317471085141830651933667504588
    assert tick_spacing_to_max_liquidity_per_tick(887272) == MAX_UINT128 // 3
    assert tick_spacing_to_max_liquidity_per_tick(2302) == 441351967472034323558203122479595605


# ---------------------------------------------------------------- SqrtPriceMath


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


# ---------------------------------------------------------------- SwapMath


def test_compute_swap_step_published_values() -> None:
    one = encode_price_sqrt(1, 1)
    # exact in, capped at the price target, one for zero
    target = encode_price_sqrt(101, 100)
    sqrt_q, amount_in, amount_out, fee = compute_swap_step(one, target, 2 * E18, E18, 600)
    assert (sqrt_q, amount_in, amount_out, fee) == (
        target,
        9975124224178055,
        9925619580021728,
        5988667735148,
    )
    assert sqrt_q < get_next_sqrt_price_from_input(one, 2 * E18, E18, False)
    # exact out, capped at the price target
    assert compute_swap_step(one, target, 2 * E18, -E18, 600) == (
        target,
        9975124224178055,
        9925619580021728,
        5988667735148,
    )
    # exact in, fully spent
    target = encode_price_sqrt(1000, 100)
    sqrt_q, amount_in, amount_out, fee = compute_swap_step(one, target, 2 * E18, E18, 600)
    assert (amount_in, amount_out, fee) == (999400000000000000, 666399946655997866, 600000000000000)
    assert amount_in + fee == E18
    assert sqrt_q < target
    assert sqrt_q == get_next_sqrt_price_from_input(one, 2 * E18, E18 - fee, False)
    # exact out, fully received
    target = encode_price_sqrt(10000, 100)
    sqrt_q, amount_in, amount_out, fee = compute_swap_step(one, target, 2 * E18, -E18, 600)
    assert (amount_in, amount_out, fee) == (2 * E18, E18, 1200720432259356)
    assert sqrt_q == get_next_sqrt_price_from_output(one, 2 * E18, E18, False)
    # amount out is capped at the desired amount out
    assert compute_swap_step(
        417332158212080721273783715441582,
        1452870262520218020823638996,
        159344665391607089467575320103,
        -1,
        1,
    ) == (417332158212080721273783715441581, 1, 1, 1)
    # target price of 1 uses partial input amount
    assert compute_swap_step(2, 1, 1, 3915081100057732413702495386755767, 1) == (
        1,
        39614081257132168796771975168,
        0,
        39614120871253040049813,
    )
    # entire input amount taken as fee
    assert compute_swap_step(
        2413, 79887613182836312, 1985041575832132834610021537970, 10, 1872
    ) == (
        2413,
        0,
        0,
        10,
    )
    # intermediate insufficient liquidity, exact output, both directions
    sqrt_p = 20282409603651670423947251286016
    assert compute_swap_step(sqrt_p, sqrt_p * 11 // 10, 1024, -4, 3000) == (
        sqrt_p * 11 // 10,
        26215,
        0,
        79,
    )
    assert compute_swap_step(sqrt_p, sqrt_p * 9 // 10, 1024, -263000, 3000) == (
        sqrt_p * 9 // 10,
        1,
        26214,
        1,
    )


@settings(max_examples=300, deadline=None)
@given(
    sqrt_prices,
    sqrt_prices,
    st.integers(1, MAX_UINT128),
    st.integers(-(2**200), 2**200).filter(lambda x: x != 0),
    st.integers(0, 999_999),
)
def test_compute_swap_step_never_overspends_or_overshoots(
    sqrt_p: int, target: int, liquidity: int, amount_remaining: int, fee_pips: int
) -> None:
    try:
        sqrt_q, amount_in, amount_out, fee = compute_swap_step(
            sqrt_p, target, liquidity, amount_remaining, fee_pips
        )
    except PoolError:
        return  # a revert (e.g. a price overflow) is the contract's behaviour too
    zero_for_one = sqrt_p >= target
    if amount_remaining > 0:
        assert amount_in + fee <= amount_remaining
    else:
        assert amount_out <= -amount_remaining
    if zero_for_one:
        assert target <= sqrt_q <= sqrt_p
        assert amount_out <= get_amount1_delta(sqrt_q, sqrt_p, liquidity, False)
    else:
        assert sqrt_p <= sqrt_q <= target
        assert amount_out <= get_amount0_delta(sqrt_p, sqrt_q, liquidity, False)


# ---------------------------------------------------------------- LiquidityAmounts


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-50_000, 50_000),
    st.integers(1, 20_000),
    st.integers(-30_000, 30_000),
    st.integers(0, 10**30),
    st.integers(0, 10**30),
)
def test_liquidity_for_amounts_never_needs_more_than_given(
    tick_lower: int, width: int, offset: int, amount0: int, amount1: int
) -> None:
    sqrt_a = get_sqrt_ratio_at_tick(tick_lower)
    sqrt_b = get_sqrt_ratio_at_tick(tick_lower + width)
    sqrt_p = get_sqrt_ratio_at_tick(tick_lower + offset)
    liquidity = get_liquidity_for_amounts(sqrt_p, sqrt_a, sqrt_b, amount0, amount1)
    need0, need1 = get_amounts_for_liquidity(sqrt_p, sqrt_a, sqrt_b, liquidity)
    assert need0 <= amount0
    assert need1 <= amount1


def test_amounts_for_liquidity_by_position_of_the_price() -> None:
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(-600), get_sqrt_ratio_at_tick(600)
    below = get_amounts_for_liquidity(get_sqrt_ratio_at_tick(-1200), sqrt_a, sqrt_b, E18)
    inside = get_amounts_for_liquidity(Q96, sqrt_a, sqrt_b, E18)
    above = get_amounts_for_liquidity(get_sqrt_ratio_at_tick(1200), sqrt_a, sqrt_b, E18)
    assert below[0] > 0 and below[1] == 0
    assert inside[0] > 0 and inside[1] > 0
    assert above[0] == 0 and above[1] > 0
    # symmetric band around price 1: both sides hold about the same amount
    assert abs(inside[0] - inside[1]) <= 1

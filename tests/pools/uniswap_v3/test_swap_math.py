"""SwapMath (sim/pools/uniswap_v3/swap_math.py): v3-core's published computeSwapStep values and bounds."""

from __future__ import annotations

from conftest import encode_price_sqrt
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import PoolError
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.sqrt_price_math import (
    get_amount0_delta,
    get_amount1_delta,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from sim.pools.uniswap_v3.swap_math import compute_swap_step
from sim.pools.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO

E18 = 10**18
sqrt_prices = st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1)


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

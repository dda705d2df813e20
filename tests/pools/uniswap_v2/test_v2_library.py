"""UniswapV2Library pricing (sim/pools/uniswap_v2/library.py): bit-identical to the deployed 997/1000, exact values, reverts."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError
from sim.pools.uniswap_v2.library import get_amount_in, get_amount_out, quote

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def v2_get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountOut exactly as deployed (997/1000)."""
    amount_in_with_fee = amount_in * 997
    return amount_in_with_fee * reserve_out // (reserve_in * 1000 + amount_in_with_fee)


def v2_get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountIn exactly as deployed (997/1000)."""
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


@given(
    st.integers(1, 2**112),
    st.integers(1, 2**112),
    st.integers(1, 2**112),
)
@settings(max_examples=400, deadline=None)
def test_30_bps_is_v2_997_over_1000(amount: int, reserve_in: int, reserve_out: int) -> None:
    assert get_amount_out(amount, reserve_in, reserve_out) == v2_get_amount_out(
        amount, reserve_in, reserve_out
    )
    if amount < reserve_out:
        assert get_amount_in(amount, reserve_in, reserve_out) == v2_get_amount_in(
            amount, reserve_in, reserve_out
        )


def test_30_bps_is_v2_997_over_1000_seeded_sweep() -> None:
    rng = random.Random(1)
    for _ in range(20_000):
        scale = rng.choice([10, 10**6, 10**18, 10**30])
        amount, r_in, r_out = (rng.randrange(1, scale) for _ in range(3))
        assert get_amount_out(amount, r_in, r_out, 30) == v2_get_amount_out(amount, r_in, r_out)
        if amount < r_out:
            assert get_amount_in(amount, r_in, r_out, 30) == v2_get_amount_in(amount, r_in, r_out)


def test_get_amount_in_adds_one_unconditionally() -> None:
    # 1000 * 1000 * 10_000 / ((2000 - 1000) * 10_000) = 1000 exactly, still + 1
    assert get_amount_in(1000, 1000, 2000, fee_bps=0) == 1001
    # and 1000 in would indeed have been enough
    assert get_amount_out(1000, 1000, 2000, fee_bps=0) == 1000


@given(st.integers(1, 10**30), st.integers(1, 10**30), st.integers(2, 10**30), st.integers(0, 300))
@PROPS
def test_get_amount_in_buys_at_least_amount_out(
    amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int
) -> None:
    assume(amount_out < reserve_out)
    amount_in = get_amount_in(amount_out, reserve_in, reserve_out, fee_bps)
    assert get_amount_out(amount_in, reserve_in, reserve_out, fee_bps) >= amount_out
    if amount_in > 2:  # the +1 may be superfluous, but never more than that
        assert get_amount_out(amount_in - 2, reserve_in, reserve_out, fee_bps) < amount_out


def test_quote() -> None:
    assert quote(10, 3, 7) == 23  # 70 // 3
    assert quote(1, 10**6, 1) == 0


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda: get_amount_out(0, 10, 10), InvalidAmount, "INSUFFICIENT_INPUT_AMOUNT"),
        (lambda: get_amount_out(-5, 10, 10), InvalidAmount, "INSUFFICIENT_INPUT_AMOUNT"),
        (lambda: get_amount_out(1.5, 10, 10), InvalidAmount, "INSUFFICIENT_INPUT_AMOUNT"),
        (lambda: get_amount_out(1, 0, 10), InsufficientLiquidity, "INSUFFICIENT_LIQUIDITY"),
        (lambda: get_amount_out(1, 10, 10, 10_000), InvalidAmount, "fee_bps"),
        (lambda: get_amount_in(0, 10, 10), InvalidAmount, "INSUFFICIENT_OUTPUT_AMOUNT"),
        (lambda: get_amount_in(1, 10, 0), InsufficientLiquidity, "INSUFFICIENT_LIQUIDITY"),
        (lambda: get_amount_in(10, 10, 10), InsufficientLiquidity, "holds only 10"),
        (lambda: quote(0, 1, 1), InvalidAmount, "INSUFFICIENT_AMOUNT"),
        (lambda: quote(1, 0, 1), InsufficientLiquidity, "INSUFFICIENT_LIQUIDITY"),
    ],
)
def test_library_errors(call: object, error: type[PoolError], text: str) -> None:
    with pytest.raises(error, match=text):
        call()  # type: ignore[operator]


@given(st.integers(1, 10**30), st.integers(1, 10**30), st.integers(1, 10**30), st.integers(0, 999))
@PROPS
def test_larger_input_never_smaller_output(
    amount: int, reserve_in: int, reserve_out: int, fee_bps: int
) -> None:
    out = get_amount_out(amount, reserve_in, reserve_out, fee_bps)
    assert out < reserve_out
    assert get_amount_out(amount + 1, reserve_in, reserve_out, fee_bps) >= out
    assert get_amount_out(amount * 2, reserve_in, reserve_out, fee_bps) >= out

"""The y loop in closed form (sim/pools/curve/newton.py): `newton_y_result` and the C kernel's y equal
the contract's loop wherever they answer."""

from __future__ import annotations

import pytest
from conftest import make_stableswap_pool as make_pool
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InvalidAmount, PoolError
from sim.pools.curve import newton
from sim.pools.curve.newton import A_PRECISION, newton_y_result

pytestmark = pytest.mark.usefixtures("stableswap_kernel")


def contract_y_loop(B: int, c: int, D: int) -> int | str:
    """The contract's y iteration itself (from y = D), with its reverts as strings."""
    y = D
    for _ in range(255):
        y_prev = y
        num, den = y * y + c, 2 * y + B
        if den <= 0:
            return "underflow"
        if num > 2**256 - 1:
            return "overflow"
        y = num // den
        if abs(y - y_prev) <= 1:
            return y
    return "no convergence"


@settings(max_examples=3000, deadline=None, database=None)
@given(
    D=st.integers(1, 2**128),
    c=st.integers(0, 2**250),
    B=st.integers(-(2**128), 2**128),
)
def test_closed_form_y_equals_the_contract_loop_wherever_it_answers(B: int, c: int, D: int) -> None:
    fast = newton_y_result(B, c, D)
    if fast is not None:
        assert fast == contract_y_loop(B, c, D)
    check_native_y(B, c, D)


def check_native_y(B: int, c: int, D: int) -> None:
    """The C kernel's y (one Newton step from a float estimate where its closed form vouches,
    else the loop from y = D) must be the loop's result, and None exactly where it reverts."""
    if newton.native_get_y_2 is None or B + D < 0 or c < 0:  # the Python run, or not uint256
        return
    from sim.pools.curve._stableswap_native import y_from

    expected = contract_y_loop(B, c, D)
    assert y_from(B + D, c, D) == (expected if isinstance(expected, int) else None)


@settings(max_examples=2000, deadline=None, database=None)
@given(
    r=st.integers(1, 2**100),
    below=st.integers(1, 64),
    spread=st.integers(2, 2**100),
    data=st.data(),
)
def test_closed_form_y_near_an_integer_root_falls_back_or_agrees(
    r: int, below: int, spread: int, data: st.DataObject
) -> None:
    """Roots just below an integer are where a shortcut could be off by one: both must agree."""
    B = data.draw(st.integers(-r, r))
    c = (r + 1) ** 2 + B * (r + 1) - below  # f(r + 1) = below: the root sits just under r + 1
    D = r + spread
    fast = newton_y_result(B, c, D)
    if fast is not None:
        assert fast == contract_y_loop(B, c, D)
    check_native_y(B, c, D)


def test_closed_form_y_answers_for_real_pool_states() -> None:
    """On ordinary pools the shortcut applies (else it would not make anything faster)."""
    pool = make_pool(decimals=(6, 6), whole=(25_000_000, 25_000_000))
    xp = pool._xp()
    amp = pool._A()
    D = pool.get_D(xp, amp)
    Ann = amp * 2
    for dx in (1, 10**6, 10**12, 10**13):
        x = xp[0] + dx * 10**12
        c = D * D // (x * 2) * D * A_PRECISION // (Ann * 2)
        b = x + D * A_PRECISION // Ann
        assert newton_y_result(b - D, c, D) is not None
        assert newton_y_result(b - D, c, D) == contract_y_loop(b - D, c, D)


def test_D_of_balanced_coins_is_their_sum_and_get_y_D_inverts_it() -> None:
    for xp in ([10**24, 10**24], [5 * 10**23] * 3, [7 * 10**20] * 4):
        D = newton.get_D(xp, 100 * A_PRECISION, "p")
        assert sum(xp) == D  # x_i all equal: the invariant is exactly the sum
        assert newton.get_y_D(100 * A_PRECISION, 0, xp, D, "p") in (xp[0], xp[0] + 1)
    assert newton.get_D([0, 0], 100 * A_PRECISION, "p") == 0


def test_the_solvers_raise_the_contracts_errors_naming_the_pool() -> None:
    with pytest.raises(PoolError, match="pool 'p': get_D divides by a zero balance"):
        newton.get_D([10**18, 0, 10**18], 100 * A_PRECISION, "p")
    with pytest.raises(InvalidAmount, match=r"pool 'p': coin index 2 out of range 0\.\.1"):
        newton.get_y_D(100 * A_PRECISION, 2, [10**18, 10**18], 2 * 10**18, "p")
    with pytest.raises(PoolError, match="uint256 overflow in get_y"):
        newton.get_y_2(2**130, 2**130, 10_000, "p")
    assert newton.get_D_2(2**200, 2**200, 10_000) is None  # where the Python loop would revert

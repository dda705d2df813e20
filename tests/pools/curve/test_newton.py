"""The y loop in closed form (sim/pools/curve/newton.py): `newton_y_result` and the C kernel's y equal
the contract's loop wherever they answer."""

from __future__ import annotations

import pytest
from conftest import make_stableswap_pool as make_pool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.pools.curve import newton
from sim.pools.curve.newton import A_PRECISION, newton_y_result

pytestmark = pytest.mark.usefixtures("stableswap_kernel")
E18 = 10**18
PROPS = settings(
    max_examples=40,
    deadline=None,
    database=None,  # no .hypothesis directory in the work tree
    suppress_health_check=[HealthCheck.too_slow],
)


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
    if newton._native_y_2 is None or B + D < 0 or c < 0:  # the Python run, or not uint256
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

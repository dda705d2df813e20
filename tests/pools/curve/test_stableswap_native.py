"""The C kernels of the 2-coin StableSwap hot path against their Python reference.

sim/pools/curve/_stableswap_native.c redoes two contract loops (_get_D, _get_y) in uint256
limbs. Whatever integer it returns must be the one the Python reference computes; where
it declines (None), the Python runs instead. These tests compare the two directly, from
the limb arithmetic up to a whole scenario's results. (The kernel's y loop and closed form
are checked against the contract loop in test_newton.py, beside the Python's.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import PoolError
from sim.pools.curve import newton
from sim.pools.curve.newton import A_PRECISION, get_D_2, get_y_2
from sim.runs.runner import run
from sim.units import MAX_UINT256

native = pytest.importorskip(
    "sim.pools.curve._stableswap_native", reason="native kernels not built"
)

U256 = 2**256
# values that stress limb boundaries and the division's quotient-digit correction
LIMB = st.one_of(
    st.integers(0, 2**64 - 1),
    st.sampled_from([0, 1, 2**63, 2**63 - 1, 2**64 - 2, 2**64 - 1]),
)
WORDS = st.lists(LIMB, min_size=1, max_size=4).map(
    lambda limbs: sum(w << (64 * k) for k, w in enumerate(limbs))
)
UINT = st.one_of(WORDS, st.integers(0, U256 - 1), st.integers(0, 256).map(lambda k: 2**k - 1))
MANY = settings(max_examples=3000, deadline=None, database=None)


def test_ammsim_pure_python_switches_the_kernels_off() -> None:
    code = "import sim.pools.curve.newton as s; print(s.native_get_D_2, s.native_get_y_2)"
    env = {**os.environ, "AMMSIM_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["None", "None"], out.stderr


@MANY
@given(a=UINT, b=UINT)
def test_uint256_multiply_and_divide_match_python_integers(a: int, b: int) -> None:
    assert native.u256_mul(a, b) == (a * b if a * b < U256 else None)
    assert native.u256_div(a, b) == (a // b if b else None)


@MANY
@given(q=WORDS, b=WORDS, r=WORDS)
def test_division_recovers_the_quotient_of_a_product(q: int, b: int, r: int) -> None:
    """Dividends built as q*b + r with r < b: the cases where a quotient digit estimate
    is one too large and must be corrected."""
    if b == 0:
        return
    a = q * b + r % b
    if a < U256:
        assert native.u256_div(a, b) == q


def test_ints_are_read_exactly_up_to_the_last_uint256() -> None:
    """The kernel reads ints through the public C API, 64 bits at a time, sized by a float
    conversion that rounds up near powers of two: the edges must still read exactly."""
    for v in (2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**128 - 1, 2**192, 2**256 - 2**203, U256 - 1):
        assert native.u256_div(v, 1) == v
        assert native.u256_mul(v, 1) == v
    for v in (U256, U256 + 2**203, 2**1100):
        assert native.u256_div(v, 1) is None


def test_out_of_range_inputs_are_declined_not_wrapped() -> None:
    for bad in (-1, U256, 2**300, 1.0, True, "1"):
        assert native.u256_mul(bad, 1) is None
        assert native.get_D_2(bad, 10**18, 10_000) is None
        assert native.get_y_2(bad, 10**18, 10_000) is None
    assert native.u256_mul(U256 - 1, 2) is None
    assert native.u256_div(1, 0) is None


BALANCE = st.integers(1, 2**128)
AMP = st.one_of(st.sampled_from([100, 200, 10_000, 200_000, 10**8]), st.integers(1, 10**8))


@MANY
@given(x0=BALANCE, ratio=st.floats(1e-6, 1e6), amp=AMP)
def test_D_matches_the_python_reference(x0: int, ratio: float, amp: int) -> None:
    x1 = max(1, int(x0 * ratio))
    D = native.get_D_2(x0, x1, amp)
    reference = get_D_2(x0, x1, amp)
    if D is not None:
        assert reference == D
    elif max(x0, x1) < 2**80 and amp >= A_PRECISION:
        # ordinary pools: the kernel answers wherever the contract does
        assert reference is None


def python_y(x: int, D: int, amp: int) -> int | str:
    try:
        return get_y_2(x, D, amp, "ref")
    except PoolError as err:
        return type(err).__name__


@MANY
@given(
    x0=st.integers(10**6, 2**100), ratio=st.floats(1e-4, 1e4), trade=st.floats(-0.99, 100), amp=AMP
)
def test_y_matches_the_python_reference(x0: int, ratio: float, trade: float, amp: int) -> None:
    x1 = max(1, int(x0 * ratio))
    D = get_D_2(x0, x1, amp)
    if D is None:
        return
    x = max(1, x0 + int(x0 * trade))
    y = native.get_y_2(x, D, amp)
    reference = python_y(x, D, amp)
    if y is not None:
        assert y == reference
    elif max(x, D) < 2**80:
        assert isinstance(reference, str)  # declined only where the contract reverts


def test_kernels_decline_where_an_intermediate_leaves_uint256() -> None:
    """D * D beyond 2**256: the kernel declines, the Python reports the contract's overflow."""
    big = 2**130
    assert native.get_y_2(big, big, 10_000) is None
    assert python_y(big, big, 10_000) == "PoolError"
    assert native.get_D_2(2**200, 2**200, 10_000) is None
    assert get_D_2(2**200, 2**200, 10_000) is None
    assert MAX_UINT256 == U256 - 1


def _summary(out: str) -> dict[str, object]:
    result = run("stableswap_vs_constant_product", blocks=400, out=out)
    summary = json.loads((result.path / "summary.json").read_text())
    for volatile in ("run_id", "created", "wall_s", "started", "finished"):
        summary.pop(volatile, None)
    return summary


def test_a_scenario_gives_the_same_results_with_and_without_the_kernels(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_kernels = _summary(str(tmp_path / "native"))  # type: ignore[operator]
    monkeypatch.setattr(newton, "native_get_D_2", None)
    monkeypatch.setattr(newton, "native_get_y_2", None)
    assert _summary(str(tmp_path / "python")) == with_kernels  # type: ignore[operator]

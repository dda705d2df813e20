"""The StableSwap invariant's two Newton solvers, D and y, as SwapTemplateBase.vy runs them.

`get_D` mirrors `_get_D` (the invariant of the balances), `get_y` and `get_y_D` mirror
`_get_y` and `_get_y_D` (one balance that keeps the invariant), all on 18-decimal `xp`
values, with the contract's integer steps in the contract's order and its reverts raised as
`PoolError` naming `pool_name`. `newton_y_result` gives the y loop's result in closed form
wherever its proof vouches that it is the same integer.

The C kernels. For two coins (every swap and quote of the common pool) the D and y loops
also exist in `_stableswap_native.c`, built by setup.py when a C compiler is present: the
same uint256 steps on 64-bit limbs. `native_get_D_2` / `native_get_y_2` are those kernels,
or None where they are not built or ``AMMSIM_PURE_PYTHON`` is set; callers try them first
and read them at every call (tests switch them off by patching). A kernel answers only where
every intermediate fits in uint256 and the loop converges (else None); then the Python here
runs: the reference the kernels are tested against, and what raises the contract's errors.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence

from sim.errors import InvalidAmount, PoolError
from sim.units import MAX_UINT256

__all__ = [
    "A_PRECISION",
    "MAX_ITERATIONS",
    "MAX_UINT256",
    "get_D",
    "get_D_2",
    "get_y",
    "get_y_2",
    "get_y_D",
    "kernels_native",
    "native_get_D_2",
    "native_get_y_2",
    "newton_y",
    "newton_y_result",
    "uint256_overflow",
]

A_PRECISION = 100
MAX_COIN_DECIMALS = 18
"""Coins have at most 18 decimals: the contract's rate multipliers are 10**(18 - decimals)."""
MAX_ITERATIONS = 255

native_get_D_2: Callable[[int, int, int], int | None] | None
native_get_y_2: Callable[[int, int, int], int | None] | None
try:  # uint256 kernels of the 2-coin hot path, built by setup.py; the Python below is the reference
    from sim.pools.curve._stableswap_native import get_D_2 as native_get_D_2
    from sim.pools.curve._stableswap_native import get_y_2 as native_get_y_2
except ImportError:  # no C compiler at install time: the same integers, in Python
    native_get_D_2 = native_get_y_2 = None
if os.environ.get("AMMSIM_PURE_PYTHON"):
    native_get_D_2 = native_get_y_2 = None


def kernels_native() -> bool:
    """Whether the 2-coin loops run in the C kernels (built, and not switched off)."""
    return native_get_D_2 is not None


def uint256_overflow(what: str) -> PoolError:
    """The error of an intermediate value leaving uint256 in `what`."""
    return PoolError(
        f"uint256 overflow in {what}: the amounts are too large for the contract's 256-bit math"
    )


def newton_y_result(B: int, c: int, D: int) -> int | None:
    """The result of the contract's y loop (`y = (y*y + c) // (2*y + B)` from `y = D` until
    two iterates differ by at most 1), computed in closed form; None where unproven.

    With f(y) = y^2 + B*y - c and its larger root y*, each iterate is floor(N(y)) for
    Newton's N(y) = y - f(y)/f'(y), and N(y) - y* = (y - y*)^2 / (2y + B) >= 0. So from
    D > r + 1 the iterates stay in [r, D] with r = floor(y*) (no overflow once D*D + c
    fits, no zero denominator once 2r + B > 0), the error above y* at least halves each
    round (so D < 2**128 converges well within 255 rounds), and the loop can only stop
    (a step of at most 1, while every step is at least half the error) at an iterate in
    (y* - 1, y* + 2], returning floor(N(y)) <= floor(y* + 4 / (2r + B)). That is r unless
    y* lies within 4 / (2r + B) below r + 1, which the last check rules out exactly, using
    r + 1 - y* = f(r + 1) / (r + 1 + y* + B) > f(r + 1) / (2r + 2 + B).
    Checked against the loop itself by property tests (tests/pools/curve/test_newton.py).
    """
    if c < 0 or D * D + c > MAX_UINT256:
        return None
    s = math.isqrt(B * B + 4 * c)
    r = (s - B) // 2  # floor(y*) or one less
    r1 = r + 1
    f1 = r1 * r1 + B * r1 - c
    if f1 <= 0:
        r, r1 = r1, r1 + 1
        f1 = r1 * r1 + B * r1 - c
    slope = 2 * r + B
    if r1 >= D or slope <= 0 or f1 * slope <= 4 * (slope + 2):
        return None
    return r


def get_D_2(x0: int, x1: int, amp: int) -> int | None:
    """SwapTemplateBase.vy _get_D for two coins, unrolled (the hot path of every swap);
    None where the contract's loop would revert (a zero balance, overflow, no convergence)."""
    if x0 <= 0 or x1 <= 0:
        return None
    S = x0 + x1
    D = S
    Ann = amp * 2
    a_term = Ann * S // A_PRECISION
    b_coef = Ann - A_PRECISION
    nx0 = x0 * 2
    nx1 = x1 * 2
    for _ in range(MAX_ITERATIONS):
        D_P = D * D // nx0 * D
        if D_P > MAX_UINT256:
            return None
        D_P //= nx1
        Dprev = D
        num = (a_term + D_P * 2) * D
        if num > MAX_UINT256:
            return None
        D = num // (b_coef * D // A_PRECISION + 3 * D_P)
        if Dprev < D:
            if D - Dprev <= 1:
                return D
        elif Dprev - D <= 1:
            return D
    return None


def get_D(xp: Sequence[int], amp: int, pool_name: str) -> int:
    """Mirrors SwapTemplateBase.vy _get_D: the invariant D by Newton's method, in integers
    (in Python: the caller tries `native_get_D_2` first)."""
    N = len(xp)
    if N == 2:
        D = get_D_2(xp[0], xp[1], amp)
        if D is not None:
            return D  # else the general loop below raises the contract's error
    S = 0
    for x in xp:
        S += x
    if S == 0:
        return 0
    nx = []
    for x in xp:
        if x <= 0:
            raise PoolError(
                f"pool {pool_name!r}: get_D divides by a zero balance "
                "(an emptied coin: only remove_liquidity works)"
            )
        nx.append(x * N)
    D = S
    Ann = amp * N
    a_term = Ann * S // A_PRECISION
    b_coef = Ann - A_PRECISION
    n1 = N + 1
    two = N == 2
    if two:
        nx0, nx1 = nx
    for _ in range(MAX_ITERATIONS):
        if two:
            D_P = D * D // nx0 * D
            if D_P > MAX_UINT256:
                raise uint256_overflow("get_D")
            D_P //= nx1
        else:
            D_P = D
            for x in nx:
                D_P *= D
                if D_P > MAX_UINT256:
                    raise uint256_overflow("get_D")
                D_P //= x
        Dprev = D
        num = (a_term + D_P * N) * D
        if num > MAX_UINT256:
            raise uint256_overflow("get_D")
        D = num // (b_coef * D // A_PRECISION + n1 * D_P)
        if Dprev < D:
            if D - Dprev <= 1:
                return D
        elif Dprev - D <= 1:
            return D
    raise PoolError(f"pool {pool_name!r}: get_D did not converge in {MAX_ITERATIONS} rounds")


def get_y(i: int, j: int, x: int, xp: Sequence[int], amp: int, D: int, pool_name: str) -> int:
    """The body of SwapTemplateBase.vy _get_y for checked indices and a known D: the new
    xp[j] when xp[i] becomes `x`."""
    N = len(xp)
    Ann = amp * N
    c = D
    S = 0
    for k in range(N):
        if k == i:
            _x = x
        elif k != j:
            _x = xp[k]
        else:
            continue
        if _x <= 0:
            raise InvalidAmount(f"pool {pool_name!r}: get_y divides by a zero balance")
        S += _x
        c *= D
        if c > MAX_UINT256:
            raise uint256_overflow("get_y")
        c //= _x * N
    c = c * D * A_PRECISION
    if c > MAX_UINT256:
        raise uint256_overflow("get_y")
    c //= Ann * N
    return _solve_y(S + D * A_PRECISION // Ann, c, D, "get_y", pool_name)


def get_y_2(x: int, D: int, amp: int, pool_name: str) -> int:
    """_get_y of a 2-coin pool with the other coin at `x` > 0, in Python (the caller tries
    `native_get_y_2` first): the kernel's reference, raising the contract's errors."""
    Ann = amp * 2
    c = D * D
    if c > MAX_UINT256:
        raise uint256_overflow("get_y")
    c = c // (x * 2) * D * A_PRECISION
    if c > MAX_UINT256:
        raise uint256_overflow("get_y")
    c //= Ann * 2
    return _solve_y(x + D * A_PRECISION // Ann, c, D, "get_y", pool_name)


def get_y_D(A: int, i: int, xp: Sequence[int], D: int, pool_name: str) -> int:
    """Mirrors SwapTemplateBase.vy _get_y_D: xp[i] that makes the invariant equal `D`."""
    N = len(xp)
    if not 0 <= i < N:
        raise InvalidAmount(f"pool {pool_name!r}: coin index {i} out of range 0..{N - 1}")
    Ann = A * N
    c = D
    S = 0
    for k in range(N):
        if k == i:
            continue
        _x = xp[k]
        if _x <= 0:
            raise PoolError(f"pool {pool_name!r}: get_y_D divides by a zero balance")
        S += _x
        c *= D
        if c > MAX_UINT256:
            raise uint256_overflow("get_y_D")
        c //= _x * N
    c = c * D * A_PRECISION
    if c > MAX_UINT256:
        raise uint256_overflow("get_y_D")
    c //= Ann * N
    b = S + D * A_PRECISION // Ann
    return _solve_y(b, c, D, "get_y_D", pool_name)


def _solve_y(b: int, c: int, D: int, what: str, pool_name: str) -> int:
    """Mirrors the Newton loop shared by SwapTemplateBase.vy _get_y and _get_y_D.

    `newton_y_result` gives the loop's result without running it whenever that is
    provably the same integer; otherwise the loop runs as the contract does.
    """
    y = newton_y_result(b - D, c, D)
    return newton_y(b, c, D, what, pool_name) if y is None else y


def newton_y(b: int, c: int, D: int, what: str, pool_name: str) -> int:
    """The contract's y loop itself (from y = D), where `newton_y_result` cannot vouch."""
    y = D
    for _ in range(MAX_ITERATIONS):
        y_prev = y
        num = y * y + c
        den = 2 * y + b - D
        if den <= 0:
            raise PoolError(f"pool {pool_name!r}: {what} hit an unsigned underflow or 0/0")
        if num > MAX_UINT256:
            raise uint256_overflow(what)
        y = num // den
        if y_prev < y:
            if y - y_prev <= 1:
                return y
        elif y_prev - y <= 1:
            return y
    raise PoolError(f"pool {pool_name!r}: {what} did not converge in {MAX_ITERATIONS} rounds")

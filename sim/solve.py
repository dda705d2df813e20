"""A bracketed root of a falling function, found in few evaluations.

Used where each evaluation is an exact quote or a curve solve (range LPs fitting a swap to
a band, StableSwap arbitrage sizing), so the number of probes is what costs.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def solve_decreasing(
    h: Callable[[int], float],
    lo: int,
    h_lo: float,
    hi: int,
    h_hi: float,
    first: int | None = None,
    eps: float = 1e-9,
    max_steps: int = 200,
) -> int:
    """An integer d in [lo, hi) with |h(d)| <= eps, for a non-increasing h with
    h(lo) >= 0 > h(hi); or, when no integer gets that close, the largest d found with
    h(d) >= 0 once the bracket has closed to one unit.

    Illinois false position (the secant through the bracket, halving the value kept at an
    end that survives twice), a bisection step when that fails to halve the bracket twice
    in a row or when h(hi) is -inf (nothing to interpolate), `first` as the first probe.
    Deterministic: the same probes in the same order for the same h.
    """
    d = first
    kept = 0  # +1: the last step moved lo, -1: it moved hi
    slow = 0
    for _ in range(max_steps):
        width = hi - lo
        if width <= 1:
            break
        if d is None or not lo < d < hi:
            d = None
            if slow < 2 and math.isfinite(h_hi) and h_lo > h_hi:
                d = lo + int(width * (h_lo / (h_lo - h_hi)))
            if d is None or not lo < d < hi:
                d = lo + width // 2
        v = h(d)
        if abs(v) <= eps:
            return d
        if v > 0:
            lo, h_lo = d, v
            if kept == 1 and math.isfinite(h_hi):
                h_hi /= 2
            kept = 1
        else:
            hi, h_hi = d, v
            if kept == -1:
                h_lo /= 2
            kept = -1
        slow = slow + 1 if hi - lo > width // 2 else 0
        d = None
    return lo

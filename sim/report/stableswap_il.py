"""Impermanent loss of a StableSwap LP share, from the pool's own invariant (float, for reports).

Constant-product IL has a closed form; StableSwap's does not. `stableswap_il_pct` moves the
start balances of one LP share along the pool's curve (current A, no fees) to where every
marginal price equals the reference price, and compares what they are then worth with
holding them. It reads the pool only through its public contract views (`A_precise()`,
`stored_rates()`, `n`, `decimals`); the pool's integer math is not touched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from sim.pools.curve.stableswap import A_PRECISION

RATE_PRECISION = 10**18
"""stableswap-ng's PRECISION: a coin's stored rate is its value per unit times 1e18."""


class StableSwapCurve(Protocol):
    """What the IL solve reads of a StableSwap pool (its contract's public views)."""

    @property
    def n(self) -> int: ...

    @property
    def decimals(self) -> Sequence[int]: ...

    def A_precise(self) -> int:
        """The amplification times A_PRECISION (ramped to now)."""
        ...

    def stored_rates(self) -> tuple[int, ...]:
        """Each coin's rate multiplier times its oracle rate, read now."""
        ...


def stableswap_il_pct(
    pool: StableSwapCurve, start_claim: tuple[float, ...], prices: Sequence[float]
) -> float | None:
    """IL of one LP share in %, fees excluded, on the curve in rate-scaled units.

    `start_claim` is one share's start balances (raw units), `prices` the numeraire price of
    each whole token. A rate-oracle pool (stableswap-ng) prices its curve in rate-scaled
    units (1.0 without oracles), so both are scaled by each coin's rate first. None when the
    pool had no shares at the start, or a price or a balance is missing.
    """
    if not start_claim:
        return None
    rates = pool.stored_rates()
    # xp units per whole token of coin k over 1e18 (the contract's rates, as floats)
    scale = [rates[k] * 10 ** pool.decimals[k] // RATE_PRECISION / 1e18 for k in range(len(rates))]
    start = tuple(c * f for c, f in zip(start_claim, scale, strict=True))
    scaled = [p / f for p, f in zip(prices, scale, strict=True)]
    il = stableswap_il(pool, start, scaled)
    return None if il is None else il * 100


def stableswap_il(
    pool: StableSwapCurve, start_claim: tuple[float, ...], prices: Sequence[float]
) -> float | None:
    """IL of a StableSwap LP share from the invariant, as a fraction (<= 0), fees excluded.

    The share's start balances `start_claim` (raw units) lie on a curve of the pool's
    invariant `A n^n sum x + D = A D n^n + D^(n+1) / (n^n prod x)` (the pool's current A).
    Arbitrage without fees moves them along that curve to where every marginal price equals
    the reference `prices` (numeraire per whole token); the share is then worth
    sum p_i x_i, against sum p_i x0_i for holding the start balances. None when a price or
    a balance is missing.
    """
    n = pool.n
    x0 = [c / 10**d for c, d in zip(start_claim, pool.decimals, strict=True)]
    if min(x0) <= 0 or not all(math.isfinite(p) and p > 0 for p in prices):
        return None
    ann = pool.A_precise() * n / A_PRECISION
    d = _stableswap_d(x0, ann)
    x = list(x0)
    for _ in range(100):
        before = list(x)
        for j in range(1, n):
            _stableswap_pair_equilibrium(x, 0, j, prices[0] / prices[j], ann, d)
        if max(abs(a - b) / b for a, b in zip(x, before, strict=True)) < 1e-13:
            break
    held = math.fsum(p * v for p, v in zip(prices, x0, strict=True))
    lp = math.fsum(p * v for p, v in zip(prices, x, strict=True))
    return min(0.0, lp / held - 1.0)


def _stableswap_d(x: list[float], ann: float) -> float:
    """D of whole-token balances `x` (floats; the same Newton step as the contract's get_D)."""
    n = len(x)
    s = math.fsum(x)
    d = s
    for _ in range(255):
        d_p = d
        for v in x:
            d_p = d_p * d / (n * v)
        prev = d
        d = (ann * s + d_p * n) * d / ((ann - 1) * d + (n + 1) * d_p)
        if abs(d - prev) <= 1e-15 * d:
            break
    return d


def _stableswap_pair_equilibrium(
    x: list[float], i: int, j: int, price_i_in_j: float, ann: float, d: float
) -> None:
    """Move coins i and j along the curve (others fixed, D fixed) until d x_j / d x_i equals
    `price_i_in_j` (in place); a bisection on log x_i."""
    n = len(x)
    others = [v for k, v in enumerate(x) if k not in (i, j)]

    def xj_at(xi: float) -> float:
        c = d
        for v in (xi, *others):
            c = c * d / (v * n)
        c = c * d / (ann * n)
        b = xi + math.fsum(others) + d / ann - d
        root = math.sqrt(b * b + 4 * c)
        # the positive root of y^2 + b y = c, in the form that does not cancel
        return 2 * c / (b + root) if b > 0 else (root - b) / 2

    def marginal(xi: float) -> float:
        xj = xj_at(xi)
        d_p = d
        for v in (xi, xj, *others):
            d_p *= d / (n * v)
        return (ann + d_p / xi) / (ann + d_p / xj)

    lo, hi = math.log(x[i]) - 30.0, math.log(x[i]) + 30.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if marginal(math.exp(mid)) > price_i_in_j:  # coin i still dear: add more of it
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    xi = math.exp((lo + hi) / 2)
    x[i], x[j] = xi, xj_at(xi)

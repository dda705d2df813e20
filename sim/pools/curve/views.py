"""Float views of a StableSwap pool for agents and reports: marginal prices and an LP's loss against holding.

Never used for the pool's books. Prices come from the derivative of the invariant
``Ann*S + D = Ann*D + D^(N+1)/(N^N prod x)`` at the exact D; `impermanent_loss` moves an LP
share's start balances along the curve to where the pool's marginal prices equal reference
prices, in floats (the same Newton step for D as the contract's `_get_D`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.errors import EmptyPool
from sim.pools.curve.newton import A_PRECISION
from sim.pools.curve.template import PRECISION, SwapTemplateBase

__all__ = ["impermanent_loss", "marginal_price", "spot_price", "stableswap_il", "whole_rate"]


def whole_rate(rate: int, decimals: int) -> int:
    """xp units per whole token of a coin of `decimals` at `rate` (its entry of `RATES`):
    1e18 times its oracle rate (1e18 without one)."""
    return rate * 10**decimals // PRECISION


def marginal_price(
    pool: SwapTemplateBase, i: int, j: int, rates: Sequence[int] | None = None
) -> float:
    """d(xp_j)/d(xp_i) along the invariant at the current state (fee excluded), as a float."""
    if rates is None:
        rates = pool._stored_rates()
    xp = pool._xp(rates)
    if min(xp) <= 0:
        raise EmptyPool(f"pool {pool.name!r} is empty: no spot price")
    amp = pool._A()
    D = pool._get_D_cached(xp, amp, rates)
    N = pool.n
    Ann = amp * N / A_PRECISION
    # D_P = D^(N+1) / (N^N prod xp), in floats from ratios to stay in range
    d_p = float(D)
    for x in xp:
        d_p *= D / (N * x)
    return (Ann + d_p / xp[i]) / (Ann + d_p / xp[j])


def spot_price(pool: SwapTemplateBase, i: int, j: int) -> float:
    """Marginal price of one whole coin i in whole coin j (fee excluded), from the exact D.

    The derivative of the invariant gives d x_j / d x_i = (Ann + D_P/x_i) / (Ann + D_P/x_j),
    in 18-decimal units, which are whole-token units scaled by 1e18 times the coin's oracle
    rate: the price in whole tokens is that times rate_i / rate_j (1 without oracles).
    """
    if i == j:
        return 1.0
    rates = pool._stored_rates()
    # the ratio first: exactly 1.0 without oracles, so the marginal price is unchanged
    return marginal_price(pool, i, j, rates) * (
        whole_rate(rates[i], pool.decimals[i]) / whole_rate(rates[j], pool.decimals[j])
    )


def impermanent_loss(
    pool: SwapTemplateBase, start_claim: Sequence[float], prices: Sequence[float]
) -> float | None:
    """IL (a fraction <= 0, fees excluded) of an LP share whose start claim was `start_claim`
    (raw units per coin), at reference `prices` (numeraire per whole token); None when a price
    or a balance is missing. The curve is in rate-scaled units (1.0 without rate oracles):
    both are scaled by each coin's current rate before `stableswap_il`."""
    rates = pool._stored_rates()
    scale = [whole_rate(r, d) / 1e18 for r, d in zip(rates, pool.decimals, strict=True)]
    start = tuple(c * f for c, f in zip(start_claim, scale, strict=True))
    scaled_prices = [p / f for p, f in zip(prices, scale, strict=True)]
    return stableswap_il(pool, start, scaled_prices)


def stableswap_il(
    pool: SwapTemplateBase, start_claim: Sequence[float], prices: Sequence[float]
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
            _pair_equilibrium(x, 0, j, prices[0] / prices[j], ann, d)
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


def _pair_equilibrium(
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

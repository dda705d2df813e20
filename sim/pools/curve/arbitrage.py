"""Arbitrage sizing on a StableSwap pool: the input that maximises profit against a reference price.

Not a contract function: what `StableSwapPool.arb_amount_in` answers. A float solve on the
invariant finds where the marginal output after fee meets the reference price; exact
`get_dy` quotes around it confirm and settle the integer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.errors import PoolError
from sim.pools.curve.newton import A_PRECISION
from sim.pools.curve.template import FEE_DENOMINATOR, PRECISION, SwapTemplateBase
from sim.pools.curve.views import marginal_price, whole_rate
from sim.solve import solve_decreasing

__all__ = ["optimal_exchange_in"]


def optimal_exchange_in(
    pool: SwapTemplateBase, i: int, j: int, price_in_per_out: float
) -> int | None:
    """Profit-maximising input of coin i for coin j: a float solve on the invariant, refined
    by exact get_dy quotes.

    Profit = out * price_in_per_out - in (in whole coin i), concave in size. The float step
    finds where the marginal output after fee equals 1 / price_in_per_out; exact quotes
    around it settle the integer. Returns 0 when no trade pays, and None where the float
    optimum is not confirmed by the exact quotes: the caller then searches on exact quotes
    alone (`search_arb_amount_in`).
    """
    if i == j or not price_in_per_out > 0 or not math.isfinite(price_in_per_out):
        return 0
    rates = pool._stored_rates()
    xp = pool._xp(rates)
    if min(xp) <= 0:
        return 0
    fee_keep = 1.0 - pool.fee / FEE_DENOMINATOR
    # marginal xp_j per xp_i to reach: whole units scaled by each coin's rate
    scale = whole_rate(rates[j], pool.decimals[j]) / whole_rate(
        rates[i], pool.decimals[i]
    )  # 1.0 without oracles
    target = scale / (price_in_per_out * fee_keep)
    if marginal_price(pool, i, j, rates) <= target:
        return 0
    rate_i = rates[i]
    unit_value = price_in_per_out * 10 ** pool.decimals[i] / 10 ** pool.decimals[j]

    quotes: dict[int, float] = {}

    def profit(amount: int) -> float:
        if amount <= 0:
            return 0.0
        if amount not in quotes:
            try:
                quotes[amount] = pool.get_dy(i, j, amount) * unit_value - amount
            except PoolError:
                quotes[amount] = float("-inf")
        return quotes[amount]

    estimate = _float_arb_xp(pool, i, j, xp, target, rates)
    dx0 = int(estimate * PRECISION / rate_i)
    if dx0 <= 0 or profit(dx0) <= 0:
        return None
    # exact quotes 0.1% either side confirm the float optimum is a maximum
    width = max(2, dx0 // 1000)
    a, b = max(1, dx0 - width), dx0 + width
    pa, p0, pb = profit(a), profit(dx0), profit(b)
    if pb > p0 or pa > p0:
        return None
    # one parabolic step through the three (profit is concave, near-quadratic this close)
    candidates = [a, dx0, b]
    den = (dx0 - a) * (p0 - pb) - (dx0 - b) * (p0 - pa)
    if den != 0:
        num = (dx0 - a) ** 2 * (p0 - pb) - (dx0 - b) ** 2 * (p0 - pa)
        vertex = dx0 - 0.5 * num / den
        if a < vertex < b:
            candidates.append(int(vertex))
    best = max(candidates, key=profit)
    return best if profit(best) > 0 else 0


def _float_arb_xp(
    pool: SwapTemplateBase, i: int, j: int, xp: list[int], target: float, rates: Sequence[int]
) -> float:
    """Float input of coin i (xp units) that brings the marginal d xp_j/d xp_i to `target`."""
    N = pool.n
    amp = pool._A()
    D = float(pool._get_D_cached(xp, amp, rates))
    Ann = amp * N / A_PRECISION
    others = [float(x) for k, x in enumerate(xp) if k not in (i, j)]

    def marginal_at(xi: float) -> float:
        # x_j on the curve for this x_i (closed-form root of y^2 + (b - D) y = c)
        s = xi + sum(others)
        c = D
        for v in (xi, *others):
            c = c * D / (v * N)
        c = c * D / (Ann * N)
        bm = s + D / Ann - D
        xj = (-bm + math.sqrt(bm * bm + 4 * c)) / 2
        if xj <= 0:
            return 0.0
        d_p = D
        for v in (xi, xj, *others):
            d_p *= D / (N * v)
        return (Ann + d_p / xi) / (Ann + d_p / xj)

    x0 = xp[i]
    lo, hi = x0, x0 * 2
    h_hi = marginal_at(hi) - target
    while h_hi > 0 and hi < x0 * 10**12:
        lo, hi = hi, hi * 2
        h_hi = marginal_at(hi) - target
    h_lo = marginal_at(lo) - target
    if h_lo < 0 or h_hi > 0:
        return float(lo - x0)
    # the marginal falls with the input: where it meets `target`, to 1e-13 of it
    return float(
        solve_decreasing(
            lambda x: marginal_at(x) - target, lo, h_lo, hi, h_hi, eps=abs(target) * 1e-13
        )
        - x0
    )

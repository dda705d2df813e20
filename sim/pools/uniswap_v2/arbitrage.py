"""Arbitrage sizing on a Uniswap V2 pair: the input that maximises profit against a reference price.

Not a contract function: what `ConstantProductPool.arb_amount_in` answers, from the
closed-form continuous optimum refined to the integer optimum of the exact, rounded-down
`get_amount_out`.
"""

from __future__ import annotations

from math import isqrt

from sim.pools.uniswap_v2.library import FEE_DENOMINATOR, UINT112_MAX

__all__ = ["optimal_arb_input"]


def optimal_arb_input(
    reserve_in: int, reserve_out: int, fee_bps: int, price_num: int, price_den: int
) -> int:
    """Integer input maximising `get_amount_out(a) * price_num / price_den - a` (0 if none pays).

    The price is a raw-unit ratio (token_in units per token_out unit); the input stays within
    the pair's uint112 reserve cap.
    """
    if reserve_in <= 0 or reserve_out <= 1:
        return 0  # nothing (or a single indivisible unit) left to buy
    g = FEE_DENOMINATOR - fee_bps
    a_max = UINT112_MAX - reserve_in
    # continuous optimum: a* = (sqrt(g/D * R_in * R_out * P) - R_in) * D / g, with D = 10_000
    # sqrt term scaled by D * price_den so the whole thing stays integer
    scale = FEE_DENOMINATOR * price_den
    root = isqrt(g * reserve_in * reserve_out * price_num * scale)
    numerator = root - reserve_in * scale
    if numerator <= 0 or a_max <= 0:
        return 0  # profit is concave with a non-positive slope at 0: no trade pays
    start = min(max(1, numerator // (g * price_den)), a_max)

    r_in_d = reserve_in * FEE_DENOMINATOR

    def out(a: int) -> int:
        return a * g * reserve_out // (r_in_d + a * g)

    def first_input_for(b: int) -> int:
        # smallest a with out(a) >= b, for 0 < b < reserve_out
        return -(-b * r_in_d // (g * (reserve_out - b)))

    def profit(a: int) -> int:  # scaled by price_den: exact
        return out(a) * price_num - a * price_den

    b = out(start)
    best = first_input_for(b) if b > 0 else first_input_for(1)
    if best > a_max:
        best = start
    best_profit = profit(best)
    for _ in range(100_000):
        b = out(best)
        # the next input that buys more output
        if b + 1 < reserve_out:
            up = first_input_for(b + 1)
            if up <= a_max:
                p = profit(up)
                if p > best_profit:
                    best, best_profit = up, p
                    continue
        # the first input of the previous output level
        if best > 1:
            b_prev = out(best - 1)
            if b_prev > 0:
                down = first_input_for(b_prev)
                p = profit(down)
                if p > best_profit:
                    best, best_profit = down, p
                    continue
        break
    return best if best_profit > 0 else 0

"""Arbitrage sizing on a V2 pair (sim/pools/uniswap_v2/arbitrage.py): the integer optimum of the exact output."""

from __future__ import annotations

from fractions import Fraction

from sim.pools.uniswap_v2.arbitrage import optimal_arb_input
from sim.pools.uniswap_v2.library import UINT112_MAX, get_amount_out


def profit(a: int, r_in: int, r_out: int, fee_bps: int, price: Fraction) -> Fraction:
    return get_amount_out(a, r_in, r_out, fee_bps) * price - a if a else Fraction(0)


def test_the_input_is_the_best_integer_by_brute_force() -> None:
    for r_in, r_out, fee_bps, price in [
        (1_000, 2_000, 30, Fraction(3, 4)),
        (5_000, 1_200, 0, Fraction(5)),
        (2_500, 2_500, 300, Fraction(11, 10)),
    ]:
        a = optimal_arb_input(r_in, r_out, fee_bps, price.numerator, price.denominator)
        best = max(profit(x, r_in, r_out, fee_bps, price) for x in range(0, 4 * r_in))
        assert profit(a, r_in, r_out, fee_bps, price) >= best - 1  # within 1 unit of token_in
        assert a > 0


def test_no_trade_when_none_pays_and_the_uint112_cap_holds() -> None:
    assert optimal_arb_input(1_000, 1_000, 30, 1, 1) == 0  # at the price, the fee loses
    assert optimal_arb_input(1_000, 1, 30, 10**6, 1) == 0  # one indivisible unit left to buy
    assert optimal_arb_input(0, 1_000, 30, 2, 1) == 0
    # the continuous optimum (about 7e36) is far beyond what the pair's uint112 reserve can take
    a = optimal_arb_input(UINT112_MAX - 10**20, 10**30, 0, 10**10, 1)
    assert 0 < a <= 10**20

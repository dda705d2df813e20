"""StableSwap impermanent loss from the pool's invariant, read through its public views."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from sim.pools.curve.stableswap import StableSwapPool
from sim.report.stableswap_il import stableswap_il, stableswap_il_pct

E18 = 10**18


@dataclass
class Curve:
    """A stand-in with only the views the solve reads (n, decimals, A_precise, stored_rates)."""

    n: int
    decimals: tuple[int, ...]
    amp_precise: int
    rates: tuple[int, ...]

    def A_precise(self) -> int:
        return self.amp_precise

    def stored_rates(self) -> tuple[int, ...]:
        return self.rates


def test_no_start_claim_no_loss_figure() -> None:
    curve = Curve(2, (18, 18), 100 * 100, (E18, E18))
    assert stableswap_il_pct(curve, (), [1.0, 1.0]) is None
    assert stableswap_il(curve, (0.0, 1e18), [1.0, 1.0]) is None  # an empty coin
    assert stableswap_il(curve, (1e18, 1e18), [1.0, float("nan")]) is None  # a missing price


def test_at_par_nothing_is_lost_and_a_depeg_costs_more_the_flatter_the_curve() -> None:
    def il(amp: int, price: float) -> float | None:
        return stableswap_il_pct(
            Curve(2, (18, 18), amp * 100, (E18, E18)), (1e18, 1e18), [price, 1]
        )

    assert il(100, 1.0) == pytest.approx(0.0, abs=1e-9)
    # a flat curve takes on far more of the cheaper coin than x*y=k would (-0.0116% for 3%)
    cp = (2 * math.sqrt(0.97) / 1.97 - 1) * 100
    losses = [il(amp, 0.97) for amp in (1, 10, 100, 1000)]
    assert losses == sorted(losses, reverse=True)
    assert cp > losses[0] and losses[2] == pytest.approx(-0.64, abs=0.005)


def test_the_curve_is_in_rate_scaled_units() -> None:
    """A coin whose stored rate is 2 (an LST worth two units of the other) priced at twice the
    other is at par on the curve: its IL is that of the unscaled balances at equal prices."""
    plain = Curve(2, (18, 18), 100 * 100, (E18, E18))
    rated = Curve(2, (18, 18), 100 * 100, (2 * E18, E18))
    start, prices = (1e18, 1.5e18), [0.98, 1.0]
    assert stableswap_il_pct(rated, start, [2 * prices[0], prices[1]]) == stableswap_il_pct(
        plain, (2 * start[0], start[1]), prices
    )


def test_it_reads_a_real_pool_through_its_public_views() -> None:
    pool = StableSwapPool("s", ("A", "B"), (18, 6), 100, 0, 0)
    pool.add_liquidity([10**6 * E18, 10**6 * 10**6], 0, "lp")
    start = (float(10**6 * E18), float(10**12))
    real = stableswap_il_pct(pool, start, [0.97, 1.0])
    # stored rates scale a 6-decimal coin by 1e30: one whole token is 1e18 curve units either way
    assert real == stableswap_il_pct(
        Curve(2, (18, 6), pool.A_precise(), pool.stored_rates()), start, [0.97, 1.0]
    )
    assert real is not None and real < 0

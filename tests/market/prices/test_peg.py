"""Tests for sim.market.prices.peg: the vectorised AR(1) and the exact OU step toward the peg."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.market.prices.peg import Peg, ar1, peg_log_path


def loop(x0: float, phi: float, eps: np.ndarray) -> list[float]:
    out, x = [], x0
    for e in eps:
        x = phi * x + e
        out.append(x)
    return out


@pytest.mark.parametrize("phi", [0.999, 0.9, 0.5, 1e-20, 1.0])
def test_ar1_equals_the_recursion(phi: float) -> None:
    eps = np.random.default_rng(1).standard_normal(5000) * 0.01
    got = ar1(0.3, phi, eps)
    assert got.tolist() == pytest.approx(loop(0.3, phi, eps), rel=1e-9, abs=1e-12)
    assert ar1(0.3, phi, np.empty(0)).size == 0


def test_a_deviation_halves_every_half_life_without_noise() -> None:
    spec = Peg(peg=2.0, sigma=0.0, half_life_days=1.0)
    dt = 1 / 365  # one block per day
    logs = peg_log_path(spec, dt, math.log(2.0) + 0.8, np.zeros(3))
    assert (logs - math.log(2.0)).tolist() == pytest.approx([0.4, 0.2, 0.1], rel=1e-12)
    assert Peg(peg=2.0).initial == 2.0 and Peg(peg=2.0, start=1.5).initial == 1.5


def test_innovations_have_the_exact_ou_variance() -> None:
    spec = Peg(peg=1.0, sigma=0.3, half_life_days=2.0)
    dt = 0.5 / 365
    theta = math.log(2) / (2.0 / 365)
    step = peg_log_path(spec, dt, 0.0, np.ones(1))[0]
    assert step == pytest.approx(0.3 * math.sqrt((1 - math.exp(-2 * theta * dt)) / (2 * theta)))

"""Tests for sim.protocols.wad_ray_math: Aave's fixed-point functions, exact to the wei."""

from __future__ import annotations

import math

import pytest

from sim.protocols.wad_ray_math import (
    HALF_RAY,
    calculate_compounded_interest,
    ceil_div,
    percent_div,
    percent_mul,
    ray_div,
    ray_mul,
    ray_pow,
    to_bps,
    to_ray,
)
from sim.units import RAY, SECONDS_PER_YEAR


def test_ray_mul_and_ray_div_round_half_up() -> None:
    assert HALF_RAY == 5 * 10**26
    assert ray_mul(3 * RAY, 2 * RAY) == 6 * RAY
    assert ray_mul(1, HALF_RAY) == 1  # 0.5 wei rounds up
    assert ray_mul(1, HALF_RAY - 1) == 0  # just below half rounds down
    assert ray_div(RAY, 3 * RAY) == 333_333_333_333_333_333_333_333_333
    assert ray_div(2 * RAY, 3 * RAY) == 666_666_666_666_666_666_666_666_667
    assert ray_div(1, 2 * RAY) == 1  # 0.5 wei rounds up
    assert ray_div(1, 2 * RAY + 1) == 0


def test_percentages_round_half_up_and_ceil_div_rounds_up() -> None:
    assert percent_mul(10_001, 5_000) == 5_001  # 5000.5 rounds up
    assert percent_mul(9_999, 5_000) == 5_000  # 4999.5 rounds up
    assert percent_mul(9_998, 5_000) == 4_999
    assert percent_div(1, 3) == 3_333  # 3333.33 rounds down
    assert percent_div(2, 3) == 6_667  # 6666.67 rounds up
    assert ceil_div(10, 3) == 4 and ceil_div(9, 3) == 3 and ceil_div(0, 3) == 0


def test_config_fractions_are_converted_exactly() -> None:
    assert to_ray(0.04) == 4 * 10**25  # the decimal as written, not the nearest binary float
    assert to_ray(0.1) == 10**26
    assert to_bps(0.825) == 8_250
    assert to_bps(0.00005) == 0  # half a basis point rounds to even
    assert to_bps(0.00015) == 2


def test_ray_pow_exact_small_cases() -> None:
    assert ray_pow(2 * RAY, 10) == 1024 * RAY
    assert ray_pow(3 * RAY, 0) == RAY
    assert ray_pow(RAY + RAY // 2, 3) == RAY * 27 // 8


def test_compounded_interest_matches_exp_over_one_block_and_one_day() -> None:
    rate = 5 * RAY // 100
    for dt in (12, 86_400):
        got = calculate_compounded_interest(rate, dt) / RAY
        assert got == pytest.approx(math.exp(0.05 * dt / SECONDS_PER_YEAR), rel=1e-15)


def test_compounded_interest_is_the_three_term_binomial_exactly() -> None:
    rate = 5 * RAY // 100
    assert calculate_compounded_interest(rate, 0) == RAY
    assert calculate_compounded_interest(rate, 1) == RAY + rate // SECONDS_PER_YEAR
    x = rate * 86_400 // SECONDS_PER_YEAR
    two = ray_mul(rate, rate) // SECONDS_PER_YEAR**2
    three = ray_mul(two, rate) // SECONDS_PER_YEAR
    expected = RAY + x + 86_400 * 86_399 * two // 2 + 86_400 * 86_399 * 86_398 * three // 6
    assert calculate_compounded_interest(rate, 86_400) == expected

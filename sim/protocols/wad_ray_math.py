"""Aave's fixed-point libraries in Python integers: `WadRayMath`, `PercentageMath`, `MathUtils`.

Shared by the lending market (indexes and rates in RAY, risk parameters in basis points)
and liquid staking (its per-block yield compounded with `ray_pow`). Each function keeps the
contract's rounding: half up for `rayMul`/`rayDiv`/`percentMul`/`percentDiv`.
"""

from __future__ import annotations

from decimal import Decimal

from sim.units import BPS, RAY, SECONDS_PER_YEAR

__all__ = [
    "HALF_RAY",
    "calculate_compounded_interest",
    "ceil_div",
    "percent_div",
    "percent_mul",
    "ray_div",
    "ray_mul",
    "ray_pow",
    "to_bps",
    "to_ray",
]

HALF_RAY = RAY // 2


def ray_mul(a: int, b: int) -> int:
    """`WadRayMath.rayMul`: a * b / RAY, rounded half up."""
    return (a * b + HALF_RAY) // RAY


def ray_div(a: int, b: int) -> int:
    """`WadRayMath.rayDiv`: a * RAY / b, rounded half up."""
    return (a * RAY + b // 2) // b


def ray_pow(x: int, n: int) -> int:
    """Aave v1 `WadRayMath.rayPow`: x^n for a RAY `x`, by squaring, each product rounded half up."""
    z = x if n % 2 else RAY
    n //= 2
    while n:
        x = (x * x + RAY // 2) // RAY
        if n % 2:
            z = (z * x + RAY // 2) // RAY
        n //= 2
    return z


def ceil_div(a: int, b: int) -> int:
    """a / b rounded up (for positive b): Aave v3.4's `rayDivCeil` and rounded-up balances."""
    return -(-a // b)


def percent_mul(value: int, bps: int) -> int:
    """`PercentageMath.percentMul`: value * bps / 1e4, rounded half up."""
    return (value * bps + BPS // 2) // BPS


def percent_div(value: int, bps: int) -> int:
    """`PercentageMath.percentDiv`: value * 1e4 / bps, rounded half up."""
    return (value * BPS + bps // 2) // bps


def to_ray(x: float) -> int:
    """An annualised fraction (0.04 = 4%/yr) as a RAY integer, exact for decimal literals."""
    return int(Decimal(repr(x)) * RAY)


def to_bps(x: float) -> int:
    """A fraction (0.825) as whole basis points (8250)."""
    return int((Decimal(repr(x)) * BPS).to_integral_value())


def calculate_compounded_interest(rate_ray: int, dt_s: int) -> int:
    """`MathUtils.calculateCompoundedInterest`: (1 + rate/year)^dt as RAY, 3-term binomial."""
    if dt_s == 0:
        return RAY
    exp_minus_one = dt_s - 1
    exp_minus_two = dt_s - 2 if dt_s > 2 else 0
    base_power_two = ray_mul(rate_ray, rate_ray) // (SECONDS_PER_YEAR * SECONDS_PER_YEAR)
    base_power_three = ray_mul(base_power_two, rate_ray) // SECONDS_PER_YEAR
    second_term = dt_s * exp_minus_one * base_power_two // 2
    third_term = dt_s * exp_minus_one * exp_minus_two * base_power_three // 6
    return RAY + rate_ray * dt_s // SECONDS_PER_YEAR + second_term + third_term

"""Emission schedules: a per-pool reward stream that is constant, halves, or decays exponentially.

The schedule is integrated exactly: `cumulative_emission(spec, n)` is the floor of the
exact integral of the emission rate over `[start_block, n)`, in the reward token's
smallest unit, and is non-decreasing in `n`. The per-block emission is its integer
difference, so `emitted_between(a, c) == emitted_between(a, b) + emitted_between(b, c)`
for every `a <= b <= c`, and the total never drifts from the schedule.
`emission_rate_per_day` is the float view for agents and reports.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Context, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator

from sim.config import Spec
from sim.errors import ProtocolError
from sim.units import SECONDS_PER_DAY

__all__ = [
    "EmissionSpec",
    "RewardsSpec",
    "cumulative_emission",
    "emission_rate_per_day",
    "emitted_between",
]

# 60 significant digits: far below one wei for any realistic total; every operation is
# correctly rounded, hence monotone, so the cumulative exponential emission never decreases.
_DEC = Context(prec=60)
_LN2 = _DEC.ln(Decimal(2))


class EmissionSpec(Spec):
    """One pool's reward emission schedule, plus the farm's vesting and lock-up rules."""

    schedule: Literal["constant", "halving", "exponential"] = Field(
        description="constant rate; halve every `halving_days`; or exponential decay "
        "with `half_life_days`"
    )
    per_day: float = Field(
        ge=0, le=1e15, description="initial emission, whole reward tokens per day (at start_block)"
    )
    halving_days: float | None = Field(
        default=None,
        gt=0,
        le=36_500,
        description="days between halvings (schedule = 'halving' only)",
    )
    half_life_days: float | None = Field(
        default=None,
        gt=0,
        le=36_500,
        description="days for the emission rate to halve (schedule = 'exponential' only)",
    )
    start_block: int = Field(
        default=0, ge=0, le=50_000_000, description="block number where emission starts"
    )
    end_block: int | None = Field(
        default=None,
        ge=0,
        le=50_000_000,
        description="block number where emission stops (exclusive); none = never",
    )
    vesting_blocks: int = Field(
        default=0,
        ge=0,
        le=50_000_000,
        description="harvested rewards vest linearly over this many blocks; 0 = none",
    )
    lock_blocks: int = Field(
        default=0,
        ge=0,
        le=50_000_000,
        description="each deposit cannot be withdrawn for this many blocks "
        "(a liquidity lock); 0 = none",
    )

    @model_validator(mode="after")
    def _consistent(self) -> EmissionSpec:
        needs = {"halving": "halving_days", "exponential": "half_life_days"}
        for schedule, name in needs.items():
            given = getattr(self, name) is not None
            if schedule == self.schedule and not given:
                raise ValueError(f"schedule = {schedule!r} needs {name}")
            if schedule != self.schedule and given:
                raise ValueError(f"{name} only applies to schedule = {schedule!r}")
        if self.end_block is not None and self.end_block < self.start_block:
            raise ValueError(
                f"end_block ({self.end_block}) must be >= start_block ({self.start_block})"
            )
        return self


class RewardsSpec(Spec):
    """Liquidity mining of one reward token: an emission schedule per pool."""

    token: str = Field(min_length=1, description="symbol of the reward token (e.g. 'SUSHI')")
    pools: dict[str, EmissionSpec] = Field(
        default_factory=dict, description="pool name -> emission schedule of the reward token"
    )


def _exact(x: float) -> Fraction:
    """The decimal a config number was written as (0.1 -> 1/10, not the nearest binary float)."""
    return Fraction(repr(x))


def _rate_per_block(spec: EmissionSpec, block_time_s: float, decimals: int) -> Fraction:
    """Initial emission in smallest units per block, exact."""
    return _exact(spec.per_day) * 10**decimals * _exact(block_time_s) / SECONDS_PER_DAY


def _blocks(days: float, block_time_s: float) -> Fraction:
    """Number of blocks (exact, possibly fractional) in `days` days."""
    return _exact(days) * SECONDS_PER_DAY / _exact(block_time_s)


@lru_cache(maxsize=256)
def _exponential_constants(
    spec: EmissionSpec, block_time_s: float, decimals: int
) -> tuple[Decimal, Decimal]:
    """(total, decay per block): C(t) = total * (1 - exp(-decay * t)), rate(0) = per-block rate."""
    if spec.half_life_days is None:  # the validator guarantees it; this keeps the types honest
        raise ProtocolError("exponential schedule without half_life_days")
    rate = _rate_per_block(spec, block_time_s, decimals)
    half_life = _blocks(spec.half_life_days, block_time_s)
    decay = _DEC.divide(_DEC.multiply(_LN2, half_life.denominator), half_life.numerator)
    total = _DEC.divide(_DEC.divide(rate.numerator, rate.denominator), decay)
    return total, decay


@lru_cache(maxsize=65_536)
def cumulative_emission(spec: EmissionSpec, block: int, block_time_s: float, decimals: int) -> int:
    """Reward units emitted over `[start_block, block)`: the floor of the schedule's exact integral.

    Non-decreasing in `block`; constant before `start_block` (0) and from `end_block` on.
    `block_time_s` converts days to blocks; `decimals` scales whole tokens to smallest units.
    """
    if block_time_s <= 0:
        raise ProtocolError(f"block_time_s must be > 0, got {block_time_s}")
    if spec.end_block is not None:
        block = min(block, spec.end_block)
    t = block - spec.start_block
    if t <= 0 or spec.per_day == 0:
        return 0
    rate = _rate_per_block(spec, block_time_s, decimals)
    match spec.schedule:
        case "constant":
            return math.floor(rate * t)
        case "halving":
            period = _blocks(spec.halving_days or 0.0, block_time_s)
            k = math.floor(t / period)
            limit = 2 * rate * period  # the sum of all periods; every prefix is strictly below
            if k >= limit.numerator.bit_length():  # so 2^k > limit.numerator
                # what is left, <= limit / 2^k <= 1 / limit.denominator, cannot move the floor
                # (cheap, and keeps 2^k small when t spans millions of halvings)
                return math.floor(limit) if limit.denominator > 1 else limit.numerator - 1
            # k full periods pay rate * period * (1 + 1/2 + ... + 1/2^(k-1)), then the tail.
            scale = Fraction(1, 2**k)
            return math.floor(rate * (2 * period * (1 - scale) + scale * (t - k * period)))
        case "exponential":
            total, decay = _exponential_constants(spec, block_time_s, decimals)
            left = _DEC.exp(_DEC.minus(_DEC.multiply(decay, t)))
            return int(_DEC.multiply(total, _DEC.subtract(1, left)).to_integral_value(ROUND_FLOOR))
    raise ProtocolError(f"unknown emission schedule {spec.schedule!r}")


def emitted_between(
    spec: EmissionSpec, block_a: int, block_b: int, block_time_s: float, decimals: int
) -> int:
    """Exact reward units emitted over blocks `[block_a, block_b)` (smallest units).

    The difference of `cumulative_emission`, so consecutive intervals add up exactly.
    """
    if block_b < block_a:
        raise ProtocolError(f"interval ends before it starts: [{block_a}, {block_b})")
    return cumulative_emission(spec, block_b, block_time_s, decimals) - cumulative_emission(
        spec, block_a, block_time_s, decimals
    )


def emission_rate_per_day(spec: EmissionSpec, block: int, block_time_s: float) -> float:
    """Float view for agents and reports: emission rate at `block`, whole tokens per day."""
    if block < spec.start_block or (spec.end_block is not None and block >= spec.end_block):
        return 0.0
    days = (block - spec.start_block) * block_time_s / SECONDS_PER_DAY
    match spec.schedule:
        case "constant":
            return spec.per_day
        case "halving":
            return math.ldexp(spec.per_day, -math.floor(days / (spec.halving_days or 1.0)))
        case "exponential":
            return spec.per_day * 2 ** (-days / (spec.half_life_days or 1.0))
    raise ProtocolError(f"unknown emission schedule {spec.schedule!r}")

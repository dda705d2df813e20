"""Typed configuration shared by every subsystem: a frozen, strict pydantic base and distributions.

Each subsystem (prices, pools, lending, agents...) declares its own `Spec`
subclasses next to the code they configure; `sim.scenario.schema` assembles them
into one scenario model. `extra="forbid"` turns a typo into an error that
names its dotted path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, model_validator
from pydantic_core import core_schema


class Spec(BaseModel):
    """Base of every configuration model: frozen, unknown keys rejected, no NaN/inf."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, strict=True)


LIMIT = 1e15
"""Largest magnitude any distribution parameter may take (a quadrillion numeraire units)."""

Bounded = Annotated[float, Field(ge=-LIMIT, le=LIMIT)]
Positive = Annotated[float, Field(gt=0, le=LIMIT)]


class Constant(Spec):
    """Always `value`."""

    dist: Literal["constant"] = "constant"
    value: Bounded


class LogNormal(Spec):
    """Log-normal with the given median; `sigma` is the std-dev of the log."""

    dist: Literal["lognormal"]
    median: Positive
    sigma: float = Field(ge=0, le=10)


class Pareto(Spec):
    """Pareto (heavy tail) with minimum `scale` and tail index `alpha`; capped at `cap` if given."""

    dist: Literal["pareto"]
    scale: Positive
    alpha: float = Field(gt=0, le=100)
    cap: Positive | None = None


class Uniform(Spec):
    """Uniform between `low` and `high`."""

    dist: Literal["uniform"]
    low: Bounded
    high: Bounded

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self


class Normal(Spec):
    """Normal, truncated at `min` when given (e.g. non-negative sizes)."""

    dist: Literal["normal"]
    mean: Bounded
    std: float = Field(ge=0, le=LIMIT)
    min: Bounded | None = None


DistSpec = Annotated[Constant | LogNormal | Pareto | Uniform | Normal, Field(discriminator="dist")]
Dist = Bounded | DistSpec
"""A number (a constant) or a table `{ dist = "...", ... }`; magnitudes up to 1e15."""


@dataclass(frozen=True, slots=True)
class Within:
    """The values a `Dist` field's model can use: every value the distribution can draw must lie
    in `[lo, hi]` (`(lo, hi]` when `lo_open`), so a tolerance cannot exceed 100% and a size cannot
    be negative. A distribution with an unbounded side needs a bound there (`min`, `cap`)."""

    lo: float = -LIMIT
    hi: float = LIMIT
    lo_open: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def describe(self) -> str:
        """The range as the schema reference shows it (`>= 0`, `0 to 10000`, `> 0`)."""
        lo = f"{'> ' if self.lo_open else '>= '}{self.lo:g}" if self.lo > -LIMIT else ""
        hi = f"<= {self.hi:g}" if self.hi < LIMIT else ""
        return " and ".join(p for p in (lo, hi) if p) or "any"

    def check(self, d: Any) -> Any:
        lo, hi = self._support(d)
        low = self.lo > -LIMIT and (lo < self.lo or (self.lo_open and lo <= self.lo))
        if low or (self.hi < LIMIT and hi > self.hi):
            raise ValueError(f"{self._drawn(d, lo, hi)}; allowed: {self.describe()}")
        return d

    def _support(self, d: Any) -> tuple[float, float]:
        """Least and greatest value `d` can draw."""
        match d:
            case int() | float():
                return float(d), float(d)
            case Constant(value=v):
                return v, v
            case Uniform(low=lo, high=hi):
                return lo, hi
            case LogNormal():
                return math.ulp(0.0), math.inf
            case Pareto(scale=x, cap=cap):
                return x, math.inf if cap is None else cap
            case Normal(min=lo):
                return -math.inf if lo is None else lo, math.inf
        raise TypeError(f"not a distribution: {d!r}")

    def _drawn(self, d: Any, lo: float, hi: float) -> str:
        if isinstance(d, int | float | Constant):
            return "out of range"
        if hi == math.inf and self.hi < LIMIT:
            fix = "cap" if isinstance(d, Pareto) else "a uniform or a capped pareto"
            return f"a {d.dist} draws values without an upper limit (use {fix})"
        if lo == -math.inf:
            return "a normal without `min` draws values without a lower limit (set `min`)"
        return f"a {d.dist} draws values from {lo:g} to {hi:g}"


def dist_within(lo: float = -LIMIT, hi: float = LIMIT, *, lo_open: bool = False) -> Any:
    """A `Dist` whose every draw lies in `[lo, hi]` (`(lo, hi]` when `lo_open`): `Within`."""
    return Annotated[Dist, Within(lo, hi, lo_open)]


Amount = dist_within(0)
"""A `Dist` of an amount: never negative (capital, sizes, discounts)."""
Share = dist_within(0, 1)
"""A `Dist` of a share of something: 0 to 1."""
BpsTolerance = dist_within(0, 10_000)
"""A `Dist` of a tolerance in basis points: 0 to 10,000 (100%)."""
GweiDist = dist_within(0, 100_000)
"""A `Dist` of a priority fee, gwei per gas unit (as `chain.base_fee_gwei`, at most 100,000)."""
BlocksDist = dist_within(0, 50_000_000)
"""A `Dist` of a delay in blocks: 0 up to the longest run."""
DaysDist = dist_within(0, 36_500, lo_open=True)
"""A `Dist` of a duration in days: above 0, at most 100 years."""
Multiple = dist_within(0, lo_open=True)
"""A `Dist` of a multiple of something (e.g. an entry price): above 0."""
Leverage = dist_within(1)
"""A `Dist` of collateral / equity: at least 1 (no loop); the lending market's LTV caps it."""
HealthFactor = dist_within(0, 100, lo_open=True)
"""A `Dist` of a health factor: above 0 (below 1 an account is liquidatable)."""


def sample(dist: Dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw `n` values of `dist` from `rng` (a plain number gives `n` copies)."""
    if isinstance(dist, int | float):
        return np.full(n, float(dist))
    match dist:
        case Constant(value=v):
            return np.full(n, v)
        case LogNormal(median=m, sigma=s):
            return m * np.exp(s * rng.standard_normal(n))
        case Pareto(scale=x, alpha=a, cap=cap):
            out = x * (1.0 + rng.pareto(a, n))
            return np.minimum(out, cap) if cap is not None else out
        case Uniform(low=lo, high=hi):
            return rng.uniform(lo, hi, n)
        case Normal(mean=mu, std=sd, min=lo):
            out = mu + sd * rng.standard_normal(n)
            return np.maximum(out, lo) if lo is not None else out
    raise TypeError(f"not a distribution: {dist!r}")


def dist_mean(dist: Dist) -> float:
    """Mean of a distribution (inf for a Pareto tail with alpha <= 1 and no cap)."""
    if isinstance(dist, int | float):
        return float(dist)
    match dist:
        case Constant(value=v):
            return v
        case LogNormal(median=m, sigma=s):
            return m * math.exp(s * s / 2)
        case Pareto(scale=x, alpha=a, cap=None):
            return x * a / (a - 1) if a > 1 else math.inf
        case Pareto(scale=x, alpha=a, cap=cap):
            return x * a / (a - 1) if a > 1 else cap
        case Uniform(low=lo, high=hi):
            return (lo + hi) / 2
        case Normal(mean=mu):
            return mu
    raise TypeError(f"not a distribution: {dist!r}")

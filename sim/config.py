"""Typed configuration shared by every subsystem: a frozen, strict pydantic base and distributions.

Each subsystem (prices, pools, lending, agents...) declares its own `Spec`
subclasses next to the code they configure; `sim.scenario.schema` assembles them
into one scenario model. `extra="forbid"` turns a typo into an error that
names its dotted path.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Spec(BaseModel):
    """Base of every configuration model: frozen, unknown keys rejected, no NaN/inf."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


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

"""The `[sweep]` table of a scenario: which fields to vary and how many seeds (used by `ammsim sweep`).

It declares which fields no sweep may vary (`NOT_SWEPT`, `sweepable`), since validating the table
needs that rule; `sim.scenario.paths` hands it on to everything else that asks.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field, field_validator

from sim.config import Spec
from sim.errors import echo
from sim.scenario.renamed import canonical

NOT_SWEPT = ("scenario.seed", "scenario.replicate")
"""Fields a sweep sets itself (base seed, replicate index); `sweep.*` cannot be swept either."""


def sweepable(path: str) -> bool:
    """Whether a sweep may vary (or fix) `path`: not the seeds it sets itself, not its own table."""
    return not (path == "sweep" or path.startswith("sweep.") or path in NOT_SWEPT)


def _check_paths(paths: Any) -> None:
    for p in paths:
        if not sweepable(p):
            raise ValueError(
                f"{echo(p)} cannot be swept (the sweep sets seeds and replicates itself, "
                "and cannot sweep its own definition)"
            )


class SweepSpec(Spec):
    """A parameter sweep: a full grid and/or a random/LHS sample over ranges, times replicate seeds."""

    grid: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="dotted path -> list of values; the sweep runs every combination",
    )
    seeds: int = Field(1, ge=1, le=100_000, description="replicate seeds per configuration")
    sample: str | None = Field(
        None,
        pattern=r"^(lhs|random):[1-9][0-9]{0,6}$",
        description="'lhs:N' or 'random:N': N sampled points over `ranges`, for every grid combination",
    )
    ranges: dict[str, list[float]] = Field(
        default_factory=dict, description="dotted path -> [low, high] for sampled parameters"
    )
    blocks: int | None = Field(
        None, ge=1, le=50_000_000, description="blocks per run (default: the scenario's)"
    )
    metrics: list[str] | None = Field(
        None,
        description="metrics the sweep's table and figures show, in order: summary.csv names "
        "without .mean, or fnmatch patterns ('mev.by_victim_cohort.*.victim_loss'); "
        "default: chosen from what the scenario contains",
    )

    @field_validator("grid")
    @classmethod
    def _grid(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        v = {canonical(p): values for p, values in v.items()}
        _check_paths(v)
        for p, values in v.items():
            if not values:
                raise ValueError(f"{echo(p)}: give at least one value")
            bad = [x for x in values if isinstance(x, float) and not math.isfinite(x)]
            if bad:
                raise ValueError(f"{echo(p)}: values must be finite numbers, got {bad[0]}")
        return v

    @field_validator("ranges")
    @classmethod
    def _ranges(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        v = {canonical(p): lohi for p, lohi in v.items()}
        _check_paths(v)
        for p, lohi in v.items():
            if len(lohi) != 2 or not all(math.isfinite(x) for x in lohi) or lohi[0] >= lohi[1]:
                raise ValueError(f"{echo(p)}: expected [low, high] with low < high, got {lohi}")
        return v

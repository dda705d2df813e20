"""The `[sweep]` table of a scenario: which fields to vary and how many seeds (used by `ammsim sweep`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sim.config import Spec


class SweepSpec(Spec):
    """A parameter sweep: a full grid and/or a random/LHS sample over ranges, times replicate seeds."""

    grid: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="dotted path -> list of values; the sweep runs every combination",
    )
    seeds: int = Field(1, ge=1, le=100_000, description="replicate seeds per configuration")
    sample: str | None = Field(
        None, description="'lhs:N' or 'random:N': N sampled points over `ranges` (with the grid)"
    )
    ranges: dict[str, list[float]] = Field(
        default_factory=dict, description="dotted path -> [low, high] for sampled parameters"
    )
    blocks: int | None = Field(None, ge=1, description="blocks per run (default: the scenario's)")

"""What a sweep asks of the scenario layer's paths (`sim.scenario.paths`), in its own words:
the sweep's messages for a path it cannot vary, and its loader bound into the integer probe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.errors import ScenarioError
from sim.scenario import paths
from sim.sweep.source import load_at


def check_path(path: str, what: str, blocks_fixed: bool) -> None:
    """Refuse a path a sweep cannot vary; `what` names where it came from (`--set`, ...)."""
    if not paths.sweepable(path):
        hint = {
            "scenario.seed": " (use --seed for the base seed)",
            "scenario.replicate": " (use --seeds for the number of replicates)",
        }.get(path, " (a sweep cannot sweep its own definition)")
        raise ScenarioError(f"{what} {path}: cannot be swept{hint}")
    if path == "scenario.blocks" and blocks_fixed:
        raise ScenarioError(
            f"{what} {path}: the sweep also fixes blocks (--blocks or sweep.blocks); use one"
        )


def is_integer_field(
    raw: dict[str, Any], sets: Mapping[str, Any], path: str, lohi: Sequence[float], where: str
) -> bool:
    """Whether the validated scenario stores `path` as an int (sampled values are then rounded)."""
    return paths.is_integer_field(raw, sets, path, lohi, where, load=load_at)

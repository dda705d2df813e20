"""Which dotted scenario paths a sweep may vary, and which of them hold integers.

The sweep's own knowledge of scenario paths, kept in this one module so that it can move to the
scenario layer's single module of paths with a one-line change to the imports that use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.scenario import get_path
from sim.sweep.source import load_at
from sim.sweep.values import is_number

FORBIDDEN = ("scenario.seed", "scenario.replicate")
"""Fields a sweep sets itself (besides its own `sweep.*` table): never swept or fixed."""


def check_path(path: str, what: str, blocks_fixed: bool) -> None:
    """Refuse a path a sweep cannot vary; `what` names where it came from (`--set`, ...)."""
    if path == "sweep" or path.startswith("sweep.") or path in FORBIDDEN:
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
    probe = float(math.ceil(lohi[0]))
    if probe > lohi[1]:
        probe = float(lohi[0])
    try:
        sc = load_at(raw, {**sets, path: probe}, where)
    except ScenarioError as err:
        raise ScenarioError(f"sweep.ranges: {path}: value {probe} is not accepted: {err}") from None
    value = get_path(sc.model_dump(), path)
    if not is_number(value):
        raise ScenarioError(f"{where}: sweep.ranges: {path} is not a number field")
    return isinstance(value, int)

"""Where a sweep's scenario comes from: a file (or bundled name) read once, or a parsed mapping.

Every configuration is validated from this one parsed copy, with errors that name the file the
way loading it directly would.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.files import read_toml, resolve_path
from sim.scenario.scenario import load_scenario
from sim.scenario.schema import Scenario


def read_source(scenario: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str | None, str]:
    """(parsed scenario, absolute file path or None, the name errors use for it)."""
    if isinstance(scenario, Mapping):
        return copy.deepcopy(dict(scenario)), None, "<scenario>"
    path = resolve_path(scenario)
    return read_toml(path), str(path.resolve()), str(path)


def load_at(raw: dict[str, Any], overrides: Mapping[str, Any], where: str, **kw: Any) -> Scenario:
    """`load_scenario` on the parsed file, with errors naming the file as loading it would."""
    try:
        return load_scenario(raw, overrides, **kw)
    except ScenarioError as err:
        msg = str(err)
        if msg.startswith("<scenario>"):
            msg = where + msg.removeprefix("<scenario>")
        raise ScenarioError(msg) from None

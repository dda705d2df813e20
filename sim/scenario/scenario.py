"""Loading a scenario: a file, a bundled name or a dict, overridden and validated into a `Scenario`.

Loading wraps TOML syntax errors, pydantic validation errors and cross-reference checks into one
`ScenarioError` naming the file, each offending dotted path, and what is allowed. This is the
scenario layer's front door: `Scenario` and `load_scenario` are what the rest of ammsim imports.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.files import read_toml, resolve_path
from sim.scenario.inputs import check_input_files
from sim.scenario.paths import set_path
from sim.scenario.problems import describe_all, format_problems
from sim.scenario.references import check_references
from sim.scenario.renamed import upgrade
from sim.scenario.schema import Scenario
from sim.scenario.usable import check_usable


def load_scenario(
    source: str | Path | Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    *,
    seed: int | None = None,
    blocks: int | None = None,
    replicate: int | None = None,
    origin: str | Path | None = None,
    allow: Sequence[str | Path] = (),
) -> Scenario:
    """Load, override and validate a scenario from a path, a bundled name, or a dict.

    `origin` is the file a dict was read from (relative file paths in it start from its folder);
    `allow` are further folders the files a scenario names may come from (`--allow-path`). When
    the scenario's file is known, every file it names is read and checked here, as a run would.
    """
    if isinstance(source, Mapping):
        raw, path = copy.deepcopy(dict(source)), None
    else:
        path = resolve_path(source)
        raw = read_toml(path)
    where = str(path) if path else "<scenario>"
    upgrade(raw, where)
    for dotted, value in (overrides or {}).items():
        set_path(raw, dotted, value, where=where)
    meta = raw.setdefault("scenario", {}) if isinstance(raw.get("scenario", {}), dict) else None
    if meta is not None:
        if seed is not None:
            meta["seed"] = seed
        if blocks is not None:
            meta["blocks"] = blocks
        if replicate is not None:
            meta["replicate"] = replicate
    scenario = validate(raw, where=where)
    if path is None and origin is not None:
        path, where = Path(origin), str(origin)
    scenario._source = path.resolve() if path else None
    scenario._allow = tuple(Path(d).resolve() for d in allow)
    if scenario._source is not None:
        check_input_files(scenario, where)
    return scenario


def validate(raw: Mapping[str, Any], where: str = "<scenario>") -> Scenario:
    """Validate a parsed scenario; every problem is reported with its dotted path."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(format_problems(where, describe_all(err.errors(), raw))) from None
    problems = check_references(scenario)
    if not problems:  # values checked once the names they use are known to exist
        problems = check_usable(scenario)
    if problems:
        raise ScenarioError(format_problems(where, [f"{p}: {m}" for p, m in problems]))
    return scenario

"""Live web dashboard of a scenario (Mesa SolaraViz), started by `ammsim viz SCENARIO`.

The scenario and any `--set` overrides reach this module through environment variables
(`AMMSIM_VIZ_SCENARIO`, `AMMSIM_VIZ_SETS` as JSON), so solara can import it as an app module
(`solara run sim.viz.dashboard` also works and shows the quickstart scenario).

The app puts together the inputs (`sim.viz.controls`, derived from the scenario's tunable fields),
the model (`sim.viz.model`) and the panels (`sim.viz.panels`). It is the only module with work at
import (Mesa's visualization), and only `ammsim viz` imports it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import solara
from mesa.visualization import SolaraViz

from sim.scenario.scenario import load_scenario
from sim.viz.controls import controls
from sim.viz.model import DashboardModel
from sim.viz.panels import components

SCENARIO_ENV = "AMMSIM_VIZ_SCENARIO"
SETS_ENV = "AMMSIM_VIZ_SETS"
ALLOW_ENV = "AMMSIM_VIZ_ALLOW"


def configured() -> tuple[str, dict[str, Any]]:
    """Scenario and overrides given by `ammsim viz` through the environment (default: quickstart)."""
    source = os.environ.get(SCENARIO_ENV, "quickstart")
    sets = json.loads(os.environ.get(SETS_ENV, "{}") or "{}")
    return source, dict(sets)


def allowed() -> list[str]:
    """The `--allow-path` folders `ammsim viz` was given (through the environment)."""
    return [str(d) for d in json.loads(os.environ.get(ALLOW_ENV, "[]") or "[]")]


def model_params(source: str, sets: Mapping[str, Any]) -> dict[str, Any]:
    """SolaraViz `model_params`: fixed scenario and overrides, then one input per control."""
    allow = allowed()
    sc = load_scenario(source, sets, allow=allow)
    params: dict[str, Any] = {"source": source, "base_overrides": dict(sets), "allow": allow}
    for c in controls(sc):
        params[c.name] = c.widget
    return params


@solara.component
def Page() -> None:
    """The app: one model per browser session, built from the configured scenario."""
    source, sets = configured()
    params = solara.use_memo(lambda: model_params(source, sets), [source, json.dumps(sets)])
    model = solara.use_memo(
        lambda: DashboardModel(source, sets, allow=allowed()), [source, json.dumps(sets)]
    )
    sc = model.spec
    SolaraViz(
        model,
        components=[(c, 0) for c in components(sc)],
        model_params=params,
        name=f"ammsim: {sc.scenario.name}",
        play_interval=50,
        render_interval=25,  # Mesa's slider moves in odd steps from 1
    )

"""The resolved scenario as a run folder writes it (`scenario.toml`): rerunning it reproduces the run."""

from __future__ import annotations

import platform

import tomli_w

from sim.scenario.schema import Scenario
from sim.version import VERSION, version


def scenario_toml(sc: Scenario) -> str:
    """The resolved scenario as TOML, with the versions that produced the run in a header comment."""
    head = (
        f"# resolved scenario written by ammsim {VERSION} "
        f"(python {platform.python_version()}, mesa {version('mesa')}, numpy {version('numpy')})\n"
        f"# rerun: ammsim run scenario.toml\n"
    )
    return head + tomli_w.dumps(sc.model_dump(mode="json", exclude_none=True))

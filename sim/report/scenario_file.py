"""The resolved scenario as a run folder writes it (`scenario.toml`): rerunning it reproduces the run."""

from __future__ import annotations

import platform
from collections.abc import Mapping

import tomli_w

from sim.scenario.schema import Scenario
from sim.version import VERSION, version


def scenario_toml(sc: Scenario, files: Mapping[str, str] | None = None) -> str:
    """The resolved scenario as TOML, with the versions that produced the run in a header comment.

    `files` maps a dotted field naming a file (`prices.ETH.path`) to the path written instead:
    the run folder's copy of it (see `sim.runs.inputs`)."""
    head = (
        f"# resolved scenario written by ammsim {VERSION} "
        f"(python {platform.python_version()}, mesa {version('mesa')}, numpy {version('numpy')})\n"
        f"# rerun: ammsim run scenario.toml\n"
    )
    data = sc.model_dump(mode="json", exclude_none=True)
    for dotted, path in (files or {}).items():
        *parents, leaf = dotted.split(".")
        table = data
        for key in parents:
            table = table[key]
        table[leaf] = path
    return head + tomli_w.dumps(data)

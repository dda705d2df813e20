"""The files a scenario names (today: price CSVs): which fields hold them, and checking them all.

`check_input_files` confines, size-checks and parses every one exactly as building the model
does (the same `replay_series`), so `validate` and loading refuse a bad file before block 1,
with the file and the dotted field (`prices.ETH.path`).
"""

from __future__ import annotations

from sim.errors import ScenarioError
from sim.market.prices import CsvReplay
from sim.market.prices.csv_replay import replay_series
from sim.scenario.schema import Scenario

__all__ = ["check_input_files", "file_fields"]


def file_fields(sc: Scenario) -> dict[str, str]:
    """Dotted field -> the file path written there, for every field naming a file."""
    return {
        f"prices.{asset}.path": spec.path
        for asset, spec in sc.prices.items()
        if isinstance(spec, CsvReplay)
    }


def check_input_files(sc: Scenario, where: str) -> None:
    """Read every file the scenario names as a run would; errors name `where` and the field."""
    roots = sc.input_roots
    for asset, spec in sc.prices.items():
        if isinstance(spec, CsvReplay):
            try:
                replay_series(spec, asset, roots)
            except ScenarioError as err:
                raise ScenarioError(f"{where}: prices.{asset}.path: {err}") from None

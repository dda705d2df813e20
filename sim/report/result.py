"""`RunResult`: what one run produced, as plain data; the run layer fills it, reports read it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import AmmSimError
from sim.model.event_log import EVENT_COLUMNS, iter_events
from sim.scenario.schema import Scenario


@dataclass
class RunResult:
    """What a run produced: summary, time series and per-agent table, and where it is on disk."""

    path: Path | None
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    agents: pd.DataFrame
    scenario: Scenario
    _events: list[tuple[Any, ...]] | None = field(default=None, repr=False)
    flows: list[dict[str, Any]] = field(default_factory=list)
    """Edges of the flow graph: agent -> pool (swaps), bot -> victim (sandwiches)."""
    inputs: dict[str, str] = field(default_factory=dict)
    """Files the run folder holds copies of: dotted field -> path inside the folder."""

    @property
    def events(self) -> pd.DataFrame:
        """The event log (read from events.csv on first use)."""
        if self._events is None:
            if self.path is None or not (self.path / "events.csv").exists():
                return pd.DataFrame()
            return pd.read_csv(self.path / "events.csv")
        # the same table, with the same column types, as reading events.csv would give
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([EVENT_COLUMNS, *self._events])
        text.seek(0)
        return pd.read_csv(text)

    def iter_events(self) -> Iterator[dict[str, str]]:
        """Stream the event log row by row (flat memory for large runs)."""
        if self.path is None:
            raise AmmSimError("this run kept no event file")
        return iter_events(self.path / "events.csv")

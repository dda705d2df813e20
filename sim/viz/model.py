"""The dashboard's model: a `MarketModel` built from keyword parameters, as the dashboard's Reset does.

It also keeps the time series the panels plot, thinned to at most `MAX_POINTS` rows and cached
per block, since every panel reads it after each step batch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario
from sim.viz.controls import controls

MAX_POINTS = 800
"""Rows plotted at most (the time series is thinned evenly beyond that)."""


class DashboardModel(MarketModel):
    """`MarketModel` built from keyword parameters, as the dashboard's Reset does.

    `source` is a scenario file or bundled name, `base_overrides` the `--set` values, `allow`
    the `--allow-path` folders, and every
    other keyword a slider value named by `param_name` of its dotted path. The model stops
    (`running = False`) after the scenario's number of blocks.
    """

    def __init__(
        self,
        source: str = "quickstart",
        base_overrides: Mapping[str, Any] | None = None,
        allow: Sequence[str] = (),
        **params: Any,
    ) -> None:
        params.pop("scenario", None)  # Mesa's own scenario object, passed on Reset: not ours
        base = dict(base_overrides or {})
        paths = {c.name: c.path for c in controls(load_scenario(source, base, allow=allow))}
        overrides = dict(base)
        for name, value in params.items():
            overrides[paths.get(name, name.replace("__", "."))] = value
        spec = load_scenario(source, overrides, allow=allow)
        self.overrides = overrides
        super().__init__(spec)
        self.block_limit = spec.scenario.blocks
        self._frame: tuple[int, pd.DataFrame] | None = None

    def step(self) -> None:
        super().step()
        if self.market.block >= self.block_limit:
            self.running = False

    def frame(self) -> pd.DataFrame:
        """The time series so far (cached per block; thinned to at most `MAX_POINTS` rows)."""
        block = self.market.block
        if self._frame is None or self._frame[0] != block:
            df = self.datacollector.get_model_vars_dataframe()
            if len(df) > MAX_POINTS:
                stride = math.ceil(len(df) / MAX_POINTS)
                df = pd.concat([df.iloc[:-1:stride], df.iloc[[-1]]])
            self._frame = (block, df)
        return self._frame[1]

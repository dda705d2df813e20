"""What the panels draw: a copy of a model's state taken between step batches.

The Play loop steps the model on its own thread while the page draws, so panels never read
the live model: `take(model, history)` copies, under the player's lock, the thinned time series,
the run's summary (`sim.report.summary.summarize`, the numbers `ammsim run` reports) and the
few per-trade and per-account lists the histograms need. `History` keeps the summary numbers
that have no time-series column (range-LP strategies, the scenario's headline numbers),
sampled every few blocks, so they can be drawn over time too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.report.summary import summarize
from sim.sweep.flat import flatten, matches
from sim.viz.model import DashboardModel

RANGE_LP_KEYS = (
    "range_lps.*.net_vs_hodl_pct",
    "range_lps.*.time_in_range_pct",
    "range_lps.*.fees_earned",
)
"""Range-LP strategy numbers followed over time (from the summary's range_lps section)."""

SAMPLES = 200
"""History rows per run at most (one every blocks / SAMPLES blocks)."""


class History:
    """The scenario's headline numbers and range-LP numbers, sampled every few blocks."""

    def __init__(self, model: DashboardModel) -> None:
        self.headline = tuple(model.spec.scenario.headline)
        self.patterns = (*self.headline, *RANGE_LP_KEYS)
        self.every = max(1, model.block_limit // SAMPLES)
        self.rows: list[dict[str, Any]] = []

    def record(self, model: DashboardModel, summary: dict[str, Any] | None = None) -> None:
        """Add a row when the model is at a sample block (or when `summary` is given)."""
        block = model.market.block
        if summary is None and block % self.every and model.running:
            return
        if self.rows and self.rows[-1]["block"] == block:
            return
        flat = flatten(summary if summary is not None else summarize(model))
        row: dict[str, Any] = {"block": block, "time_days": block * model.block_time_s / 86_400}
        for key, value in flat.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and any(matches(key, p) for p in self.patterns):
                row[key] = float(value)
        self.rows.append(row)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def headline_keys(self) -> tuple[str, ...]:
        """The recorded numbers that are the scenario's headline (patterns resolved)."""
        keys = dict.fromkeys(k for r in self.rows for k in r)
        ordered = [k for p in self.headline for k in keys if matches(k, p)]  # in headline order
        return tuple(dict.fromkeys(ordered))


@dataclass(frozen=True)
class Snapshot:
    """A model's state at one block, for drawing (never changes after it is taken)."""

    block: int
    block_limit: int
    days: float
    numeraire: str
    frame: pd.DataFrame
    summary: dict[str, Any]
    history: pd.DataFrame
    headline: tuple[str, ...]
    slippage_bps: tuple[float, ...]
    health_factors: tuple[float, ...]
    liquidations: int
    stats: str


def _health_factors(model: DashboardModel) -> tuple[float, ...]:
    out = []
    for market in model.market.protocols.lending.values():
        for account in market.accounts():
            hf = market.health_factor(account)
            if math.isfinite(hf):
                out.append(min(hf, 5.0))
    return tuple(out)


def take(model: DashboardModel, history: History) -> Snapshot:
    """A snapshot of `model` (call with the stepping paused, e.g. under the player's lock)."""
    from sim.viz.stats import stats_text  # the numbers panel's text

    summary = summarize(model)
    history.record(model, summary)
    block = model.market.block
    return Snapshot(
        block=block,
        block_limit=model.block_limit,
        days=block * model.block_time_s / 86_400,
        numeraire=model.market.numeraire,
        frame=model.frame().copy(),
        summary=summary,
        history=history.frame(),
        headline=history.headline_keys(),
        slippage_bps=tuple(model.metrics.retail_slippage_bps),
        health_factors=_health_factors(model),
        liquidations=len(model.market.protocols.liquidations),
        stats=stats_text(model),
    )

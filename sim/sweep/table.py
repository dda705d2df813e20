"""The table a sweep prints when it ends: one line per configuration, its parameters, runs ok
and the mean of its key metrics, in numbers for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.sweep.metrics import KEY_METRICS

if TYPE_CHECKING:
    import pandas as pd


def tidy_table(
    summary: pd.DataFrame,
    params: Sequence[str],
    max_rows: int = 40,
    *,
    metrics: Sequence[str] | None = None,
    max_metrics: int = 6,
) -> str:
    """One line per configuration: parameters, runs ok, mean of the key metrics (the first
    `max_metrics` of `metrics`, default the LP metrics)."""
    shown = [m for m in (KEY_METRICS if metrics is None else metrics) if f"{m}.mean" in summary]
    shown = shown[:max_metrics]
    cols = [*params, "ok"] + [f"{m}.mean" for m in shown]
    # per-cohort MEV names are long: mev.by_victim_cohort.loose.victim_loss -> mev.loose...
    short = {f"{m}.mean": m.replace("mev.by_victim_cohort.", "mev.") for m in shown}
    df = summary[cols].rename(columns=short)
    text = df.head(max_rows).to_string(index=False, float_format=num)
    if len(df) > max_rows:
        text += f"\n... {len(df) - max_rows:,} more configurations in summary.csv"
    return text


def num(x: float) -> str:
    """A number for people: thousands separated, else four significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"

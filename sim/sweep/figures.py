"""A sweep's figures: each key metric against each swept parameter with its 95% band across
seeds, and a heatmap for a two-parameter grid. Plotting functions take a summary.csv DataFrame
and an optional Matplotlib Axes, and return the Axes."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.runs.folder import safe_name
from sim.sweep.metrics import choose_metrics
from sim.sweep.plan import Plan
from sim.sweep.stats import pooled
from sim.sweep.table import num

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_PANELS = 9
"""Most metrics one figure shows (a 3 x 3 grid)."""


def plot_metric_vs_param(
    summary: pd.DataFrame,
    param: str,
    metric: str,
    *,
    hue: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """`metric` against `param` with its 95% confidence band across seeds (one line per `hue`
    value; other swept parameters are pooled). Many distinct x values (a sample) are drawn as
    points with error bars."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    groups = [(None, summary)] if hue is None else list(summary.groupby(hue, sort=True))
    # one colour per hue value, the same in every panel (also where some values have no data)
    colors = {label: f"C{i % 10}" for i, (label, _) in enumerate(groups)}
    for label, sub in groups:
        df = pooled(sub, [param], metric)
        if df.empty:
            continue
        x, y, half = df[param].to_numpy(), df["mean"].to_numpy(), df["half"].to_numpy()
        name = None if hue is None else f"{_tail(hue)}={label:g}"
        numeric_x = _numeric(df[param])
        if len(df) > 12 or not numeric_x:
            xs = x if numeric_x else np.arange(len(x))
            ax.errorbar(
                xs,
                y,
                yerr=np.nan_to_num(half),
                fmt="o",
                ms=3,
                capsize=2,
                label=name,
                color=colors[label],
            )
            if not numeric_x:
                ax.set_xticks(xs, [str(v) for v in x])
        else:
            ax.plot(x, y, marker="o", label=name, color=colors[label])
            ax.fill_between(x, y - half, y + half, alpha=0.2, color=colors[label], lw=0)
        if numeric_x and all(float(v).is_integer() for v in x) and np.ptp(x) < 10:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2, 0.4 ticks
    if _numeric(summary[param]) and summary[param].nunique() > 1:
        # the whole swept range, also where this metric has no value (every panel alike)
        lo, hi = float(summary[param].min()), float(summary[param].max())
        ax.set_xlim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    ax.set_xlabel(param)
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(fontsize=7)
    return ax


def plot_heatmap(
    summary: pd.DataFrame, x: str, y: str, metric: str, *, ax: Axes | None = None
) -> Axes:
    """Mean of `metric` over a two-parameter grid (seeds averaged)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    df = pooled(summary, [y, x], metric)
    table = df.pivot(index=y, columns=x, values="mean").sort_index().sort_index(axis=1)
    im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
    lo, hi = im.get_clim()
    if hi - lo <= 1e-4 * max(abs(lo), abs(hi)):  # equal to the 4 digits shown: one colour
        mid = (lo + hi) / 2
        lo, hi = mid - max(abs(mid) * 0.05, 1e-9), mid + max(abs(mid) * 0.05, 1e-9)
        im.set_clim(lo, hi)
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        if math.isfinite(v):
            light = hi > lo and (v - lo) / (hi - lo) > 0.6  # viridis is light at the top
            color = "k" if light else "w"
            ax.text(j, i, num(v), ha="center", va="center", fontsize=7, color=color)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(metric, fontsize=9)
    bar = ax.figure.colorbar(im, ax=ax)
    bar.formatter.set_useOffset(False)  # a nearly constant metric: plain values, no "+7.4e2"
    bar.update_ticks()
    return ax


def write_figures(
    summary: pd.DataFrame, plan: Plan, folder: Path, *, metrics: Sequence[str] | None = None
) -> list[str]:
    """One figure per swept parameter (each metric with its 95% band), a heatmap for 2-D grids.

    `metrics`: the metrics to draw, in order (default: `choose_metrics(summary, plan)`)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    keys = choose_metrics(summary, plan) if metrics is None else list(metrics)
    keys = [m for m in keys if _has_values(summary, m)][:MAX_PANELS]
    if not keys or not plan.params:
        return []
    ncols = 2 if len(keys) <= 4 else 3
    nrows = math.ceil(len(keys) / ncols)
    written = []
    for param in plan.params:
        others = [p for p in plan.grid if p != param]
        hue = (
            others[0]
            if len(others) == 1
            and not plan.ranges
            and summary[others[0]].nunique() <= 6
            and _numeric(summary[others[0]])
            else None
        )
        fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.5 * nrows), squeeze=False)
        for ax, metric in zip(axes.flat, keys, strict=False):
            plot_metric_vs_param(summary, param, metric, hue=hue, ax=ax)
            _label(ax, metric)
        for ax in list(axes.flat)[len(keys) :]:
            ax.set_visible(False)
        fig.suptitle(f"{plan.scenario_name}: metrics vs {param} (95% CI over seeds)")
        fig.tight_layout()
        name = f"vs_{safe_name(param)}.png"
        _save(fig, folder / name)
        written.append(name)
    grid_params = list(plan.grid)
    if len(grid_params) == 2 and not plan.ranges and all(_numeric(summary[p]) for p in grid_params):
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.5 * ncols, 4 * nrows), squeeze=False)
        for ax, metric in zip(axes.flat, keys, strict=False):
            plot_heatmap(summary, grid_params[0], grid_params[1], metric, ax=ax)
        for ax in list(axes.flat)[len(keys) :]:
            ax.set_visible(False)
        fig.suptitle(f"{plan.scenario_name}: mean over seeds")
        fig.tight_layout()
        _save(fig, folder / "heatmap.png")
        written.append("heatmap.png")
    return written


def _tail(path: str) -> str:
    """The last two parts of a dotted path (`agents.bot.count` -> `bot.count`)."""
    return ".".join(path.split(".")[-2:])


def _has_values(summary: pd.DataFrame, metric: str) -> bool:
    col = f"{metric}.mean"
    return col in summary.columns and bool(np.isfinite(summary[col].to_numpy(dtype=float)).any())


def _label(ax: Axes, metric: str) -> None:
    """The full metric name as a small title, its last part on the y axis."""
    ax.set_title(metric, fontsize=8)
    last = metric.rsplit(".", 1)[-1]
    ax.set_ylabel(_tail(metric) if last in ("mean", "min", "max") else last, fontsize=8)


def _numeric(col: pd.Series) -> bool:
    from pandas.api import types

    return bool(types.is_numeric_dtype(col.dtype) and not types.is_bool_dtype(col.dtype))


def _save(fig: Figure, path: Path) -> None:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)

"""What every figure of a run shares: the non-interactive backend, and the rules that keep each
panel readable (lines of very different size on separate panels, a log axis for a price that
moves by orders of magnitude, rug pulls marked on the time axis).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

READABLE_RATIO = 20.0
"""Lines whose sizes differ by more than this factor do not share an axis (the small one would
lie flat at 0)."""

LOG_SPAN = 20.0
"""A positive series whose max/min exceeds this is drawn on a log axis."""

__all__ = [
    "LOG_SPAN",
    "READABLE_RATIO",
    "axes",
    "magnitude",
    "magnitude_groups",
    "mark_days",
    "plt",
    "readable_y",
    "shows_something",
]


def axes(ax: Axes | None) -> Axes:
    """`ax`, or the axes of a new figure."""
    return ax if ax is not None else plt.figure().gca()


def magnitude(values: Any) -> float:
    """Largest finite absolute value of a series (0 when it has none)."""
    arr = np.abs(np.asarray(values, dtype=float))
    arr = arr[np.isfinite(arr)]
    return float(arr.max()) if arr.size else 0.0


def shows_something(values: Any) -> bool:
    """A series worth a line: some finite value other than 0."""
    return magnitude(values) > 0.0


def magnitude_groups(sizes: Mapping[str, float], ratio: float = READABLE_RATIO) -> list[list[str]]:
    """Names grouped so that within a group no size is more than `ratio` times another, largest
    group first; names of size 0 are left out (nothing to draw)."""
    groups: list[list[str]] = []
    top = 0.0
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        if size <= 0 or not math.isfinite(size):
            continue
        if not groups or size * ratio < top:
            groups.append([])
            top = size
        groups[-1].append(name)
    return groups


def readable_y(ax: Axes, series: Iterable[pd.Series]) -> None:
    """A log y axis when positive data span more than LOG_SPAN, else plain numbers (no offset
    such as '+1' above the axis)."""
    arr = np.concatenate([np.asarray(s, dtype=float) for s in series] or [np.array([])])
    arr = arr[np.isfinite(arr)]
    if arr.size and arr.min() > 0 and arr.max() / arr.min() > LOG_SPAN:
        ax.set_yscale("log")
    elif ax.get_yscale() == "linear":
        ax.ticklabel_format(axis="y", useOffset=False)


def mark_days(ax: Axes, marks: Iterable[tuple[float, str]]) -> None:
    """A red dashed vertical line at each (day, label), the label written along it."""
    for day, label in marks:
        ax.axvline(day, color="tab:red", lw=0.9, ls="--", zorder=1)
        ax.annotate(
            label,
            xy=(day, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=7,
            color="tab:red",
        )

"""One dashboard panel as a PNG: its drawing for one run, or for A and B overlaid.

A panel draws one snapshot on an Axes. With A/B the same drawing is made twice on the same
axes: B's lines dashed, every label tagged "(A)" or "(B)", so both runs read as one plot.
Drawings that place bars take the run's index to set them side by side. The points drawn are
counted (lines, bars, histogram bins) so the page can say whether a panel shows any data.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.viz.snapshot import Snapshot


@dataclass(frozen=True)
class Run:
    """Which run a drawing is of: its name ("A", "B" or "" alone), index and the run count."""

    name: str
    index: int
    count: int


Draw = Callable[[Axes, Snapshot, Run], None]
DrawAll = Callable[[Axes, Mapping[str, Snapshot]], None]


@dataclass(frozen=True)
class Panel:
    """A plot of the dashboard: `key` names it in the page (`ammsim-panel-<key>`). It draws each
    run in turn (`draw`), or all runs at once (`draw_all`, e.g. the difference B - A)."""

    key: str
    draw: Draw | None = None
    draw_all: DrawAll | None = None


DPI = 80


@dataclass(frozen=True)
class Drawn:
    """A rendered panel: the PNG, the data points drawn and the legend's labels."""

    png: bytes
    points: int
    labels: tuple[str, ...]


def render(panel: Panel, snaps: Mapping[str, Snapshot]) -> Drawn:
    """The panel drawn for every run in `snaps`."""
    fig = Figure(figsize=(6, 3.6))  # fixed margins: a layout engine doubles the render time
    fig.subplots_adjust(left=0.12, right=0.88, bottom=0.14, top=0.9)
    ax = fig.add_subplot()
    names = list(snaps) if len(snaps) > 1 else [""]
    if panel.draw_all is not None:
        panel.draw_all(ax, snaps)
    for i, (name, snap) in enumerate(zip(names, snaps.values(), strict=True)):
        if panel.draw is None:
            break
        before = _artists(fig)
        panel.draw(ax, snap, Run(name, i, len(names)))
        if name:
            _tag(fig, before, name, dashed=i > 0)
    handles, labels = [], []
    for a in fig.axes:  # one legend for the twin axes too
        h, lab = a.get_legend_handles_labels()
        handles, labels = handles + h, labels + lab
        if a.get_legend() is not None:
            a.get_legend().remove()
    if labels:  # "upper left": "best" searches the data on every frame
        ax.legend(handles, labels, fontsize=7, loc="upper left")
    points = count_points(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})  # fast, local
    return Drawn(buf.getvalue(), points, tuple(labels))


def _artists(fig: Figure) -> set[int]:
    return {id(x) for a in fig.axes for x in (*a.lines, *a.patches, *a.collections, *a.containers)}


def _tag(fig: Figure, before: set[int], name: str, dashed: bool) -> None:
    """Label the artists drawn since `before` with the run's name; dash B's lines."""
    for a in fig.axes:
        for x in (*a.lines, *a.patches, *a.collections, *a.containers):
            if id(x) in before:
                continue
            label = x.get_label()
            if label and not label.startswith("_"):
                x.set_label(f"{label} ({name})")
            if dashed and x in a.lines and x.get_linestyle() == "-":
                x.set_linestyle("--")


def count_points(fig: Figure) -> int:
    """Data points drawn: finite points of data lines (reference lines have two), bars of
    non-zero height, outline points of filled histograms, scatter points."""
    n = 0
    for a in fig.axes:
        for line in a.lines:
            y = np.asarray(line.get_ydata(), dtype=float)
            if len(y) > 2:
                n += int(np.isfinite(y).sum())
        for p in a.patches:  # bars (non-zero height), filled histograms (outline vertices)
            n += (
                bool(p.get_height())
                if hasattr(p, "get_height")
                else len(getattr(p, "get_xy", list)())
            )
        n += sum(len(c.get_offsets()) for c in a.collections if hasattr(c, "get_offsets"))
    return n

"""The cards of the dashboard page: the Numbers card and one card per plot.

A plot card holds the panel's PNG, drawn beforehand (`sim.viz.figure.render`, by whoever took
the snapshot), in a div whose `data-points` attribute says how many data points it drew (and `data-labels` its legend), so a
browser test can tell a drawn plot from an empty one. Moving a slider redraws nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import solara

from sim.viz.figure import Drawn
from sim.viz.player import Player
from sim.viz.snapshot import Snapshot
from sim.viz.stats import params_text

_PRE = "font-size: 13px; white-space: pre-wrap; margin: 0"


def _pre(text: str, cls: str) -> Any:
    return solara.HTML(tag="pre", unsafe_innerHTML=text, classes=[cls], style=_PRE)


def difference_text(snaps: Mapping[str, Snapshot]) -> str:
    """B - A of each headline number now (same block in both runs)."""
    a, b = snaps["A"], snaps["B"]
    lines = []
    for key in a.headline:
        va, vb = (s.history.iloc[-1].get(key) if len(s.history) else None for s in (a, b))
        if va is not None and vb is not None:
            lines.append(f"{key}: A {va:,.4g}, B {vb:,.4g}, B - A {vb - va:+,.4g}")
    return "\n".join(lines) or "no headline numbers yet"


@solara.component
def Numbers(player: Player, snaps: Mapping[str, Snapshot], ab: Mapping[str, Any]) -> None:
    """Model time and headline numbers of each run, and the settings they were built with."""
    with solara.Card("Numbers"):
        if ab:
            changes = ", ".join(f"{k} = {v}" for k, v in ab.items())
            solara.Text(f"A: the scenario as set; B: the same seed with {changes}")
        for name, snap in snaps.items():
            cls = "ammsim-stats" if name == "A" else f"ammsim-stats-{name.lower()}"
            if ab:
                solara.Text(f"Run {name}")
            _pre(snap.stats, cls)
        if ab:
            solara.Text("Headline numbers, B - A:")
            _pre(difference_text(snaps), "ammsim-diff")
        solara.Text("This run's settings (move a slider, then press Reset):")
        _pre(params_text(player.models["A"]), "ammsim-params")


@solara.component
def Plot(key: str, drawn: Drawn) -> None:
    """One plot, drawn (`sim.viz.figure.render`) before the page renders."""
    with solara.Card(classes=["ammsim-plot"]):
        solara.v.Html(
            tag="div",
            class_=f"ammsim-panel ammsim-panel-{key}",
            attributes={"data-points": str(drawn.points), "data-labels": " | ".join(drawn.labels)},
            children=[solara.Image(drawn.png, format="png", width="100%")],
        )

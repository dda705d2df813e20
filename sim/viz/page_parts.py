"""The cards of the dashboard page: the Numbers card and one card per plot.

A plot card holds the panel's PNG (`sim.viz.figure.render`) in a div whose `data-points`
attribute says how many data points it drew, so a browser test can tell a drawn plot from an
empty one. A card is redrawn only when the snapshots change (their version), not when a slider
moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import solara

from sim.viz.figure import Panel, render
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
def Plot(panel: Panel, snaps: Mapping[str, Snapshot], version: int) -> None:
    """One plot of the snapshots (redrawn when `version` changes)."""
    png, points = solara.use_memo(lambda: render(panel, snaps), [panel.key, version])
    with solara.Card(classes=["ammsim-plot"]):
        solara.v.Html(
            tag="div",
            class_=f"ammsim-panel ammsim-panel-{panel.key}",
            attributes={"data-points": str(points)},
            children=[solara.Image(png, format="png", width="100%")],
        )

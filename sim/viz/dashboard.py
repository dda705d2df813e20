"""Live web dashboard of a scenario (Solara, on Mesa's model), started by `ammsim viz SCENARIO`.

The scenario, `--set` overrides and `--ab` changes reach this module through environment
variables (`AMMSIM_VIZ_SCENARIO`, `AMMSIM_VIZ_SETS`, `AMMSIM_VIZ_AB`, as JSON), so solara can
import it as an app module (`solara run sim.viz.dashboard` also works: the quickstart scenario).

The page: controls and the scenario's settings in words on the left (`sim.viz.controls`), the
numbers and one plot per thing the scenario is about on the right (`sim.viz.panels`), one page
with no tabs. The models are stepped by `sim.viz.player.Player` on a thread of their own; a
watcher thread takes a snapshot and redraws whenever the last frame is done, so drawing never
holds the stepping back. It is the only module with work at import (solara), and only
`ammsim viz` imports it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import solara

from sim.scenario.scenario import load_scenario
from sim.viz.controls import Control, controls
from sim.viz.figure import Panel, render
from sim.viz.model import DashboardModel
from sim.viz.page_parts import Numbers, Plot
from sim.viz.panels import panels_for
from sim.viz.player import Player

SCENARIO_ENV = "AMMSIM_VIZ_SCENARIO"
SETS_ENV = "AMMSIM_VIZ_SETS"
AB_ENV = "AMMSIM_VIZ_AB"
ALLOW_ENV = "AMMSIM_VIZ_ALLOW"

PLAY_SECONDS = 20
"""Default Play speed: the scenario's blocks in about this many seconds (a one-day quickstart,
7,200 blocks, at 400 blocks/s: 18 s), when the machine steps that fast."""


def configured() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Scenario, overrides and A/B changes given by `ammsim viz` (default: quickstart)."""
    source = os.environ.get(SCENARIO_ENV, "quickstart")
    sets = json.loads(os.environ.get(SETS_ENV, "{}") or "{}")
    ab = json.loads(os.environ.get(AB_ENV, "{}") or "{}")
    return source, dict(sets), dict(ab)


def allowed() -> list[str]:
    """The `--allow-path` folders `ammsim viz` was given (through the environment)."""
    return [str(d) for d in json.loads(os.environ.get(ALLOW_ENV, "[]") or "[]")]


def make_player(
    source: str,
    sets: Mapping[str, Any],
    ab: Mapping[str, Any],
    values: Mapping[str, Any],
    allow: Sequence[str] = (),
) -> Player:
    """The model(s) from the scenario, `--set` values and the sliders' `values` (by control
    name); with `ab`, a second model B, same seed, with those changes on top (a change to a
    field that also has a slider wins over the slider). `allow`: the `--allow-path` folders."""
    a = DashboardModel(source, sets, allow, **values)
    if not ab:
        return Player({"A": a})
    ctrl = {c.name: c.path for c in controls(a.spec)}
    b_values = {k: v for k, v in values.items() if ctrl.get(k) not in ab}
    return Player({"A": a, "B": DashboardModel(source, {**sets, **ab}, allow, **b_values)})


def default_speed(blocks: int) -> int:
    """Play's default pace, blocks per second (a multiple of 50)."""
    return max(50, 50 * math.ceil(blocks / PLAY_SECONDS / 50))


def _frame(player: Player, panels: list[Panel]) -> tuple[int, Any, Any]:
    snaps = player.snapshots()
    return 0, snaps, {p.key: render(p, snaps) for p in panels}


def _format(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@solara.component
def Setting(c: Control, value: Any, on_value: Any) -> None:
    """One scenario field: its words, unit and current value above its slider or select (in a
    div named by its dotted path, `data-path`)."""
    w = c.widget
    if w["type"] == "Select":
        field = solara.Select(label="", value=value, values=w["values"], on_value=on_value)
    else:
        slider = solara.SliderInt if w["type"] == "SliderInt" else solara.SliderFloat
        field = slider(
            "", value=value, min=w["min"], max=w["max"], step=w["step"], on_value=on_value
        )
    solara.v.Html(
        tag="div",
        class_="ammsim-setting",
        attributes={"data-path": c.path},
        children=[
            solara.Text(f"{w['label']}: {_format(value)}", classes=["ammsim-label"]),
            field,
        ],
    )


@solara.component
def Page() -> None:
    """The app: its own player per browser session, built from the configured scenario."""
    source, sets, ab = configured()
    key = json.dumps([source, sets, ab])
    allow = allowed()
    ctrls = solara.use_memo(lambda: controls(load_scenario(source, sets, allow=allow)), [key])
    initial = solara.use_memo(lambda: {c.name: c.widget["value"] for c in ctrls}, [key])
    values = solara.use_reactive(initial)
    first = solara.use_memo(lambda: make_player(source, sets, ab, {}, allow), [key])
    player = solara.use_reactive(first)
    panels = solara.use_memo(lambda: panels_for(first.models["A"], bool(ab)), [key])
    start = solara.use_memo(lambda: _frame(first, panels), [key])
    frame = solara.use_reactive(start)  # (version, snapshots, images by panel key)
    playing = solara.use_reactive(False)
    limit = player.value.models["A"].block_limit
    speed = solara.use_reactive(default_speed(limit))
    batch = solara.use_reactive(max(25, 25 * round(limit / 200 / 25)))

    def show() -> None:
        """Snapshot the models and draw every plot here (in the caller's thread, not in the
        page's render), then hand the frame to the page: one frame at a time."""
        snaps = player.value.snapshots()
        images = {p.key: render(p, snaps) for p in panels}
        frame.value = (frame.value[0] + 1, snaps, images)

    def watch(cancel: Any) -> None:
        """While playing: redraw whenever the player has stepped since the last frame."""
        p = player.value
        while playing.value and not cancel.is_set():
            done = not p.playing  # the last blocks are stepped: one last frame
            p.changed.wait(0.25)
            if p.changed.is_set() or done:
                p.changed.clear()
                show()
            if done:
                playing.value = False
                break

    solara.use_thread(watch, dependencies=[playing.value, player.value], intrusive_cancel=False)

    def stop_when_gone() -> Any:
        return player.value.pause  # a closed page (or a Reset) stops its Play thread

    solara.use_effect(stop_when_gone, [player.value])

    def play_pause() -> None:
        p = player.value
        if playing.value:
            p.pause()
            playing.value = False
        else:
            p.blocks_per_s = speed.value
            p.play()
            playing.value = True

    def step() -> None:
        player.value.step(batch.value)
        show()

    def reset() -> None:
        player.value.pause()
        playing.value = False
        player.value = make_player(source, sets, ab, values.value, allow)
        show()

    def set_speed(v: int) -> None:
        speed.value = v
        player.value.blocks_per_s = v

    sc = first.models["A"].spec
    title = f"ammsim: {sc.scenario.name}" + ("  (A/B)" if ab else "")
    with solara.AppBar():
        solara.AppBarTitle(title)
    running = player.value.running
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            with solara.Row(justify="space-between"):
                solara.Button(label="Reset", color="primary", on_click=reset)
                solara.Button(
                    label="❚❚" if playing.value else "▶",
                    color="primary",
                    on_click=play_pause,
                    disabled=not running and not playing.value,
                )
                solara.Button(
                    label="Step",
                    color="primary",
                    on_click=step,
                    disabled=playing.value or not running,
                )
            solara.Text(f"Play speed (blocks/s; 0 = as fast as it can): {speed.value}")
            solara.v.Html(
                tag="div",
                class_="ammsim-speed",
                children=[
                    solara.SliderInt(
                        "",
                        value=speed.value,
                        min=0,
                        max=max(2000, 2 * default_speed(limit)),
                        step=50,
                        on_value=set_speed,
                    )
                ],
            )
            solara.Text(f"Step (blocks): {batch.value}")
            solara.SliderInt("", value=batch, min=1, max=max(500, 2 * batch.value))
        with solara.Card("Scenario settings (press Reset to apply)"):
            for c in ctrls:

                def on_value(v: Any, name: str = c.name) -> None:
                    values.value = {**values.value, name: v}

                Setting(c, values.value[c.name], on_value)
    _, snaps, images = frame.value
    with solara.ColumnsResponsive(12, large=6):
        Numbers(player.value, snaps, ab)
        for panel in panels:
            Plot(panel.key, images[panel.key])

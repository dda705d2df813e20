"""`ammsim viz` and `sim.viz.dashboard`.

The model, controls and panels are tested in-process. The browser test serves the dashboard
for real and drives it in headless Chromium (`-m browser`); it needs a Chromium binary
(`apt-get install chromium`, or `AMMSIM_CHROMIUM=/path/to/chrome`) and is skipped with the
reason when there is none. It also checks that the page makes no request beyond localhost
(Solara's assets are served locally) and that Ctrl-C stops the server with exit code 0.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from browser import LAUNCH_ARGS, serve, stop

from sim.cli.main import main
from sim.scenario.files import bundled
from sim.scenario.paths import get_path
from sim.scenario.scenario import load_scenario
from sim.viz.controls import controls
from sim.viz.figure import render
from sim.viz.model import DashboardModel
from sim.viz.page_parts import difference_text
from sim.viz.panels import SLIPPAGE, panels_for
from sim.viz.stats import params_text, stats_text

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture
def server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`ammsim viz quickstart` on a free localhost port; yields (url, process)."""
    with serve("quickstart") as running:
        yield running


def _stats(page: object) -> str:
    return page.inner_text(".ammsim-stats")  # type: ignore[attr-defined]


def _block(text: str) -> int:
    m = re.search(r"block ([\d,]+) of", text)
    assert m, text
    return int(m.group(1).replace(",", ""))


def _pool_line(text: str) -> tuple[int, float]:
    """(fee_bps, cumulative fees) of the eth_usdc pool from the numbers panel."""
    m = re.search(r"eth_usdc \(fee ([\d.]+) bps\): fees ([\d,.]+)", text)
    assert m, text
    return int(float(m.group(1))), float(m.group(2).replace(",", ""))


def _wait_for(page: object, predicate: object, what: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = _stats(page)
        if predicate(text):  # type: ignore[operator]
            return text
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; numbers panel shows:\n{text}")


def _click_until(page: object, button: str, predicate: object, what: str) -> str:
    """Click a button until the numbers satisfy `predicate` (the first click after the page
    loads can land before the widget is wired to the server, so one retry is allowed)."""
    for attempt in range(2):
        page.get_by_role("button", name=button, exact=True).click()  # type: ignore[attr-defined]
        try:
            return _wait_for(page, predicate, what, timeout=10.0 if attempt == 0 else 20.0)
        except AssertionError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _run_steps(page: object, clicks: int) -> str:
    """Press Step `clicks` times, waiting for each to advance the block."""
    text = _stats(page)
    for _ in range(clicks):
        before = _block(text)
        text = _click_until(page, "Step", lambda t, b=before: _block(t) > b, "a step")
    return text


def _set_fee_slider(page: object, key: str) -> None:
    """Move the eth_usdc fee slider with the keyboard (Home = minimum, End = maximum)."""
    field = page.locator('.ammsim-setting[data-path="pools.eth_usdc.fee_bps"]')  # type: ignore[attr-defined]
    thumb = field.locator("[role=slider]")
    thumb.focus()
    thumb.press(key)


# ---- in-process ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dashboard() -> object:
    """`sim.viz.dashboard` (imports solara: a few seconds, once)."""
    return pytest.importorskip("sim.viz.dashboard")


def test_ltv_slider_bounds_leverage() -> None:
    """A lower LTV slider value caps what loopers can reach: leverage < 1 / (1 - LTV)."""
    for ltv in (0.5, 0.8):
        model = DashboardModel("steth_depeg", lending__aave__assets__stETH__ltv=ltv)
        assert model.spec.lending["aave"].assets["stETH"].ltv == ltv
        for _ in range(3):
            model.step()
        levs = [a.leverage() for a in model.market_agents if a.kind == "lst_looper" and a.entered]
        assert levs and max(levs) < 1 / (1 - ltv)
        assert "lending.aave.assets.stETH.ltv = " + f"{ltv:g}" in params_text(model)


def test_model_takes_slider_values_and_ignores_mesa_scenario() -> None:
    # Reset passes every slider by name (and Mesa's SolaraViz also passed its `scenario` object)
    model = DashboardModel(
        "quickstart",
        {"scenario.blocks": 40},
        pools__eth_usdc__fee_bps=100,
        chain__ordering="fifo",
        agents__retail__count=7,
        scenario=object(),
    )
    assert model.spec.pools["eth_usdc"].fee_bps == 100
    assert model.spec.chain.ordering == "fifo"
    assert model.spec.agents["retail"].count == 7
    assert model.spec.scenario.blocks == 40
    for _ in range(40):
        assert model.running
        model.step()
    assert not model.running  # stops after the scenario's blocks
    text = stats_text(model)
    assert "block 40 of 40" in text and "eth_usdc (fee 100 bps)" in text
    assert "pools.eth_usdc.fee_bps = 100" in params_text(model)


def test_same_seed_higher_fee_more_fees() -> None:
    fees = []
    for fee in (5, 100):
        m = DashboardModel("quickstart", pools__eth_usdc__fee_bps=fee)
        for _ in range(200):
            m.step()
        fees.append(m.metrics.pools["eth_usdc"].fees)
    assert 0 < fees[0] < fees[1]


def test_ab_runs_step_in_lockstep_on_one_seed(dashboard: object) -> None:
    """A is the scenario as set (the same run as without A/B); B differs by the --ab change
    only, and a slider for the same field does not undo B's change."""
    sets = {"scenario.blocks": 300}
    solo = dashboard.make_player("quickstart", sets, {}, {})  # type: ignore[attr-defined]
    ab = dashboard.make_player(  # type: ignore[attr-defined]
        "quickstart", sets, {"pools.eth_usdc.fee_bps": 100}, {"pools__eth_usdc__fee_bps": 30}
    )
    assert list(ab.models) == ["A", "B"]
    assert ab.models["B"].spec.pools["eth_usdc"].fee_bps == 100
    solo.step(120)
    ab.step(120)
    a, b = ab.models["A"], ab.models["B"]
    assert a.market.block == b.market.block == 120
    assert a.metrics.pools["eth_usdc"].fees == solo.models["A"].metrics.pools["eth_usdc"].fees
    assert b.metrics.pools["eth_usdc"].fees > a.metrics.pools["eth_usdc"].fees
    snaps = ab.snapshots()
    assert snaps["A"].headline == snaps["B"].headline
    assert "lp_fee_income" in snaps["A"].headline
    diff = difference_text(snaps)
    income = [ln for ln in diff.splitlines() if ln.startswith("lp_fee_income:")]
    assert income and "B - A +" in income[0], diff


def test_play_thread_paces_and_stops_at_the_end(dashboard: object) -> None:
    player = dashboard.make_player("quickstart", {"scenario.blocks": 400}, {}, {})  # type: ignore[attr-defined]
    player.blocks_per_s = 100
    start = time.monotonic()
    player.play()
    time.sleep(1.0)
    while player.block == 0 and time.monotonic() - start < 20:  # a busy machine may lag
        time.sleep(0.05)
    player.pause()
    paced = player.block
    assert 0 < paced <= 100 * (time.monotonic() - start) + 1  # never ahead of the pace
    assert not player.playing
    player.blocks_per_s = 0  # as fast as it can
    player.play()
    deadline = time.monotonic() + 60
    while player.playing and time.monotonic() < deadline:
        time.sleep(0.05)
    assert player.block == 400 and not player.running
    assert player.changed.is_set()  # the page is told there is a last frame to draw
    assert dashboard.default_speed(7_200) * dashboard.PLAY_SECONDS >= 7_200  # type: ignore[attr-defined]


def _blocks(name: str) -> int:
    """Blocks enough for every panel of a bundled scenario to have data (steth_depeg's news
    comes at block 300, and sellers react within 900 blocks)."""
    return 1_500 if name == "steth_depeg" else 400


@pytest.mark.parametrize("name", bundled())
def test_every_panel_of_a_bundled_scenario_draws_data(dashboard: object, name: str) -> None:
    player = dashboard.make_player(name, {"scenario.blocks": _blocks(name)}, {}, {})  # type: ignore[attr-defined]
    player.step(_blocks(name))
    snaps = player.snapshots()
    shown = panels_for(player.models["A"])
    drawn = {p.key: render(p, snaps).points for p in shown}
    assert all(drawn.values()), drawn
    kinds = {a.kind for a in player.models["A"].spec.agents.values()}
    keys = set(drawn)
    assert ("slippage" in keys) == ("noise_trader" in kinds)
    assert ("range_lp_net" in keys) == ("range_lp" in kinds)
    assert ("health" in keys) == bool(player.models["A"].spec.lending)
    if "range_lp" in kinds:
        assert "lp_vs_hodl" not in keys  # no LP-token shares in concentrated pools


def test_render_counts_no_points_for_an_empty_plot(dashboard: object) -> None:
    player = dashboard.make_player("quickstart", {"scenario.blocks": 40}, {}, {})  # type: ignore[attr-defined]
    snaps = player.snapshots()  # block 0: no trades yet
    assert render(SLIPPAGE, snaps).points == 0
    player.step(40)
    assert render(SLIPPAGE, player.snapshots()).points > 0


@pytest.mark.slow
def test_every_control_extreme_builds_and_steps() -> None:
    for name in bundled():
        for c in controls(load_scenario(name)):
            w = c.widget
            for v in w["values"] if w["type"] == "Select" else [w["min"], w["max"]]:
                model = DashboardModel(name, **{c.name: v})
                assert get_path(model.spec, c.path) == v, (name, c.path, v)  # the extreme is used
                for _ in range(3):
                    model.step()
                assert model.market.block == 3 and model.running, (name, c.path, v)


def test_viz_command_user_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["viz", "no_such_scenario"]) == 2
    assert "no scenario file" in capsys.readouterr().err
    assert main(["viz", "quickstart", "--set", "pools.eth_usdc.fee_bps=-1"]) == 2
    capsys.readouterr()
    assert main(["viz", "quickstart", "--ab", "pools.eth_usdc.fee_bps=-1"]) == 2
    err = capsys.readouterr().err
    assert "--ab" in err and "pools.eth_usdc.fee_bps" in err
    assert main(["viz", "quickstart", "--ab", "pools.eth_usdc.fee_bps"]) == 2
    assert "--ab: expects PATH=VALUE" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["viz", "quickstart", "--port", str(port)]) == 2
    assert "in use" in capsys.readouterr().err


# ---- in a browser -----------------------------------------------------------------------------


def test_the_server_lets_in_only_the_printed_url(server: tuple[str, subprocess.Popen[str]]) -> None:
    """Without the token: 403; the printed URL sets a cookie that then lets the page's assets in."""
    url, _ = server
    bare = url.split("?")[0]
    for wrong in (bare, bare + "?token=guess", bare + "static/main-vuetify.js"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(wrong, timeout=10)
        assert refused.value.code == 403
    with urllib.request.urlopen(url, timeout=10) as r:
        cookies = [c.split(";")[0] for c in r.headers.get_all("set-cookie")]
    (gate,) = [c for c in cookies if c.startswith("ammsim_viz_")]
    assert gate.endswith("=" + url.split("token=")[1])
    asset = urllib.request.Request(bare + "static/main-vuetify.js", headers={"Cookie": gate})
    with urllib.request.urlopen(asset, timeout=10) as r:
        assert r.status == 200


@pytest.mark.browser
def test_dashboard_offline_slider_reset_step(
    chromium: str, server: tuple[str, subprocess.Popen[str]]
) -> None:
    from playwright import sync_api

    url, proc = server

    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: requested.append(r.url))
            page.on("websocket", lambda ws: requested.append(ws.url))
            page.goto(url)
            page.wait_for_selector(".ammsim-stats", timeout=30_000)
            start = _stats(page)
            assert _block(start) == 0
            assert _pool_line(start) == (30, 0.0)

            # default fee (30 bps): a few steps from block 0
            text = _run_steps(page, 2)
            blocks_low = _block(text)
            assert blocks_low > 0
            fee, fees_low = _pool_line(text)
            assert fee == 30
            assert fees_low > 0

            # the slider to its maximum, then Reset: a new model at block 0 with that fee
            _set_fee_slider(page, "End")
            text = _click_until(
                page, "Reset", lambda t: _pool_line(t)[0] > 30 and _block(t) == 0, "the reset"
            )
            fee_high = _pool_line(text)[0]
            assert fee_high >= 100

            # the same number of blocks with the same seed: higher fee, higher fees collected
            text = _run_steps(page, 2)
            assert _block(text) == blocks_low
            fee, fees_high = _pool_line(text)
            assert fee == fee_high
            assert fees_high > fees_low * 1.5, (fees_low, fees_high)
            assert page.locator("img").count() >= 6  # the matplotlib panels

            # Play runs on its own until paused
            page.get_by_role("button", name="▶", exact=True).click()  # a second click would pause
            played = _wait_for(page, lambda t: _block(t) > blocks_low, "play", timeout=30.0)
            page.get_by_role("button", name="❚❚", exact=True).click()
            assert _block(played) > blocks_low

            # Ctrl-C with the page still connected: the server stops at once, with 0
            assert stop(proc) == 0, "Ctrl-C should stop ammsim viz with exit code 0"
        finally:
            browser.close()

    assert requested, "the browser recorded no requests"
    outside = sorted(
        {u for u in requested if (urlsplit(u).hostname or "") not in LOCAL_HOSTS}
        - {u for u in requested if u.startswith(("data:", "blob:", "about:"))}
    )
    assert not outside, f"requests left localhost: {outside[:10]}"

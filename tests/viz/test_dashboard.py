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
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from browser import LAUNCH_ARGS, serve, stop

from sim.cli.main import main
from sim.scenario.files import bundled
from sim.scenario.paths import get_path
from sim.scenario.scenario import load_scenario
from sim.viz.controls import controls
from sim.viz.model import DashboardModel

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
    field = page.locator(".v-input", has_text="pools.eth_usdc.fee_bps")  # type: ignore[attr-defined]
    thumb = field.locator("[role=slider]")
    thumb.focus()
    thumb.press(key)


# ---- in-process ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def panels() -> object:
    """`sim.viz.panels` (imports solara: a few seconds, once)."""
    return pytest.importorskip("sim.viz.panels")


def test_the_app_gives_solaraviz_the_scenario_and_one_input_per_control() -> None:
    dashboard = pytest.importorskip("sim.viz.dashboard")  # mesa.visualization: a few seconds
    params = dashboard.model_params("quickstart", {"scenario.blocks": 40})
    ctrls = controls(load_scenario("quickstart", {"scenario.blocks": 40}))
    assert params == {
        "source": "quickstart",
        "base_overrides": {"scenario.blocks": 40},
        **{c.name: c.widget for c in ctrls},
    }
    assert "pools__eth_usdc__fee_bps" in params and "chain__ordering" in params


def test_ltv_slider_bounds_leverage(panels: object) -> None:
    """A lower LTV slider value caps what loopers can reach: leverage < 1 / (1 - LTV)."""
    for ltv in (0.5, 0.8):
        model = DashboardModel("steth_depeg", lending__aave__assets__stETH__ltv=ltv)
        assert model.spec.lending["aave"].assets["stETH"].ltv == ltv
        for _ in range(3):
            model.step()
        levs = [a.leverage() for a in model.market_agents if a.kind == "lst_looper" and a.entered]
        assert levs and max(levs) < 1 / (1 - ltv)
        assert "lending.aave.assets.stETH.ltv = " + f"{ltv:g}" in panels.params_text(model)  # type: ignore[attr-defined]


def test_model_takes_slider_values_and_ignores_mesa_scenario(panels: object) -> None:
    # SolaraViz's Reset passes every slider by name, plus Mesa's own `scenario` object
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
    text = panels.stats_text(model)  # type: ignore[attr-defined]
    assert "block 40 of 40" in text and "eth_usdc (fee 100 bps)" in text
    assert "pools.eth_usdc.fee_bps = 100" in panels.params_text(model)  # type: ignore[attr-defined]


def test_same_seed_higher_fee_more_fees() -> None:
    fees = []
    for fee in (5, 100):
        m = DashboardModel("quickstart", pools__eth_usdc__fee_bps=fee)
        for _ in range(200):
            m.step()
        fees.append(m.metrics.pools["eth_usdc"].fees)
    assert 0 < fees[0] < fees[1]


@pytest.mark.parametrize(
    "name", ["quickstart", "sandwich_attack", "steth_depeg", "bench_stableswap", "liquidity_mining"]
)
def test_panels_render_for_scenario(panels: object, name: str) -> None:
    model = DashboardModel(name)
    for _ in range(30):
        model.step()
    shown = panels.components(model.spec)  # type: ignore[attr-defined]
    names = {p.__name__ for p in shown}
    assert {"Stats", "PricePlot", "LpPlot", "FeesPlot", "SlippagePlot", "ArbPlot"} <= names
    if model.spec.lending:
        assert {"LendingPlot", "HealthPlot"} <= names
    if model.spec.staking or any(p.process == "peg" for p in model.spec.prices.values()):
        assert "DepegPlot" in names
    assert ("RewardsPlot" in names) == (model.spec.rewards is not None)
    for panel in shown:
        assert panel(model) is not None  # draws its figure from the model's data


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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["viz", "quickstart", "--port", str(port)]) == 2
    assert "in use" in capsys.readouterr().err


# ---- in a browser -----------------------------------------------------------------------------


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

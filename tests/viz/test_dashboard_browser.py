"""The dashboard in headless Chromium (`-m browser`): a lesson's pace, every scenario's page, A/B.

Each test serves `ammsim viz` for real (`browser.serve`) and drives it with Playwright; they are
skipped with the reason when Chromium or Playwright is missing. A panel's `data-points`
attribute is the number of data points its plot drew (`sim.viz.figure.count_points`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import LAUNCH_ARGS, serve

from sim.scenario.files import bundled

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[object]:
    """One Chromium for the module (each test opens its own page on its own server)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(autouse=True)
def close_pages(browser: object) -> Iterator[None]:
    """Each test's pages go with it (their servers do)."""
    yield
    for context in list(browser.contexts):  # type: ignore[attr-defined]
        context.close()


def _open(browser: object, url: str) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(url)
    page.wait_for_selector(".ammsim-stats", timeout=60_000)
    return page


def _blocks(page: object) -> tuple[int, int]:
    text = page.inner_text(".ammsim-stats")  # type: ignore[attr-defined]
    m = re.search(r"block ([\d,]+) of ([\d,]+)", text)
    assert m, text
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def _play_to_end(page: object, fastest: bool, timeout: float) -> tuple[float, int]:
    """Press Play (at full speed when `fastest`) and wait for the last block; returns the
    seconds it took and the number of frames seen (distinct blocks shown, polled 5 times/s)."""
    if fastest:  # the speed slider's minimum, 0, is "as fast as it can"
        page.locator(".ammsim-speed [role=slider]").focus()  # type: ignore[attr-defined]
        page.locator(".ammsim-speed [role=slider]").press("Home")  # type: ignore[attr-defined]
    play = page.get_by_role("button", name="▶", exact=True)  # type: ignore[attr-defined]
    start = time.monotonic()
    play.click()
    clicked_again = False
    seen = set()
    while time.monotonic() - start < timeout:
        block, last = _blocks(page)
        seen.add(block)
        if block == last:
            return time.monotonic() - start, len(seen - {0})
        if block == 0 and not clicked_again and time.monotonic() - start > 15:
            play.click()  # the first click can land before the widget is wired to the server
            clicked_again = True
        time.sleep(0.2)
    raise AssertionError(f"Play did not reach the last block in {timeout:.0f} s: {_blocks(page)}")


def _panels(page: object) -> dict[str, tuple[int, str]]:
    """Each plot panel's key -> (data points drawn, legend labels)."""
    rows = page.eval_on_selector_all(  # type: ignore[attr-defined]
        ".ammsim-panel",
        "els => els.map(e => [e.className, e.getAttribute('data-points'), "
        "e.getAttribute('data-labels')])",
    )
    out = {}
    for cls, points, labels in rows:
        key = next(c for c in cls.split() if c.startswith("ammsim-panel-"))
        out[key.removeprefix("ammsim-panel-")] = (int(points), labels or "")
    return out


def test_quickstart_plays_a_day_within_a_minute(browser: object) -> None:
    """The one-day quickstart at default settings, Play to the last block (target: 30 s)."""
    with serve("quickstart") as (url, _):
        page = _open(browser, url)
        assert _blocks(page) == (0, 7_200)
        seconds, frames = _play_to_end(page, fastest=False, timeout=120)
        print(f"\nquickstart dashboard: Play to block 7,200 in {seconds:.1f} s, {frames} frames")
        assert seconds <= 60
        time.sleep(1.0)
        assert all(points for points, _ in _panels(page).values())


@pytest.mark.parametrize("name", bundled())
def test_every_bundled_scenario_page_draws_every_panel(
    browser: object, name: str, tmp_path: Path
) -> None:
    """A short run of each bundled scenario: one page, no tab bar, every plot with data."""
    blocks = 1_500 if name == "steth_depeg" else 400  # steth_depeg's news comes at block 300
    with serve(name, "--set", f"scenario.blocks={blocks}") as (url, _):
        page = _open(browser, url)
        assert page.locator(".v-tab").count() == 0  # type: ignore[attr-defined]
        assert page.locator(".ammsim-setting").count() > 0  # type: ignore[attr-defined]
        label = page.locator(".ammsim-setting .ammsim-label").first.inner_text()  # type: ignore[attr-defined]
        assert re.search(r": \S+$", label) and "__" not in label, label  # words: value
        _play_to_end(page, fastest=True, timeout=120)
        time.sleep(1.0)
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
        panels = _panels(page)
        assert len(panels) >= 4, panels
        empty = [k for k, (points, _) in panels.items() if not points]
        assert not empty, f"{name}: panels without data: {empty}"


def test_ab_mode_overlays_both_runs_and_their_difference(browser: object) -> None:
    with serve(
        "quickstart", "--set", "scenario.blocks=600", "--ab", "pools.eth_usdc.fee_bps=100"
    ) as (url, _):
        page = _open(browser, url)
        _play_to_end(page, fastest=True, timeout=120)
        time.sleep(1.0)
        panels = _panels(page)
        for key in ("prices", "fees", "arbitrage"):
            points, labels = panels[key]
            assert points and "(A)" in labels and "(B)" in labels, (key, labels)
        points, labels = panels["headline_diff"]
        assert points and "lp_fee_income (B - A)" in labels, labels
        fee = re.compile(r"eth_usdc \(fee ([\d.]+) bps\): fees ([\d,.]+)")
        a = fee.search(page.inner_text(".ammsim-stats"))  # type: ignore[attr-defined]
        b = fee.search(page.inner_text(".ammsim-stats-b"))  # type: ignore[attr-defined]
        assert a and b and (a.group(1), b.group(1)) == ("30", "100")
        assert float(b.group(2).replace(",", "")) > float(a.group(2).replace(",", ""))
        diff = page.inner_text(".ammsim-diff")  # type: ignore[attr-defined]
        assert re.search(r"lp_fee_income: .*B - A \+", diff), diff

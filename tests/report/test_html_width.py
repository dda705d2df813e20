"""report.html and compare.html fit a laptop (1280 px) and a phone (390 px) without sideways
scrolling, measured in headless Chromium (`-m browser`; skipped without Chromium/Playwright).

`ammsim run` writes the pages of four scenarios with different mechanisms, shortened with
--blocks: one constant-product pool (quickstart), range LPs on a concentrated pool
(v3_band_strategies), liquidity mining and a rug pull that happens within the run (rug_pull),
liquid staking and lending (steth_depeg); `ammsim compare` writes the page of two of them.
Every page is opened at both widths, its folded parts unfolded, and in each:
- the document is no wider than the viewport (no horizontal scroll);
- no element reaches past either edge of the viewport;
- every table box (`.tbl`, which would scroll sideways on its own rather than widen the page)
  fits, and needs no scrolling either: every column, "what it means" included, is in view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser import LAUNCH_ARGS

from sim.cli.main import main

pytestmark = pytest.mark.browser

BLOCKS = "300"
SCENARIOS: dict[str, list[str]] = {
    "quickstart": [],
    "v3_band_strategies": [],
    "rug_pull": ["--set", "agents.scammer.trigger_block=150"],  # the pull inside the run
    "steth_depeg": [],
}
COMPARED = ("v3_band_strategies", "rug_pull")
WIDTHS = (1280, 390)

MEASURE = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });  // folded parts too
  const w = window.innerWidth;
  const boxes = [...document.querySelectorAll('.tbl, pre')];
  const outside = [];
  let rendered = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not rendered (e.g. folded away)
    rendered += 1;
    if (boxes.some(b => b !== el && b.contains(el))) continue;  // inside a box that scrolls
    if (r.right > w + 1 || r.left < -1)
      outside.push(`${el.tagName.toLowerCase()}.${el.className} ` +
                   `[${Math.round(r.left)}, ${Math.round(r.right)}]: ` +
                   (el.textContent || '').trim().slice(0, 60));
  }
  const scrolled = boxes.filter(b => b.matches('.tbl') && b.scrollWidth > b.clientWidth + 1)
    .map(b => `${b.scrollWidth} px in ${b.clientWidth} px: ` +
              (b.textContent || '').trim().slice(0, 60));
  return {
    inner: w,
    scroll: document.documentElement.scrollWidth,
    rendered, outside, scrolled,
    tables: document.querySelectorAll('table').length,
    images: document.querySelectorAll('img').length,
  };
}"""


def _report(folder: Path) -> Path:
    (page,) = folder.glob("*/*/report.html")  # <out>/<scenario>/<run id>/report.html
    return page


@pytest.fixture(scope="module")
def pages(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report.html of each scenario and the compare.html of one pair, by name."""
    out = tmp_path_factory.mktemp("pages")
    found = {}
    for name, extra in SCENARIOS.items():
        argv = ["run", name, "--blocks", BLOCKS, "--out", str(out / name), *extra]
        assert main(argv) == 0, argv
        found[name] = _report(out / name)
    runs = [str(found[name].parent) for name in COMPARED]
    assert main(["compare", *runs, "--out", str(out / "compare")]) == 0
    found["compare"] = out / "compare" / "compare.html"
    return found


@pytest.fixture(scope="module")
def browser(chromium: str) -> Any:
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [*SCENARIOS, "compare"])
def test_page_fits_the_screen(pages: dict[str, Path], browser: Any, name: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(pages[name].as_uri())
        m = page.evaluate(MEASURE)
    finally:
        page.close()
    assert m["inner"] == width
    # the page did render: its tables (cells and all) and figures
    assert m["tables"] >= 3 and m["images"] >= 1 and m["rendered"] > 100, m
    assert m["scroll"] <= width, f"{name} at {width} px is {m['scroll']} px wide"
    assert not m["outside"], f"{name} at {width} px: past the edge: {m['outside'][:5]}"
    assert not m["scrolled"], f"{name} at {width} px: tables wider than the page: {m['scrolled']}"

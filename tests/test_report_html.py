"""report.html: self-contained, deterministic, and showing what the run is about."""

from __future__ import annotations

import base64
import copy
import io
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE
from PIL import Image

from sim import run
from sim.report import figures as report
from sim.report.html import render
from sim.report.result import RunResult

DESCRIPTION = "A tiny market for the report test: fees <vs> impermanent loss & who wins."


def _small() -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw["scenario"]["blocks"] = 120
    raw["scenario"]["description"] = DESCRIPTION
    return raw


@pytest.fixture
def small() -> dict[str, Any]:
    return _small()


def _images(page: str) -> list[str]:
    return re.findall(r"<img\b[^>]*>", page)


def _check_self_contained(page: str) -> None:
    low = page.lower()
    assert 'src="http' not in low and "src='http" not in low
    assert "<link" not in low  # no stylesheet or anything else fetched
    assert "<script" not in low
    assert "url(" not in low  # no CSS fetches either
    imgs = _images(page)
    assert imgs
    for tag in imgs:
        m = re.search(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", tag)
        assert m, tag[:80]
        data = base64.b64decode(m.group(1), validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "PNG"
            im.verify()


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """One small run written to a folder (shared: writing figures is the slow part)."""
    return run(_small(), out=tmp_path_factory.mktemp("report"))


def test_run_folder_report_is_self_contained_and_complete(folder_run: RunResult) -> None:
    res = folder_run
    assert res.path is not None
    page = (res.path / "report.html").read_text()
    _check_self_contained(page)
    assert len(_images(page)) == 2  # overview + reserves/TVL/slippage
    # the overview figure written to the folder is the one embedded
    fig_b64 = base64.b64encode((res.path / "figure.png").read_bytes()).decode()
    assert fig_b64 in page
    s = res.summary
    assert "<h1>tiny</h1>" in page
    assert "fees &lt;vs&gt; impermanent loss &amp; who wins." in page  # escaped description
    assert f"{s['volume']:,.2f} USDC" in page
    assert f"{s['fees']:,.2f} USDC" in page
    assert f"{s['lp_vs_hodl_pct']:+.3f}%" in page
    assert f"{s['txs']:,}" in page
    assert f"mean {s['slippage']['mean_bps']:.1f} bps" in page
    # explanations come from SUMMARY_FIELDS
    assert "fees attributed to liquidity providers" in page
    # per-pool and per-cohort tables, the scenario TOML folded away, the versions
    assert "<th>eth_usdc</th>" in page and "<td>fee APR</td>" in page  # a column per pool
    assert "<td>retail</td>" in page and "noise_trader" in page
    assert "<details>" in page and "[pools.eth_usdc]" in page
    assert "ammsim " in page and "matplotlib " in page


def test_same_run_gives_byte_identical_report(folder_run: RunResult, tmp_path: Path) -> None:
    again = run(_small(), out=tmp_path)
    assert folder_run.path is not None and again.path is not None
    assert folder_run.path != again.path
    first = (folder_run.path / "report.html").read_bytes()
    assert (again.path / "report.html").read_bytes() == first


def test_in_memory_run_renders_with_its_event_log(small: dict[str, Any]) -> None:
    res = run(small, out=None)
    fig = report.overview(res.timeseries, res.summary)
    buf = io.BytesIO()
    report.save(fig, buf)
    page = render(res, buf.getvalue())
    _check_self_contained(page)
    assert page == render(res, buf.getvalue())
    assert DESCRIPTION.split(":")[0] in page


def test_run_without_trades_still_renders(small: dict[str, Any]) -> None:
    small["agents"]["retail"]["count"] = 0
    small["scenario"]["blocks"] = 20
    res = run(small, out=None)
    assert res.summary["slippage"]["trades"] == 0
    page = render(res, b"\x89PNG\r\n\x1a\n")
    assert "retail slippage</td><td class='num'>no trades</td>" in page
    assert len(_images(page)) == 2


@pytest.mark.parametrize(
    ("name", "blocks", "overrides", "section", "expected"),
    [
        (
            "rug_pull",
            2_100,
            {"agents.scammer.trigger_block": 1_500, "agents.retail.count": 10},
            "<h2>Rug pull</h2>",
            ["<h2>Liquidity mining</h2>", "Caution vs naivety", "each victim's loss"],
        ),
        (
            "steth_depeg",
            1_900,
            {},
            "<h2>Liquid staking and lending</h2>",
            ["deepest discount", "loopers liquidated", "borrowers paid = suppliers + treasury"],
        ),
    ],
)
def test_protocol_scenarios_get_their_own_tables_and_figure(
    name: str, blocks: int, overrides: dict[str, Any], section: str, expected: list[str]
) -> None:
    """Mining, rug and lending runs: readable tables (not a dict dump) and one more figure
    that tells their story; the terminal summary says the same in a few lines."""
    from sim.cli.main import human_summary

    res = run(name, blocks=blocks, overrides={"output.record_every": 20, **overrides}, out=None)
    page = render(res, b"\x89PNG\r\n\x1a\n")
    assert section in page
    for text in expected:
        assert text in page, text
    assert "{&#x27;" not in page and "[{" not in page  # no Python reprs of nested summaries
    assert len(_images(page)) == 3  # overview, details, and the mining or lending figure
    text = human_summary(res.summary)
    if name == "rug_pull":
        rug = res.summary["rug"]
        assert f"took {rug['rugs'][0]['quote_taken_value']:,.2f} USDC" in text
        assert "naive miners" in text and "cautious buyers" in text
        assert f"{rug['victims_loss']:,.2f} USDC" in page
    else:
        lending = res.summary["lending"]["aave"]
        assert f"{lending['liquidations']} liquidations" in text
        assert "stETH depeg" in text and "deepest discount" in text

"""The page shell shared by report.html and compare.html: units from key suffixes, escaping."""

from __future__ import annotations

import math

from sim.report.html_page import (
    LONG_VALUE,
    format_number,
    format_value,
    kv_table,
    label,
    page,
    table,
)


def test_values_get_their_unit_from_the_key() -> None:
    assert format_value("fees", 1234.5, "USDC") == "1,234.50 USDC"
    assert format_value("fees", 1234.5, "") == "1,234.50"
    assert format_value("lp_vs_hodl_pct", -1.23456, "USDC") == "-1.235%"
    assert format_value("lp_vs_hodl_pct", 0.0004, "USDC") == "+0.0004%"  # tiny: 2 digits
    assert format_value("slippage_bps", 12.34, "USDC") == "12.3 bps"
    assert format_value("fee_bps", 30, "USDC") == "30 bps"
    assert format_value("days", 1.0, "USDC") == "1.00"
    assert format_value("txs", 1234567, "USDC") == "1,234,567"
    assert format_value("price_end", 3012.345678, "USDC") == "3,012.35"
    assert format_value("kind", "stableswap", "USDC") == "stableswap"
    assert format_value("pulled", True, "USDC") == "True"
    assert format_value("value", None, "USDC") == format_value("value", math.nan, "") == "n/a"


def test_slippage_and_nested_values() -> None:
    slip = {"trades": 1200, "mean_bps": 12.0, "p50_bps": 9.0, "p95_bps": 40.0, "worst_bps": 99.0}
    assert format_value("slippage", slip, "USDC") == (
        "mean 12.0 bps, p95 40.0 bps, worst 99.0 bps over 1,200 trades"
    )
    assert format_value("slippage", {"trades": 0}, "USDC") == "no trades"
    assert format_value("mev", {"bot_gross": 2.0, "n": 3}, "USDC") == "bot_gross 2.00 USDC, n 3"
    assert format_number(None) == format_number(math.inf) == "n/a"
    assert format_number(1234.5678) == "1,235" and format_number(0.5, ".2f") == "0.50"


def test_labels_and_markup() -> None:
    assert label("impermanent_loss_pct") == "impermanent loss alone"  # a named one
    assert label("bad_debt") == "bad debt"  # otherwise the key without its unit
    assert table(["a", "b"], [[("1", "num"), ("x", "")]]) == (
        "<div class='tbl'><table><thead><tr><th>a</th><th>b</th></tr></thead>"
        "<tbody><tr><td class='num'>1</td><td data-label='b'>x</td></tr></tbody></table></div>"
    )
    assert "<td>a &lt;b&gt;</td><td class='num'>1 &amp; 2</td>" in kv_table([("a <b>", "1 & 2")])


def test_tables_fit_narrow_screens() -> None:
    """Cells name their column for the card layout of narrow screens (markup dropped from
    the name, quotes escaped); a long value wraps; explanations and unlabelled tables don't."""
    header = ["metric", "run.<wbr>1 &#x27;a&#x27;", "what it means"]
    row = [("m", ""), ("x" * LONG_VALUE, "num"), ("because", "expl")]
    doc = table(header, [row, [("n", ""), ("y" * (LONG_VALUE + 1), "num"), ("", "expl")]])
    assert f"<td class='num' data-label='run.1 &#x27;a&#x27;'>{'x' * LONG_VALUE}</td>" in doc
    assert (
        f"<td class='num long' data-label='run.1 &#x27;a&#x27;'>{'y' * (LONG_VALUE + 1)}</td>"
        in doc
    )
    assert "<td class='expl'>because</td>" in doc and "<td>m</td>" in doc
    assert "data-label" not in table(["a", "b"], [[("1", ""), ("2", "num")]], labels=False)
    assert "data-label" not in kv_table([("a", "b")])
    css = page("t", [])
    assert "@media (max-width:640px)" in css and ".tbl{overflow-x:auto" in css
    doc = page("t <1>", ["<p>x</p>"])
    assert doc.startswith("<!doctype html>") and "<title>t &lt;1&gt;</title>" in doc
    assert "\n<p>x</p>\n</body></html>\n" in doc and "http" not in doc  # nothing fetched

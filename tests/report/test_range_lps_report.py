"""What a run reports about its range LPs (sim.report.range_lps), read off the model's books."""

from __future__ import annotations

import math

import pytest
from range_lp_cases import DEEP, agent, build, lp, push_price, report

from sim.report.range_lps import (
    PNL_PARTS,
    RANGE_LP_TABLE,
    REPORT_COLUMNS,
    range_lp_rows,
    summarize_range_lps,
)
from sim.report.summary import AGENT_COLUMNS, agents_table


def test_the_html_table_rows_are_formatted_cells() -> None:
    section = {
        "narrow": {
            "strategy": "narrow_recentre",
            "pnl_fees": 1234.4,
            "pnl_il": -0.4,  # rounds to 0, never "-0"
            "il_bands": -2000.0,
            "il_recentre": 1999.6,
            "pnl_swap_costs": -10.0,
            "pnl_gas": -5.5,
            "pnl_perp": 0.0,
            "pnl_rounding": 1e-10,
            "net_vs_hodl": 1218.5,
            "net_vs_hodl_pct": 0.12185,
            "time_in_range_pct": 87.25,
            "deployed_pct": None,
            "rebalances": 1234,
            "lvr": 99.5,
            "by_regime": {"calm": {"net_vs_hodl": 1000.0}},
        }
    }
    header, rows = range_lp_rows(section)
    assert header == [
        "cohort",
        "strategy",
        *(name for name, _ in RANGE_LP_TABLE),
        "net % of HODL",
        "in range %",
        "deployed %",
        "moves",
        "LVR",
        "net in calm spells",
    ]
    assert rows == [
        [
            "narrow",
            "narrow_recentre",
            "1,234",
            "0",
            "-2,000",
            "2,000",
            "-10",
            "-6",
            "0",
            "0",
            "1,218",
            "+0.12",
            "87.2",
            "n/a",
            "1,234",
            "100",
            "1,000",
        ]
    ]


def test_an_agents_csv_row_of_a_range_lp_has_every_documented_column() -> None:
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=1)})
    model.run_for(2)
    push_price(model, 1.03)
    model.run_for(2)
    rows = {r["agent"]: r for r in agents_table(model)}
    narrow = agent(model, "narrow")
    row = rows[narrow.name]
    # the common columns first, then the pool and every documented range-LP column
    assert list(row)[: len(AGENT_COLUMNS) + 1] == [*AGENT_COLUMNS, "pool"]
    assert set(row) == {*AGENT_COLUMNS, "pool", *REPORT_COLUMNS}
    assert row["kind"] == "range_lp" and row["strategy"] == "narrow_recentre"
    assert row["rebalances"] == narrow.position.rebalances == 1
    assert row["lp_fee_income"] == row["fees_earned"]
    assert row["lp_lvr"] == row["lvr"]
    assert {k: row[k] for k in REPORT_COLUMNS} == {k: report(narrow)[k] for k in REPORT_COLUMNS}


def test_the_summary_groups_the_books_by_cohort() -> None:
    model = build(
        {
            "full": DEEP,
            "narrow": {**lp("narrow_recentre", band_pct=1), "count": 2},
            "hedged": lp("hedged", band_pct=5),
        }
    )
    model.run_for(2)
    push_price(model, 1.03)
    model.run_for(3)
    section = summarize_range_lps(model)
    assert list(section) == ["full", "narrow", "hedged"]
    narrow = section["narrow"]
    rows = [report(a) for a in model.market_agents if a.cohort == "narrow"]
    assert narrow["agents"] == 2 and narrow["strategy"] == "narrow_recentre"
    assert narrow["capital"] == 2e6
    for k in PNL_PARTS:
        assert narrow[k] == math.fsum(r[k] for r in rows)
    assert narrow["rebalances"] == sum(r["rebalances"] for r in rows) == 2
    assert "perp_pnl" not in narrow and "perp_pnl" in section["hedged"]
    assert sum(narrow[k] for k in PNL_PARTS) == pytest.approx(narrow["net_vs_hodl"], abs=1e-6)

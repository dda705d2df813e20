"""The tables of report.html: headline numbers, one column per pool, who earned what per cohort."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sim.report.html_page import format_value, label, table

if TYPE_CHECKING:
    import pandas as pd

META_KEYS = frozenset({"scenario", "seed", "replicate", "numeraire", "pools"})
"""Summary keys shown in the header or their own table rather than as headline numbers."""


def headline_table(summary: Mapping[str, Any], explanations: Mapping[str, str]) -> str:
    """Headline metrics: name, formatted value with unit, one-line explanation."""
    n = str(summary.get("numeraire", ""))
    keys = [k for k in explanations if k in summary and k not in META_KEYS]
    keys += [
        k
        for k, v in summary.items()
        if k not in explanations and k not in META_KEYS and not isinstance(v, dict | list)
    ]
    rows = [
        [
            (html.escape(label(k)), ""),
            (html.escape(format_value(k, summary[k], n)), "num"),
            (html.escape(explanations.get(k, "")), "expl"),
        ]
        for k in keys
    ]
    return table(["metric", "value", "what it means"], rows, labels=False)


def pool_table(pools: Mapping[str, Mapping[str, Any]], numeraire: str) -> str:
    """One column per pool, one row per per-pool summary key (a dozen keys or more, a few
    pools: as rows they fit the page, as columns they would not)."""
    keys: list[str] = []
    for p in pools.values():
        keys += [k for k in p if k not in keys]
    rows = [
        [(html.escape(label(k)), "")]
        + [
            (
                html.escape(format_value(k, p.get(k), numeraire)),
                "long" if isinstance(p.get(k), str) else "num",
            )
            for p in pools.values()
        ]
        for k in keys
    ]
    return table(["metric", *(html.escape(name) for name in pools)], rows)


def cohort_table(agents: pd.DataFrame, numeraire: str) -> str:
    """Agents summed per cohort: volume, trade P&L, fees, gas, LP fee income, P&L ('' if none).

    P&L is the change of the whole portfolio at reference prices, so it includes the price move
    of everything held; trade P&L is what the agent's swaps gained or lost.
    """
    if agents is None or agents.empty or "cohort" not in agents:
        return ""
    cols = [
        c
        for c in (
            "volume_usd",
            "trade_pnl_usd",
            "fees_paid_usd",
            "gas_usd",
            "lp_fee_income_usd",
            "pnl_usd",
        )
        if c in agents
    ]
    grouped = agents.groupby("cohort", sort=False)
    rows = []
    for cohort, g in grouped:
        row = [
            (html.escape(str(cohort)), ""),
            (html.escape(str(g["kind"].iloc[0]) if "kind" in g else ""), ""),
            (f"{len(g):,}", "num"),
        ]
        row += [(html.escape(format_value(c, float(g[c].sum()), numeraire)), "num") for c in cols]
        rows.append(row)
    names = {
        "pnl_usd": "P&amp;L (incl. price moves)",
        "trade_pnl_usd": "trade P&amp;L",
        "fees_paid_usd": "fees paid",
    }
    header = ["cohort", "kind", "agents", *(names.get(c, html.escape(label(c))) for c in cols)]
    return table(header, rows)

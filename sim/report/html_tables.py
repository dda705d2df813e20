"""The tables of report.html: headline numbers, the AMM and MEV sections, one row per pool, and
who earned what per cohort."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sim.model.mechanisms import Mechanism
from sim.report.html_page import format_value, kv_table, label, table
from sim.report.sections import SECTION_KEYS, SECTION_OF

if TYPE_CHECKING:
    import pandas as pd

META_KEYS = frozenset({"scenario", "seed", "replicate", "numeraire", "mechanisms", "pools"})
"""Summary keys shown in the header or their own table rather than as headline numbers."""


def run_keys(summary: Mapping[str, Any], explanations: Mapping[str, str]) -> list[str]:
    """The run's own headline numbers (of no mechanism): documented ones in their order, then
    any other the summary has. Nested sections (dicts, lists) get tables of their own."""
    keys = [k for k in explanations if k in summary] + [k for k in summary if k not in explanations]
    return [
        k
        for k in keys
        if k not in SECTION_OF and k not in META_KEYS and not isinstance(summary[k], dict | list)
    ]


def headline_table(
    summary: Mapping[str, Any], keys: Sequence[str], explanations: Mapping[str, str]
) -> str:
    """Headline metrics: name, formatted value with unit, one-line explanation. A key the run
    could not measure (summary `not_measured`) says so and why instead of showing a number."""
    n = str(summary.get("numeraire", ""))
    unmeasured = summary.get("not_measured") or {}
    rows = []
    for k in keys:
        why = unmeasured.get(k)
        if k in summary and not isinstance(summary[k], list) and k != "not_measured":
            expl = explanations.get(k, "") + (f" ({why})" if why else "")
            value = format_value(k, summary[k], n)
        elif why:
            expl, value = f"{explanations.get(k, '')} ({why})", "not measured"
        else:
            continue
        rows.append(
            [
                (html.escape(label(k)), ""),
                (html.escape(value), "num"),
                (html.escape(expl), "expl"),
            ]
        )
    return table(["metric", "value", "what it means"], rows, labels=False)


def amm_section(summary: Mapping[str, Any], explanations: Mapping[str, str]) -> list[str]:
    """Pools that traded: the AMM headline numbers, then one row per pool."""
    n = str(summary.get("numeraire", ""))
    out = ["<h2>AMM pools</h2>"]
    out.append(headline_table(summary, SECTION_KEYS[Mechanism.AMM], explanations))
    pools = summary.get("pools") or {}
    if pools:
        out.append("<h3>Per pool</h3>")
        out.append(pool_table(pools, n))
    return out


def mev_section(summary: Mapping[str, Any]) -> list[str]:
    """Sandwiches: what the bots took, after gas, and what each victim cohort lost."""
    n = str(summary.get("numeraire", ""))
    mev = summary["mev"]
    out = ["<h2>MEV: sandwiches</h2>"]
    out.append(
        kv_table(
            [
                ("sandwiches", f"{mev['sandwiches']:,}"),
                ("bots' gross gain", format_value("value", mev["bot_gross"], n)),
                (
                    "bots' gas (priority fees included)",
                    format_value("value", mev["bot_gas"], n),
                ),
                ("bots' net gain", format_value("value", mev["bot_net"], n)),
                (
                    "victims' loss against trading alone",
                    format_value("value", mev["victim_loss"], n),
                ),
            ]
        )
    )
    cohorts = mev.get("by_victim_cohort") or {}
    if cohorts:
        out.append(
            table(
                ["victim cohort", "sandwiches", "lost", "of its volume", "slippage tolerance"],
                [
                    [
                        (html.escape(name), ""),
                        (f"{c['sandwiches']:,}", "num"),
                        (html.escape(format_value("value", c["victim_loss"], n)), "num"),
                        (
                            html.escape(format_value("x_bps", c.get("loss_per_volume_bps"), n)),
                            "num",
                        ),
                        (html.escape(format_value("x_bps", c.get("slippage_bps"), n)), "num"),
                    ]
                    for name, c in cohorts.items()
                ],
            )
        )
    return out


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
            "volume",
            "trade_pnl",
            "fees_paid",
            "gas_cost",
            "lp_fee_income",
            "pnl",
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
        "pnl": "P&amp;L (incl. price moves)",
        "trade_pnl": "trade P&amp;L",
        "fees_paid": "fees paid",
    }
    header = ["cohort", "kind", "agents", *(names.get(c, html.escape(label(c))) for c in cols)]
    return table(header, rows)

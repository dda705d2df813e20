"""A reference of every scenario field and output column, generated from the code so it cannot drift.

The fields, their dotted paths, types, defaults and descriptions come from `sim.scenario.paths`;
the output columns are documented here.
"""

from __future__ import annotations

import typing
from typing import Any

from sim.market.marks import MARKING_RULE
from sim.report.sections import SECTION_OF
from sim.report.summary import AGENT_COLUMNS, SUMMARY_FIELDS
from sim.scenario.paths import DIST_MODELS, field_rows

TIMESERIES_COLUMNS: dict[str, str] = {
    "block": "block number",
    "time_days": "simulated time, days",
    "base_fee_gwei": "base fee, gwei per gas unit",
    "txs": "transactions included so far",
    "reverts": "reverted transactions so far",
    "arb_profit": "arbitrageurs' cumulative profit after gas, numeraire",
    "lp_fees": "cumulative fees attributable to LPs, numeraire",
    "ref_price.<TOKEN>": "reference price of TOKEN in the numeraire",
    "<pool>.price": "pool's marginal price of token0 in token1 (fee excluded)",
    "<pool>.ref_price": "reference price of token0 in token1",
    "<pool>.reserve.<TOKEN>": "pool holdings of TOKEN, whole tokens",
    "<pool>.tvl": "pool holdings valued at reference prices",
    "<pool>.volume": "cumulative volume through the pool",
    "<pool>.fees": "cumulative fees paid into the pool",
    "<pool>.lvr": "cumulative loss-versus-rebalancing: traders' gain against the pool at reference prices, fees excluded (arbitrage minus retail price impact)",
    "mev": "cumulative gross gain of sandwich bots",
    "<pool>.lp_value_per_share": "value of one LP token",
    "<pool>.hodl_value_per_share": "value of what one LP token held at the start, had it been held",
    "<pool>.il_formula_pct": "constant-product pools: IL(r) = 2*sqrt(r)/(1+r) - 1 at the reference price ratio since the start",
    "<pool>.tick": "current tick (concentrated pools)",
    "<pool>.active_liquidity": "liquidity in range at the current tick (concentrated pools)",
}
EVENT_DOCS: dict[str, str] = {
    "block": "block number",
    "tx_index": "position of the transaction in the whole run",
    "sender": "agent name",
    "label": "what the sender meant it as (retail, arbitrage, lp, frontrun, backrun...)",
    "kind": "swap, add_liquidity, remove_liquidity, ...",
    "status": "ok, reverted (paid gas) or dropped (could not pay gas)",
    "pool": "pool, or route a>b for multi-hop swaps",
    "token_in": "token paid",
    "amount_in": "whole tokens paid",
    "token_out": "token received",
    "amount_out": "whole tokens received",
    "value_in": "value paid at the block's reference prices",
    "value_out": "value received at the block's reference prices",
    "fee_value": "swap fees in this transaction",
    "slippage_bps": "(1 - value_out/value_in) * 10,000",
    "gas_cost": "gas paid",
    "priority_fee_gwei": "priority fee bid",
    "note": "revert reason or details",
}
FLOW_DOCS: dict[str, str] = {
    "source": "agent that traded (swaps) or sandwiched (sandwiches)",
    "target": "pool it traded through, or the victim agent it sandwiched",
    "kind": "swap or sandwich",
    "count": "number of such transactions",
    "value": "value paid into the pool (swaps) or the bot's gross gain (sandwiches), numeraire",
}
OUTPUT_NOTES: dict[str, str] = {
    "summary.json": f"Values (P&L, `value`) are marked: {MARKING_RULE}. A number that is not "
    "finite (an overflow, 0/0) is written as `null` and listed under a top-level `not_finite` "
    "table by dotted key, with why (the same in manifest.json, results.jsonl and sweep.json): "
    "every JSON file is strict JSON.",
    "agents.csv": "Each agent kind appends its own columns after these (for example liquidity "
    "providers: `pool`, `lp_shares`, `position_value`, `hodl_value`, "
    f"`lp_vs_hodl_pct`); they are empty for agents of other kinds. Start and end values are "
    f"marked: {MARKING_RULE}.",
}


def summary_docs() -> dict[str, str]:
    """`SUMMARY_FIELDS`, each key of a mechanism's section marked with that mechanism (the key
    is left out of runs without it)."""
    return {
        k: f"{v} [only in runs with {SECTION_OF[k]}]" if k in SECTION_OF else v
        for k, v in SUMMARY_FIELDS.items()
    }


def distribution_rows() -> list[dict[str, str]]:
    """The distribution tables any `Dist` field accepts (a plain number is a constant)."""
    rows = []
    for m in DIST_MODELS:
        tag = typing.get_args(m.model_fields["dist"].annotation)[0]
        params = ", ".join(
            f"{n}" + ("" if f.is_required() else f"={f.default!r}")
            for n, f in m.model_fields.items()
            if n != "dist"
        )
        rows.append({"dist": tag, "parameters": params, "description": (m.__doc__ or "").strip()})
    return rows


def schema_json() -> dict[str, Any]:
    return {
        "scenario_fields": field_rows(),
        "distributions": distribution_rows(),
        "outputs": {
            "summary.json": summary_docs(),
            "timeseries.csv": TIMESERIES_COLUMNS,
            "agents.csv": AGENT_COLUMNS,
            "events.csv": EVENT_DOCS,
            "flows.csv": FLOW_DOCS,
        },
        "marking": MARKING_RULE,
    }


def schema_markdown() -> str:
    """The reference as Markdown (what `ammsim schema` prints and docs/reference.md holds)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    out = ["# ammsim reference", "", "Generated by `ammsim schema` from the code.", ""]
    out += [
        "## Scenario fields",
        "",
        "Fields with a condition apply to that variant only (e.g. `kind = 'noise_trader'`).",
        "",
        "Numbers are strict: no number in quotes, no boolean for a number, and a whole number",
        "(`int`) is written without a decimal point. `range` is what the model can use.",
        "",
        "| path | type | range | default | description | applies when |",
        "|---|---|---|---|---|---|",
    ]
    for r in field_rows():
        out.append(
            f"| `{r['path']}` | {cell(r['type'])} | {cell(r['range'])} | {cell(r['default'])} | "
            f"{cell(r['description'])} | {cell(r['when'])} |"
        )
    out += [
        "",
        "## Distributions",
        "",
        "Wherever a field's type includes a distribution, give a number (a constant) or a table",
        'such as `{ dist = "lognormal", median = 100_000, sigma = 1.0 }`.',
        "",
        "| dist | parameters | meaning |",
        "|---|---|---|",
    ]
    out += [
        f"| `{r['dist']}` | {cell(r['parameters'])} | {cell(r['description'])} |"
        for r in distribution_rows()
    ]
    for title, cols in schema_json()["outputs"].items():
        out += ["", f"## {title}", "", "| column | meaning |", "|---|---|"]
        out += [f"| `{k}` | {cell(v)} |" for k, v in cols.items()]
        if title in OUTPUT_NOTES:
            out += ["", OUTPUT_NOTES[title]]
    return "\n".join(out) + "\n"

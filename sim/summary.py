"""The numbers a run ends with: the summary (summary.json) and one row per agent (agents.csv)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from agents.liquidity_provider import LiquidityProvider

if TYPE_CHECKING:
    from sim.model import MarketModel

SUMMARY_FIELDS: dict[str, str] = {
    "blocks": "blocks simulated",
    "days": "simulated days",
    "volume_usd": "traded volume over all pools, numeraire",
    "fees_usd": "swap fees paid by all traders, numeraire (at the reference price of each block)",
    "lp_fee_income_usd": "fees attributed to liquidity providers (protocol/admin cuts removed)",
    "lp_vs_hodl_pct": "LP position value against holding the deposited tokens, % (fees included)",
    "impermanent_loss_pct": "IL(r) = 2*sqrt(r)/(1+r) - 1 at the final reference price ratio, %",
    "arbitrage_profit_usd": "arbitrageurs' trade profit after gas, at reference prices",
    "gas_usd": "gas paid by all agents, numeraire",
    "txs": "transactions included in blocks",
    "reverts": "included transactions that reverted (still paid gas)",
    "slippage": "retail execution shortfall vs the reference price, bps (fee + impact + mispricing)",
    "lvr_usd": "loss-versus-rebalancing: arbitrageurs' gain against the pools at reference prices, fees excluded",
    "lp_vs_rebalancing_usd": "LP value minus a portfolio holding the same tokens but trading at reference prices (= fees - LVR + what noise traders' price impact paid)",
    "mev": "sandwiches: count, bot gross gain, victims' loss against trading alone, per victim cohort",
    "pools": "the same per pool",
}
"""Top-level keys of summary.json and what they mean."""

AGENT_COLUMNS: dict[str, str] = {
    "agent": "agent name (<cohort>#<id>)",
    "cohort": "scenario cohort name",
    "kind": "agent kind",
    "start_value_usd": "marked-to-market value at the start",
    "end_value_usd": "marked-to-market value at the end (reference prices)",
    "pnl_usd": "end value minus start value",
    "volume_usd": "value of the tokens it sold in swaps",
    "fees_paid_usd": "swap fees it paid",
    "gas_usd": "gas it paid",
    "swaps": "successful swaps",
    "reverts": "reverted transactions",
    "dropped": "transactions dropped for lack of gas money",
    "trade_pnl_usd": "value received minus value paid in its swaps, at reference prices",
    "lp_fee_income_usd": "fee income attributed to its LP shares",
    "lp_lvr_usd": "loss-versus-rebalancing attributed to its LP shares",
    "slippage_usd": "execution shortfall of its swaps vs the reference price, beyond fees",
    "mev_gained_usd": "gross sandwich gain (bots)",
    "mev_lost_usd": "loss to sandwiches against trading alone (victims)",
}
"""Columns of agents.csv (kind-specific columns follow)."""


def summarize(model: MarketModel) -> dict[str, Any]:
    """summary.json: headline numbers, then per-pool detail."""
    m = model.metrics
    market = model.market
    meta = model.spec.scenario
    lps = [a for a in model.market_agents if isinstance(a, LiquidityProvider)]
    pools: dict[str, Any] = {}
    for name, pool in market.pools.items():
        st = m.pools[name]
        hodl = m.share_hodl(name)
        value = m.share_value(name)
        tvl = market.wallet_value(pool.holdings())
        days = market.block * model.block_time_s / 86_400
        pools[name] = {
            "kind": pool.kind,
            "fee_bps": pool.fee_bps,
            "volume_usd": st.volume_usd,
            "fees_usd": st.fees_usd,
            "lp_fees_usd": st.lp_fees_usd,
            "swaps": st.swaps,
            "tvl_end_usd": tvl,
            "fee_apr_pct": st.lp_fees_usd / tvl / days * 365 * 100 if tvl and days else None,
            "lp_vs_hodl_pct": (value / hodl - 1) * 100 if hodl else None,
            "impermanent_loss_pct": m.il_formula(name) if len(pool.tokens) == 2 else None,
            "lvr_usd": st.lvr_usd,
            "lp_vs_rebalancing_usd": st.vs_rebalancing_usd,
            "lvr_apr_pct": st.lvr_usd / tvl / days * 365 * 100 if tvl and days else None,
            "price_end": _finite(_spot(pool)),
        }
    lp_income = sum(m.lp_fee_income(a.name) for a in lps)
    values = [(a.position_value(), a.hodl_value()) for a in lps if not a.exited]
    hodl_total = sum(h for _, h in values)
    main = next(iter(pools.values()))
    return {
        "scenario": meta.name,
        "seed": meta.seed,
        "replicate": meta.replicate,
        "numeraire": market.numeraire,
        "blocks": market.block,
        "days": market.block * model.block_time_s / 86_400,
        "volume_usd": sum(p["volume_usd"] for p in pools.values()),
        "fees_usd": sum(p["fees_usd"] for p in pools.values()),
        "lp_fee_income_usd": lp_income,
        "lp_vs_hodl_pct": (sum(v for v, _ in values) / hodl_total - 1) * 100
        if hodl_total
        else None,
        "impermanent_loss_pct": main["impermanent_loss_pct"],
        "arbitrage_profit_usd": m.arb_profit_usd,
        "gas_usd": sum(s.gas_usd for s in m.agents.values()),
        "txs": market.chain.tx_count,
        "reverts": market.chain.revert_count,
        "slippage": m.slippage_summary(),
        "lvr_usd": sum(p["lvr_usd"] for p in pools.values()),
        "lp_vs_rebalancing_usd": sum(p["lp_vs_rebalancing_usd"] for p in pools.values()),
        "mev": mev_summary(model),
        "pools": pools,
    }


def mev_summary(model: MarketModel) -> dict[str, Any]:
    """Sandwiches: totals and, per victim cohort, count, loss and the cohort's slippage setting."""
    m = model.metrics
    cohorts: dict[str, dict[str, Any]] = {}
    for row in m.sandwich_rows:
        c = cohorts.setdefault(row["victim_cohort"], {"sandwiches": 0, "victim_loss_usd": 0.0})
        c["sandwiches"] += 1
        c["victim_loss_usd"] += row["victim_loss_usd"]
    for name, spec in model.spec.agents.items():
        if name in cohorts and hasattr(spec, "slippage_bps"):
            cohorts[name]["slippage_bps"] = spec.slippage_bps
            volume = sum(
                m.agent(a.name).volume_usd for a in model.market_agents if a.cohort == name
            )
            cohorts[name]["loss_per_volume_bps"] = (
                cohorts[name]["victim_loss_usd"] / volume * 10_000 if volume else None
            )
    return {
        "sandwiches": m.sandwiches,
        "bot_gross_usd": m.mev_usd,
        "victim_loss_usd": sum(r["victim_loss_usd"] for r in m.sandwich_rows),
        "by_victim_cohort": cohorts,
    }


def flows_table(model: MarketModel) -> list[dict[str, Any]]:
    """The flow graph as edges: agent -> pool (swaps) and bot -> victim (sandwiches)."""
    return [
        {"source": src, "target": dst, "kind": kind, "count": int(n), "value_usd": v}
        for (src, dst, kind), (n, v) in sorted(model.metrics.flows.items())
    ]


def agents_table(model: MarketModel) -> list[dict[str, Any]]:
    """agents.csv rows: common columns, then whatever each kind reports."""
    m = model.metrics
    rows = []
    for a in model.market_agents:
        st = m.agent(a.name)
        end = a.value()
        start = a.initial_value
        row: dict[str, Any] = {
            "agent": a.name,
            "cohort": a.cohort,
            "kind": a.kind,
            "start_value_usd": start,
            "end_value_usd": end,
            "pnl_usd": end - start,
            "volume_usd": st.volume_usd,
            "fees_paid_usd": st.fees_paid_usd,
            "gas_usd": st.gas_usd,
            "swaps": st.swaps,
            "reverts": st.reverts,
            "dropped": st.dropped,
            "trade_pnl_usd": st.trade_pnl_usd,
            "lp_fee_income_usd": m.lp_fee_income(a.name),
            "lp_lvr_usd": m.lp_lvr(a.name),
            "slippage_usd": st.slippage_usd,
            "mev_gained_usd": st.mev_gained_usd,
            "mev_lost_usd": st.mev_lost_usd,
        }
        row.update(a.report())
        rows.append(row)
    return rows


def _spot(pool: Any) -> float:
    try:
        return pool.spot_price(pool.tokens[0], pool.tokens[1])
    except (ZeroDivisionError, ArithmeticError):
        return math.nan


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None

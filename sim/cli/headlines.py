"""The few lines a person reads after `ammsim run`: a run's summary as plain text.

Volume, fees, LP against holding, arbitrage, LVR, gas and slippage, then MEV, mining, rug,
staking and lending headlines when the scenario has them.
"""

from __future__ import annotations

from typing import Any

from sim.report.gas_money import gas_money_lines


def human_summary(s: dict[str, Any]) -> str:
    """A few lines a person reads after a run."""
    n = s["numeraire"]

    def money(x: float | None) -> str:
        return "n/a" if x is None else f"{x:,.2f} {n}"

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:+.3f}%"

    slip = s["slippage"]
    lines = [
        f"{s['scenario']}: {s['blocks']:,} blocks ({s['days']:.2f} days), seed {s['seed']}",
        f"  volume              {money(s['volume_usd'])}",
        f"  fees paid           {money(s['fees_usd'])}",
        f"  LP fee income       {money(s['lp_fee_income_usd'])}",
        f"  LP vs HODL          {pct(s['lp_vs_hodl_pct'])}  (impermanent loss alone: {pct(s['impermanent_loss_pct'])})",
        f"  arbitrage profit    {money(s['arbitrage_profit_usd'])}",
        f"  LVR                 {money(s['lvr_usd'])}  (LPs vs rebalancing = fees - LVR: "
        f"{s['lp_vs_rebalancing_usd']:+,.2f} {n})",
        f"  gas paid            {money(s['gas_usd'])}",
        f"  transactions        {s['txs']:,} ({s['reverts']:,} reverted)",
    ]
    if slip["trades"]:
        lines.append(
            f"  retail slippage     mean {slip['mean_bps']:.1f} bps, p95 {slip['p95_bps']:.1f} bps, "
            f"worst {slip['worst_bps']:.1f} bps over {slip['trades']:,} trades"
        )
    lines += gas_money_lines(s)
    mev = s.get("mev") or {}
    if mev.get("sandwiches"):
        lines.append(
            f"  sandwiches          {mev['sandwiches']:,}: bots took {money(mev['bot_gross_usd'])} "
            f"({money(mev.get('bot_net_usd'))} after gas), victims lost {money(mev['victim_loss_usd'])}"
        )
        for cohort, c in mev["by_victim_cohort"].items():
            share = c.get("loss_per_volume_bps")
            share_text = f" ({share:.1f} bps of its volume)" if share is not None else ""
            tolerance = f", {c['slippage_bps']:g} bps tolerance" if "slippage_bps" in c else ""
            lines.append(
                f"    from {cohort:<14} {c['sandwiches']:,} sandwiches, lost "
                f"{money(c['victim_loss_usd'])}{share_text}{tolerance}"
            )
    lines += _protocol_lines(s, money)
    return "\n".join(lines)


def _protocol_lines(s: dict[str, Any], money: Any) -> list[str]:
    """Mining, rug, staking and lending headlines, when the scenario has them."""

    def num(x: float | None, fmt: str = ",.4g") -> str:
        return "n/a" if x is None else format(x, fmt)

    def row(label: str, text: str) -> str:
        return f"  {label:<19} {text}"

    lines = []
    mining = s.get("mining") or {}
    if mining:
        token = mining["reward_token"]
        lines.append(
            row(
                f"{token} price",
                f"{num(mining['reward_price_start'])} -> {num(mining['reward_price_end'])} "
                f"(low {num(mining['reward_price_min'])})",
            )
        )
        for pool, p in mining.get("pools", {}).items():
            lines.append(
                row(
                    f"mining {pool}",
                    f"headline APR peak {num(p['headline_apr_pct_peak'], ',.1f')}%, end "
                    f"{num(p['headline_apr_pct_end'], ',.1f')}%; miners peak {p['miners_peak']}, "
                    f"end {p['miners_end']} ({p['entries']} entries, {p['exits']} exits)",
                )
            )
        lines.append(
            row(
                "realised reward APR",
                f"{num(mining['realised_reward_apr_pct_end'], ',.1f')}% "
                f"({num(mining['emitted'], ',.0f')} {token} emitted, "
                f"{num(mining['paid'], ',.0f')} paid to miners)",
            )
        )
    rug = s.get("rug") or {}
    for r in rug.get("rugs", []):
        if r.get("block") is None:
            lines.append(row("rug", f"{r['developer']} did not pull"))
            continue
        lines.append(
            row(
                "rug",
                f"{r['variant']} in {r['pool']} at block {r['block']:,} (day {r['day']:.2f}, "
                f"trigger {r['trigger']}): took {money(r['quote_taken_usd'])}",
            )
        )
    if rug:
        lines.append(
            row(
                "rug victims",
                f"{len(rug['victims'])} lost {money(rug['victims_loss_usd'])}; developer gained "
                f"{money(rug['developer_gain_usd'])}",
            )
        )
        for group in ("miners", "buyers"):
            for label, g in rug.get(group, {}).items():
                lines.append(
                    row(
                        f"  {label} {group}",
                        f"{g['exposed']}/{g['agents']} exposed, lost {money(g['lost_usd'])}",
                    )
                )
    for lst, st in (s.get("staking") or {}).items():
        lines.append(
            row(
                f"{lst} depeg",
                f"deepest discount {num(st['max_discount_pct'], '.2f')}% (pool rate low "
                f"{num(st['min_market_rate'], '.4f')}, exchange rate "
                f"{num(st['exchange_rate_end'], '.4f')} at the end)",
            )
        )
    for name, lm in (s.get("lending") or {}).items():
        lines.append(
            row(
                f"lending {name}",
                f"{lm['liquidations']} liquidations ({money(lm['liquidated_debt_usd'])} repaid), "
                f"bad debt {money(lm['bad_debt_usd'])}, lowest HF "
                f"{num(lm['min_health_factor'], '.4f')}",
            )
        )
        apr = lm.get("looper_realised_apr_pct") or {}
        eq = lm.get("looper_equity_change_pct") or {}
        if eq.get("mean") is not None:
            # the return over the run; annualised only from 7 days in the loop
            annual = (
                f"realised APR mean {apr['mean']:,.1f}% vs plain staking "
                f"{num(lm.get('plain_staking_apr_pct'), '.2f')}%"
                if apr.get("mean") is not None
                else "not annualised (under 7 days in the loop)"
            )
            lines.append(
                row(
                    "loopers",
                    f"{lm['loopers_liquidated']}/{lm['loopers']} liquidated; return over "
                    f"{num(lm.get('looper_days_in_loop'), '.1f')} days "
                    f"{num(eq.get('mean'), '+.2f')}% on average vs plain staking "
                    f"{num(lm.get('plain_staking_return_pct'), '+.3f')}%; {annual}",
                )
            )
    return lines

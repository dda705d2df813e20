"""The few lines a person reads after `ammsim run`: a run's summary as plain text.

A header and the chain's gas and transactions, then a few lines for each mechanism the run has
(`sim.report.sections`): AMM pools that traded, range LPs, MEV, staking, lending, mining,
launches and rugs. Nothing is printed for a mechanism the run lacks, and a number the run cannot
measure is said to be so, never shown as 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.model.mechanisms import Mechanism
from sim.report.gas_money import gas_money_lines
from sim.report.il_lines import il_text, range_lp_lines
from sim.report.pool_slippage import pool_slippage_lines
from sim.report.sections import summary_mechanisms
from sim.report.value_summary import value_lines

Money = Callable[[float | None], str]


def human_summary(s: dict[str, Any]) -> str:
    """A few lines a person reads after a run."""
    n = s["numeraire"]

    def money(x: float | None) -> str:
        return "n/a" if x is None else f"{x:,.2f} {n}"

    present = summary_mechanisms(s)
    lines = [f"{s['scenario']}: {s['blocks']:,} blocks ({s['days']:.2f} days), seed {s['seed']}"]
    if Mechanism.AMM in present:
        lines += _amm_lines(s, money)
    lines += [
        _row("gas paid", money(s["gas_cost"])),
        _row("transactions", f"{s['txs']:,} ({s['reverts']:,} reverted)"),
    ]
    if Mechanism.RANGE_LPS in present:
        lines += _range_lp_lines(s, money)
    lines += gas_money_lines(s)
    if Mechanism.MEV in present:
        lines += _mev_lines(s, money)
    lines += _protocol_lines(s, money)
    if "value" in s:
        lines += value_lines(s["value"], n)
    return "\n".join(lines)


def _row(label: str, text: str) -> str:
    return f"  {label:<19} {text}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.3f}%"


def _amm_lines(s: dict[str, Any], money: Money) -> list[str]:
    """Volume, fees, LP income and LP vs HODL; arbitrage and LVR where measured; slippage."""
    lines = [
        _row("volume", money(s["volume"])),
        _row("fees paid", money(s["fees"])),
        _row("LP fee income", money(s["lp_fee_income"])),
        _row(
            "LP vs HODL",
            f"{_pct(s['lp_vs_hodl_pct'])}  ({il_text(s)})",
        ),
        *range_lp_lines(s),
    ]
    if "arbitrage_profit" in s:
        lines.append(_row("arbitrage profit", money(s["arbitrage_profit"])))
    unmeasured = (s.get("not_measured") or {}).get("lvr")
    if "lvr" in s:
        lines.append(
            _row(
                "LVR",
                f"{money(s['lvr'])}  (LPs vs rebalancing = fees - LVR: "
                f"{s['lp_vs_rebalancing']:+,.2f} {s['numeraire']})",
            )
        )
        if unmeasured:
            lines.append(_row("", unmeasured))
    elif unmeasured:
        lines.append(_row("LVR", unmeasured))
    slip = s["slippage"]
    if slip["trades"]:
        lines.append(
            _row(
                "retail slippage",
                f"mean {slip['mean_bps']:.1f} bps, p95 {slip['p95_bps']:.1f} bps, "
                f"worst {slip['worst_bps']:.1f} bps over {slip['trades']:,} trades",
            )
        )
        lines += pool_slippage_lines(slip)
    return lines


def _range_lp_lines(s: dict[str, Any], money: Money) -> list[str]:
    """Per range-LP cohort: its net result against holding and where it comes from."""
    lines = [
        _row("range LP cohorts", "net vs HODL = fees + IL + swap costs + gas (+ perp, rounding)")
    ]
    for cohort, c in s["range_lps"].items():
        parts = [("fees", "pnl_fees"), ("IL", "pnl_il")]
        parts += [("swap costs", "pnl_swap_costs"), ("gas", "pnl_gas")]
        if "perp_pnl" in c:
            parts.append(("perp", "pnl_perp"))
        split = ", ".join(f"{name} {c[key]:+,.2f}" for name, key in parts)
        in_range = c.get("time_in_range_pct")
        lines.append(
            f"    {cohort:<16} {c['strategy']}: {money(c['net_vs_hodl'])} "
            f"({_pct(c['net_vs_hodl_pct'])}) = {split}; in range "
            + ("n/a" if in_range is None else f"{in_range:.1f}%")
            + f", {c['rebalances']:,} re-centres"
        )
    return lines


def _mev_lines(s: dict[str, Any], money: Money) -> list[str]:
    """Sandwiches: what the bots took and what each victim cohort lost."""
    mev = s["mev"]
    lines = [
        _row(
            "sandwiches",
            f"{mev['sandwiches']:,}: bots took {money(mev['bot_gross'])} "
            f"({money(mev.get('bot_net'))} after gas), victims lost "
            f"{money(mev['victim_loss'])}",
        )
    ]
    for cohort, c in mev["by_victim_cohort"].items():
        share = c.get("loss_per_volume_bps")
        share_text = f" ({share:.1f} bps of its volume)" if share is not None else ""
        tolerance = f", {c['slippage_bps']:g} bps tolerance" if "slippage_bps" in c else ""
        lines.append(
            f"    from {cohort:<14} {c['sandwiches']:,} sandwiches, lost "
            f"{money(c['victim_loss'])}{share_text}{tolerance}"
        )
    return lines


def _protocol_lines(s: dict[str, Any], money: Money) -> list[str]:
    """Mining, launch, rug, staking and lending headlines, when the run has them."""

    def num(x: float | None, fmt: str = ",.4g") -> str:
        return "n/a" if x is None else format(x, fmt)

    lines = []
    mining = s.get("mining") or {}
    if mining:
        token = mining["reward_token"]
        lines.append(
            _row(
                f"{token} price",
                f"{num(mining['reward_price_start'])} -> {num(mining['reward_price_end'])} "
                f"(low {num(mining['reward_price_min'])})",
            )
        )
        for pool, p in mining.get("pools", {}).items():
            lines.append(
                _row(
                    f"mining {pool}",
                    f"headline APR peak {num(p['headline_apr_pct_peak'], ',.1f')}%, end "
                    f"{num(p['headline_apr_pct_end'], ',.1f')}%; miners peak {p['miners_peak']}, "
                    f"end {p['miners_end']} ({p['entries']} entries, {p['exits']} exits)",
                )
            )
        lines.append(
            _row(
                "realised reward APR",
                f"{num(mining['realised_reward_apr_pct_end'], ',.1f')}% "
                f"({num(mining['emitted'], ',.0f')} {token} emitted, "
                f"{num(mining['paid'], ',.0f')} paid to miners)",
            )
        )
    for token, launch in (s.get("launches") or {}).items():
        lines.append(
            _row(
                f"launch {token}",
                f"by {launch['deployer']} in {launch['pool']}: price "
                f"{num(launch['price_launch'])} -> {num(launch['price_end'])}; at the end "
                f"{num(launch['lp_locked_end_pct'], '.0f')}% of its LP locked, top holder "
                f"{num(launch['top_holder_end_pct'], '.1f')}% of the supply",
            )
        )
    rug = s.get("rug") or {}
    for r in rug.get("rugs", []):
        if r.get("block") is None:
            lines.append(_row("rug", f"{r['developer']} did not pull"))
            continue
        lines.append(
            _row(
                "rug",
                f"{r['variant']} in {r['pool']} at block {r['block']:,} (day {r['day']:.2f}, "
                f"trigger {r['trigger']}): took {money(r['quote_taken_value'])}",
            )
        )
    if rug:
        lines.append(
            _row(
                "rug victims",
                f"{len(rug['victims'])} lost {money(rug['victims_loss'])}; developer gained "
                f"{money(rug['developer_gain'])}",
            )
        )
        for group in ("miners", "buyers"):
            for label, g in rug.get(group, {}).items():
                lines.append(
                    _row(
                        f"  {label} {group}",
                        f"{g['exposed']}/{g['agents']} exposed, lost {money(g['lost'])}",
                    )
                )
    for lst, st in (s.get("staking") or {}).items():
        lines.append(
            _row(
                f"{lst} depeg",
                f"deepest discount {num(st['max_discount_pct'], '.2f')}% (pool rate low "
                f"{num(st['min_market_rate'], '.4f')}, exchange rate "
                f"{num(st['exchange_rate_end'], '.4f')} at the end)",
            )
        )
        if lps := st.get("pool_lps"):
            lines.append(
                _row(
                    f"{lst} pool LPs",
                    f"{lps['withdrawals']}/{lps['lps']} withdrew ({money(lps['withdrawn_value'])}); "
                    f"{lps['pool']} TVL {money(lps['tvl_start'])} -> lowest "
                    f"{money(lps['tvl_min'])} (-{num(lps['tvl_lost_pct'], '.0f')}%) -> "
                    f"{money(lps['tvl_end'])} at the end",
                )
            )
    attack = s.get("oracle_attack") or {}
    if attack:
        lines.append(
            _row(
                "oracle attacks",
                f"{attack['attacks']} ({money(attack['flash_borrowed'])} flash-borrowed, "
                f"{money(attack['borrowed'])} borrowed); attackers' profit "
                f"{money(attack['attacker_profit'])}",
            )
        )
        for name, m in attack["markets"].items():
            window = f" {m['twap_window_s']:,} s" if "twap_window_s" in m else ""
            lines.append(
                _row(
                    f"  {name} ({m['oracle']}{window})",
                    f"bad debt {money(m['bad_debt'])} at end prices "
                    f"({num(m['suppliers_loss_pct'], '.2f')}% of its supplies)",
                )
            )
    for name, lm in (s.get("lending") or {}).items():
        lines.append(
            _row(
                f"lending {name}",
                f"{lm['liquidations']} liquidations ({money(lm['liquidated_debt'])} repaid, "
                f"{money(lm.get('liquidation_protocol_fees', 0.0))} fees to the treasury), "
                f"bad debt {money(lm['bad_debt'])} at its oracle, deficit written off "
                f"{money(lm.get('deficit_created', 0.0))}, lowest HF "
                f"{num(lm['min_health_factor'], '.4f')}"
                + (
                    f", {lm['withdrawals_blocked']} withdrawals blocked (no cash)"
                    if lm.get("withdrawals_blocked")
                    else ""
                ),
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
                _row(
                    "loopers",
                    f"{lm['loopers_liquidated']}/{lm['loopers']} liquidated; return over "
                    f"{num(lm.get('looper_days_in_loop'), '.1f')} days "
                    f"{num(eq.get('mean'), '+.2f')}% on average vs plain staking "
                    f"{num(lm.get('plain_staking_return_pct'), '+.3f')}%; {annual}",
                )
            )
    return lines

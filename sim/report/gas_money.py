"""Bots that ran out of gas money: when it happened and what it cost them, per cohort.

A bot bidding for inclusion (arbitrageur, sandwich bot, liquidator, LST arbitrageur) pays
gas and tips from a native-token balance it holds apart (`gas_reserve`) and does not top
up. Once that runs short it bids less than it wanted (a capped tip, down to nothing) or
lets an opportunity go (`MarketAgent.tip_for`), and its results change with it: a run
that reads "gas paid 1,500.00" for a year may be a bot that spent its 0.5 ETH and then
bid zero. The summary says so, only for cohorts where it happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model.model import MarketModel

GAS_MONEY_FIELD = (
    "bots whose gas money ran short (only when it happened), per cohort: the first block "
    "and day an agent could not pay the tip it wanted or gas at all, bids capped and "
    "opportunities skipped for lack of it (agents.csv: gas_short_block, bids_capped, "
    "bids_skipped)"
)
"""What summary.json's `gas_money` holds (SUMMARY_FIELDS)."""


def gas_money_summary(model: MarketModel) -> dict[str, dict[str, Any]]:
    """{cohort: when its gas money first ran short and the bids that cost}; empty if never."""
    out: dict[str, dict[str, Any]] = {}
    sizes: dict[str, int] = {}
    for agent in model.market_agents:
        sizes[agent.cohort] = sizes.get(agent.cohort, 0) + 1
        block = agent.gas_short_block
        if block is None:
            continue
        c = out.setdefault(
            agent.cohort,
            {"first_block": block, "agents_short": 0, "bids_capped": 0, "bids_skipped": 0},
        )
        c["first_block"] = min(c["first_block"], block)
        c["agents_short"] += 1
        c["bids_capped"] += agent.bids_capped
        c["bids_skipped"] += agent.bids_skipped
    for cohort, c in out.items():
        c["first_day"] = c["first_block"] * model.block_time_s / 86_400
        c["agents"] = sizes[cohort]
    return out


def gas_money_lines(summary: Mapping[str, Any]) -> list[str]:
    """One printed line per cohort in summary.json's `gas_money` (none when it is absent)."""
    lines = []
    for cohort, c in (summary.get("gas_money") or {}).items():
        cost = [
            f"{c[k]:,} {what}"
            for k, what in (("bids_capped", "bids capped"), ("bids_skipped", "skipped"))
            if c[k]
        ]
        who = f" for {c['agents_short']} of {c['agents']} agents" if c["agents"] > 1 else ""
        lines.append(
            f"  {cohort}: gas money ran out at day {c['first_day']:.1f} "
            f"(block {c['first_block']:,}){who}; {', '.join(cost)} after that"
        )
    return lines

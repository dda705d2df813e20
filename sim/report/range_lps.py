"""What a run reports about its range LPs: one agents.csv row each, summary.json's `range_lps`
(per cohort, with the decomposition per price regime) and report.html's table.

Everything is read off the books the model kept for each concentrated-liquidity position
(`MarketModel.lp_books`, `sim.model.position_books.RangeLPBooks`), never off agent classes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sim.model.position_books import RangeLPBooks

if TYPE_CHECKING:
    from sim.model.model import MarketModel

__all__ = [
    "PNL_PARTS",
    "RANGE_LP_TABLE",
    "REPORT_COLUMNS",
    "range_lp_row",
    "range_lp_rows",
    "summarize_range_lps",
]

REPORT_COLUMNS: dict[str, str] = {
    "strategy": "range_lp: band strategy",
    "tick_lower": "range_lp: current band's lower tick",
    "tick_upper": "range_lp: current band's upper tick",
    "in_range": "range_lp: whether the pool price is inside the band at the end",
    "time_in_range_pct": "range_lp: share of blocks with the price inside the band, %",
    "deployed_pct": "range_lp: average share of its tokens (wallet + position principal, at "
    "reference prices) that sat in the position, over the blocks it was entered, %",
    "idle_end_pct": "range_lp: share of its value not in the position at the end (wallet, perp), %",
    "rebalances": "range_lp: band moves (burn + collect + [swap] + mint transactions)",
    "rebalance_swaps": "range_lp: swaps made to fit the inventory to a new band",
    "rebalance_swaps_capped": "range_lp: of those, swaps the pool filled only in part within "
    "swap_slippage_bps (the mint still took min_deploy_pct, or the pool was too thin after "
    "max_wait_blocks): the rest of the inventory stayed idle until the next move",
    "deployed_at_mint_pct": "range_lp: average share of its inventory (wallet, gas reserve "
    "excluded, at reference prices) each mint put into the band, %",
    "deployed_at_mint_min_pct": "range_lp: the lowest such share (a thin pool at a move), %",
    "rebalances_postponed": "range_lp: blocks a due move waited (pool too far from the reference "
    "to fill its swap); a move that finds so only when it executes reverts (see reverts)",
    "fees_collected_value": "range_lp: fees collected, valued when collected",
    "fees_uncollected": "range_lp: fees earned not yet collected (pool fee growth), valued now",
    "fees_earned": "range_lp: collected + uncollected fees",
    "il_formula_pct": "range_lp: ranged_il of the current band since its mint (pool price), %",
    "il_measured_pct": "range_lp: position principal vs holding the tokens minted, at pool price, %",
    "position_value": "range_lp: principal + uncollected fees at reference prices",
    "hodl_value": "range_lp: the tokens it was funded with, at today's reference prices",
    "range_lp_gas": "range_lp: gas paid (same as gas_cost)",
    "perp_size": "range_lp hedged: perp position, whole token0 (negative = short)",
    "perp_pnl": "range_lp hedged: cumulative price P&L of the perp",
    "perp_funding": "range_lp hedged: cumulative funding received (negative = paid)",
    "perp_penalties": "range_lp hedged: liquidation fees the venue kept",
    "perp_written_off": "range_lp hedged: losses beyond the collateral the venue wrote off",
    "perp_liquidations": "range_lp hedged: liquidations of the perp",
    "pnl_fees": "range_lp P&L: fees earned (= fees_earned)",
    "pnl_il": "range_lp P&L: impermanent loss vs HODL = il_bands + il_recentre",
    "pnl_swap_costs": "range_lp P&L: its own rebalancing swaps, -(pool fee + price impact)",
    "pnl_gas": "range_lp P&L: -gas",
    "pnl_perp": "range_lp P&L: perp price P&L + funding - penalties + written off",
    "pnl_rounding": "range_lp P&L: what integer rounding leaves (net minus the other pnl_*)",
    "net_vs_hodl": "range_lp: value (wallet + position + perp equity) minus hodl_value "
    "= the sum of the pnl_* columns",
    "net_vs_hodl_pct": "range_lp: net_vs_hodl / hodl_value, %",
    "il_bands": "range_lp: every band's principal vs holding the tokens minted into it, "
    "at reference prices (realised at each burn + the current band)",
    "il_bands_realised": "range_lp: band IL of the bands already burned",
    "il_bands_unrealised": "range_lp: band IL of the current band",
    "il_bands_formula": "range_lp: the same from the closed form ranged_il at pool prices "
    "(a check of il_bands; the gap is the pool's distance from the reference price)",
    "il_recentre": "range_lp: re-centring drift: (tokens held after each re-centre, "
    "wallet included, - the funded tokens) x the price change while they were held",
    "il_vs_hodl_pct": "range_lp: pnl_il / hodl_value, %",
    "bands": "range_lp: bands minted (the first and one per re-centre)",
    "swap_fees_paid": "range_lp: pool fees paid on its rebalancing swaps",
    "swap_impact": "range_lp: price impact of its rebalancing swaps vs the reference, "
    "beyond the fee",
    "lvr": "range_lp: loss-versus-rebalancing of its positions (trades' gain against its "
    "principal at reference prices, fees excluded); also in lp_lvr",
    "fees_minus_lvr": "range_lp: fees earned minus LVR (the position vs rebalancing)",
    "net_calm": "range_lp: net_vs_hodl accrued while the price process was calm",
    "net_volatile": "range_lp: net_vs_hodl accrued while it was volatile",
    "net_vs_hodl_apr_pct": "range_lp: net_vs_hodl annualised over the capital, %",
    "fee_apr_pct": "range_lp: fees earned annualised over the capital, %",
    "il_apr_pct": "range_lp: pnl_il annualised over the capital, %",
    "swap_costs_apr_pct": "range_lp: pnl_swap_costs annualised over the capital, %",
    "gas_apr_pct": "range_lp: gas annualised over the capital, %",
    "perp_apr_pct": "range_lp hedged: pnl_perp annualised over the capital, %",
}
"""The agents.csv columns of a range LP (after the common ones) and what they mean."""

PNL_PARTS = (
    "pnl_fees",
    "pnl_il",
    "pnl_swap_costs",
    "pnl_gas",
    "pnl_perp",
    "pnl_rounding",
)
"""The report columns that add up to net_vs_hodl."""


def range_lp_row(books: RangeLPBooks) -> dict[str, object]:
    """One range LP's agents.csv columns (`REPORT_COLUMNS`, pool first)."""
    pos = books.position
    days = books.days()
    parts = books.pnl()
    fees = parts["fees"]
    gas = -parts["gas"]
    il = parts["il_bands"] + parts["il_recentre"]
    swaps = parts["swap_fees"] + parts["swap_impact"]
    net = parts["net"]
    il_f = books.il_formula()
    il_m = books.il_measured()
    cap = pos.capital
    hodl = books.hodl_value()
    value = books.value()

    def apr(x: float) -> float | None:
        return x / cap / days * 365 * 100 if cap and days else None

    perp = books.perp
    regimes = books.by_regime()
    return {
        "pool": pos.pool.name,
        "strategy": books.strategy,
        "tick_lower": pos.tick_lower,
        "tick_upper": pos.tick_upper,
        "in_range": pos.in_range(),
        "time_in_range_pct": 100 * pos.blocks_in_range / pos.blocks_deployed
        if pos.blocks_deployed
        else None,
        "deployed_pct": 100 * books.deployed_sum / books.deployed_blocks
        if books.deployed_blocks
        else None,
        "idle_end_pct": 100 * (1 - books.position_value() / value) if value else None,
        "rebalances": pos.rebalances,
        "rebalance_swaps": pos.swaps_done,
        "rebalance_swaps_capped": pos.swaps_capped,
        "rebalances_postponed": pos.postponed,
        "deployed_at_mint_pct": 100 * pos.mint_share_sum / books.bands if books.bands else None,
        "deployed_at_mint_min_pct": 100 * pos.mint_share_min if books.bands else None,
        "fees_collected_value": books.fees_collected_value,
        "fees_uncollected": fees - books.fees_collected_value,
        "fees_earned": fees,
        "il_formula_pct": None if il_f is None else il_f * 100,
        "il_measured_pct": None if il_m is None else il_m * 100,
        "position_value": books.position_value(),
        "hodl_value": hodl,
        "range_lp_gas": gas,
        "perp_size": perp.size if perp else None,
        "perp_pnl": perp.pnl if perp else None,
        "perp_funding": perp.funding if perp else None,
        "perp_penalties": perp.penalties if perp else None,
        "perp_written_off": parts["perp"] - (perp.pnl + perp.funding - perp.penalties)
        if perp
        else None,
        "perp_liquidations": perp.liquidations if perp else None,
        # the decomposition: the pnl_* columns add up to net_vs_hodl
        "pnl_fees": fees,
        "pnl_il": il,
        "pnl_swap_costs": swaps,
        "pnl_gas": parts["gas"],
        "pnl_perp": parts["perp"],
        "pnl_rounding": parts["rounding"],
        "net_vs_hodl": net,
        "net_vs_hodl_pct": net / hodl * 100 if hodl else None,
        # and their parts
        "il_bands": parts["il_bands"],
        "il_bands_realised": books.il_realised,
        "il_bands_unrealised": parts["il_bands"] - books.il_realised,
        "il_bands_formula": books.il_formula_realised + books.il_formula_value(),
        "il_recentre": parts["il_recentre"],
        "il_vs_hodl_pct": il / hodl * 100 if hodl else None,
        "bands": books.bands,
        "swap_fees_paid": -parts["swap_fees"],
        "swap_impact": -parts["swap_impact"],
        "lvr": books.lvr(),
        "fees_minus_lvr": fees - books.lvr(),
        "net_calm": regimes["calm"]["net"] if "calm" in regimes else None,
        "net_volatile": regimes["volatile"]["net"] if "volatile" in regimes else None,
        "net_vs_hodl_apr_pct": apr(net),
        "fee_apr_pct": apr(fees),
        "il_apr_pct": apr(il),
        "swap_costs_apr_pct": apr(swaps),
        "gas_apr_pct": apr(gas),
        "perp_apr_pct": apr(parts["perp"]) if perp else None,
    }


def summarize_range_lps(model: MarketModel) -> dict[str, Any]:
    """Per cohort of range LPs: the strategy's totals, its P&L decomposition, per regime."""
    out: dict[str, Any] = {}
    by_cohort: dict[str, list[RangeLPBooks]] = {}
    for b in model.lp_books.values():
        by_cohort.setdefault(b.cohort, []).append(b)
    for cohort, books in by_cohort.items():
        rows = [range_lp_row(b) for b in books]
        capital = sum(b.position.capital for b in books)
        days = max(b.days() for b in books)

        def total(key: str, rows: list[dict[str, Any]] = rows) -> float:
            return float(math.fsum(r[key] or 0.0 for r in rows))

        def mean(key: str, rows: list[dict[str, Any]] = rows) -> float | None:
            xs = [r[key] for r in rows if r[key] is not None]
            return sum(xs) / len(xs) if xs else None

        def apr(x: float, capital: float = capital, days: float = days) -> float | None:
            return x / capital / days * 365 * 100 if capital and days else None

        net = total("net_vs_hodl")
        hodl = total("hodl_value")
        entry: dict[str, Any] = {
            "strategy": books[0].strategy,
            "pool": books[0].position.pool.name,
            "agents": len(books),
            "capital": capital,
            "fees_earned": total("fees_earned"),
            "gas_cost": total("range_lp_gas"),
            "rebalances": int(total("rebalances")),
            "time_in_range_pct": mean("time_in_range_pct"),
            "deployed_pct": mean("deployed_pct"),
            "deployed_at_mint_pct": mean("deployed_at_mint_pct"),
            "deployed_at_mint_min_pct": min(
                (
                    r["deployed_at_mint_min_pct"]
                    for r in rows
                    if r["deployed_at_mint_min_pct"] is not None
                ),
                default=None,
            ),
            "rebalance_swaps_capped": int(total("rebalance_swaps_capped")),
            "il_formula_pct": mean("il_formula_pct"),
            "il_measured_pct": mean("il_measured_pct"),
            **{k: total(k) for k in PNL_PARTS},
            "net_vs_hodl": net,
            "net_vs_hodl_pct": net / hodl * 100 if hodl else None,
            "il_bands": total("il_bands"),
            "il_bands_realised": total("il_bands_realised"),
            "il_bands_formula": total("il_bands_formula"),
            "il_recentre": total("il_recentre"),
            "il_vs_hodl_pct": total("pnl_il") / hodl * 100 if hodl else None,
            "swap_fees_paid": total("swap_fees_paid"),
            "swap_impact": total("swap_impact"),
            "lvr": total("lvr"),
            "fees_minus_lvr": total("fees_minus_lvr"),
            "hodl_value": hodl,
            "fee_apr_pct": apr(total("fees_earned")),
            "il_apr_pct": apr(total("pnl_il")),
            "swap_costs_apr_pct": apr(total("pnl_swap_costs")),
            "gas_apr_pct": apr(total("range_lp_gas")),
            "net_vs_hodl_apr_pct": apr(net),
        }
        if books[0].perp is not None:
            entry["perp_pnl"] = total("perp_pnl")
            entry["perp_funding"] = total("perp_funding")
            entry["perp_penalties"] = total("perp_penalties")
            entry["perp_written_off"] = total("perp_written_off")
            entry["perp_liquidations"] = int(total("perp_liquidations"))
            entry["perp_apr_pct"] = apr(total("pnl_perp"))
        regimes = _cohort_regimes(books, capital, model.block_time_s)
        if regimes:
            entry["by_regime"] = regimes
        out[cohort] = entry
    return out


def _cohort_regimes(
    books: list[RangeLPBooks], capital: float, block_time_s: float
) -> dict[str, Any]:
    """The cohort's decomposition summed per regime, with the regime's days and net APR."""
    out: dict[str, Any] = {}
    for b in books:
        for regime, parts in b.by_regime().items():
            acc = out.setdefault(regime, {})
            for k, v in parts.items():
                acc[k] = acc.get(k, 0.0) + v
    result: dict[str, Any] = {}
    for regime in sorted(out):
        acc = out[regime]
        blocks = acc.pop("blocks") / len(books)
        days = blocks * block_time_s / 86_400
        row: dict[str, Any] = {"days": days}
        row["pnl_fees"] = acc["fees"]
        row["pnl_il"] = acc["il_bands"] + acc["il_recentre"]
        row["pnl_swap_costs"] = acc["swap_fees"] + acc["swap_impact"]
        row["pnl_gas"] = acc["gas"]
        row["pnl_perp"] = acc["perp"]
        row["pnl_rounding"] = acc["rounding"]
        row["net_vs_hodl"] = acc["net"]
        row["net_vs_hodl_apr_pct"] = (
            acc["net"] / capital / days * 365 * 100 if capital and days else None
        )
        result[regime] = row
    return result


RANGE_LP_TABLE = (
    ("fees", "pnl_fees"),
    ("IL vs HODL", "pnl_il"),
    ("of which bands", "il_bands"),
    ("of which re-centring", "il_recentre"),
    ("swap costs", "pnl_swap_costs"),
    ("gas", "pnl_gas"),
    ("perp", "pnl_perp"),
    ("rounding", "pnl_rounding"),
    ("net vs HODL", "net_vs_hodl"),
)
"""Columns of the range-LP decomposition table: fees + IL + swap costs + gas + perp +
rounding = net (the two 'of which' columns split the IL)."""


def range_lp_rows(section: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The per-strategy P&L decomposition as text cells (header, rows) for report.html."""
    regimes = sorted({r for v in section.values() for r in v.get("by_regime") or {}})
    header = ["cohort", "strategy", *(name for name, _ in RANGE_LP_TABLE)]
    header += ["net % of HODL", "in range %", "deployed %", "moves", "LVR"]
    header += [f"net in {r} spells" for r in regimes]
    rows = []
    for cohort, v in section.items():

        def num(x: Any, fmt: str = ",.0f") -> str:
            if x is None:
                return "n/a"
            return format(round(x) or 0 if fmt == ",.0f" else x, fmt)  # no "-0"

        row = [cohort, str(v.get("strategy", ""))]
        row += [num(v.get(key)) for _, key in RANGE_LP_TABLE]
        row += [
            num(v.get("net_vs_hodl_pct"), "+.2f"),
            num(v.get("time_in_range_pct"), ".1f"),
            num(v.get("deployed_pct"), ".1f"),
            num(v.get("rebalances"), ","),
            num(v.get("lvr")),
        ]
        by = v.get("by_regime") or {}
        row += [num((by.get(r) or {}).get("net_vs_hodl")) for r in regimes]
        rows.append(row)
    return header, rows

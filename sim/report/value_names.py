"""Value names: which output keys hold amounts in the numeraire.

Names carry no currency (`pnl`, `volume`, `gas_cost`): the numeraire is stated once, in
summary.json's `numeraire`. Reports still need to know which numbers are amounts, to print
them with the numeraire's symbol. Scenario inputs in the numeraire (`capital`, `size`...) are
`sim.scenario.renamed.NUMERAIRE_INPUTS`.
"""

from __future__ import annotations

from sim.scenario.renamed import NUMERAIRE_INPUTS

VALUE_KEYS: frozenset[str] = frozenset(
    {
        "arb_gain",
        "arb_profit",
        "arbitrage_profit",
        "bad_debt",
        "bot_gas",
        "bot_gross",
        "bot_net",
        "collateral_seized",
        "conservation_residual",
        "debt_repaid",
        "developer_gain",
        "drift",
        "end_value",
        "expected_profit",
        "fee_value",
        "fees",
        "fees_collected_value",
        "fees_earned",
        "fees_minus_lvr",
        "fees_paid",
        "fees_uncollected",
        "gains",
        "gas_burned",
        "gas_cost",
        "gas_tips",
        "hodl_value",
        "hodl_value_per_share",
        "il_bands",
        "il_bands_formula",
        "il_bands_realised",
        "il_bands_unrealised",
        "il_formula_realised",
        "il_formula_value",
        "il_realised",
        "il_recentre",
        "il_unrealised",
        "liquidated_debt",
        "loss",
        "lost",
        "lp_fee_income",
        "lp_fees",
        "lp_lvr",
        "lp_value_per_share",
        "lp_vs_rebalancing",
        "lvr",
        "mean_gain",
        "mev",
        "mev_gained",
        "mev_lost",
        "minted",
        "net_calm",
        "net_volatile",
        "net_vs_hodl",
        "others_gain",
        "outside_other",
        "paid",
        "perp_funding",
        "perp_penalties",
        "perp_pnl",
        "perp_written_off",
        "pnl",
        "pnl_fees",
        "pnl_gas",
        "pnl_il",
        "pnl_perp",
        "pnl_rounding",
        "pnl_swap_costs",
        "pool_tvl_after",
        "pool_tvl_before",
        "position_value",
        "quote_taken_value",
        "range_lp_gas",
        "received",
        "reward_proceeds",
        "reward_value",
        "rug_quote_taken",
        "slippage",
        "sold",
        "spent",
        "staked_tvl",
        "start_value",
        "swap_fees_paid",
        "swap_impact",
        "trade_pnl",
        "tvl",
        "tvl_end",
        "value",
        "value_in",
        "value_out",
        "victim_loss",
        "victims_loss",
        "volume",
        "vs_rebalancing",
    }
)
"""Output keys (the last part of a dotted path) whose numbers are numeraire amounts."""


def is_value(key: str) -> bool:
    """Whether `key` (a summary key, a column, or a dotted path) names a numeraire amount."""
    leaf = key.rsplit(".", 1)[-1]
    return leaf in VALUE_KEYS or leaf in NUMERAIRE_INPUTS

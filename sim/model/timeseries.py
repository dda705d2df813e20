"""The columns of timeseries.csv: which reporter records what, in which order.

Global columns first, then per asset, per pool, per liquid-staking token and per lending
market, then liquidity mining. The order is the file's column order.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sim.model.observed import Observed
from sim.model.reporters import (
    HealthFactors,
    report_active_liquidity,
    report_arb_profit,
    report_bad_debt,
    report_base_fee,
    report_block,
    report_borrow_rate,
    report_days,
    report_exchange_rate,
    report_fees,
    report_hf,
    report_il_formula,
    report_liquidated_debt,
    report_liquidations,
    report_lp_fees,
    report_lst_discount,
    report_lst_market_rate,
    report_lvr,
    report_mev,
    report_pool_price,
    report_pool_ref_price,
    report_ref_price,
    report_reserve,
    report_reverts,
    report_share_hodl,
    report_share_value,
    report_tick,
    report_tvl,
    report_txs,
    report_utilization,
    report_volume,
)
from sim.model.reward_reporters import reward_reporters

Reporter = Callable[[Observed], Any]


def reporters(model: Observed) -> dict[str, Reporter]:
    """Named DataCollector reporters: global columns, then per asset and per pool."""
    market = model.market
    cols: dict[str, Reporter] = {
        "block": report_block,
        "time_days": report_days,
        "base_fee_gwei": report_base_fee,
        "txs": report_txs,
        "reverts": report_reverts,
        "arb_profit": report_arb_profit,
        "lp_fees": report_lp_fees,
        "mev": report_mev,
    }
    for asset in model.price_assets:
        cols[f"ref_price.{asset}"] = partial(report_ref_price, asset=asset)
    for name, pool in market.pools.items():
        cols[f"{name}.price"] = partial(report_pool_price, pool=name)
        cols[f"{name}.ref_price"] = partial(report_pool_ref_price, pool=name)
        for t in pool.tokens:
            cols[f"{name}.reserve.{t}"] = partial(report_reserve, pool=name, token=t)
        cols[f"{name}.tvl"] = partial(report_tvl, pool=name)
        cols[f"{name}.volume"] = partial(report_volume, pool=name)
        cols[f"{name}.fees"] = partial(report_fees, pool=name)
        cols[f"{name}.lvr"] = partial(report_lvr, pool=name)
        cols[f"{name}.lp_value_per_share"] = partial(report_share_value, pool=name)
        cols[f"{name}.hodl_value_per_share"] = partial(report_share_hodl, pool=name)
        if pool.kind == "constant_product":  # where IL(r) = 2*sqrt(r)/(1+r) - 1 holds
            cols[f"{name}.il_formula_pct"] = partial(report_il_formula, pool=name)
        if pool.kind == "concentrated":
            cols[f"{name}.tick"] = partial(report_tick, pool=name)
            cols[f"{name}.active_liquidity"] = partial(report_active_liquidity, pool=name)
    protocols = market.protocols
    for lst in protocols.staking:
        cols[f"staking.{lst}.exchange_rate"] = partial(report_exchange_rate, lst=lst)
        cols[f"staking.{lst}.market_rate"] = partial(report_lst_market_rate, lst=lst)
        cols[f"staking.{lst}.discount_pct"] = partial(report_lst_discount, lst=lst)
    health = HealthFactors()  # the quantile columns of a market share one sort per block
    for name, lm in protocols.lending.items():
        cols[f"lending.{name}.min_hf"] = partial(report_hf, market=name, q=0.0, hfs=health)
        cols[f"lending.{name}.p10_hf"] = partial(report_hf, market=name, q=0.1, hfs=health)
        cols[f"lending.{name}.median_hf"] = partial(report_hf, market=name, q=0.5, hfs=health)
        cols[f"lending.{name}.liquidations"] = partial(report_liquidations, market=name)
        cols[f"lending.{name}.liquidated_debt"] = partial(report_liquidated_debt, market=name)
        cols[f"lending.{name}.bad_debt"] = partial(report_bad_debt, market=name)
        for asset, params in lm.spec.assets.items():
            if params.borrowable:
                cols[f"lending.{name}.borrow_rate.{asset}"] = partial(
                    report_borrow_rate, market=name, asset=asset
                )
                cols[f"lending.{name}.utilization.{asset}"] = partial(
                    report_utilization, market=name, asset=asset
                )
    if protocols.chef is not None:  # issue 6: liquidity mining (only with [rewards])
        cols.update(reward_reporters(model))
    return cols

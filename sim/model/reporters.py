"""Time-series reporters: one named function of the model per column of timeseries.csv.

Chain, pools, liquid staking and lending; liquidity mining has its own module
(`sim.model.reward_reporters`) and `sim.model.timeseries` lists the columns. Each is a
plain function (or a `functools.partial` of one), so the collector stays picklable and
each can be tested.
"""

from __future__ import annotations

import math

from sim.errors import PoolError
from sim.market.market import Market
from sim.model.observed import Observed
from sim.pools.base import Pool

# ---- prices a report may ask for where there are none --------------------------------------


def spot_or_nan(pool: Pool) -> float:
    """The pool's price of its first token in its second; nan for an empty pool."""
    try:
        return pool.spot_price(pool.tokens[0], pool.tokens[1])
    except (PoolError, ZeroDivisionError, ArithmeticError):
        return math.nan  # an empty pool has no price: a blank cell in timeseries.csv


def price_or_nan(market: Market, token: str) -> float:
    """The reference (or pool-derived) price of `token`; nan when an emptied pool prices nothing."""
    try:
        return market.price(token)
    except Exception:  # an emptied pool has no price
        return math.nan


# ---- global columns ------------------------------------------------------------------------


def report_block(m: Observed) -> int:
    """Mesa's clock: one unit of `model.time` is one block (the chain's block number)."""
    return int(m.time)


def report_days(m: Observed) -> float:
    return round(m.time * m.block_time_s / 86_400, 6)


def report_base_fee(m: Observed) -> float:
    return round(m.market.chain.base_fee_gwei, 6)


def report_txs(m: Observed) -> int:
    return m.market.chain.tx_count


def report_reverts(m: Observed) -> int:
    return m.market.chain.revert_count


def report_arb_profit(m: Observed) -> float:
    return m.metrics.arb_profit


def report_lp_fees(m: Observed) -> float:
    return sum(p.lp_fees for p in m.metrics.pools.values())


def report_mev(m: Observed) -> float:
    return m.metrics.mev


def report_ref_price(m: Observed, asset: str) -> float:
    return m.market.price(asset)


# ---- per pool ------------------------------------------------------------------------------


def report_pool_price(m: Observed, pool: str) -> float:
    return spot_or_nan(m.market.pools[pool])


def report_pool_ref_price(m: Observed, pool: str) -> float:
    p = m.market.pools[pool]
    quote = m.market.price(p.tokens[1])
    return m.market.price(p.tokens[0]) / quote if quote else math.nan


def report_reserve(m: Observed, pool: str, token: str) -> float:
    return m.market.pools[pool].holdings()[token] / 10 ** m.market.decimals[token]


def report_tvl(m: Observed, pool: str) -> float:
    return m.market.wallet_value(m.market.pools[pool].holdings())


def report_volume(m: Observed, pool: str) -> float:
    return m.metrics.pools[pool].volume


def report_fees(m: Observed, pool: str) -> float:
    return m.metrics.pools[pool].fees


def report_lvr(m: Observed, pool: str) -> float:
    return m.metrics.pools[pool].lvr


def report_share_value(m: Observed, pool: str) -> float:
    return m.metrics.share_value(pool)


def report_share_hodl(m: Observed, pool: str) -> float:
    return m.metrics.share_hodl(pool)


def report_il_formula(m: Observed, pool: str) -> float:
    return m.metrics.il_formula(pool)


def report_tick(m: Observed, pool: str) -> int:
    """Current tick of a concentrated-liquidity pool."""
    return m.market.pools[pool].tick  # type: ignore[attr-defined]


def report_active_liquidity(m: Observed, pool: str) -> float:
    """Liquidity in range (the V3 pool's `liquidity`), as a float."""
    return float(m.market.pools[pool].liquidity)  # type: ignore[attr-defined]


# ---- liquid staking ------------------------------------------------------------------------


def report_exchange_rate(m: Observed, lst: str) -> float:
    """Underlying per LST unit at the staking protocol."""
    return m.market.protocols.staking[lst].exchange_rate()


def report_lst_market_rate(m: Observed, lst: str) -> float:
    """Underlying per LST unit in the market (the LST's pool price over the underlying's)."""
    und = m.market.price(m.market.protocols.staking[lst].spec.underlying)
    return m.market.price(lst) / und if und else math.nan


def report_lst_discount(m: Observed, lst: str) -> float:
    """1 - market rate / exchange rate, in % (the depeg)."""
    rate = report_exchange_rate(m, lst)
    return (1 - report_lst_market_rate(m, lst) / rate) * 100 if rate else math.nan


# ---- lending -------------------------------------------------------------------------------


class HealthFactors:
    """Sorted finite health factors of every account with debt, per market, computed once per
    block (the quantile columns of one market share them)."""

    def __init__(self) -> None:
        self._cache: tuple[tuple[str, int], list[float]] | None = None

    def of(self, m: Observed, market: str) -> list[float]:
        key = (market, m.market.block)
        cache = self._cache
        if cache is None or cache[0] != key:
            lm = m.market.protocols.lending[market]
            hfs = sorted(h for a in lm.accounts() if math.isfinite(h := lm.health_factor(a)))
            self._cache = cache = (key, hfs)
        return cache[1]


def report_hf(m: Observed, market: str, q: float, hfs: HealthFactors) -> float:
    """Quantile `q` of the health factors of accounts with debt (nan when nobody borrows)."""
    values = hfs.of(m, market)
    return values[min(len(values) - 1, int(q * len(values)))] if values else math.nan


def report_liquidations(m: Observed, market: str) -> int:
    return sum(1 for r in m.market.protocols.liquidations if r.market == market)


def report_liquidated_debt(m: Observed, market: str) -> float:
    """Debt repaid by liquidators so far, at today's prices."""
    return sum(
        m.market.value(r.debt_asset, r.repaid)
        for r in m.market.protocols.liquidations
        if r.market == market
    )


def report_bad_debt(m: Observed, market: str) -> float:
    """Debt value of insolvent accounts beyond their collateral value (numeraire)."""
    return m.market.protocols.lending[market].shortfall()


def report_borrow_rate(m: Observed, market: str, asset: str) -> float:
    return m.market.protocols.lending[market].borrow_rate(asset)


def report_utilization(m: Observed, market: str, asset: str) -> float:
    return m.market.protocols.lending[market].utilization(asset)

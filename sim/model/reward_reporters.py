"""Time-series reporters of liquidity mining (issue 6; only with [rewards]).

Reward token price, emissions, staked TVL, the headline APR a farm's page shows against
what miners realised, and how many miners are staked in each pool.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

from sim.model.agent_views import miners
from sim.model.observed import Observed
from sim.model.reporters import price_or_nan
from sim.protocols.lp_staking import emission_per_day


def reward_reporters(model: Observed) -> dict[str, Callable[[Observed], Any]]:
    """Time-series columns of liquidity mining: reward price, emissions, headline vs realised APR."""
    chef = model.market.protocols.chef
    if chef is None:
        return {}
    cols: dict[str, Callable[[Observed], Any]] = {
        f"rewards.{chef.token}.price": report_reward_price,
        "rewards.realised_apr_pct": report_realised_reward_apr,
    }
    for pool in chef.pools:
        cols[f"rewards.{pool}.emission_per_day"] = partial(report_emission, pool=pool)
        cols[f"rewards.{pool}.staked_tvl"] = partial(report_staked_tvl, pool=pool)
        cols[f"rewards.{pool}.headline_apr_pct"] = partial(report_headline_apr, pool=pool)
        cols[f"rewards.{pool}.miners"] = partial(report_miners, pool=pool)
    return cols


def report_reward_price(m: Observed) -> float:
    chef = m.market.protocols.chef
    return price_or_nan(m.market, chef.token) if chef is not None else math.nan


def report_emission(m: Observed, pool: str) -> float:
    return emission_per_day(m.market.protocols, pool, m.market.block)


def report_staked_tvl(m: Observed, pool: str) -> float:
    """Value of the LP shares staked in the chef's `pool` (numeraire)."""
    chef = m.market.protocols.chef
    p = m.market.pools[pool]
    supply = p.lp_supply()
    if chef is None or not supply:
        return 0.0
    try:
        tvl = m.market.wallet_value(p.holdings())
    except Exception:  # an emptied pool of an unpriced token
        return math.nan
    return tvl * chef.total_staked(pool) / supply


def report_headline_apr(m: Observed, pool: str) -> float:
    """What a farm's page shows: emission/day × reward price × 365 / staked TVL, in %."""
    chef = m.market.protocols.chef
    staked = report_staked_tvl(m, pool)
    if chef is None or not staked or not math.isfinite(staked):
        return math.nan
    return report_emission(m, pool) * report_reward_price(m) * 365 / staked * 100


def report_realised_reward_apr(m: Observed) -> float:
    """Miners' realised reward APR so far: (sale proceeds + unsold rewards now) / staked $·days, %."""
    value = days = 0.0
    for a in miners(m.market_agents):
        value += a.reward_value()
        days += a.staked_value_days
    return value / days * 365 * 100 if days else math.nan


def report_miners(m: Observed, pool: str) -> int:
    """Mining LPs with a stake in the chef's `pool`."""
    chef = m.market.protocols.chef
    if chef is None:
        return 0
    return sum(1 for a in miners(m.market_agents) if chef.staked(pool, a.name))

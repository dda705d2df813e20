"""APR views for agents and reports: reward APR, its effective value after selling, fee APR.

Floats in one numeraire; rates as fractions (0.2 = 20%), annualised over 365 days.
"""

from __future__ import annotations

import math

from sim.errors import ProtocolError

__all__ = ["effective_reward_apr", "fee_apr", "reward_apr"]


def _non_negative(**values: float) -> None:
    for name, value in values.items():
        if not value >= 0:
            raise ProtocolError(f"{name} must be >= 0, got {value}")


def reward_apr(per_day_tokens: float, reward_price: float, tvl: float) -> float:
    """Reward APR = tokens emitted per day × reward price / pool TVL × 365 (a fraction: 0.2 = 20%).

    `reward_price` and `tvl` in the same numeraire. An empty pool (tvl = 0) with
    emissions has an infinite APR.
    """
    _non_negative(per_day_tokens=per_day_tokens, reward_price=reward_price, tvl=tvl)
    yearly = per_day_tokens * reward_price * 365
    if tvl == 0:
        return math.inf if yearly > 0 else 0.0
    return yearly / tvl


def effective_reward_apr(apr: float, sell_pressure: float, price_drop: float) -> float:
    """Effective reward APR = apr × (1 − sell-pressure rate) × (1 − price-drop rate).

    `sell_pressure` and `price_drop` are fractions in [0, 1] (0.3 = 30%).
    """
    for name, rate in (("sell_pressure", sell_pressure), ("price_drop", price_drop)):
        if not 0 <= rate <= 1:
            raise ProtocolError(f"{name} must be a fraction in [0, 1], got {rate}")
    return apr * (1 - sell_pressure) * (1 - price_drop)


def fee_apr(volume: float, days: float, fee_rate: float, lp_share: float, tvl: float) -> float:
    """Fee APR = volume over `days` × fee rate × LP share of the fee / TVL × 365 / days.

    `fee_rate` as a fraction (0.003 = 30 bps); `lp_share` is the fraction of the fee left
    to LPs after the protocol's cut; `volume` and `tvl` in the same numeraire.
    """
    _non_negative(volume=volume, fee_rate=fee_rate, lp_share=lp_share, tvl=tvl)
    if not days > 0:
        raise ProtocolError(f"days must be > 0, got {days}")
    yearly = volume * fee_rate * lp_share * 365 / days
    if tvl == 0:
        return math.inf if yearly > 0 else 0.0
    return yearly / tvl

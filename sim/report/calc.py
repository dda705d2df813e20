"""Back-of-the-envelope LP formulas: impermanent loss (full range and ranged) and APRs.

Pure functions of floats (stdlib only), used by `ammsim calc` and notebooks. The
formulas are the ones in the domain notes; rates are fractions (0.003 = 0.3%)
unless a name ends in `_pct`.

Ranged (Uniswap V3) impermanent loss
------------------------------------
A position with liquidity L on the band [pa, pb] holds, at price p (token1 per token0)::

    x(p) = L * (1/sqrt(s) - 1/sqrt(pb))      token0
    y(p) = L * (sqrt(s) - sqrt(pa))          token1,   s = min(max(p, pa), pb)

so below the band it is all token0, above it all token1, and its value in token1 is
``V(p) = p*x(p) + y(p)``. Opened at p0 and compared with holding (x(p0), y(p0)),
``IL = V(p1) / (p1*x(p0) + y(p0)) - 1``. Everything scales with L and p0, so with
r = p1/p0, a = pa/p0 and b = pb/p0 (the band as ratios to the entry price)::

    V(r) = r * (1/sqrt(c) - 1/sqrt(b)) + sqrt(c) - sqrt(a),   c = min(max(r, a), b)
    H(r) = r * (1 - 1/sqrt(b)) + 1 - sqrt(a)

Inside the band this is ``(2*sqrt(r) - r/sqrt(b) - sqrt(a)) / (r*(1 - 1/sqrt(b)) + 1 - sqrt(a)) - 1``.
With a = 0 and b = inf it is ``2*sqrt(r)/(1+r) - 1``, the full-range formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

IL_TABLE_RATIOS: tuple[float, ...] = (1.25, 1.5, 1.75, 2.0, 3.0, 4.0, 5.0)
"""The price ratios of the classic impermanent-loss table."""


def impermanent_loss(r: float) -> float:
    """IL(r) = 2*sqrt(r)/(1+r) - 1 of a full-range constant-product position (a fraction, <= 0)."""
    _check_ratio(r)
    if math.isinf(r):
        return -1.0
    return 2 * math.sqrt(r) / (1 + r) - 1


def ranged_impermanent_loss(r: float, low: float, high: float) -> float:
    """IL of a concentrated position on [low*p0, high*p0] opened at p0, after the price moves to r*p0.

    `low` may be 0 and `high` may be infinite (full range). Returns a fraction (<= 0).
    """
    _check_ratio(r)
    _check_band(low, high)
    sa, inv_sb = math.sqrt(low), 1 / math.sqrt(high)
    c = min(max(r, low), high)
    value = r * (1 / math.sqrt(c) - inv_sb) + math.sqrt(c) - sa
    hodl = r * (1 - inv_sb) + 1 - sa
    return value / hodl - 1


def capital_efficiency(low: float, high: float) -> float:
    """How many times more liquidity per unit of capital a band gives than full range, at entry."""
    _check_band(low, high)
    return 2 / (2 - math.sqrt(low) - 1 / math.sqrt(high))


def il_table(ratios: tuple[float, ...] = IL_TABLE_RATIOS) -> list[tuple[float, float]]:
    """(r, IL(r)) for each ratio and its mirror 1/r, sorted by r."""
    rows = {r: impermanent_loss(r) for r in ratios}
    rows.update({1 / r: impermanent_loss(1 / r) for r in ratios})
    return sorted(rows.items())


@dataclass(frozen=True, slots=True)
class AprInputs:
    """What `lp_returns` needs; rates are fractions, money in the numeraire."""

    volume: float
    tvl: float
    fee: float
    days: float = 1.0
    lp_share: float = 1.0
    reward_per_day: float = 0.0
    reward_price: float = 0.0
    sell_pressure: float = 0.0
    price_drop: float = 0.0
    il_annual: float = 0.0
    gas_per_adjustment: float = 0.0
    adjustments_per_month: float = 0.0
    capital: float | None = None


@dataclass(frozen=True, slots=True)
class AprResult:
    """Annualised returns of an LP position (fractions), and where it breaks even."""

    fee_apr: float
    reward_apr: float
    effective_reward_apr: float
    il_annual: float
    gas_annual: float
    net_apr: float
    break_even: bool
    break_even_volume_per_day: float | None
    """Daily volume at which net APR is zero (None when fees are zero)."""


def fee_apr(
    volume: float, tvl: float, fee: float, days: float = 1.0, lp_share: float = 1.0
) -> float:
    """Fee APR = volume over `days` x fee rate x LP share of the fee / TVL x 365/days."""
    _positive("tvl", tvl)
    _positive("days", days)
    return volume * fee * lp_share / tvl * 365 / days


def reward_apr(reward_per_day: float, reward_price: float, tvl: float) -> float:
    """Reward APR = reward tokens emitted per day x reward price / TVL x 365."""
    _positive("tvl", tvl)
    return reward_per_day * reward_price / tvl * 365


def effective_reward_apr(apr: float, sell_pressure: float, price_drop: float) -> float:
    """Reward APR x (1 - expected sell-pressure rate) x (1 - expected price-drop rate)."""
    return apr * (1 - sell_pressure) * (1 - price_drop)


def gas_apr(gas_per_adjustment: float, adjustments_per_month: float, capital: float) -> float:
    """Gas cost as a fraction of capital per year: gas x adjustments per month x 12 / capital."""
    _positive("capital", capital)
    return gas_per_adjustment * adjustments_per_month * 12 / capital


def lp_returns(x: AprInputs) -> AprResult:
    """Fee APR + effective reward APR - annualised IL - annualised gas; break-even when >= 0.

    `il_annual` is the loss as a positive fraction (a negative value is read as its magnitude).
    """
    for name in ("volume", "fee", "lp_share", "reward_per_day", "reward_price"):
        _non_negative(name, getattr(x, name))
    for name in ("gas_per_adjustment", "adjustments_per_month"):
        _non_negative(name, getattr(x, name))
    for name in ("fee", "lp_share", "sell_pressure", "price_drop"):
        value = getattr(x, name)
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be a rate between 0 and 1, got {value:g}")
    fees = fee_apr(x.volume, x.tvl, x.fee, x.days, x.lp_share)
    rewards = reward_apr(x.reward_per_day, x.reward_price, x.tvl)
    effective = effective_reward_apr(rewards, x.sell_pressure, x.price_drop)
    gas = 0.0
    if x.gas_per_adjustment and x.adjustments_per_month:
        if x.capital is None:
            raise ValueError("capital is needed to annualise gas")
        gas = gas_apr(x.gas_per_adjustment, x.adjustments_per_month, x.capital)
    il = abs(x.il_annual)
    net = fees + effective - il - gas
    per_unit_volume = x.fee * x.lp_share / x.tvl * 365  # fee APR per unit of daily volume
    needed = il + gas - effective
    be_volume = max(needed, 0.0) / per_unit_volume if per_unit_volume else None
    return AprResult(fees, rewards, effective, il, gas, net, net >= 0, be_volume)


def _check_ratio(r: float) -> None:
    if not r > 0 or math.isnan(r):
        raise ValueError(f"the price ratio must be positive, got {r:g}")


def _check_band(low: float, high: float) -> None:
    if math.isnan(low) or math.isnan(high) or not 0 <= low < 1 < high:
        raise ValueError(
            f"the band must contain the entry price: 0 <= LOW < 1 < HIGH, got {low:g}:{high:g}"
        )


def _positive(name: str, value: float) -> None:
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be positive, got {value:g}")


def _non_negative(name: str, value: float) -> None:
    if not value >= 0 or math.isinf(value):
        raise ValueError(f"{name} must be >= 0, got {value:g}")

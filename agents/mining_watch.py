"""What a liquidity miner sees of its candidate farms: rolling windows of public samples, and
the APRs it estimates from them.

Every decision a miner samples, for each candidate pool, public state it can see: the pool's
cumulative volume (`World.pool_activity`), its TVL, the share of its LP supply staked in the
chef, the chef's emission rate, the reward token's price, and the pool's price ratio. From
rolling windows of those samples it estimates, per pool:

* fee APR = volume over the window × fee × LP share / TVL (with its own capital added) × 365/days;
* reward APR = emission per day × reward price × 365 / staked TVL (its capital added),
  made effective as `apr × (1 − expected sell pressure) × (1 − expected price drop)`, the drop
  extrapolated over its horizon from the reward price's recent trend;
* IL ≈ σ²/8 a year for constant product, σ the realised volatility of the pair's ratio;
* gas: entering, harvesting every `harvest_days`, and leaving, over its horizon, per capital.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from itertools import pairwise

from sim.errors import PoolError
from sim.market.prices import realised_vol
from sim.market.world import World
from sim.pools.base import Pool
from sim.protocols.launches import launch_of
from sim.protocols.lp_staking import emission_per_day
from sim.protocols.rewards import MasterChef, effective_reward_apr, fee_apr, reward_apr

APR_CAP = 100.0
"""Estimates are capped at 10,000% a year (an empty farm's APR is infinite)."""

TRIM = 0.2
"""Share of the largest per-step volumes dropped from the fee estimate (zaps, whales)."""


def trimmed_total(cumulative: list[float]) -> float:
    """Volume over the window from cumulative samples, the largest `TRIM` of steps replaced
    by the mean of the rest (a one-off burst, e.g. other miners' zaps, is not a fee stream)."""
    steps = sorted(b - a for a, b in pairwise(cumulative))
    if not steps:
        return 0.0
    keep = steps[: max(1, len(steps) - int(len(steps) * TRIM))]
    return sum(keep) / len(keep) * len(steps)


class PoolWindow:
    """Rolling observations of one pool: the last `size` samples of each series."""

    __slots__ = ("blocks", "ratio", "reward_price", "size", "token_price", "volume", "vt")

    def __init__(self, size: int) -> None:
        self.size = size
        self.blocks: deque[int] = deque(maxlen=size)
        self.volume: deque[float] = deque(maxlen=size)
        self.ratio: deque[float] = deque(maxlen=size)
        self.reward_price: deque[float] = deque(maxlen=size)
        self.token_price: deque[float] = deque(maxlen=size)
        self.vt: deque[float] = deque(maxlen=size)  # volume/TVL per day over each step

    def span_days(self, block_time_s: float) -> float:
        """Days from the first sample in the window to the last."""
        return (self.blocks[-1] - self.blocks[0]) * block_time_s / 86_400

    def median_vt(self) -> float:
        """Median volume/TVL per day over the window's steps (0 before two samples)."""
        return sorted(self.vt)[len(self.vt) // 2] if self.vt else 0.0


@dataclass(frozen=True, slots=True)
class AprEstimate:
    """APR components (fractions a year) of holding a pool from now, own capital in it."""

    fee: float
    reward: float
    """Headline reward APR."""
    effective_reward: float
    """Reward APR after expected sell pressure and price drop."""
    il: float
    gas: float
    net: float
    """fee + effective_reward - il - gas."""

    def as_dict(self) -> dict[str, float]:
        return {
            "fee": self.fee,
            "reward": self.reward,
            "effective_reward": self.effective_reward,
            "il": self.il,
            "gas": self.gas,
            "net": self.net,
        }


class FarmWatch:
    """One miner's windows on its candidate pools, and its APR estimates from them."""

    def __init__(
        self,
        world: World,
        candidates: list[Pool],
        *,
        window_blocks: int,
        decide_every: int,
        horizon_days: float,
        sell_pressure: float,
        harvest_blocks: int,
    ) -> None:
        self.world = world
        self.market = world.market
        self.candidates = candidates
        self.decide_every = decide_every
        self.horizon_days = horizon_days
        self.sell_pressure = sell_pressure
        self.harvest_blocks = harvest_blocks
        size = max(2, window_blocks // decide_every + 1)
        self.windows = {p.name: PoolWindow(size) for p in candidates}
        self.size = size
        """Samples each window holds."""

    def tvl(self, pool: Pool) -> float:
        return self.market.wallet_value(pool.holdings())

    def observe(self, chef: MasterChef) -> None:
        """Sample every candidate pool (those without a price now are skipped)."""
        market = self.market
        reward_price = market.price(chef.token)
        dt_days = self.decide_every * self.world.block_time_s / 86_400
        for pool in self.candidates:
            o = self.windows[pool.name]
            try:
                a, b = pool.tokens[0], pool.tokens[1]
                pa, pb = market.price(a), market.price(b)
            except PoolError:
                continue
            volume = self.world.pool_activity(pool.name).volume
            tvl = self.tvl(pool)
            if o.volume and tvl > 0:
                o.vt.append((volume - o.volume[-1]) / tvl / dt_days)
            o.blocks.append(market.block)
            o.volume.append(volume)
            o.ratio.append(pa / pb if pb > 0 else 0.0)
            o.reward_price.append(reward_price)
            launched = [t for t in pool.tokens if launch_of(market.protocols, t) is not None]
            o.token_price.append(market.price(launched[0]) if launched else 0.0)

    def estimate(self, pool: Pool, chef: MasterChef, mine: float, holding: bool) -> AprEstimate:
        """APRs of holding `pool` with capital worth `mine`, already in it when `holding`."""
        market = self.market
        o = self.windows[pool.name]
        block_time = self.world.block_time_s
        tvl = self.tvl(pool)
        tvl_after = tvl if holding else tvl + mine
        fee = 0.0
        if len(o.blocks) >= 2 and tvl_after > 0:
            days = o.span_days(block_time)
            if days > 0:
                share = self.world.pool_activity(pool.name).lp_fee_share
                volume = trimmed_total(list(o.volume))
                fee = fee_apr(volume, days, pool.fee_bps / 10_000, share, tvl_after)
        reward = eff = 0.0
        if pool.name in chef.pools:
            supply = pool.lp_supply()
            staked = chef.total_staked(pool.name) / supply * tvl if supply else 0.0
            if not holding:
                staked += mine
            per_day = emission_per_day(market.protocols, pool.name, market.block)
            price = market.price(chef.token)
            reward = min(reward_apr(per_day, price, staked), APR_CAP)
            drop = 0.0
            if len(o.reward_price) >= 2 and o.reward_price[0] > 0 and price > 0:
                days = o.span_days(block_time)
                if days > 0:
                    growth = math.log(price / o.reward_price[0]) / days
                    drop = -math.expm1(min(growth, 0.0) * self.horizon_days)
            eff = effective_reward_apr(reward, self.sell_pressure, min(max(drop, 0.0), 1.0))
        sigma = 0.0
        ratios = [r for r in o.ratio if r > 0]
        if len(ratios) >= 3:
            sigma = realised_vol(ratios, block_time * self.decide_every)
        il = min(sigma * sigma / 8, APR_CAP)
        gas = market.chain.gas
        harvests = self.horizon_days * 86_400 / block_time / self.harvest_blocks
        units = gas.swap * 2 + gas.add_liquidity + gas.stake + gas.remove_liquidity
        units += int(harvests * (gas.stake + gas.swap))
        gas_apr = market.gas_value(units) / max(mine, 1e-9) * 365 / self.horizon_days
        net = fee + eff - il - gas_apr
        return AprEstimate(fee, reward, eff, il, gas_apr, net)

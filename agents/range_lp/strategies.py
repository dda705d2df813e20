"""The band strategies of range LPs: where a cohort puts its band and when it moves it.

One small class per `strategy` of the scenario (`STRATEGIES`, chosen by `strategy_for`):

* `full_range`      the whole tick range, never moved (behaves like a V2 LP);
* `fixed_band`      +-`band_pct` % around the entry price, never moved;
* `vol_band`        [recent low * e^-w, recent high * e^w], w = `vol_alpha` * sigma * sqrt(T):
                    sigma is the realised volatility of the reference price over the last
                    `vol_lookback_blocks` (`sim.market.prices.realised_vol`), T the horizon
                    `vol_horizon_blocks`; re-sized whenever the price leaves the band
                    (and every `recentre_every` blocks if set);
* `narrow_recentre` +-`band_pct` % re-centred whenever the price leaves it, and every
                    `recentre_every` blocks if set;
* `event_recentre`  +-`band_pct` % re-centred only once the price has been outside for
                    `confirm_blocks` consecutive blocks (a confirmed breakout);
* `hedged`          an `event_recentre` position whose long token0 exposure is hedged with
                    a short perpetual future (`agents.range_lp.hedge`).

Bands are centred on the reference price (where arbitrage takes the pool; the pool's own
price when there is none) and widened if needed to contain the pool's current tick
(`sim.pools.uniswap_v3.bands.band_ticks`). A strategy reads the pool it is given: the live
pool, or a fork on which a swap is being sized.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import ClassVar

from agents.range_lp.spec import RangeLPSpec
from sim.market.prices import realised_vol
from sim.pools.uniswap_v3.bands import band_ticks, max_usable_tick
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.units import SECONDS_PER_YEAR

__all__ = ["STRATEGIES", "Strategy", "strategy_for"]


class Strategy:
    """A band of +-`band_pct` % around the price, never moved (subclasses say otherwise)."""

    name: ClassVar[str]
    hedged: ClassVar[bool] = False
    """Whether the position's token0 exposure is hedged with a short perpetual."""

    def __init__(self, spec: RangeLPSpec, block_time_s: float) -> None:
        self.spec = spec
        self.block_time_s = block_time_s

    def band(
        self, pool: ConcentratedPool, ref_price: Callable[[], float], history: Sequence[float]
    ) -> tuple[int, int]:
        """The band to deploy now on `pool`, as usable ticks (`ref_price`: token0 in token1)."""
        price = ref_price() or pool.spot_price(pool.tokens[0], pool.tokens[1])
        x = self.spec.band_pct / 100
        return band_ticks(pool, price * (1 - x), price * (1 + x))

    def should_rebalance(
        self, inside: bool, block: int, deployed_block: int, out_count: int
    ) -> bool:
        """Whether the band moves this block (`out_count`: consecutive blocks outside)."""
        return False

    def _periodic(self, block: int, deployed_block: int) -> bool:
        every = self.spec.recentre_every
        return every is not None and block - deployed_block >= every


class FullRange(Strategy):
    name = "full_range"

    def band(
        self, pool: ConcentratedPool, ref_price: Callable[[], float], history: Sequence[float]
    ) -> tuple[int, int]:
        top = max_usable_tick(pool.tick_spacing)
        return -top, top


class FixedBand(Strategy):
    name = "fixed_band"


class NarrowRecentre(Strategy):
    name = "narrow_recentre"

    def should_rebalance(
        self, inside: bool, block: int, deployed_block: int, out_count: int
    ) -> bool:
        return not inside or self._periodic(block, deployed_block)


class VolBand(NarrowRecentre):
    name = "vol_band"

    def band(
        self, pool: ConcentratedPool, ref_price: Callable[[], float], history: Sequence[float]
    ) -> tuple[int, int]:
        spec = self.spec
        price = ref_price() or pool.spot_price(pool.tokens[0], pool.tokens[1])
        hist = list(history)
        sigma = realised_vol(hist, self.block_time_s) if len(hist) >= 3 else spec.vol_prior
        horizon = spec.vol_horizon_blocks or spec.vol_lookback_blocks
        w = spec.vol_alpha * sigma * math.sqrt(horizon * self.block_time_s / SECONDS_PER_YEAR)
        low = min([*hist, price])
        high = max([*hist, price])
        return band_ticks(pool, low * math.exp(-w), high * math.exp(w))


class EventRecentre(Strategy):
    name = "event_recentre"

    def should_rebalance(
        self, inside: bool, block: int, deployed_block: int, out_count: int
    ) -> bool:
        return out_count >= self.spec.confirm_blocks


class Hedged(EventRecentre):
    name = "hedged"
    hedged = True


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in (FullRange, FixedBand, VolBand, NarrowRecentre, EventRecentre, Hedged)
}
"""Every strategy by its scenario name (the values of `RangeLPSpec.strategy`)."""


def strategy_for(spec: RangeLPSpec, block_time_s: float) -> Strategy:
    """The strategy a cohort's spec names."""
    return STRATEGIES[spec.strategy](spec, block_time_s)

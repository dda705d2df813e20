"""Why a liquidity miner leaves a farm whatever its APR estimate says: a news flag, the pool's
launched token crashing, an emission cut, a pegged pair off its peg, or volume drying up.

Each signal is judged on public state and on what the miner observed (`agents.mining_watch`).
"""

from __future__ import annotations

from typing import Protocol

from agents.mining_watch import PoolWindow
from sim.errors import PoolError
from sim.market.market import Market
from sim.pools.base import Pool
from sim.protocols.lp_staking import emission_per_day


class ExitRules(Protocol):
    """The thresholds a miner's spec sets for its exit signals."""

    @property
    def exit_news(self) -> list[str]: ...
    @property
    def crash_exit(self) -> float: ...
    @property
    def emission_cut_exit(self) -> float: ...
    @property
    def max_depeg(self) -> float: ...
    @property
    def volume_drop_exit(self) -> float: ...


class ExitSignals:
    """One miner's exit signals, with what it remembers of the farm it entered."""

    def __init__(self, market: Market, rules: ExitRules) -> None:
        self.market = market
        self.rules = rules
        self.last_emission = 0.0
        """Emission per day to the last pool checked, when it was checked."""
        self.entry_vt = 0.0
        """Median volume/TVL per day over the window when it entered (0 when out)."""

    def entered(self, pool: Pool, window: PoolWindow, block: int) -> None:
        """Remember the farm's emission and volume/TVL at entry."""
        self.last_emission = emission_per_day(self.market.protocols, pool.name, block)
        self.entry_vt = window.median_vt()

    def left(self) -> None:
        self.entry_vt = 0.0

    def check(self, pool: Pool, window: PoolWindow, holding: bool) -> str | None:
        """An exit signal on `pool` (which the miner holds when `holding`), if any."""
        market = self.market
        rules = self.rules
        for flag in rules.exit_news:
            if flag in market.news:
                return f"news {flag}"
        for t in pool.tokens:
            if f"rug:{t}" in market.news:
                return f"news rug:{t}"
        o = window
        top = max(o.token_price, default=0.0)
        if top > 0 and o.token_price[-1] < (1 - rules.crash_exit) * top:
            return "token price crash"
        per_day = emission_per_day(market.protocols, pool.name, market.block)
        if self.last_emission > 0 and per_day < (1 - rules.emission_cut_exit) * self.last_emission:
            self.last_emission = per_day
            return "emissions cut"
        self.last_emission = per_day
        if pool.kind == "stableswap":
            try:
                spot = pool.spot_price(pool.tokens[0], pool.tokens[1])
            except PoolError:
                spot = 1.0
            if abs(spot - 1) > rules.max_depeg:
                return "pegged pair off its peg"
        if holding and len(o.vt) >= 8 and self.entry_vt > 0:
            recent = sorted(list(o.vt)[-8:])[3]  # a median: one quiet step is no signal
            if recent < rules.volume_drop_exit * self.entry_vt:
                return "volume/TVL fell"
        return None

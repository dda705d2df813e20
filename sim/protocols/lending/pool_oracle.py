"""Lending oracles that read a pool: its spot price, or a TWAP from the pool's own oracle.

`lending.<m>.oracle = "pool_spot"` prices an asset at its pool's reserve ratio now, which one
large swap moves; `"pool_twap"` averages the pool's price over `twap_window_s` seconds from
the pool's on-chain oracle, as a lending protocol reading a DEX would:

* a Uniswap V2 pair through `SlidingWindowOracle`, which mirrors Uniswap's
  `ExampleSlidingWindowOracle` (v2-periphery `contracts/examples`): a keeper calls `update`
  once per block, keeping a ring of `granularity` readings of the pair's cumulative prices, one
  per period of `window / granularity` seconds; `consult` averages from the first reading in
  the window to `currentCumulativePrices` now (UQ112x112, exact);
* a Uniswap V3 pool through its observations (`OracleLibrary.consult`, then `getQuoteAtTick`),
  the ring grown at setup to cover the window (`increaseObservationCardinalityNext`).

Either way a price pushed inside a transaction weighs nothing in that block: the pair adds
the price *before* the first change of a block, V3 writes the tick from before the swap. To
move a TWAP an attacker must hold the price for a share of the window, against arbitrageurs.
The keepers take their first readings once genesis liquidity is in (the model calls `update`
then); until a whole window has passed, the average runs from the oldest reading there is (a
new deployment would revert instead; nothing here starts with a manipulated pool), and before
the first reading, at genesis, the feed reads the spot price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sim.errors import ProtocolError
from sim.pools.base import Pool
from sim.pools.uniswap_v2.oracle import average_price, consult, fraction
from sim.protocols.lending.spec import LendingSpec

__all__ = ["POOL_ORACLES", "PoolPriceOracle", "SlidingWindowOracle", "build", "granularity_for"]

POOL_ORACLES = ("pool_spot", "pool_twap")
"""The `lending.<m>.oracle` values this module serves."""
TWAP_KINDS = ("constant_product", "concentrated")
"""Pool kinds that keep an on-chain price oracle."""

PriceFn = Callable[[str], float]
MAX_GRANULARITY = 24
"""Readings kept per window at most (the example's daily window in hourly periods)."""


def granularity_for(window_s: int, block_time_s: int) -> int:
    """The most periods (at most 24, at least 2) that divide the window evenly and last at least
    one block (`WINDOW_NOT_EVENLY_DIVISIBLE` otherwise)."""
    for g in range(min(MAX_GRANULARITY, window_s // max(1, block_time_s)), 1, -1):
        if window_s % g == 0:
            return g
    if window_s % 2:
        raise ProtocolError(f"SlidingWindowOracle: WINDOW_NOT_EVENLY_DIVISIBLE ({window_s} s)")
    return 2


@dataclass(slots=True)
class Reading:
    """`ExampleSlidingWindowOracle.Observation`: a timestamp and both cumulative prices."""

    timestamp: int = 0
    price0_cumulative: int = 0
    price1_cumulative: int = 0
    price0_x112: int = 0
    """The reserves' ratio when read (not in the example): the answer while no time has passed."""
    price1_x112: int = 0


class SlidingWindowOracle:
    """Mirrors `ExampleSlidingWindowOracle` for one pair (the keeper's contract)."""

    def __init__(self, window_s: int, granularity: int) -> None:
        if granularity <= 1:
            raise ProtocolError("SlidingWindowOracle: GRANULARITY")
        self.period_s = window_s // granularity
        if self.period_s * granularity != window_s:
            raise ProtocolError("SlidingWindowOracle: WINDOW_NOT_EVENLY_DIVISIBLE")
        self.window_s = window_s
        self.granularity = granularity
        self.readings = [Reading() for _ in range(granularity)]

    def observation_index_of(self, timestamp: int) -> int:
        """`observationIndexOf`: the slot of the period `timestamp` falls in."""
        return timestamp // self.period_s % self.granularity

    def update(self, pair: Pool, timestamp: int) -> None:
        """`update`: record the pair's cumulative prices unless this period's slot is fresh."""
        slot = self.readings[self.observation_index_of(timestamp)]
        if timestamp - slot.timestamp > self.period_s:
            p0, p1, _ = _current(pair, timestamp)
            slot.timestamp, slot.price0_cumulative, slot.price1_cumulative = timestamp, p0, p1
            r0, r1 = pair.get_reserves()  # type: ignore[attr-defined]
            if r0 and r1:
                slot.price0_x112, slot.price1_x112 = fraction(r1, r0), fraction(r0, r1)

    def first_in_window(self, timestamp: int) -> Reading:
        """`getFirstObservationInWindow`, or the oldest reading while the window fills."""
        first = self.readings[(self.observation_index_of(timestamp) + 1) % self.granularity]
        if first.timestamp and timestamp - first.timestamp <= self.window_s:
            return first
        taken = [r for r in self.readings if r.timestamp and r.timestamp <= timestamp]
        if not taken:
            raise ProtocolError("SlidingWindowOracle: MISSING_HISTORICAL_OBSERVATION")
        return min(taken, key=lambda r: r.timestamp)

    @property
    def started(self) -> bool:
        """Whether the keeper has taken a reading yet."""
        return any(r.timestamp for r in self.readings)

    def consult(self, pair: Pool, token_in: str, amount_in: int, timestamp: int) -> int:
        """`consult`: `amount_in` of `token_in` in the other token at the window's average
        (`computeAmountOut`); at the reserves' ratio when no time has passed (genesis)."""
        first = self.first_in_window(timestamp)
        p0, p1, _ = _current(pair, timestamp)
        is0 = pair.tokens[0] == token_in
        elapsed = timestamp - first.timestamp
        if elapsed == 0:  # read in this very block: no average yet, the price then
            return consult(first.price0_x112 if is0 else first.price1_x112, amount_in)
        start = first.price0_cumulative if is0 else first.price1_cumulative
        return consult(average_price(start, p0 if is0 else p1, elapsed), amount_in)


def _current(pair: Pool, timestamp: int) -> tuple[int, int, int]:
    """`UniswapV2OracleLibrary.currentCumulativePrices(pair)` at `timestamp`."""
    r0, r1 = pair.get_reserves()  # type: ignore[attr-defined]
    return pair.oracle.current(r0, r1, timestamp)  # type: ignore[attr-defined]


class PoolPriceOracle:
    """A lending market's price feed read from pools (`pool_spot` or `pool_twap`).

    An asset traded by the oracle's pool is priced there in the pool's other token, valued at
    `fallback` (the market's reference price); any other asset at `fallback`. `read` prices
    against other pool objects (a fork after a trade): what the feed would say then.
    """

    def __init__(
        self,
        kind: str,
        pools: Mapping[str, Pool],
        by_asset: Mapping[str, str],
        fallback: PriceFn,
        *,
        window_s: int = 0,
        block_time_s: int = 12,
    ) -> None:
        self.kind = kind
        self.pools = pools
        self.by_asset = dict(by_asset)
        self.fallback = fallback
        self.window_s = window_s
        self.windows: dict[str, SlidingWindowOracle] = {}
        self._grown: set[str] = set()
        if kind == "pool_twap":
            for name in set(self.by_asset.values()):
                if pools[name].kind == "constant_product":
                    g = granularity_for(window_s, block_time_s)
                    self.windows[name] = SlidingWindowOracle(window_s, g)
        self.cardinality = window_s // max(1, block_time_s) + 2
        """Observations a V3 pool keeps to cover the window (one per block at most)."""

    def __call__(self, asset: str) -> float:
        return self.read(asset, self.pools)

    def read(self, asset: str, pools: Mapping[str, Pool]) -> float:
        """The feed's price of one whole `asset` with `pools` in place of the live ones."""
        name = self.by_asset.get(asset)
        if name is None:
            return self.fallback(asset)
        pool = pools[name]
        quote = next(t for t in pool.tokens if t != asset)
        if self.kind == "pool_spot":
            return pool.spot_price(asset, quote) * self.fallback(quote)
        now = pool.block_timestamp  # type: ignore[attr-defined]
        window = self.windows.get(name)
        if window is not None and not window.started:  # before the keeper's first reading
            return pool.spot_price(asset, quote) * self.fallback(quote)
        if window is not None:
            one = 10 ** pool.decimals[pool.tokens.index(asset)]  # type: ignore[attr-defined]
            out = window.consult(pool, asset, one, now)
            dq = pool.decimals[pool.tokens.index(quote)]  # type: ignore[attr-defined]
            return out / 10**dq * self.fallback(quote)
        return self._v3_twap(pool, asset, quote, now) * self.fallback(quote)

    def _v3_twap(self, pool: Pool, asset: str, quote: str, now: int) -> float:
        """`OracleLibrary.consult` over the window, or over what the pool has kept so far."""
        self._grow(pool)
        obs = pool.observations  # type: ignore[attr-defined]
        card = pool.observation_cardinality  # type: ignore[attr-defined]
        oldest = obs[(pool.observation_index + 1) % card]  # type: ignore[attr-defined]
        if not oldest.initialized:
            oldest = obs[0]
        window = min(self.window_s, now - oldest.block_timestamp)
        if window <= 0:
            return pool.spot_price(asset, quote)
        return pool.twap_price(asset, quote, window)  # type: ignore[attr-defined]

    def _grow(self, pool: Pool) -> None:
        """`increaseObservationCardinalityNext` once, to cover the window."""
        if pool.name not in self._grown:
            pool.increase_observation_cardinality_next(self.cardinality)  # type: ignore[attr-defined]
            self._grown.add(pool.name)

    def update(self) -> None:
        """The keeper's call each block: every V2 sliding window takes its reading; V3 pools
        grow their observation ring (once)."""
        for name, window in self.windows.items():
            pool = self.pools[name]
            window.update(pool, pool.block_timestamp)  # type: ignore[attr-defined]
        if self.kind == "pool_twap":
            for name in set(self.by_asset.values()) - set(self.windows):
                self._grow(self.pools[name])


def build(
    spec: LendingSpec,
    pools: Mapping[str, Pool],
    fallback: PriceFn,
    numeraire: str,
    block_time_s: int,
) -> PoolPriceOracle:
    """The feed of a market whose `oracle` is one of `POOL_ORACLES`: each asset other than the
    numeraire is read from `oracle_pool` if that pool trades it (else from the reference), or,
    without an `oracle_pool`, from the first pool that trades it."""
    named = spec.oracle_pool
    if named is not None and named not in pools:
        raise ProtocolError(f"oracle_pool {named!r} is not a pool ({', '.join(pools)})")
    by_asset: dict[str, str] = {}
    for asset in spec.assets:
        if asset == numeraire:
            continue
        for name, pool in pools.items():
            if (named is None or name == named) and asset in pool.tokens and len(pool.tokens) == 2:
                if spec.oracle == "pool_twap" and pool.kind not in TWAP_KINDS:
                    if named is None:
                        continue
                    raise ProtocolError(
                        f"pool {name!r} ({pool.kind}) keeps no price oracle for pool_twap "
                        f"(pool kinds with one: {', '.join(TWAP_KINDS)})"
                    )
                by_asset[asset] = name
                break
    return PoolPriceOracle(
        spec.oracle,
        pools,
        by_asset,
        fallback,
        window_s=spec.twap_window_s,
        block_time_s=block_time_s,
    )

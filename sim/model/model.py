"""The Mesa model: one step is one block.

`MarketModel` wires a `Scenario` into a `Market` (ledger, pools, chain,
reference prices), creates the agent cohorts, and steps blocks in plain sight:

1. the chain opens a new block (base fee moves) and reference prices move;
2. scheduled events fire;
3. traders, providers and arbitrageurs submit transactions (random activation order);
4. searchers read the mempool and submit bundles;
5. the builder orders and executes the block;
6. staking yield, lending interest and reward emissions accrue;
7. time series are recorded every `output.record_every` blocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from agents.base import MarketAgent
from agents.registry import build_cohort
from sim.chain.chain import Chain
from sim.chain.ledger import Ledger
from sim.errors import ConservationError, PoolError, ProtocolError, ScenarioError
from sim.market.market import Market
from sim.market.pool_specs import build_pool
from sim.market.position_books import BandPosition
from sim.market.prices import ReferencePrices
from sim.model.books import Books
from sim.model.event_log import EventLog
from sim.model.events import fire
from sim.model.invariants import watch
from sim.model.position_books import RangeLPBooks
from sim.model.timeseries import reporters
from sim.model.totals import PoolStats
from sim.model.value_books import ValueBooks
from sim.protocols.hub import Protocols
from sim.protocols.perp import PerpPosition
from sim.scenario.schema import Scenario


@contextmanager
def _setting_up(where: str) -> Iterator[None]:
    """Turn a revert while building the initial market into a scenario error naming `where`.

    A cohort whose capital cannot seed its pool (zero, dust, or beyond a pool's uint112
    reserves) is a problem with the scenario, not a bug.
    """
    try:
        yield
    except (PoolError, ProtocolError, OverflowError) as err:
        raise ScenarioError(f"{where}: cannot set up the initial market: {err}") from None


def seed_sequence(seed: int, replicate: int | None) -> np.random.SeedSequence:
    """The seed of a run: `seed` itself, or replicate k of it (`SeedSequence(seed).spawn(k+1)[k]`)."""
    if replicate is None:
        return np.random.SeedSequence(seed)
    return np.random.SeedSequence(seed, spawn_key=(replicate,))


class MarketModel(mesa.Model):
    """An AMM market as a Mesa model."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        events_path: Path | None = None,
        check_every_block: bool = False,
    ) -> None:
        meta = scenario.scenario
        super().__init__(rng=np.random.default_rng(seed_sequence(meta.seed, meta.replicate)))
        self.spec = scenario
        self._where = str(scenario.source) if scenario.source else "<scenario>"
        self.block_time_s = meta.block_time_s
        self.check_every_block = check_every_block
        decimals = {t: spec.decimals for t, spec in scenario.tokens.items()}
        ledger = Ledger(decimals)
        self.prices = ReferencePrices(
            dict(scenario.prices),
            block_time_s=meta.block_time_s,
            rng=self.rng,
            base_dir=scenario.base_dir,
            allowed=scenario.input_roots.allowed,
        )
        self.price_assets = list(scenario.prices)
        chain = Chain(scenario.chain, ledger, self.rng, meta.block_time_s)
        pools = {}
        for name, spec in scenario.pools.items():
            a, b = spec.tokens[0], spec.tokens[1]
            ref = self.prices.prices
            pa = 1.0 if a == meta.numeraire else ref.get(a)
            pb = 1.0 if b == meta.numeraire else ref.get(b)
            initial = pa / pb if pa and pb else None
            with _setting_up(f"pools.{name}"):
                pools[name] = build_pool(name, spec, decimals, initial)
        protocols = Protocols(ledger)
        self.market = Market(
            numeraire=meta.numeraire,
            decimals=decimals,
            ledger=ledger,
            chain=chain,
            pools=pools,
            ref_prices=self.prices.prices,
            protocols=protocols,
        )
        self._price_unpriced_tokens()
        for name, st in scenario.staking.items():
            protocols.add_staking(name, st, meta.block_time_s)
        for name, lm in scenario.lending.items():
            protocols.add_lending(
                name, lm, decimals, self.market.price, meta.block_time_s, meta.numeraire
            )
        if scenario.rewards is not None:
            protocols.add_rewards(
                scenario.rewards, meta.block_time_s, decimals[scenario.rewards.token]
            )
        self.schedule: dict[int, list[tuple[str, Any]]] = {}
        for name, ev in scenario.events.items():
            self.schedule.setdefault(ev.block(meta.block_time_s), []).append((name, ev))
        for name, pool in pools.items():
            ledger.add_venue(f"pool:{name}", pool.holdings)
        self._timed_pools = [p for p in pools.values() if hasattr(p, "block_timestamp")]
        for pool in self._timed_pools:
            pool.block_timestamp = chain.timestamp  # type: ignore[attr-defined]

        self.lp_books: dict[str, RangeLPBooks] = {}
        """The books of every concentrated-liquidity position, by holder (`position_books`)."""
        self.market_agents: list[MarketAgent] = []
        for cohort, spec in scenario.agents.items():
            with _setting_up(f"agents.{cohort}"):
                built = build_cohort(self, cohort, spec)
            for agent in built:
                agent.active = spec.active
            self.market_agents.extend(built)
        self.actors = mesa.agent.AgentSet(
            [a for a in self.market_agents if not a.searcher], random=self.random
        )
        self.searchers = mesa.agent.AgentSet(
            [a for a in self.market_agents if a.searcher], random=self.random
        )

        self.events = EventLog(events_path, enabled=scenario.output.events != "none")
        self.metrics = Books(self.market, self.events)
        chain.on_receipt = self.metrics.on_receipt
        chain.on_bundle = self.metrics.on_bundle
        self._genesis()
        for feed in protocols.pool_oracles:
            feed.update()  # the keepers' first readings: the pools as genesis left them
        self.pool_watches = [watch(pool) for pool in pools.values()]
        self.metrics.start(a.name for a in self.market_agents)
        for agent in self.market_agents:
            agent.mark_start()
        self.value_books = ValueBooks(self.market, self.market_agents)
        self.value_books.start()
        self.record_every = scenario.output.record_every
        self.datacollector = mesa.DataCollector(model_reporters=reporters(self))
        self.datacollector.collect(self)

    def _price_unpriced_tokens(self) -> None:
        """Tokens without a price process are valued through a pool shared with a priced token."""
        market = self.market
        for token in market.decimals:
            if token == market.numeraire or token in market.ref_prices:
                continue
            for pool in market.pools.values():
                if token in pool.tokens:
                    others = [t for t in pool.tokens if t != token]
                    priced = [t for t in others if t == market.numeraire or t in market.ref_prices]
                    market.price_pools[token] = (pool, (priced or others)[0])
                    break

    def _genesis(self) -> None:
        """Liquidity that exists before the first block: providers entering at block 0."""
        for agent in self.market_agents:
            with _setting_up(f"agents.{agent.cohort}"):
                agent.enter_at_genesis()
        for token, (pool, _) in self.market.price_pools.items():
            try:
                self.market.price(token)
            except PoolError as err:  # nobody seeds the pool that prices it
                raise ScenarioError(
                    f"tokens.{token}: has no price process, and pool {pool.name!r} that would "
                    f"price it cannot at block 0 ({err}); add [prices.{token}] or liquidity "
                    "providers who enter at block 0"
                ) from None

    # ---- the World that agents see (sim.market.world) ------------------------------------

    def note(self, name: str, what: str) -> None:
        """Write a line that is not a transaction to the event log."""
        self.metrics.note(name, what)

    def pool_activity(self, pool: str) -> PoolStats:
        """The running totals of `pool` (its volume and the LPs' share of fees among them)."""
        return self.metrics.pools[pool]

    def regime(self, asset: str) -> str:
        """Current regime of a regime-switching reference price."""
        return self.prices.regime(asset)

    def gas_cost(self, holder: str) -> float:
        """Gas `holder` has paid so far, as the metrics booked it (what its books read)."""
        return self.metrics.agent(holder).gas_cost

    def position_books(
        self, position: BandPosition, *, cohort: str, strategy: str, perp: PerpPosition | None
    ) -> RangeLPBooks:
        """Open the books of a range LP's position (sim.market.position_books.BooksKeeper)."""
        books = self.lp_books[position.holder] = RangeLPBooks(
            self, position, cohort=cohort, strategy=strategy, perp=perp
        )
        return books

    def step(self) -> None:
        """One block; Mesa's `time` has already moved to this block's number."""
        market = self.market
        market.chain.new_block()
        now = market.chain.timestamp
        for pool in self._timed_pools:
            pool.block_timestamp = now  # type: ignore[attr-defined]
        self.prices.advance()
        block = market.chain.block
        for name, ev in self.schedule.get(block, ()):
            self.metrics.note(name, fire(name, ev, self, self._where))
        self.actors.shuffle_do(MarketAgent.step_if_active)
        if self.searchers:
            self.searchers.shuffle_do(MarketAgent.search_if_active)
        market.chain.build_block()
        market.protocols.on_block(block, market.price)
        if block % self.record_every == 0:
            self.datacollector.collect(self)
        if self.check_every_block:
            self.check()

    def check(self) -> None:
        """Conservation of every token and each pool's invariants (raises `ConservationError`)."""
        block = self.market.block
        self.market.ledger.check(block)
        try:
            self.market.protocols.check()  # each liquid-staking token backed by its protocol
        except ConservationError as err:
            raise ConservationError(f"block {block}: {err}") from None
        for pool_watch in self.pool_watches:
            pool_watch.check(block)
        self.value_books.check()

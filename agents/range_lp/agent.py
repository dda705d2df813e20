"""The range LP agent: holds one band in a concentrated pool and moves it as its strategy says.

Every move is one transaction (a `Call`, as a position-manager multicall): burn all the
liquidity, collect principal and fees, swap the inventory to the new band's token ratio
through the same pool when the imbalance exceeds `min_swap_pct` (sized on a fork of the
pool, `agents.range_lp.sizing`), mint the new band. A move that cannot get its swap filled
within `swap_slippage_bps` waits rather than deploy less than `min_deploy_pct`; a pool still
too thin after `max_wait_blocks` gets the part of the swap that fills. A move pays gas
`remove_liquidity + collect_gas_units + add_liquidity (+ swap)` from the agent's wallet, and
reverts as a whole (state restored) if any step fails.

The agent writes its position (`BandPosition`) and tells its books (`PositionBooks`, kept by
the model) what happened when it happens; it never reads them back but for its own value.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar

import mesa

from agents.base import MarketAgent
from agents.range_lp.hedge import Hedge
from agents.range_lp.sizing import SwapPlan, SwapSizer, fork, must_wait
from agents.range_lp.spec import RangeLPSpec
from agents.range_lp.strategies import STRATEGIES, strategy_for
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, Tx, swap_receipt
from sim.config import sample
from sim.errors import InvalidAmount, PoolError, ProtocolError, ScenarioError, SlippageExceeded
from sim.market.position_books import BandPosition, books_keeper, pair_value
from sim.market.world import world_of
from sim.pools.uniswap_v3.bands import token0_value_share
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.protocols.perp import perp_venue
from sim.units import SECONDS_PER_YEAR

__all__ = ["RangeLP", "build"]


class RangeLP(MarketAgent):
    kind: ClassVar[str] = "range_lp"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: RangeLPSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        pool = self.market.pools[spec.pool]
        if not isinstance(pool, ConcentratedPool):
            raise ScenarioError(
                f"agents.{cohort}.pool: a range_lp needs a concentrated pool, "
                f"{spec.pool!r} is {pool.kind}"
            )
        self.pool: ConcentratedPool = pool
        self.t0, self.t1 = pool.tokens
        self.block_time_s: float = self.world.block_time_s
        self.strategy = strategy_for(spec, self.block_time_s)
        native = self.market.chain.native
        self.gas_floor: dict[str, int] = {
            native: int(spec.gas_reserve * 10 ** self.market.decimals.get(native, 0))
        }
        self.position = BandPosition(pool, self.name)
        self.out_count = 0  # consecutive blocks outside the band
        self.waited = 0  # consecutive blocks the due move has waited so far
        self.history: deque[float] = deque(maxlen=spec.vol_lookback_blocks + 1)
        self.hedge: Hedge | None = None
        if self.strategy.hedged:
            market = self.market
            numeraire = market.numeraire
            venue = perp_venue(market.protocols, numeraire, market.decimals[numeraire])
            self.hedge = Hedge(venue, self.name, spec.perp)
        self.perp = self.hedge.account if self.hedge is not None else None
        self.books = books_keeper(model).position_books(
            self.position, cohort=cohort, strategy=spec.strategy, perp=self.perp
        )
        self.sizer = SwapSizer(self.market, spec, self.band_on)

    # ---- reading the market ------------------------------------------------------------

    def ref_price(self) -> float:
        """Reference price of token0 in token1 (whole tokens)."""
        p1 = self.market.price(self.t1)
        return self.market.price(self.t0) / p1 if p1 else 0.0

    def inventory(self) -> tuple[int, int]:
        """Wallet tokens available to the position (the gas reserve excluded)."""
        w = self.wallet
        return (
            max(0, w[self.t0] - self.gas_floor.get(self.t0, 0)),
            max(0, w[self.t1] - self.gas_floor.get(self.t1, 0)),
        )

    def band(self) -> tuple[int, int]:
        """The band this strategy would deploy now on the live pool, as usable ticks."""
        return self.band_on(self.pool)

    def band_on(self, pool: ConcentratedPool) -> tuple[int, int]:
        """The band this strategy would deploy now on `pool` (the live one or a fork)."""
        return self.strategy.band(pool, self.ref_price, self.history)

    def value(self) -> float:
        """Wallet + position (principal and uncollected fees) + perp equity, numeraire."""
        return self.books.value()

    def exposure0(self) -> float:
        """Whole token0 the agent is long through its position and idle inventory."""
        a0, _ = self.position.amounts()
        i0, _ = self.inventory()
        return (a0 + i0) / 10 ** self.pool.decimals[0]

    # ---- acting -------------------------------------------------------------------------

    def act(self) -> None:
        market = self.market
        block = market.block
        pos = self.position
        self.books.on_block()
        self.history.append(self.ref_price())
        if self.hedge is not None:
            self.hedge.settle(market.price(self.t0), self.block_time_s / SECONDS_PER_YEAR)
        if pos.exited:
            return
        if not pos.entered:
            if block >= self.spec.enter_block:
                gas = market.chain.gas
                units = gas.add_liquidity + gas.swap + self._perp_gas()
                self._submit(self._enter, units, Intent.LP)
            return
        if self.spec.exit_block is not None and block >= self.spec.exit_block:
            gas = market.chain.gas
            units = gas.remove_liquidity + self.spec.collect_gas_units + self._perp_gas()
            self._submit(self._exit, units, Intent.LP)
            return
        pos.blocks_deployed += 1
        inside = pos.in_range()
        if inside:
            pos.blocks_in_range += 1
            self.out_count = 0
        else:
            self.out_count += 1
        if not self.strategy.should_rebalance(inside, block, pos.deployed_block, self.out_count):
            self.waited = 0
            if self.hedge is not None and self.hedge.due(
                block, self.exposure0, market.price(self.t0)
            ):
                self._submit(self._hedge_call, self.spec.perp.gas_units, Intent.HEDGE)
        else:
            plan = self.planned_swap()
            patient = self.waited < self.spec.max_wait_blocks
            self.waited += 1
            if must_wait(plan, patient, self.spec):
                # the pool cannot fill the swap into the new band within the tolerance now:
                # wait for the arbitrageurs (and the next blocks) rather than mint a
                # lopsided position
                pos.postponed += 1
                return
            swap = plan.amount > 0
            gas = market.chain.gas
            units = gas.remove_liquidity + self.spec.collect_gas_units + gas.add_liquidity
            units += (gas.swap if swap else 0) + self._perp_gas()
            self._submit(lambda c, s: self._rebalance(c, s, swap, patient), units, Intent.REBALANCE)

    def planned_swap(self) -> SwapPlan:
        """The rebalancing swap a move to the band wanted now would make: solved on a fork
        of the pool in which this agent's liquidity is already burned, as the move's
        transaction will find it."""
        pos = self.position
        pool = self.pool
        i0, i1 = self.inventory()
        if pos.liquidity:
            f0, f1 = pos.uncollected_fees()
            pool = fork(pool)
            p0, p1 = pool.burn(self.name, pos.tick_lower, pos.tick_upper, pos.liquidity)
            i0, i1 = i0 + p0 + f0, i1 + p1 + f1
        return self.sizer.fit_swap(pool, i0, i1)

    def _submit(self, fn: Callable[[Chain, str], Receipt], gas_units: int, label: str) -> None:
        """Submit `fn`; it replaces this agent's same-kind transaction if one is still pending
        (a full block left it out), as resending with the same nonce would."""
        chain = self.market.chain
        chain.cancel(chain.pending_from(self.name, label))
        chain.submit(Tx(self.name, Call(fn, gas_units, (self.pool,)), 0.0, label))

    def _perp_gas(self) -> int:
        return self.spec.perp.gas_units if self.hedge is not None else 0

    # ---- transactions (run by the chain; raise PoolError to revert) ----------------------

    def enter_at_genesis(self) -> None:
        if self.spec.enter_block == 0:
            self.enter_now()

    def enter_now(self) -> None:
        """Genesis: post the perp margin, mint the band (no swap: the pool may be empty), hedge."""
        self._post_margin()
        self._withdraw_and_deploy(allow_swap=False)
        self._hedge()
        self.position.entered = True
        self.position.entry_block = self.market.block

    def _enter(self, chain: Chain, sender: str) -> Receipt:
        def run() -> Receipt:
            self._post_margin()
            receipt = self._withdraw_and_deploy(allow_swap=True)
            self._hedge()
            return receipt

        receipt = self._atomic(run)
        self.position.entered = True
        self.position.entry_block = self.market.block
        return receipt

    def _rebalance(
        self, chain: Chain, sender: str, allow_swap: bool, patient: bool = False
    ) -> Receipt:
        def run() -> Receipt:
            receipt = self._withdraw_and_deploy(allow_swap=allow_swap, patient=patient)
            self._hedge()
            return receipt

        receipt = self._atomic(run)
        self.position.rebalances += 1
        return receipt

    def _exit(self, chain: Chain, sender: str) -> Receipt:
        paid = self._atomic(self._withdraw)
        if self.hedge is not None:
            self.hedge.close()
        self.position.exited = True
        detail = {"amount0": paid[0], "amount1": paid[1]}
        return Receipt(kind="remove_liquidity", pool=self.pool.name, detail=detail)

    def _hedge_call(self, chain: Chain, sender: str) -> Receipt:
        size = self._hedge()
        return Receipt(kind="perp", detail={"size": size})

    def _atomic(self, fn: Callable[[], Any]) -> Any:
        """Run `fn`; on a revert restore the pool, the wallets, the position and the books."""
        pool_state = self.pool.snapshot()
        wallet = dict(self.wallet)
        hedge = self.hedge.snapshot() if self.hedge is not None else None
        position = self.position.copy()
        books = self.books.snapshot()
        mine = (self.out_count, self.waited)
        try:
            return fn()
        except (PoolError, ProtocolError, ArithmeticError, ValueError) as err:
            self.pool.restore(pool_state)
            self.wallet.clear()
            self.wallet.update(wallet)
            if self.hedge is not None and hedge is not None:
                self.hedge.restore(hedge)
            self.position.restore(position)
            self.books.restore(books)
            self.out_count, self.waited = mine
            if isinstance(err, PoolError | ProtocolError):
                raise
            raise InvalidAmount(f"range_lp {self.name}: {err}") from err

    def _withdraw(self) -> tuple[int, int]:
        """Burn all liquidity and collect principal and fees into the wallet; returns what came out."""
        pos = self.position
        if not pos.liquidity:
            return 0, 0
        pool = self.pool
        tl, tu = pos.tick_lower, pos.tick_upper
        p0, p1 = pool.burn(self.name, tl, tu, pos.liquidity)
        c0, c1 = pool.collect(self.name, tl, tu, 2**128 - 1, 2**128 - 1)
        self.wallet[self.t0] += c0
        self.wallet[self.t1] += c1
        self.books.on_burn((p0, p1), (c0, c1))
        pos.liquidity = 0
        return c0, c1

    def _withdraw_and_deploy(self, allow_swap: bool, patient: bool = False) -> Receipt:
        """Withdraw, swap toward the new band's ratio if allowed and needed, mint the band.

        `patient`: revert (`SlippageExceeded`, the move is retried next block) rather than
        deploy less than `min_deploy_pct` of the inventory, e.g. when another LP's swap in
        the same block has just pushed the pool off the reference price.
        """
        pool = self.pool
        pos = self.position
        self._withdraw()
        tl, tu = self.band()
        receipt: Receipt | None = None
        if allow_swap:
            plan = self.sizer.fit_swap(pool, *self.inventory())
            if must_wait(plan, patient, self.spec):
                raise SlippageExceeded(
                    f"{self.name}: the pool fills only {plan.amount} of the {plan.wanted} "
                    f"swap within {self.spec.swap_slippage_bps} bps, the band would take "
                    f"{plan.share:.1%} of the inventory: wait"
                )
            if plan.amount > 0:
                receipt = self._swap(plan.side, plan.amount)
                pos.swaps_capped += plan.capped
                tl, tu = self.band()  # the swap moved the price: re-read the band's ticks
        a0, a1 = self.inventory()
        liquidity = pool.liquidity_for_amounts(tl, tu, a0, a1)
        liquidity -= liquidity // 10**9 + 1  # margin for the mint's rounding up
        if liquidity <= 0:
            raise InvalidAmount(f"{self.name} has too little inventory to mint [{tl}, {tu}]")
        m0, m1 = pool.mint(self.name, tl, tu, liquidity)
        self.wallet[self.t0] -= m0
        self.wallet[self.t1] -= m1
        if self.wallet[self.t0] < 0 or self.wallet[self.t1] < 0:
            raise InvalidAmount(f"{self.name} cannot pay the mint of {m0}, {m1}")
        pos.tick_lower, pos.tick_upper, pos.liquidity = tl, tu, liquidity
        minted = pair_value(self.market, pool.tokens, m0, m1)
        share = minted / (minted + pair_value(self.market, pool.tokens, *self.inventory()))
        pos.mint_share_sum += share
        pos.mint_share_min = min(pos.mint_share_min, share)
        self.books.on_mint((m0, m1))
        pos.entry_price = pool.spot_price(self.t0, self.t1)
        pos.deployed_block = self.market.block
        self.out_count = 0
        self.waited = 0
        detail = {"tick_lower": tl, "tick_upper": tu, "liquidity": liquidity}
        if receipt is None:
            return Receipt(kind="add_liquidity", pool=pool.name, detail=detail)
        receipt.detail.update(detail)
        return receipt

    def _swap(self, side: int, amount: int) -> Receipt:
        """Exact-input swap through the pool, at most `swap_slippage_bps` worse than the reference."""
        pool = self.pool
        t_in, t_out = self.sizer.sides(pool, side)
        min_out = self.sizer.min_out(pool, side, amount)
        before = pool.spot_price(t_in, t_out)
        swap = pool.swap_exact_in(t_in, t_out, amount, min_out)
        self.wallet[t_in] -= swap.amount_in
        self.wallet[t_out] += swap.amount_out
        self.position.swaps_done += 1
        self.books.on_swap(swap)
        return swap_receipt(pool, [swap], before)

    # ---- the hedge ----------------------------------------------------------------------

    def _post_margin(self) -> None:
        if self.hedge is not None:
            mark = self.market.price(self.t0)
            self.hedge.post_margin(self.position.capital, self.wallet, self.gas_floor, mark)

    def _hedge(self) -> float:
        """Re-size the short to the target (a perp order at the reference price)."""
        hedge = self.hedge
        if hedge is None or not hedge.active():
            return 0.0
        target = hedge.target(self.exposure0())
        return hedge.resize(target, self.market.price(self.t0), self.market.block)


def build(model: mesa.Model, cohort: str, spec: RangeLPSpec) -> list[RangeLP]:
    """Create the cohort and fund each agent in the token ratio of its first band.

    Funding in the band's ratio (at the pool's initial price) lets genesis providers mint
    without swapping into a pool that has no liquidity yet. A hedged cohort also funds the
    perp venue's counterparty (once per cohort, an explicit ledger mint).
    """
    capital = sample(spec.capital, model.rng, spec.count).clip(0, None)
    market = world_of(model).market
    hedged = STRATEGIES[spec.strategy].hedged
    if hedged and spec.perp.counterparty > 0:
        numeraire = market.numeraire
        venue = perp_venue(market.protocols, numeraire, market.decimals[numeraire])
        venue.fund(int(spec.perp.counterparty * 10 ** market.decimals[numeraire]))
    agents = []
    for i in range(spec.count):
        a = RangeLP(model, cohort=cohort, spec=spec)
        a.position.capital = float(capital[i])
        tl, tu = a.band()
        w0 = token0_value_share(a.pool.sqrt_price_x96, tl, tu)
        margin = spec.perp.margin_fraction if hedged else 0.0
        weights = {a.t0: w0 * (1 - margin), a.t1: (1 - w0) * (1 - margin)}
        weights[market.numeraire] = weights.get(market.numeraire, 0.0) + margin
        before = dict(a.wallet)
        a.fund(a.position.capital, weights, spec.gas_reserve)
        a.books.fund({t: a.wallet[t] - before.get(t, 0) for t in a.wallet})
        agents.append(a)
    return agents

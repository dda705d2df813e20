"""CEX-DEX arbitrage: trade each pool toward the reference price when the profit beats gas.

The optimal size comes from the pool's exact math (`arb_amount_in`: closed
form for constant product, a refined numerical solve for StableSwap, a price-
limited swap for concentrated liquidity). The arbitrageur bids a share of its
expected profit as priority fee, so several arbitrageurs compete for the
block's first slot; the loser's trade, sized on a stale state, reverts at its
`amount_out_min` and still pays the revert's gas. That minimum is the quote less
`slippage_bps`, and never below break-even (`MarketAgent.break_even_out`: the
input's value plus the gas and tip paid, at the block's reference prices), so no
executed arbitrage loses at reference prices, however thin the opportunity. A
trade left pending by a full block was sized on an old state and expires at once:
the arbitrageur withdraws it before trading again. Trades never spend the
native-token gas reserve.
"""

from __future__ import annotations

from itertools import combinations
from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, BidShare, MarketAgent
from sim.chain.intents import Intent
from sim.chain.transactions import SwapExactIn, Tx
from sim.config import Amount, sample
from sim.errors import PoolError
from sim.market.routing import Route, Router
from sim.market.world import world_of
from sim.pools.base import Pool


class ArbitrageurSpec(AgentSpec):
    """A cohort of arbitrageurs trading pools against the reference price."""

    kind: Literal["arbitrageur"]
    pools: list[str] | None = Field(None, description="pools watched (default: all pools)")
    capital: Amount = Field(
        1_000_000.0, description="inventory per agent, split evenly over the watched tokens"
    )
    min_profit: float = Field(
        0.0, ge=0, le=1e15, description="minimum expected profit after gas to trade, numeraire"
    )
    bid_share: BidShare = 0.5
    slippage_bps: float = Field(
        1.0,
        ge=0,
        le=10_000,
        description="tolerance below the quoted output (tight: stale => revert)",
    )
    cyclic: bool = Field(
        True, description="also trade cycles across pools (A->B->A) whose rates multiply above one"
    )


class Arbitrageur(MarketAgent):
    kind: ClassVar[str] = "arbitrageur"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: ArbitrageurSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        names = spec.pools if spec.pools is not None else list(self.market.pools)
        self.watched: list[Pool] = [self.market.pools[n] for n in names]
        self.tokens = sorted({t for p in self.watched for t in p.tokens})
        self.opportunities = 0
        self.cycles = candidate_cycles(self.watched) if spec.cyclic else []
        market = self.market
        native = market.chain.native
        self.native = native
        self.gas_keep = (
            int(spec.gas_reserve * market.scale[native]) if native in market.scale else 0
        )

    def spendable(self, token: str) -> int:
        """What a trade may use of `token`: the wallet, less the gas reserve if it is native."""
        have = self.wallet.get(token, 0)
        return max(0, have - self.gas_keep) if token == self.native else have

    def act(self) -> None:
        chain = self.market.chain
        if chain.backlog:  # a full block left some transactions pending: ours are stale
            chain.cancel(chain.pending_from(self.name))
        # out of gas money, it still sizes each opportunity: `tip_for` counts the ones it lets go
        for pool in self.watched:
            self.arbitrage(pool)
        for route in self.cycles:
            self.cycle(route)

    def cycle(self, route: Route) -> None:
        """Trade a cycle of pools when its fee-adjusted marginal rates multiply above one.

        Equivalently, a negative cycle in the graph weighted by -log(rate): the classic test.
        """
        rate = 1.0
        try:
            for pool, a, b in zip(route.pools, route.tokens, route.tokens[1:], strict=False):
                rate *= pool.spot_price(a, b) * (1 - pool.fee_bps / 10_000)
        except PoolError:
            return
        if rate <= 1.0:
            return
        start = route.tokens[0]
        budget = self.spendable(start)
        amount = best_cycle_input(route, budget)
        if amount <= 0:
            return
        market = self.market
        out = route.quote(amount)
        gas_units = market.chain.gas.swap + market.chain.gas.extra_hop * (len(route.pools) - 1)
        net = market.value(start, out - amount) - market.gas_value(gas_units)
        if net <= self.spec.min_profit:
            return
        tip = self.tip_for(gas_units, net * self.spec.bid_share)
        if tip is None:
            return
        least = self.min_out(start, amount, start, out, gas_units, tip)
        if least is None:
            return
        self.opportunities += 1
        action = SwapExactIn(
            path=route.pools,
            tokens=route.tokens,
            amount_in=amount,
            amount_out_min=least,
            deadline_block=market.block,
            gas_units=gas_units,
        )
        market.chain.submit(Tx(self.name, action, tip, Intent.ARBITRAGE))

    def best_trade(self, pool: Pool) -> tuple[str, str, int, int, float] | None:
        """(token_in, token_out, amount_in, amount_out, gross profit) of the best trade, if any."""
        market = self.market
        best = None
        keep = 1 - pool.fee_bps / 10_000
        for a, b in combinations(pool.tokens, 2):
            p_a, p_b = market.price(a), market.price(b)
            if p_a <= 0 or p_b <= 0:
                continue
            # marginal check first: selling a pays at best spot * (1 - fee) of b per a, and
            # selling b at best (1 - fee) / spot of a per b; at most one of the two can pay
            try:
                spot = pool.spot_price(a, b)
            except PoolError:
                return None  # an empty pool has no price to arbitrage
            if spot * keep * p_b > p_a:
                t_in, t_out, p_in, p_out = a, b, p_a, p_b
            elif keep * p_a > spot * p_b:
                t_in, t_out, p_in, p_out = b, a, p_b, p_a
            else:
                continue
            amount = pool.arb_amount_in(t_in, t_out, p_out / p_in)
            if amount <= 0:
                continue
            amount = min(amount, self.spendable(t_in))
            if amount <= 0:
                continue
            try:
                out = pool.quote_exact_in(t_in, t_out, amount)
            except PoolError:
                continue
            profit = market.value(t_out, out) - market.value(t_in, amount)
            if best is None or profit > best[4]:
                best = (t_in, t_out, amount, out, profit)
        return best

    def arbitrage(self, pool: Pool) -> None:
        trade = self.best_trade(pool)
        if trade is None:
            return
        t_in, t_out, amount, out, profit = trade
        market = self.market
        gas_units = market.chain.gas.swap
        net = profit - market.gas_value(gas_units)
        if net <= self.spec.min_profit:
            return
        tip = self.tip_for(gas_units, net * self.spec.bid_share)
        if tip is None:
            return
        least = self.min_out(t_in, amount, t_out, out, gas_units, tip)
        if least is None:
            return
        self.opportunities += 1
        action = SwapExactIn(
            path=(pool,),
            tokens=(t_in, t_out),
            amount_in=amount,
            amount_out_min=least,
            deadline_block=market.block,
            gas_units=gas_units,
        )
        market.chain.submit(Tx(self.name, action, tip, Intent.ARBITRAGE))

    def min_out(
        self, t_in: str, amount: int, t_out: str, out: int, gas_units: int, tip: float
    ) -> int | None:
        """`amount_out_min` of a trade quoted at `out`: the quote less the slippage tolerance,
        raised to break-even; None when even the quote does not break even (a bid of nearly
        all the profit, or rounding on a tiny trade)."""
        floor = self.break_even_out(t_in, amount, t_out, gas_units, tip)
        if floor > out:
            return None
        return max(floor, int(out * (1 - self.spec.slippage_bps / 10_000)))

    def report(self) -> dict[str, object]:
        return {"opportunities_taken": self.opportunities, **self.gas_money()}


def candidate_cycles(pools: list[Pool], max_len: int = 3) -> list[Route]:
    """Every cycle of 2 to `max_len` distinct pools through the token graph (both directions)."""
    if len(pools) < 2:
        return []
    router = Router(pools, max_hops=max_len)
    seen: set[tuple[str, ...]] = set()
    out = []
    for token in sorted(router.graph.nodes):
        for pool in pools:
            if token not in pool.tokens:
                continue
            for other in pool.tokens:
                if other == token:
                    continue
                for back in router.routes(other, token):
                    if pool in back.pools or len(back.pools) + 1 > max_len:
                        continue
                    route = Route((pool, *back.pools), (token, *back.tokens))
                    key = tuple(p.name for p in route.pools) + route.tokens[:1]
                    if key not in seen:
                        seen.add(key)
                        out.append(route)
    return out


def best_cycle_input(route: Route, budget: int) -> int:
    """Input maximising `route.quote(a) - a` (concave), by golden-section search on exact quotes."""

    def gain(a: int) -> int:
        if a <= 0:
            return 0
        try:
            return route.quote(a) - a
        except PoolError:
            return -(1 << 255)

    lo, hi = 0, max(1, budget)
    while hi - lo > 2:  # shrinks by a third each round: ~log1.5(budget) rounds
        m1 = lo + (hi - lo) // 3
        m2 = hi - (hi - lo) // 3
        if gain(m1) < gain(m2):
            lo = m1
        else:
            hi = m2
    best = max(range(lo, hi + 1), key=gain)
    return best if gain(best) > 0 else 0


def build(model: mesa.Model, cohort: str, spec: ArbitrageurSpec) -> list[Arbitrageur]:
    """Create the cohort and fund each agent across the tokens it arbitrages."""
    capital = sample(spec.capital, world_of(model).rng, spec.count).clip(0, None)
    agents = []
    for i in range(spec.count):
        a = Arbitrageur(model, cohort=cohort, spec=spec)
        a.fund(float(capital[i]), dict.fromkeys(a.tokens, 1.0), spec.gas_reserve)
        agents.append(a)
    return agents

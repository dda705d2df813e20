"""CEX-DEX arbitrage: trade each pool toward the reference price when the profit beats gas.

The optimal size comes from the pool's exact math (`arb_amount_in`: closed
form for constant product, a refined numerical solve for StableSwap, a price-
limited swap for concentrated liquidity). The arbitrageur bids a share of its
expected profit as priority fee, so several arbitrageurs compete for the
block's first slot; the loser's trade, sized on a stale state, reverts at its
tight `amount_out_min` and still pays gas.
"""

from __future__ import annotations

from itertools import permutations
from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, MarketAgent
from sim.chain import SwapExactIn, Tx
from sim.config import Dist, sample
from sim.errors import PoolError
from sim.pools.base import Pool


class ArbitrageurSpec(AgentSpec):
    """A cohort of arbitrageurs trading pools against the reference price."""

    kind: Literal["arbitrageur"]
    pools: list[str] | None = Field(None, description="pools watched (default: all pools)")
    capital_usd: Dist = Field(
        1_000_000.0, description="inventory per agent, split evenly over the watched tokens"
    )
    min_profit_usd: float = Field(
        0.0, ge=0, description="minimum expected profit after gas to trade, numeraire"
    )
    bid_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of expected profit (after base fee) bid as priority fee",
    )
    slippage_bps: float = Field(
        1.0,
        ge=0,
        le=10_000,
        description="tolerance below the quoted output (tight: stale => revert)",
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

    def act(self) -> None:
        for pool in self.watched:
            self.arbitrage(pool)

    def best_trade(self, pool: Pool) -> tuple[str, str, int, int, float] | None:
        """(token_in, token_out, amount_in, amount_out, gross profit) of the best trade, if any."""
        market = self.market
        best = None
        for t_in, t_out in permutations(pool.tokens, 2):
            p_in, p_out = market.price(t_in), market.price(t_out)
            if p_in <= 0 or p_out <= 0:
                continue
            amount = pool.arb_amount_in(t_in, t_out, p_out / p_in)
            if amount <= 0:
                continue
            amount = min(amount, self.wallet.get(t_in, 0))
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
        if net <= self.spec.min_profit_usd:
            return
        self.opportunities += 1
        tip = market.priority_fee_for(gas_units, net * self.spec.bid_share)
        action = SwapExactIn(
            path=(pool,),
            tokens=(t_in, t_out),
            amount_in=amount,
            amount_out_min=int(out * (1 - self.spec.slippage_bps / 10_000)),
            deadline_block=market.block,
            gas_units=gas_units,
        )
        market.chain.submit(Tx(self.name, action, tip, "arbitrage"))

    def report(self) -> dict[str, object]:
        return {"opportunities_taken": self.opportunities}


def build(model: mesa.Model, cohort: str, spec: ArbitrageurSpec) -> list[Arbitrageur]:
    """Create the cohort and fund each agent across the tokens it arbitrages."""
    capital = sample(spec.capital_usd, model.rng, spec.count).clip(0, None)
    agents = []
    for i in range(spec.count):
        a = Arbitrageur(model, cohort=cohort, spec=spec)
        a.fund(float(capital[i]), dict.fromkeys(a.tokens, 1.0), spec.gas_reserve)
        agents.append(a)
    return agents

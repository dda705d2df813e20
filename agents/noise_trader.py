"""Retail flow: random arrivals, heavy-tailed sizes, a slippage tolerance, best-route execution.

Noise traders are the fee payers. Each block an agent trades a Poisson number
of times; each trade picks a side, a size in the numeraire, and sets
`amount_out_min` from its slippage tolerance on the quoted route.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import mesa
import numpy as np
from pydantic import Field, model_validator

from agents.base import AgentSpec, Draws, MarketAgent, sampler
from sim.chain.intents import Intent
from sim.chain.transactions import SwapExactIn, Tx
from sim.config import Dist, sample
from sim.market.routing import Router
from sim.market.world import world_of


class NoiseTraderSpec(AgentSpec):
    """A cohort of retail traders."""

    kind: Literal["noise_trader"]
    pools: list[str] = Field(min_length=1, description="pools whose tokens these traders trade")
    pair: tuple[str, str] | None = Field(
        None, description="(base, quote) tokens traded; default: the first pool's two tokens"
    )
    trades_per_day: float | None = Field(
        None, ge=0, le=1e7, description="mean trades per agent per day (Poisson)"
    )
    trades_per_block: float | None = Field(
        None,
        ge=0,
        le=1000,
        description="mean trades per agent per block (overrides trades_per_day)",
    )
    arrivals: Literal["poisson", "fixed"] = Field(
        "poisson",
        description="poisson: random count per block; fixed: the rate's whole part every block "
        "plus one more with the fractional part's probability",
    )
    size: Dist = Field(
        500.0, description="trade size in numeraire units, drawn per trade (a number or a dist)"
    )
    buy_probability: float = Field(
        0.5, ge=0, le=1, description="probability that a trade buys the base token"
    )
    slippage_bps: Dist = Field(
        50.0, description="slippage tolerance per agent, basis points below the quoted output"
    )
    priority_fee_gwei: Dist = Field(0.0, description="priority fee bid per agent, gwei")
    capital: Dist = Field(
        100_000.0, description="starting inventory per agent, half base and half quote"
    )
    deadline_blocks: int = Field(20, ge=0, description="blocks a swap stays valid")
    max_price_impact_bps: float = Field(
        1500.0,
        gt=0,
        le=10_000,
        description="skip a trade whose quote is worth this much less than its input at "
        "reference prices, basis points (Uniswap's interface refuses above 15%)",
    )
    max_hops: int = Field(2, ge=1, le=4, description="longest route considered")

    @model_validator(mode="after")
    def _one_rate(self) -> NoiseTraderSpec:
        if self.trades_per_day is None and self.trades_per_block is None:
            raise ValueError("set trades_per_day or trades_per_block")
        return self


class NoiseTrader(MarketAgent):
    kind: ClassVar[str] = "noise_trader"

    def __init__(
        self,
        model: mesa.Model,
        *,
        cohort: str,
        spec: NoiseTraderSpec,
        slippage_bps: float,
        priority_fee_gwei: float,
        router: Router | None = None,
    ) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        pools = [self.market.pools[p] for p in spec.pools]
        base, quote = spec.pair or pools[0].tokens[:2]
        self.base, self.quote = base, quote
        # a cohort shares one router (routes depend only on the pools): one per agent costs
        # a graph each, gigabytes at 200,000 agents
        self.router = router if router is not None else Router(pools, max_hops=spec.max_hops)
        self.slippage = slippage_bps / 10_000
        self._keep = 1 - self.slippage  # amount_out_min = quote * (1 - slippage)
        self._min_value_kept = 1 - spec.max_price_impact_bps / 10_000
        self.priority_fee_gwei = priority_fee_gwei
        rate = spec.trades_per_block
        if rate is None:
            rate = (spec.trades_per_day or 0.0) * self.world.block_time_s / 86_400
        self._every_block = 0  # trades per block when the count is fixed (no draw needed)
        self._arrivals: Draws | None = None
        if spec.arrivals == "poisson":
            self._arrivals = Draws(self.world.rng, lambda rng, n: rng.poisson(rate, n))
        else:
            whole, frac = divmod(rate, 1.0)
            if frac:
                self._arrivals = Draws(
                    self.world.rng, lambda rng, n: whole + (rng.random(n) < frac)
                )
            else:
                self._every_block = int(whole)
        draw_sizes = sampler(spec.size)
        # (size, side draw) pairs, drawn together: one buffer pop per trade
        self._trades = Draws(
            self.world.rng, lambda rng, n: np.column_stack((draw_sizes(rng, n), rng.random(n)))
        )
        self._buy_probability = spec.buy_probability
        self.skipped = 0

    def act(self) -> None:
        count = self._every_block if self._arrivals is None else int(self._arrivals.next())
        trades, p_buy = self._trades, self._buy_probability
        for _ in range(count):
            size, side = trades.next()
            self.trade(size, side < p_buy)

    def trade(self, size: float, buy: bool) -> None:
        """Submit one swap of `size` numeraire, buying the base token when `buy`."""
        market = self.market
        t_in, t_out = (self.quote, self.base) if buy else (self.base, self.quote)
        wallet = self.wallet
        amount = market.units(t_in, size)
        if amount > wallet[t_in]:
            t_in, t_out = t_out, t_in  # out of this side: trade the other way
            amount = market.units(t_in, size)
            if amount > wallet[t_in]:
                self.skipped += 1
                return
        if amount <= 0:
            return
        router = self.router
        hop_cost = 0
        if router.multi_hop:  # extra hops cost gas: weigh it against the better price
            hop_cost = market.units(t_out, market.gas_value(market.chain.gas.extra_hop))
        found = router.best(t_in, t_out, amount, hop_cost)
        if found is None:
            self.skipped += 1
            return
        route, out = found
        if market.value(t_out, out) < size * self._min_value_kept:
            self.skipped += 1  # the pool is too thin for this size: the wallet would refuse
            return
        chain = market.chain
        gas = chain.gas
        hops = len(route.pools)
        action = SwapExactIn(
            route.pools,
            route.tokens,
            amount,
            int(out * self._keep),
            chain.block + self.spec.deadline_blocks,
            gas.swap if hops == 1 else gas.swap + gas.extra_hop * (hops - 1),
        )
        chain.submit(Tx(self.name, action, self.priority_fee_gwei, Intent.RETAIL))

    def report(self) -> dict[str, object]:
        return {"slippage_bps": self.slippage * 10_000, "skipped_trades": self.skipped}


def build(model: mesa.Model, cohort: str, spec: NoiseTraderSpec) -> list[NoiseTrader]:
    """Create the cohort, drawing per-agent settings and funding each agent."""
    rng = world_of(model).rng
    n = spec.count
    slippage = sample(spec.slippage_bps, rng, n).clip(0, 10_000)
    prio = sample(spec.priority_fee_gwei, rng, n).clip(0, None)
    capital = sample(spec.capital, rng, n).clip(0, None)
    agents: list[NoiseTrader] = []
    for i in range(n):
        a = NoiseTrader(
            model,
            cohort=cohort,
            spec=spec,
            slippage_bps=float(slippage[i]),
            priority_fee_gwei=float(prio[i]),
            router=agents[0].router if agents else None,
        )
        a.fund(float(capital[i]), {a.base: 0.5, a.quote: 0.5}, spec.gas_reserve)
        agents.append(a)
    return agents

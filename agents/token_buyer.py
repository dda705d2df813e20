"""Buyers of a newly launched token: naive ones chase it, cautious ones check it first.

Each block an active buyer considers a purchase with probability `buys_per_day` per day
(Poisson arrivals); a naive buyer's rate rises with the token's recent momentum (FOMO).
A cautious buyer first runs the checks a block explorer allows (`due_diligence`): is the
developer's liquidity locked for long enough, how much of the supply does the largest
wallet hold, does the contract keep a mint function. Holders sell everything at their
take-profit multiple, at their stop-loss, or when a `rug:<TOKEN>` news flag goes up.
"""

from __future__ import annotations

import math
from collections import deque
from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, Draws, MarketAgent, sampler
from sim.chain.intents import Intent
from sim.chain.transactions import SwapExactIn, Tx
from sim.config import Amount, Multiple, Share, sample
from sim.errors import PoolError
from sim.market.market import Market
from sim.market.world import world_of
from sim.pools.base import Pool
from sim.protocols.launches import holder_concentration, launch_of, locked_lp_share


class Caution(AgentSpec):
    """Due-diligence thresholds of cautious agents (shared by buyers and mining LPs)."""

    cautious_share: float = Field(
        0.0, ge=0, le=1, description="fraction of the cohort that checks a token before buying"
    )
    min_locked_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="cautious: least share of the pool's LP supply locked beyond their horizon",
    )
    max_holder_share: float = Field(
        0.2, ge=0, le=1, description="cautious: most of the supply the largest wallet may hold"
    )
    avoid_mint_authority: bool = Field(
        True, description="cautious: refuse tokens whose contract can still mint"
    )


def due_diligence(
    market: Market, pool: Pool, spec: Caution, horizon_blocks: int
) -> tuple[bool, str]:
    """(passes, reason) for tokens of `pool` launched in the run, from public data only.

    Tokens not launched in the run (ETH, USDC, an established farm token) pass.
    """
    protocols = market.protocols
    for token in pool.tokens:
        launch = launch_of(protocols, token)
        if launch is None:
            continue
        if spec.avoid_mint_authority and launch.mint_authority:
            return False, f"{token} keeps a mint function"
        top = holder_concentration(market.ledger, token)
        if top > spec.max_holder_share:
            return False, f"top holder has {top:.0%} of {token}"
        launch_pool = market.pools[launch.pool]
        locked = locked_lp_share(
            protocols, launch_pool, market.block, market.block + horizon_blocks
        )
        if locked < spec.min_locked_share:
            return False, f"only {locked:.0%} of {launch.pool} LP locked over the horizon"
    return True, "ok"


class TokenBuyerSpec(Caution):
    """A cohort of buyers of one launched token."""

    kind: Literal["token_buyer"]
    token: str = Field(description="the token they buy")
    pool: str = Field(description="pool they buy it in (TOKEN/QUOTE)")
    capital: Amount = Field(5_000.0, description="quote-token budget per buyer, numeraire")
    buys_per_day: float = Field(
        2.0, ge=0, le=1e12, description="mean purchase decisions per buyer per day"
    )
    size: Amount = Field(1_000.0, description="purchase size, numeraire, drawn per purchase")
    fomo: float = Field(
        2.0,
        ge=0,
        le=1_000,
        description="naive buyers' rate × (1 + fomo × price gain over the window)",
    )
    take_profit: Multiple = Field(
        3.0, description="sell everything at this multiple of entry price"
    )
    stop_loss: Share = Field(0.5, description="sell everything below this multiple of entry")
    horizon_days: float = Field(
        7.0, gt=0, le=36_500, description="holding horizon used by the lock check"
    )
    window_blocks: int = Field(
        300, ge=2, le=50_000_000, description="blocks of price history for momentum"
    )
    slippage_bps: float = Field(300.0, ge=0, le=10_000, description="slippage tolerance")


class TokenBuyer(MarketAgent):
    kind: ClassVar[str] = "token_buyer"

    def __init__(
        self,
        model: mesa.Model,
        *,
        cohort: str,
        spec: TokenBuyerSpec,
        cautious: bool,
        take_profit: float,
        stop_loss: float,
    ) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        self.pool = self.market.pools[spec.pool]
        self.token = spec.token
        self.quote = next(t for t in self.pool.tokens if t != spec.token)
        self.cautious = cautious
        self.take_profit = take_profit
        self.stop_loss = stop_loss
        self.rate = spec.buys_per_day * self.world.block_time_s / 86_400
        self._u = Draws(self.world.rng, lambda rng, n: rng.random(n))
        self._sizes = Draws(self.world.rng, sampler(spec.size))
        self.prices: deque[float] = deque(maxlen=max(2, spec.window_blocks // 10))
        self.cost_quote = 0  # quote units spent on the tokens held
        self.bought = 0
        self.spent = 0.0
        self.sold = 0.0
        self.rejected = ""
        self.exiting = False
        self.last_sell = 0

    def entry_price(self) -> float:
        held = self.wallet.get(self.token, 0)
        if not held:
            return 0.0
        return self.market.value(self.quote, self.cost_quote) / (
            held / self.market.scale[self.token]
        )

    def act(self) -> None:
        market = self.market
        try:
            price = market.price(self.token)
        except PoolError:
            return
        if market.block % 10 == 0:
            self.prices.append(price)
        held = self.wallet.get(self.token, 0)
        if self.exiting:
            if held and market.block - self.last_sell >= 5:  # retry a reverted exit
                self.last_sell = market.block
                self._swap(self.token, self.quote, held, "sell")
            return
        if f"rug:{self.token}" in market.news:
            if held:
                self.exiting, self.last_sell = True, market.block
                self._swap(self.token, self.quote, held, "sell")
            return
        if held:
            entry = self.entry_price()
            if entry and (price >= entry * self.take_profit or price <= entry * self.stop_loss):
                self.exiting, self.last_sell = True, market.block
                self._swap(self.token, self.quote, held, "sell")
                return
        rate = self.rate
        if not self.cautious and len(self.prices) > 1 and self.prices[0] > 0:
            rate *= 1 + self.spec.fomo * max(0.0, price / self.prices[0] - 1)
        if self._u.next() >= -math.expm1(-rate):
            return
        if self.cautious:
            horizon = int(self.spec.horizon_days * 86_400 / self.world.block_time_s)
            ok, why = due_diligence(market, self.pool, self.spec, horizon)
            if not ok:
                self.rejected = why
                return
        amount = min(
            market.units(self.quote, self._sizes.next()), self.wallet[self.quote] - self._reserve()
        )
        if amount > 0:
            self._swap(self.quote, self.token, amount, "buy")

    def _reserve(self) -> int:
        """Native units kept for gas when the quote token is the native one."""
        if self.quote != self.market.chain.native:
            return 0
        return int(self.spec.gas_reserve * self.market.scale[self.quote])

    def _swap(self, t_in: str, t_out: str, amount: int, label: str) -> None:
        try:
            out = self.pool.quote_exact_in(t_in, t_out, amount)
        except PoolError:
            return
        market = self.market
        if label == "buy":
            self.cost_quote += amount
            self.bought += 1
            self.spent += market.value(t_in, amount)
        else:
            self.sold += market.value(t_out, out)
        action = SwapExactIn(
            path=(self.pool,),
            tokens=(t_in, t_out),
            amount_in=amount,
            amount_out_min=int(out * (1 - self.spec.slippage_bps / 10_000)),
            deadline_block=market.block + 5,
            gas_units=market.chain.gas.swap,
        )
        intent = Intent.TOKEN_BUY if label == "buy" else Intent.TOKEN_SELL
        market.chain.submit(Tx(self.name, action, 0.0, intent))

    def report(self) -> dict[str, object]:
        return {
            "token": self.token,
            "cautious": self.cautious,
            "buys": self.bought,
            "token_held": self.wallet.get(self.token, 0) / self.market.scale[self.token],
            "rejected_because": self.rejected,
        }


def build(model: mesa.Model, cohort: str, spec: TokenBuyerSpec) -> list[TokenBuyer]:
    """Create the cohort: draw caution and exit levels per buyer, fund in the quote token."""
    rng = world_of(model).rng
    n = spec.count
    capital = sample(spec.capital, rng, n).clip(0, None)
    cautious = rng.random(n) < spec.cautious_share
    tp = sample(spec.take_profit, rng, n).clip(1.0, None)
    sl = sample(spec.stop_loss, rng, n).clip(0.0, 1.0)
    agents = []
    for i in range(n):
        a = TokenBuyer(
            model,
            cohort=cohort,
            spec=spec,
            cautious=bool(cautious[i]),
            take_profit=float(tp[i]),
            stop_loss=float(sl[i]),
        )
        a.fund(float(capital[i]), {a.quote: 1.0}, spec.gas_reserve)
        agents.append(a)
    return agents

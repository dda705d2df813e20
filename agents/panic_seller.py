"""LST holders who exit: calmly through the withdrawal queue, or in a panic through the pool.

Each agent holds an LST it staked at genesis (`capital`, staked at the
protocol so every unit is backed). The pool's liquidity is provided by another
kind, `lst_lp` (`agents.lst_lp`).

Every block an agent looks at the pool's **discount**: 1 - (LST price in the
pool) / (the protocol's exchange rate). It *panics* `panic_delay_blocks` after
the discount first reaches its own `panic_discount_bps`, or, if it is one of the `news_probability`
share who listen, `reaction_delay_blocks` after one of `news_flags` is
raised. A panicking agent sells chunks of `sell_size` into the pool
(exact quote, `slippage_bps` tolerance), `sells_per_day` times a day on
average, until its LST is gone or the discount passes its `max_discount_bps`
(beyond which it would rather wait for the queue).

Apart from panics, agents decide to exit at a calm hazard `exits_per_year`;
a calm exit uses the withdrawal queue when the discount is small (at most
`queue_discount_bps`: nothing to lose by waiting), and otherwise holds and
looks again next block (a discount is a warning sign, not an emergency).
Requests are claimed as soon as the queue releases them.

Dip buyers are the other side: with `buy_capital` set aside, an agent buys
the LST in the pool (same sizes and rate as panic sales) while the discount is
at least its `buy_discount_bps`, betting on the redemption value.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import ClassVar, Literal

import mesa
from pydantic import Field, model_validator

from agents.base import AgentSpec, Draws, MarketAgent, sampler
from agents.lst_pool import require_lst_pool
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, SwapExactIn, Tx
from sim.config import Amount, BlocksDist, GweiDist, sample
from sim.errors import PoolError
from sim.market.world import world_of
from sim.pools.base import Pool
from sim.protocols.staking import LiquidStaking

_SPOT: weakref.WeakKeyDictionary[Pool, tuple[int, float]] = weakref.WeakKeyDictionary()
"""(block, LST price) per pool, read once by the agents of a block (decision phase only)."""


class PanicSellerSpec(AgentSpec):
    """A cohort of LST holders (and dip buyers)."""

    kind: Literal["panic_seller"]
    lst: str = Field(description="liquid staking token held")
    pool: str | None = Field(None, description="LST/underlying pool (default: the first one)")
    capital: Amount = Field(100.0, description="capital per agent, numeraire units")
    news_flags: list[str] = Field(
        default_factory=list, description="news flags that can make an agent panic"
    )
    news_probability: float = Field(
        1.0, ge=0, le=1, description="share of agents who react to the news flags"
    )
    reaction_delay_blocks: BlocksDist = Field(
        0.0, description="blocks between a news flag and the agent's panic, drawn per agent"
    )
    panic_discount_bps: Amount = Field(
        1e9, description="pool discount that makes the agent panic, drawn per agent"
    )
    panic_delay_blocks: BlocksDist = Field(
        0.0,
        description="blocks between the discount first reaching the agent's panic threshold "
        "and its panic, drawn per agent",
    )
    max_discount_bps: Amount = Field(
        10_000.0, description="a panicking agent stops selling beyond this discount, per agent"
    )
    sell_size: Amount = Field(10.0, description="size of each panic sale, numeraire units")
    sells_per_day: float = Field(
        48.0, gt=0, le=1e12, description="mean panic sales per agent per day (Poisson)"
    )
    slippage_bps: float = Field(50.0, ge=0, le=10_000, description="slippage tolerance of a sale")
    priority_fee_gwei: GweiDist = Field(1.0, description="priority fee of a sale, gwei")
    exits_per_year: float = Field(
        0.0, ge=0, le=1e9, description="calm exit hazard per agent per year (exits via the queue)"
    )
    queue_discount_bps: float = Field(
        20.0, ge=0, le=10_000, description="a calm exit queues when the discount is at most this"
    )
    buy_capital: Amount = Field(
        0.0, description="underlying per agent set aside to buy the LST at a discount"
    )
    buy_discount_bps: Amount = Field(
        1e9, description="discount at which the agent buys the LST in the pool, drawn per agent"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_lp_share(cls, data: object) -> object:
        if isinstance(data, dict) and "lp_share" in data:
            raise ValueError(
                "lp_share is gone: the pool's liquidity providers are their own cohort, "
                'kind = "lst_lp" (with pool, lst and capital)'
            )
        return data


class PanicSeller(MarketAgent):
    kind: ClassVar[str] = "panic_seller"

    def __init__(
        self,
        model: mesa.Model,
        *,
        cohort: str,
        spec: PanicSellerSpec,
        listens: bool,
        reaction_delay: int,
        panic_discount_bps: float,
        max_discount_bps: float,
        panic_delay: int = 0,
        buy_discount_bps: float,
        priority_fee_gwei: float,
    ) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        self.staking: LiquidStaking = self.market.protocols.staking[spec.lst]
        self.lst = spec.lst
        self.underlying = self.staking.spec.underlying
        self.pool: Pool = require_lst_pool(self.market, self.lst, self.underlying, spec.pool)
        self.listens = listens
        self.reaction_delay = reaction_delay
        self.panic_discount_bps = panic_discount_bps
        self.panic_delay = panic_delay
        self.alarmed_at: int | None = None
        """Block at which the discount first reached its panic threshold."""
        self.max_discount_bps = max_discount_bps
        self.buy_discount_bps = buy_discount_bps
        self.buy_budget = 0
        """Underlying units still set aside for buying the dip."""
        self._dip_buys: list[tuple[Tx, int]] = []
        """This block's dip buys (and their input), settled at the next decision."""
        self.bought = 0
        self.priority_fee_gwei = priority_fee_gwei
        bps = self.world.block_time_s / 86_400
        self._sales = Draws(self.world.rng, lambda rng, k: rng.poisson(spec.sells_per_day * bps, k))
        self._sizes = Draws(self.world.rng, sampler(spec.sell_size))
        exit_p = -math.expm1(-spec.exits_per_year * bps / 365)
        self._exits = Draws(self.world.rng, lambda rng, k: (rng.random(k) < exit_p).astype(float))
        self.heard_at: int | None = None
        self.panicked_at: int | None = None
        self.exiting = False
        self.requests: list[int] = []
        self.start_lst = 0
        self.queued = 0
        self.claimed = 0

    # ---- views --------------------------------------------------------------------------------

    def discount_bps(self) -> float:
        """1 - pool price / exchange rate, in bps (negative at a premium)."""
        rate = self.staking.exchange_rate()
        # nothing trades while agents decide, so one read of the pool serves the whole cohort
        block = self.market.block
        cached = _SPOT.get(self.pool)
        if cached is None or cached[0] != block:
            cached = _SPOT[self.pool] = (block, self.pool.spot_price(self.lst, self.underlying))
        return (1.0 - cached[1] / rate) * 10_000 if rate else 0.0

    def pending_underlying(self) -> int:
        reqs = self.staking.requests
        return sum(reqs[r].amount for r in self.requests if not reqs[r].claimed)

    def value(self) -> float:
        """Wallet and queued withdrawals (at the underlying's price)."""
        return super().value() + self.market.value(self.underlying, self.pending_underlying())

    # ---- decisions ------------------------------------------------------------------------------

    def act(self) -> None:
        market = self.market
        block = market.block
        self._reconcile()
        self._claim_ready()
        held = self.wallet.get(self.lst, 0)
        if held <= 0 and self.buy_budget <= 0:
            return
        discount = self.discount_bps()
        if self.buy_budget > 0 and discount >= self.buy_discount_bps:
            for _ in range(int(self._sales.next())):
                self._buy(self._sizes.next())
        if held <= 0:
            return
        if self.panicked_at is None:
            listening = self.listens and self.heard_at is None
            if listening and any(f in market.news for f in self.spec.news_flags):
                self.heard_at = block
            heard = self.heard_at is not None and block - self.heard_at >= self.reaction_delay
            if self.alarmed_at is None and discount >= self.panic_discount_bps:
                self.alarmed_at = block
            alarmed = self.alarmed_at is not None and block - self.alarmed_at >= self.panic_delay
            if heard or alarmed:
                self.panicked_at = block
        if self.panicked_at is not None:
            if discount <= self.max_discount_bps:
                for _ in range(int(self._sales.next())):
                    self._sell(self._sizes.next())
            return
        if not self.exiting and self._exits.next():
            self.exiting = True
        if self.exiting and discount <= self.spec.queue_discount_bps:
            self._submit(self._queue, market.chain.gas.stake, Intent.UNSTAKE, 0.0)

    def _reconcile(self) -> None:
        """Decide afresh each block: withdraw what a full block left pending, and give the dip
        budget back for buys that did not go through (withdrawn, reverted or dropped)."""
        self.withdraw_pending()
        for tx, amount in self._dip_buys:
            if tx.status != "ok":
                self.buy_budget += amount
                self.bought -= amount
        self._dip_buys = []

    def _submit(
        self, fn: Callable[[Chain, str], Receipt], gas_units: int, label: str, tip: float
    ) -> None:
        self.market.chain.submit(Tx(self.name, Call(fn, gas_units), tip, label))

    def _sell(self, size: float) -> None:
        market = self.market
        amount = min(market.units(self.lst, size), self.wallet.get(self.lst, 0))
        if amount <= 0:
            return
        try:
            out = self.pool.quote_exact_in(self.lst, self.underlying, amount)
        except PoolError:  # an unquotable sale is simply skipped
            return
        action = SwapExactIn(
            path=(self.pool,),
            tokens=(self.lst, self.underlying),
            amount_in=amount,
            amount_out_min=int(out * (1 - self.spec.slippage_bps / 10_000)),
            deadline_block=market.block,
            gas_units=market.chain.gas.swap,
        )
        market.chain.submit(Tx(self.name, action, self.priority_fee_gwei, Intent.PANIC_SELL))

    def _buy(self, size: float) -> None:
        """Buy the LST at a discount with the dip budget (exact quote, slippage tolerance)."""
        market = self.market
        amount = min(market.units(self.underlying, size), self.buy_budget)
        if amount <= 0:
            return
        try:
            out = self.pool.quote_exact_in(self.underlying, self.lst, amount)
        except PoolError:
            return
        self.buy_budget -= amount
        self.bought += amount
        action = SwapExactIn(
            path=(self.pool,),
            tokens=(self.underlying, self.lst),
            amount_in=amount,
            amount_out_min=int(out * (1 - self.spec.slippage_bps / 10_000)),
            deadline_block=market.block,
            gas_units=market.chain.gas.swap,
        )
        tx = market.chain.submit(Tx(self.name, action, self.priority_fee_gwei, Intent.DIP_BUY))
        self._dip_buys.append((tx, amount))

    def _queue(self, chain: Chain, sender: str) -> Receipt:
        amount = self.wallet.get(self.lst, 0)
        rid = self.market.protocols.request_withdrawal(sender, self.lst, amount)
        self.requests.append(rid)
        self.queued += amount
        return Receipt(kind="request_withdrawal", detail={"lst": amount, "request": rid})

    def _claim_ready(self) -> None:
        for rid in self.requests:
            req = self.staking.requests[rid]
            if not req.claimed and self.staking.block >= req.ready_block:
                self._submit(self._claimer(rid), self.market.chain.gas.stake, Intent.CLAIM, 0.0)

    def _claimer(self, rid: int) -> Callable[[Chain, str], Receipt]:
        def claim_request(chain: Chain, sender: str) -> Receipt:
            paid = self.market.protocols.claim(sender, self.lst, rid)
            self.claimed += paid
            return Receipt(kind="claim", detail={"request": rid, "paid": paid})

        return claim_request

    def report(self) -> dict[str, object]:
        dec = 10 ** self.market.decimals[self.lst]
        return {
            "panicked_at_block": self.panicked_at,
            "lst_sold": (self.start_lst - self.wallet.get(self.lst, 0) - self.queued) / dec,
            "lst_queued": self.queued / dec,
            "underlying_claimed": self.claimed / dec,
            "lst_held": self.wallet.get(self.lst, 0) / dec,
            "dip_spent": self.bought / 10 ** self.market.decimals[self.underlying],
        }


def build(model: mesa.Model, cohort: str, spec: PanicSellerSpec) -> list[PanicSeller]:
    """Create the cohort: each agent stakes its capital at genesis."""
    rng = world_of(model).rng
    n = spec.count
    capital = sample(spec.capital, rng, n).clip(0, None)
    listens = rng.random(n) < spec.news_probability
    delay = sample(spec.reaction_delay_blocks, rng, n).clip(0, None)
    panic = sample(spec.panic_discount_bps, rng, n)
    capitulate = sample(spec.max_discount_bps, rng, n)
    panic_delay = sample(spec.panic_delay_blocks, rng, n).clip(0, None)
    buy_at = sample(spec.buy_discount_bps, rng, n)
    budget = sample(spec.buy_capital, rng, n).clip(0, None)
    prio = sample(spec.priority_fee_gwei, rng, n).clip(0, None)
    agents = []
    for i in range(n):
        a = PanicSeller(
            model,
            cohort=cohort,
            spec=spec,
            listens=bool(listens[i]),
            reaction_delay=round(float(delay[i])),
            panic_discount_bps=float(panic[i]),
            max_discount_bps=float(capitulate[i]),
            panic_delay=round(float(panic_delay[i])),
            buy_discount_bps=float(buy_at[i]),
            priority_fee_gwei=float(prio[i]),
        )
        market = a.market
        und = a.underlying
        total = market.units(und, float(capital[i]))
        market.ledger.mint(a.name, und, total)
        if total > 0:
            market.protocols.stake(a.name, a.lst, total)
        a.buy_budget = market.units(und, float(budget[i]))
        market.ledger.mint(a.name, und, a.buy_budget)
        a.fund(0.0, {}, spec.gas_reserve)
        a.start_lst = a.wallet.get(a.lst, 0)
        agents.append(a)
    return agents

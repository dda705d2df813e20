"""Mint/redeem arbitrage: what anchors an LST's pool price to its exchange rate.

An LST can always be **minted** at the staking protocol for its exchange rate, and
**redeemed** there for it (at once, or through the withdrawal queue after a delay). So:

* **premium** (the pool pays more underlying per LST than the rate): stake underlying at
  the protocol, sell the new LST into the pool, keep the difference. This caps the pool
  price at about ``rate / (1 - fee)``: nothing else in the simulator sells LST at a
  premium (dip buyers only buy at a discount, holders only sell in a panic).
* **discount** (the pool sells LST below the rate): buy it in the pool and redeem it. With
  instant withdrawals the profit is locked in atomically; with a queue the underlying
  comes back after ``queue_delay_blocks``, so the agent asks for a return of at least
  `required_apr` over that wait (the hurdle ``required_apr x delay / year``) on top of the
  fee and gas, and its capital sits in the queue until it claims.

Each check, the agent sizes the trade with the pool's profit-maximising input
(`Pool.arb_amount_in` against the rate, less the hurdle), caps it by its inventory and
`max_trade`, and submits **one atomic transaction** (stake then sell, or buy then
redeem / request). At execution it re-quotes both legs exactly (`preview_stake`,
`quote_exact_in`, `preview_redeem`) and reverts, changing nothing, unless they pay back
what it puts in, plus gas and `min_profit`. It bids `bid_share` of the expected profit
as priority fee, and claims queued withdrawals as soon as they are ready.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, BidShare, MarketAgent
from agents.lst_pool import require_lst_pool
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, Tx, swap_receipt
from sim.config import Amount, sample
from sim.errors import PoolError, ProtocolError
from sim.market.world import world_of
from sim.pools.base import Pool
from sim.protocols.staking import LiquidStaking
from sim.units import SECONDS_PER_YEAR

Maker = Callable[[int, int], Callable[[Chain, str], Receipt]]
"""Builds the transaction's function from (amount put in, underlying it must bring back)."""


class LstArbitrageurSpec(AgentSpec):
    """A cohort of mint/redeem arbitrageurs between an LST's pool and its staking protocol."""

    kind: Literal["lst_arbitrageur"]
    lst: str = Field(description="liquid staking token arbitraged")
    pool: str | None = Field(None, description="LST/underlying pool (default: the first one)")
    capital: Amount = Field(1_000.0, description="underlying inventory per agent, numeraire")
    mint: bool = Field(True, description="stake and sell when the pool pays a premium")
    redeem: bool = Field(True, description="buy at a discount and redeem (or queue)")
    required_apr: float = Field(
        0.1,
        ge=0,
        le=100,
        description="return a queued redemption must earn over the wait (annualised fraction)",
    )
    max_trade: Amount = Field(1e12, description="largest trade per transaction, numeraire")
    min_profit: float = Field(0.0, ge=0, le=1e15, description="minimum expected profit after gas")
    bid_share: BidShare = 0.5
    check_every_blocks: int = Field(1, ge=1, le=50_000_000, description="blocks between two looks")


class LstArbitrageur(MarketAgent):
    kind: ClassVar[str] = "lst_arbitrageur"

    def __init__(
        self, model: mesa.Model, *, cohort: str, spec: LstArbitrageurSpec, max_trade: float
    ) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        protocols = self.market.protocols
        self.staking: LiquidStaking = protocols.staking[spec.lst]
        self.lst = spec.lst
        self.underlying = self.staking.spec.underlying
        self.pool: Pool = require_lst_pool(self.market, self.lst, self.underlying, spec.pool)
        self.max_trade = max_trade
        self.gas_keep = 0
        self.queue = self.staking.spec.withdrawal == "queue"
        years = self.staking.spec.queue_delay_blocks * self.world.block_time_s / SECONDS_PER_YEAR
        self.hurdle = spec.required_apr * years if self.queue else 0.0
        """Share of the redemption value a queued redemption must earn (0 when instant)."""
        self.requests: list[int] = []
        self.trades = {"mint": 0, "redeem": 0}
        self.staked = 0
        """Underlying staked to sell the LST (token units)."""
        self.bought = 0
        """LST bought in the pool to redeem (token units)."""
        self.redeemed = 0
        """Underlying received or requested for it."""
        self.claimed = 0
        self.profit = 0
        """Underlying gained by the trades (before gas; queued payouts counted when requested)."""

    # ---- views --------------------------------------------------------------------------------

    def pending_underlying(self) -> int:
        reqs = self.staking.requests
        return sum(reqs[r].amount for r in self.requests if not reqs[r].claimed)

    def value(self) -> float:
        return super().value() + self.market.value(self.underlying, self.pending_underlying())

    def _budget(self) -> int:
        market = self.market
        spare = self.wallet.get(self.underlying, 0) - self.gas_keep
        return max(0, min(spare, market.units(self.underlying, self.max_trade)))

    # ---- decisions ------------------------------------------------------------------------------

    def _busy(self) -> bool:
        """A transaction of this agent is still pending (a full block): wait for it."""
        return bool(self.market.chain.pending_from(self.name))

    def act(self) -> None:
        market = self.market
        if self._busy():
            return
        self._claim_ready()
        if market.block % self.spec.check_every_blocks:
            return
        rate = self.staking.exchange_rate()
        if rate <= 0:
            return
        try:
            spot = self.pool.spot_price(self.lst, self.underlying)
        except PoolError:
            return
        if self.spec.mint and spot > rate:
            plan = self.plan_mint()
            if plan is not None:
                self._submit(self._minter, Intent.STAKE_AND_SELL, plan)
        elif self.spec.redeem and spot < rate * (1.0 - self.hurdle):
            plan = self.plan_redeem()
            if plan is not None:
                self._submit(self._redeemer, Intent.BUY_AND_REDEEM, plan)

    def _gas(self) -> int:
        gas = self.market.chain.gas
        return gas.stake + gas.swap

    def _need(self, amount: int, tip_gwei: float = 0.0) -> int:
        """Underlying a trade putting `amount` in must bring back: its break-even (gas and the
        tip `tip_gwei` included) plus the minimum profit."""
        return self.break_even_out(
            self.underlying,
            amount,
            self.underlying,
            self._gas(),
            tip_gwei,
            self.spec.min_profit,
        )

    def plan_mint(self) -> tuple[int, int, float] | None:
        """(underlying to stake, minimum sale proceeds, expected profit) or None."""
        market, pool = self.market, self.pool
        rate = self.staking.exchange_rate()
        lst_in = pool.arb_amount_in(self.lst, self.underlying, 1.0 / rate)
        if lst_in <= 0:
            return None
        amount = min(int(lst_in * rate), self._budget())
        if amount <= 0:
            return None
        try:
            minted = market.protocols.preview_stake(self.lst, amount)
            out = pool.quote_exact_in(self.lst, self.underlying, minted) if minted else 0
        except (PoolError, ProtocolError):
            return None
        need = self._need(amount)
        if out <= need:
            return None
        return amount, need, market.value(self.underlying, out - need)

    def plan_redeem(self) -> tuple[int, int, float] | None:
        """(underlying to spend in the pool, minimum redemption value, expected profit) or None."""
        market, pool = self.market, self.pool
        worth = self.staking.exchange_rate() * (1.0 - self.hurdle)
        amount = min(pool.arb_amount_in(self.underlying, self.lst, worth), self._budget())
        if amount <= 0:
            return None
        try:
            got = pool.quote_exact_in(self.underlying, self.lst, amount)
            paid = market.protocols.preview_redeem(self.lst, got)
        except (PoolError, ProtocolError):
            return None
        need = self._need(amount)
        value = int(paid * (1.0 - self.hurdle))
        if value <= need:
            return None
        return amount, need, market.value(self.underlying, value - need)

    def _submit(self, make: Maker, label: str, plan: tuple[int, int, float]) -> None:
        """Bid `bid_share` of the plan's profit, and raise its floor by the tip: a trade gone
        stale reverts instead of paying the builder more than it earns."""
        amount, need, profit = plan
        gas = self._gas()
        tip = self.tip_for(gas, profit * self.spec.bid_share)
        if tip is None:
            return  # cannot pay the base fee: the chain would drop it
        need = max(need, self._need(amount, tip))
        self.market.chain.submit(
            Tx(self.name, Call(make(amount, need), gas, (self.pool,)), tip, label)
        )

    # ---- transactions ------------------------------------------------------------------------

    def _minter(self, amount: int, need: int) -> Callable[[Chain, str], Receipt]:
        def stake_and_sell(chain: Chain, sender: str) -> Receipt:
            return self.execute_mint(sender, amount, need)

        return stake_and_sell

    def _redeemer(self, amount: int, need: int) -> Callable[[Chain, str], Receipt]:
        def buy_and_redeem(chain: Chain, sender: str) -> Receipt:
            return self.execute_redeem(sender, amount, need)

        return buy_and_redeem

    def execute_mint(self, sender: str, amount: int, need: int) -> Receipt:
        """Stake `amount`, sell every LST minted; reverts untouched unless the sale pays `need`."""
        protocols, pool, w = self.market.protocols, self.pool, self.wallet
        und, lst = self.underlying, self.lst
        if w.get(und, 0) < amount:
            raise ProtocolError(f"{sender} holds too little {und} to stake {amount}")
        minted = protocols.preview_stake(lst, amount)
        out = pool.quote_exact_in(lst, und, minted) if minted else 0
        if out < need:
            raise ProtocolError(
                f"stake-and-sell no longer pays: {amount} {und} staked sells for {out}, "
                f"needs {need}"
            )
        before = pool.spot_price(lst, und)
        got = protocols.stake(sender, lst, amount)
        if got != minted:  # preview_stake is exact: a mismatch is a bug, not a market move
            raise AssertionError(f"stake minted {got}, preview said {minted}")
        swap = pool.swap_exact_in(lst, und, minted, out)
        w[lst] -= minted
        w[und] += swap.amount_out
        self.trades["mint"] += 1
        self.staked += amount
        self.profit += swap.amount_out - amount
        return swap_receipt(pool, [swap], before, {"staked": amount, "minted": minted})

    def execute_redeem(self, sender: str, amount: int, need: int) -> Receipt:
        """Buy LST with `amount`, redeem it (or queue it); reverts untouched unless the
        redemption is worth `need` after the hurdle."""
        protocols, pool, w = self.market.protocols, self.pool, self.wallet
        und, lst = self.underlying, self.lst
        if w.get(und, 0) < amount:
            raise ProtocolError(f"{sender} holds too little {und} to buy with {amount}")
        got = pool.quote_exact_in(und, lst, amount)
        paid = protocols.preview_redeem(lst, got)
        if int(paid * (1.0 - self.hurdle)) < need:
            raise ProtocolError(
                f"buy-and-redeem no longer pays: {got} {lst} redeem for {paid}, needs {need}"
            )
        before = pool.spot_price(lst, und)
        swap = pool.swap_exact_in(und, lst, amount, got)
        w[und] -= amount
        w[lst] = w.get(lst, 0) + got
        detail: dict[str, object] = {"bought": got}
        if self.queue:
            rid = protocols.request_withdrawal(sender, lst, got)
            self.requests.append(rid)
            detail["request"] = rid
        else:
            detail["redeemed"] = protocols.unstake_instant(sender, lst, got)
        self.trades["redeem"] += 1
        self.bought += got
        self.redeemed += paid
        self.profit += paid - amount
        return swap_receipt(pool, [swap], before, detail)

    def _claim_ready(self) -> None:
        reqs, block = self.staking.requests, self.staking.block
        for rid in self.requests:
            req = reqs[rid]
            if not req.claimed and block >= req.ready_block:

                def claim(chain: Chain, sender: str, rid: int = rid) -> Receipt:
                    paid = self.market.protocols.claim(sender, self.lst, rid)
                    self.claimed += paid
                    return Receipt(kind="claim", detail={"request": rid, "paid": paid})

                gas = self.market.chain.gas.stake
                self.market.chain.submit(Tx(self.name, Call(claim, gas), 0.0, Intent.CLAIM))

    def report(self) -> dict[str, object]:
        dec = 10 ** self.market.decimals[self.underlying]
        return {
            "mints_sold": self.trades["mint"],
            "redemptions": self.trades["redeem"],
            "staked": self.staked / dec,
            "lst_bought": self.bought / 10 ** self.market.decimals[self.lst],
            "redeemed": self.redeemed / dec,
            "queued_pending": self.pending_underlying() / dec,
            "trade_profit": self.profit / dec,
            "hurdle_pct": self.hurdle * 100 if math.isfinite(self.hurdle) else None,
            **self.gas_money(),
        }


def build(model: mesa.Model, cohort: str, spec: LstArbitrageurSpec) -> list[LstArbitrageur]:
    """Create the cohort and fund each agent with underlying (plus gas)."""
    rng = world_of(model).rng
    capital = sample(spec.capital, rng, spec.count).clip(0, None)
    caps = sample(spec.max_trade, rng, spec.count).clip(0, None)
    agents = []
    for i in range(spec.count):
        a = LstArbitrageur(model, cohort=cohort, spec=spec, max_trade=float(caps[i]))
        a.fund(float(capital[i]), {a.underlying: 1.0}, spec.gas_reserve)
        a.gas_keep = int(spec.gas_reserve * 10 ** a.market.decimals[a.market.chain.native])
        agents.append(a)
    return agents

"""MEV sandwich bots: read the mempool, wrap a victim's swap in a front-run and a back-run.

For each pending single-pool swap the bot simulates, each trial on a fork of the pool
(`Pool.fork`: what a searcher does on a forked chain state; the live pool is only read),
the largest front-run after which the victim still just meets its `amount_out_min`, then
the back-run that sells what the front-run bought (its budget: the wallet less the
native-token gas reserve). It submits the bundle only when the profit,
valued at the reference price, beats gas and its priority-fee bid; several bots
compete for the same victim and the builder keeps the highest bid. Each leg's
minimum output is its simulated output and the bundle executes whole or not at all,
so an executed sandwich earns at least the gross it planned, which beats gas and the
bid: no leg needs a separate break-even floor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, BidShare, MarketAgent
from sim.chain.intents import Intent
from sim.chain.transactions import Bundle, SwapExactIn, Tx
from sim.config import Amount, sample
from sim.errors import PoolError
from sim.pools.base import Pool


class SandwichBotSpec(AgentSpec):
    """A cohort of sandwich bots."""

    kind: Literal["sandwich_bot"]
    pools: list[str] | None = Field(None, description="pools watched (default: all)")
    capital: Amount = Field(2_000_000.0, description="inventory per bot, split over pool tokens")
    bid_share: BidShare = 0.5
    min_profit: float = Field(
        0.0, ge=0, le=1e15, description="skip sandwiches earning less, numeraire"
    )
    search_steps: int = Field(40, ge=8, le=200, description="bisection steps sizing the front-run")


@dataclass(frozen=True, slots=True)
class SandwichPlan:
    """Amounts of a sandwich simulated on the current state (token_in = victim's input token)."""

    front_in: int  # token_in the bot pays
    front_out: int  # token_out it receives
    victim_out: int  # what the victim then receives (>= its minimum)
    victim_out_alone: int  # what the victim would have received without the sandwich
    back_out: int  # token_in the bot gets back selling front_out

    @property
    def gross(self) -> int:
        """Bot's gain in token_in units, before gas."""
        return self.back_out - self.front_in


def _simulate(
    pool: Pool, t_in: str, t_out: str, front: int, victim_in: int, back: bool = True
) -> tuple[int, int, int]:
    """(front_out, victim_out, back_out) run on a fresh fork of `pool`, which stays as it is.
    With `back` False the back-run is skipped (back_out 0): sizing the front-run only needs
    the victim's output."""
    fork = pool.fork()
    front_out = fork.swap_exact_in(t_in, t_out, front).amount_out if front else 0
    victim_out = fork.swap_exact_in(t_in, t_out, victim_in).amount_out
    back_out = fork.swap_exact_in(t_out, t_in, front_out).amount_out if back and front_out else 0
    return front_out, victim_out, back_out


def plan_sandwich(
    pool: Pool,
    t_in: str,
    t_out: str,
    victim_in: int,
    victim_min_out: int,
    budget: int,
    steps: int = 40,
) -> SandwichPlan | None:
    """The most profitable sandwich of a victim swap within `budget` of token_in, or None.

    The victim's output falls as the front-run grows; bisection finds the largest
    front-run `limit` that still leaves the victim its minimum. The bot's gain is
    unimodal in the front-run size: it usually still rises at `limit` (the best
    sandwich uses all the room the victim's tolerance leaves), but with a large
    budget and a loose victim the fees and the bot's own price impact make it peak
    earlier, and a golden-section search on exact simulations finds that peak in
    [1, limit]. Maximising over [1, limit] makes the gain non-decreasing in the
    victim's tolerance, which only widens that interval.
    """
    try:
        alone = pool.quote_exact_in(t_in, t_out, victim_in)
    except PoolError:
        return None
    if alone < victim_min_out or budget <= 0:
        return None
    lo, hi = 0, budget
    try:
        _, v_hi, _ = _simulate(pool, t_in, t_out, hi, victim_in, back=False)
        feasible_hi = v_hi >= victim_min_out
    except PoolError:
        feasible_hi = False
    if not feasible_hi:
        for _ in range(steps):
            if hi - lo <= max(1, hi >> 40):
                break
            mid = (lo + hi) // 2
            try:
                _, v, _ = _simulate(pool, t_in, t_out, mid, victim_in, back=False)
                ok = v >= victim_min_out
            except PoolError:
                ok = False
            lo, hi = (mid, hi) if ok else (lo, mid)
        limit = lo
    else:
        limit = hi
    if limit <= 0:
        return None
    plans: dict[int, SandwichPlan | None] = {}

    def plan_at(front: int) -> SandwichPlan | None:
        if front not in plans:
            try:
                f_out, v_out, b_out = _simulate(pool, t_in, t_out, front, victim_in)
            except PoolError:
                plans[front] = None
            else:
                ok = v_out >= victim_min_out
                plans[front] = SandwichPlan(front, f_out, v_out, alone, b_out) if ok else None
        return plans[front]

    def gain(front: int) -> float:
        plan = plan_at(front) if front > 0 else None
        return plan.gross if plan is not None else -math.inf

    # the check looks 1/256 of the way back: a 1-unit step would only see rounding noise
    step = max(1, limit >> 8)
    if limit <= step or gain(limit) >= gain(limit - step):
        best_front = limit  # still rising at the limit: use all the room the victim leaves
    else:
        best_front = _golden_argmax(gain, 1, limit)
    best = plan_at(best_front)
    return best if best is not None and best.gross > 0 else None


def _golden_argmax(f: Callable[[int], float], lo: int, hi: int) -> int:
    """Integer argmax of a unimodal `f` on [lo, hi] by golden-section search."""
    invphi = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    if b - a > 4:
        c = b - round((b - a) * invphi)
        d = a + round((b - a) * invphi)
        fc, fd = f(c), f(d)
        while b - a > 4:
            if fc < fd:  # the peak lies in [c, b]
                a, c, fc = c, d, fd
                d = max(c + 1, a + round((b - a) * invphi))
                fd = f(d)
            else:  # the peak lies in [a, d]
                b, d, fd = d, c, fc
                c = min(d - 1, b - round((b - a) * invphi))
                fc = f(c)
    return max(range(a, b + 1), key=f)


class SandwichBot(MarketAgent):
    kind: ClassVar[str] = "sandwich_bot"
    searcher: ClassVar[bool] = True

    def __init__(self, model: mesa.Model, *, cohort: str, spec: SandwichBotSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        names = spec.pools if spec.pools is not None else list(self.market.pools)
        self.watched = {self.market.pools[n].name for n in names}
        self.tokens = sorted({t for n in names for t in self.market.pools[n].tokens})
        self.attempts = 0
        market = self.market
        self.native = market.chain.native
        self.gas_keep = (
            int(spec.gas_reserve * market.scale[self.native]) if self.native in market.scale else 0
        )

    def spendable(self, token: str) -> int:
        """What a front-run may use of `token`: the wallet, less the gas reserve if native."""
        have = self.wallet.get(token, 0)
        return max(0, have - self.gas_keep) if token == self.native else have

    def search(self) -> None:
        market = self.market
        for tx in list(market.chain.pending()):
            action = tx.action
            if (
                not isinstance(action, SwapExactIn)
                or len(action.path) != 1
                or tx.sender == self.name
                or action.path[0].name not in self.watched
                or action.deadline_block < market.block
            ):
                continue
            self.consider(tx, action)

    def consider(self, victim: Tx, action: SwapExactIn) -> None:
        market = self.market
        pool = action.path[0]
        t_in, t_out = action.tokens
        plan = plan_sandwich(
            pool,
            t_in,
            t_out,
            action.amount_in,
            action.amount_out_min,
            self.spendable(t_in),
            self.spec.search_steps,
        )
        if plan is None:
            return
        gas = market.chain.gas.swap
        gross = market.value(t_in, plan.gross)
        profit = gross - 2 * market.gas_value(gas)
        if profit <= self.spec.min_profit:
            return
        tip = market.priority_fee_for(2 * gas, profit * self.spec.bid_share)
        bid = max(tip, victim.priority_fee_gwei) + 1e-9
        if bid > self.max_tip_gwei(2 * gas):
            self.short_of_gas(skipped=True)
            return  # its native balance cannot pay the bid on both legs
        # outbidding a victim that tips heavily (an arbitrageur bidding its own profit away)
        # can cost more than the sandwich earns: the bot then leaves it alone
        if gross - market.gas_value(2 * gas, bid) <= self.spec.min_profit:
            return
        front = Tx(
            self.name,
            SwapExactIn((pool,), (t_in, t_out), plan.front_in, plan.front_out, market.block, gas),
            bid,
            Intent.FRONTRUN,
        )
        back = Tx(
            self.name,
            SwapExactIn((pool,), (t_out, t_in), plan.front_out, plan.back_out, market.block, gas),
            bid,
            Intent.BACKRUN,
        )
        self.attempts += 1
        market.chain.submit_bundle(Bundle(victim, [front], [back], self.name))

    def report(self) -> dict[str, object]:
        return {"sandwich_attempts": self.attempts, **self.gas_money()}


def build(model: mesa.Model, cohort: str, spec: SandwichBotSpec) -> list[SandwichBot]:
    """Create the cohort and fund each bot across the tokens of its pools."""
    capital = sample(spec.capital, model.rng, spec.count).clip(0, None)
    bots = []
    for i in range(spec.count):
        bot = SandwichBot(model, cohort=cohort, spec=spec)
        bot.fund(float(capital[i]), dict.fromkeys(bot.tokens, 1.0), spec.gas_reserve)
        bots.append(bot)
    return bots

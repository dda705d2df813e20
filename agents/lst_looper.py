"""Leveraged liquid staking: loop LST collateral against borrowed underlying.

`LstLooper` stakes its underlying (ETH) into the liquid-staking protocol,
supplies the LST as collateral on a lending market, borrows underlying,
stakes it again, and so on until its target leverage (collateral / equity)
is reached. The whole loop is **one atomic transaction** (a `Call` doing
stake -> supply -> borrow up to `max_loops` times and no more rounds than one
block's gas limit holds, like a looping contract or a DeFi Saver recipe): every
borrow stays within the market's LTV limit, so leverage is bounded by the
geometric series ``1 + ltv + ltv^2 + ... -> 1 / (1 - ltv)``.

With `emode`, it first enters that efficiency-mode category of the market, whose LTV and
liquidation threshold then apply to its LST (Aave v3's ETH-correlated category).
Then it checks its health factor every `check_every_blocks` blocks. After `reaction_delay_blocks`
below `deleverage_hf`, an agent that reacts (`reaction_probability`) repays from its collateral
atomically until its HF is back at `restore_hf` (`agents.looper_deleverage`): withdraw LST,
sell it into the LST pool at an exact quote, repay; below HF 1, where a withdrawal reverts,
through a flash loan that repays first (Aave's repay-with-collateral adapter).
Reported: leverage, HF, and the realised return on equity against plain staking
(`agents.loop_returns`). The ETH they borrow comes from `lending_supplier` agents.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, MarketAgent
from agents.loop_returns import LoopEntry, annualised
from agents.looper_deleverage import deleverage
from agents.lst_pool import lst_pool
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, Tx, swap_receipt
from sim.config import Amount, BlocksDist, GweiDist, HealthFactor, Leverage, sample
from sim.errors import ProtocolError, ScenarioError
from sim.market.world import world_of
from sim.protocols.lending import LendingMarket
from sim.protocols.staking import LiquidStaking


class LstLooperSpec(AgentSpec):
    """A cohort of leveraged stakers (LST collateral, underlying debt)."""

    kind: Literal["lst_looper"]
    market: str = Field(description="lending market the loop runs on")
    lst: str = Field(description="liquid staking token used as collateral")
    pool: str | None = Field(
        None, description="LST/underlying pool used to deleverage (default: the first one)"
    )
    capital: Amount = Field(100.0, description="equity per agent, numeraire units")
    target_leverage: Leverage = Field(
        3.0, description="collateral / equity aimed for, drawn per agent (capped by the LTV)"
    )
    max_loops: int = Field(
        40, ge=1, le=200, description="stake-supply-borrow rounds in the atomic loop"
    )
    enter_block: int = Field(1, ge=1, le=50_000_000, description="block the loop is submitted")
    emode: str | None = Field(
        None, description="e-mode category of the market entered before looping (None: none)"
    )
    deleverage_hf: HealthFactor = Field(
        1.05, description="health factor below which the agent deleverages, drawn per agent"
    )
    restore_hf: HealthFactor = Field(1.15, description="health factor a deleverage aims back at")
    reaction_probability: float = Field(
        1.0, ge=0, le=1, description="share of agents who deleverage at all (others hold)"
    )
    reaction_delay_blocks: BlocksDist = Field(
        0.0, description="blocks below the threshold before reacting, drawn per agent"
    )
    check_every_blocks: int = Field(1, ge=1, le=50_000_000, description="blocks between checks")
    priority_fee_gwei: GweiDist = Field(1.0, description="priority fee of a deleverage, gwei")


class LstLooper(MarketAgent):
    kind: ClassVar[str] = "lst_looper"

    def __init__(
        self,
        model: mesa.Model,
        *,
        cohort: str,
        spec: LstLooperSpec,
        target_leverage: float,
        deleverage_hf: float,
        restore_hf: float,
        reacts: bool,
        reaction_delay: int,
        priority_fee_gwei: float,
    ) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        protocols = self.market.protocols
        self.lending: LendingMarket = protocols.lending[spec.market]
        self.market_name = spec.market
        self.staking: LiquidStaking = protocols.staking[spec.lst]
        self.lst = spec.lst
        self.underlying = self.staking.spec.underlying
        self.pool = lst_pool(self.market, self.lst, self.underlying, spec.pool)
        params = self.lending.spec.assets[self.lst]
        self.ltv, self.lt = params.ltv, params.liquidation_threshold
        if spec.emode is not None:  # the category's LTV and threshold apply to the LST
            cat = self.lending.spec.emode.get(spec.emode)
            if cat is None or self.lst not in cat.collateral:
                raise ScenarioError(
                    f"agents.{cohort}.emode: {spec.emode!r} is not an e-mode category of "
                    f"lending.{spec.market} with {self.lst} as collateral"
                )
            self.ltv, self.lt = cat.ltv, cat.liquidation_threshold
        self.max_leverage = 1.0 / (1.0 - self.ltv)
        self.target_leverage = max(1.0, target_leverage)
        self.deleverage_hf = deleverage_hf
        self.restore_hf = max(restore_hf, deleverage_hf)
        self.reacts = reacts
        self.reaction_delay = max(0, reaction_delay)
        self.priority_fee_gwei = priority_fee_gwei
        self.gas_keep = 0
        self.entry: LoopEntry | None = None
        """Set when the loop went through."""
        self.loops_done = 0
        self.borrowed = 0
        """Underlying borrowed in total (token units)."""
        self.repaid = 0
        """Underlying repaid by this agent (liquidators' repayments are booked by the protocol)."""
        self.deleverages = 0
        self.flash_repays = 0
        """Rounds repaid from collateral with a flash loan (below HF 1)."""
        self.below_since: int | None = None
        """Block the health factor was first seen below `deleverage_hf` (None: above it)."""
        self.min_hf = math.inf

    # ---- views --------------------------------------------------------------------------------

    @property
    def entered(self) -> bool:
        return self.entry is not None

    def debt(self) -> int:
        return self.lending.debt(self.name, self.underlying)

    def collateral(self) -> int:
        return self.lending.supplied(self.name, self.lst)

    def health_factor(self) -> float:
        return self.lending.health_factor(self.name)

    def leverage(self) -> float:
        """Collateral / equity at the exchange rate (1 before entering)."""
        col = self.staking.to_underlying(self.collateral())
        eq = col - self.debt()
        return col / eq if eq > 0 and col else (math.inf if col else 1.0)

    def equity_at_rate(self) -> int:
        """Underlying units: wallet + LST (wallet and collateral) at the exchange rate - debt."""
        w = self.wallet
        lst_units = w.get(self.lst, 0) + self.collateral()
        return w.get(self.underlying, 0) + self.staking.to_underlying(lst_units) - self.debt()

    def value(self) -> float:
        """Marked to market: wallet plus collateral at the market price, minus debt."""
        market = self.market
        return (
            super().value()
            + market.value(self.lst, self.collateral())
            - market.value(self.underlying, self.debt())
        )

    # ---- decisions ------------------------------------------------------------------------------

    def act(self) -> None:
        market = self.market
        block = market.block
        if not self.entered:
            if block >= self.spec.enter_block:
                self._submit(self._loop, self._loop_gas(), Intent.LOOP, 0.0)
            return
        if (block - self.spec.enter_block) % self.spec.check_every_blocks:
            return
        if self.debt() == 0:
            return
        hf = self.health_factor()
        self.min_hf = min(self.min_hf, hf)
        if hf >= self.deleverage_hf:
            self.below_since = None
            return
        if self.below_since is None:
            self.below_since = block
        if not self.reacts or block - self.below_since < self.reaction_delay:
            return  # below HF 1 too: a flash loan repays first (`looper_deleverage`)
        gas = market.chain.gas
        self._submit(
            self._deleverage,
            4 * (gas.lending + gas.swap),
            Intent.DELEVERAGE,
            self.priority_fee_gwei,
        )

    def _submit(
        self, fn: Callable[[Chain, str], Receipt], gas_units: int, label: str, tip: float
    ) -> None:
        """One transaction, unless one of this agent's is still pending (a full block)."""
        chain = self.market.chain
        if chain.pending_from(self.name):
            return
        touches = (self.pool,) if self.pool is not None else ()
        chain.submit(Tx(self.name, Call(fn, gas_units, touches), tip, label))

    def _max_rounds(self) -> int:
        """Rounds of the loop: `max_loops`, and no more than one block's gas can hold."""
        chain = self.market.chain
        gas = chain.gas
        limit = chain.spec.block_gas_limit
        fits = (limit - gas.stake - gas.lending) // (gas.stake + 2 * gas.lending)
        return max(0, min(self.spec.max_loops, fits))

    def _loop_gas(self) -> int:
        """Gas of the loop, from the number of rounds the geometric series needs."""
        gas = self.market.chain.gas
        rounds, lev, step = 0, 1.0, 1.0
        cap = self._max_rounds()
        while lev < min(self.target_leverage, self.max_leverage) - 1e-6 and rounds < cap:
            step *= self.ltv
            lev += step
            rounds += 1
        return gas.stake + gas.lending + rounds * (gas.stake + 2 * gas.lending)

    # ---- transactions ------------------------------------------------------------------------

    def _loop(self, chain: Chain, sender: str) -> Receipt:
        """Stake, supply, borrow, repeat: one atomic transaction up to the target leverage."""
        protocols = self.market.protocols
        w = self.wallet
        if self.spec.emode is not None:  # `Pool.setUserEMode` before supplying
            self.lending.set_user_emode(sender, self.spec.emode)
        spare = w.get(self.underlying, 0) - self.gas_keep
        if spare <= 0:
            raise ProtocolError(f"{sender} has no {self.underlying} to loop")
        lm, name, und, lst = self.lending, self.spec.market, self.underlying, self.lst
        start_rate = self.staking.share_price()  # underlying per share: both LST designs
        protocols.stake(sender, lst, spare)  # the first mutation: a failure above reverts cleanly
        equity = spare
        target_debt = int(equity * (self.target_leverage - 1.0))
        rounds = 0
        try:
            protocols.supply(name, sender, lst, w[lst])
            cap = self._max_rounds()
            while rounds < cap:
                room = target_debt - lm.debt(sender, und)
                amount = min(room, lm.available_borrows(sender, und))
                if amount <= 0:
                    break
                protocols.borrow(name, sender, und, amount)
                self.borrowed += amount
                rounds += 1
                protocols.supply(name, sender, lst, protocols.stake(sender, lst, amount))
        except ProtocolError:
            pass  # stop where the market refused; what was done stands
        self.entry = LoopEntry(chain.block, start_rate, float(equity))
        self.loops_done = rounds
        return Receipt(
            kind="loop",
            detail={
                "rounds": rounds,
                "leverage": round(self.leverage(), 6),
                "health_factor": round(self.health_factor(), 6),
            },
        )

    def _deleverage(self, chain: Chain, sender: str) -> Receipt:
        """Repay from collateral until HF >= restore_hf (`agents.looper_deleverage`)."""
        pool = self.pool
        if pool is None:
            raise ProtocolError(f"{sender}: no pool to sell {self.lst} into")
        spot_before = pool.spot_price(self.lst, self.underlying)
        swaps = deleverage(self, pool)
        self.deleverages += 1
        detail: dict[str, object] = {"health_factor": round(self.health_factor(), 6)}
        if not swaps:  # already back above restore_hf when the transaction ran
            return Receipt(kind="deleverage", detail=detail)
        return swap_receipt(pool, swaps, spot_before, detail)

    # ---- reporting ---------------------------------------------------------------------------

    def days_in(self) -> float:
        if self.entry is None:
            return 0.0
        return self.entry.days_in(self.market.block, self.world.block_time_s)

    def realised_apr(self) -> float | None:
        """Simple annualised return on equity at the exchange rate since entry (gas included);
        None before `MIN_APR_DAYS` days in the loop (see `equity_change` for the return)."""
        return annualised(self.equity_change(), self.days_in())

    def equity_change(self) -> float | None:
        """Realised return over the run: equity at the exchange rate now over equity staked at
        entry, minus 1 (not annualised)."""
        if self.entry is None:
            return None
        return self.entry.equity_change(self.equity_at_rate())

    def staking_return(self) -> float | None:
        """Plain staking over the same time: growth of the underlying per share since entry
        (the exchange rate of a reward-bearing LST, the rebase of a rebasing one)."""
        if self.entry is None:
            return None
        return self.entry.staking_return(self.staking.share_price())

    def staking_apr(self) -> float | None:
        """`staking_return` annualised, from `MIN_APR_DAYS` days in the loop (else None)."""
        return annualised(self.staking_return(), self.days_in())

    def liquidations(self) -> tuple[int, int, int]:
        """(count, debt repaid by liquidators, collateral seized) against this agent."""
        recs = [r for r in self.market.protocols.liquidations if r.borrower == self.name]
        return len(recs), sum(r.repaid for r in recs), sum(r.seized for r in recs)

    def report(self) -> dict[str, object]:
        apr, base, change = self.realised_apr(), self.staking_apr(), self.equity_change()
        base_change = self.staking_return()
        n, repaid, seized = self.liquidations()
        dec = 10 ** self.market.decimals[self.underlying]
        hf, lev = self.health_factor(), self.leverage()
        return {
            "target_leverage": self.target_leverage,
            "leverage": lev if math.isfinite(lev) else None,
            "loops": self.loops_done,
            "health_factor": hf if math.isfinite(hf) else None,
            "min_health_factor": self.min_hf if math.isfinite(self.min_hf) else None,
            "deleverage_hf": self.deleverage_hf,
            "reacts": self.reacts,
            "deleverages": self.deleverages,
            "flash_repays": self.flash_repays,
            "liquidations": n,
            "liquidated_debt": repaid / dec,
            "collateral_seized": seized / dec,
            "days_in_loop": self.days_in() if self.entered else None,
            "equity_change_pct": change * 100 if change is not None else None,
            "staking_return_pct": base_change * 100 if base_change is not None else None,
            "excess_return_pct": (change - base_change) * 100
            if change is not None and base_change is not None
            else None,
            "realised_apr_pct": apr * 100 if apr is not None else None,
            "staking_apr_pct": base * 100 if base is not None else None,
            "excess_apr_pct": (apr - base) * 100 if apr is not None and base is not None else None,
        }


def build(model: mesa.Model, cohort: str, spec: LstLooperSpec) -> list[LstLooper]:
    """Create the cohort, drawing each agent's risk settings, and fund it with underlying."""
    rng = world_of(model).rng
    n = spec.count
    capital = sample(spec.capital, rng, n).clip(0, None)
    lev = sample(spec.target_leverage, rng, n)
    dhf = sample(spec.deleverage_hf, rng, n)
    rhf = sample(spec.restore_hf, rng, n)
    reacts = rng.random(n) < spec.reaction_probability
    delay = sample(spec.reaction_delay_blocks, rng, n).clip(0, None)
    prio = sample(spec.priority_fee_gwei, rng, n).clip(0, None)
    agents = []
    for i in range(n):
        a = LstLooper(
            model,
            cohort=cohort,
            spec=spec,
            target_leverage=float(lev[i]),
            deleverage_hf=float(dhf[i]),
            restore_hf=float(rhf[i]),
            reacts=bool(reacts[i]),
            reaction_delay=round(float(delay[i])),
            priority_fee_gwei=float(prio[i]),
        )
        a.fund(float(capital[i]), {a.underlying: 1.0}, spec.gas_reserve)
        a.gas_keep = int(spec.gas_reserve * 10 ** a.market.decimals[a.market.chain.native])
        agents.append(a)
    return agents

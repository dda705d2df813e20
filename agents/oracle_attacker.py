"""Oracle attackers: one flash-loan transaction that borrows against a price it pushed itself.

The attack on a lending market that prices collateral from a thin pool (Cream, Inverse,
Mango...): flash-borrow the debt asset, buy the collateral token in the pool (its price jumps),
deposit what was bought as collateral, borrow as much as the market's oracle now allows,
sell any collateral kept back into the pool, repay the flash loan plus its premium, and keep
the rest. The collateral left behind is worth less than the debt: bad debt for the suppliers.

Each block the attacker plans on forks of the pool: for each pump size (a multiple of the
pool's reserve of the debt asset) and each share of the bought tokens deposited, it reads what
the market's oracle would say after the pump (a spot oracle follows the fork; a TWAP does not
move within the block; a reference price does not move at all), how much it could then borrow
(the reserve's LTV, the market's cash), and what selling the rest would pay. It sends the best
plan only if the profit beats gas and `min_profit`; at execution the whole plan runs again on
the live state and reverts, changing nothing, unless it still pays. Each attack uses a fresh
exploit contract (its own lending account), abandoned with its debt: the attacker's P&L is
what its wallet took away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, BidShare, MarketAgent
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, Tx
from sim.errors import PoolError, ProtocolError
from sim.pools.base import Pool
from sim.protocols.flash_loans import flash_loan_simple
from sim.protocols.lending import LendingMarket
from sim.protocols.lending.flash_loan_simple import flash_premium
from sim.protocols.lending.pool_oracle import PoolPriceOracle


class OracleAttackerSpec(AgentSpec):
    """A cohort of oracle-manipulation attackers on one lending market."""

    kind: Literal["oracle_attacker"]
    market: str = Field(description="lending market attacked (borrowed from)")
    flash_market: str | None = Field(
        None, description="lending market flash-borrowed from (default: the attacked one)"
    )
    pool: str = Field(description="pool pushed: it must trade `collateral` against `asset`")
    collateral: str = Field(description="token bought, deposited and overvalued")
    asset: str = Field("USDC", description="token flash-borrowed and borrowed")
    pump_sizes: list[Annotated[float, Field(gt=0, le=1_000)]] = Field(
        [0.25, 0.5, 1.0, 2.0, 4.0, 8.0],
        min_length=1,
        description="pump sizes quoted, as multiples of the pool's reserve of `asset`",
    )
    deposit_shares: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        [1.0, 0.75, 0.5],
        min_length=1,
        description="shares of the bought collateral deposited (the rest is sold back)",
    )
    min_profit: float = Field(
        0.0, ge=0, le=1e15, description="least expected profit after gas, numeraire"
    )
    gas_units: int = Field(
        1_000_000, ge=21_000, le=30_000_000, description="gas of the attack transaction"
    )
    bid_share: BidShare = 0.5


@dataclass(frozen=True, slots=True)
class Plan:
    """One attack as quoted on forks: amounts in token units, profit in the numeraire."""

    pump: int
    deposit_share: float
    premium: int
    borrow: int
    profit: float


class OracleAttacker(MarketAgent):
    kind: ClassVar[str] = "oracle_attacker"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: OracleAttackerSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        protocols = self.market.protocols
        self.lending: LendingMarket = protocols.lending[spec.market]
        self.flash_market = spec.flash_market or spec.market
        self.flash: LendingMarket = protocols.lending[self.flash_market]
        self.pool: Pool = self.market.pools[spec.pool]
        self.asset = spec.asset
        self.attacks = 0
        self.attempts = 0
        self.flash_borrowed = 0
        self.borrowed = 0
        self.deposited = 0
        self.premiums = 0
        self.taken = 0
        """Units of `asset` the exploit contracts handed back (the loot)."""
        self.expected_profit = 0.0
        self.exploits: list[str] = []
        """The exploit contracts' accounts, one per attack, abandoned with their debt."""

    # ---- the decision --------------------------------------------------------------------------

    def quote(self, plan_pump: int, share: float) -> Plan | None:
        """The attack with this pump and deposit share, on forks (None if a leg fails)."""
        s, market, lm = self.spec, self.market, self.lending
        try:
            fork = self.pool.fork()
            bought = fork.swap_exact_in(s.asset, s.collateral, plan_pump).amount_out
            deposit = int(bought * share)
            price_c = self._oracle_after({self.pool.name: fork})
            price_a = lm.oracle(s.asset)
            sold = fork.quote_exact_in(s.collateral, s.asset, bought - deposit) if share < 1 else 0
        except (PoolError, ProtocolError):
            return None
        if price_a <= 0 or deposit <= 0:
            return None
        r = lm.reserves[s.collateral]
        room = deposit / 10**r.decimals * price_c * r.ltv_bps / 10_000 / price_a
        cash = lm.totals(s.asset).cash - (plan_pump if self.flash is lm else 0)
        borrow = max(0, min(int(room * market.scale[s.asset]), cash))
        premium = flash_premium(plan_pump)
        gain = borrow + sold - plan_pump - premium
        profit = market.value(s.asset, gain) - market.gas_value(s.gas_units)
        return Plan(plan_pump, share, premium, borrow, profit)

    def _oracle_after(self, pools: Mapping[str, Pool]) -> float:
        """What the market's oracle would say of the collateral with `pools` in place."""
        oracle = self.lending.oracle
        if isinstance(oracle, PoolPriceOracle):
            return oracle.read(self.spec.collateral, {**oracle.pools, **pools})
        # a reference price, an exchange rate or a mean of past blocks: this block's trade
        # does not move it (the legacy `pool` feed of a token without a price process does,
        # which the attacker then underestimates)
        return oracle(self.spec.collateral)

    def best_plan(self) -> Plan | None:
        s = self.spec
        depth = self.pool.holdings().get(s.asset, 0)
        cash = self.flash.totals(s.asset).cash
        best: Plan | None = None
        for size in s.pump_sizes:
            pump = min(int(depth * size), cash)
            if pump <= 0:
                continue
            for share in s.deposit_shares:
                plan = self.quote(pump, share)
                if plan is not None and (best is None or plan.profit > best.profit):
                    best = plan
        return best

    def act(self) -> None:
        s = self.spec
        if self.lending.totals(s.asset).cash <= 0:
            return
        plan = self.best_plan()
        if plan is None or plan.profit <= s.min_profit:
            return
        tip = self.tip_for(s.gas_units, s.bid_share * plan.profit)
        if tip is None:
            return
        self.attempts += 1
        self.expected_profit += plan.profit
        # at execution: at least the flash loan back and the gas at the base fee
        need = (
            plan.pump
            + plan.premium
            + self.units_at_least(s.asset, self.market.gas_value(s.gas_units))
        )

        def attack(chain: Chain, sender: str) -> Receipt:
            return self.execute(chain, sender, plan, need)

        self.market.chain.submit(
            Tx(self.name, Call(attack, s.gas_units, (self.pool,)), tip, Intent.ORACLE_ATTACK)
        )

    # ---- the transaction -------------------------------------------------------------------------

    def execute(self, chain: Chain, sender: str, plan: Plan, need: int) -> Receipt:
        """Flash-borrow, pump, deposit, borrow the most, sell back, repay: all or nothing."""
        s, protocols = self.spec, self.market.protocols
        exploit = f"{sender}:exploit{len(self.exploits) + 1}"
        w = self.market.ledger.wallet(exploit)
        done: dict[str, int] = {}

        def operation(premium: int) -> None:
            bought = self.pool.swap_exact_in(s.asset, s.collateral, plan.pump).amount_out
            w[s.asset] -= plan.pump
            w[s.collateral] = w.get(s.collateral, 0) + bought
            deposit = int(bought * plan.deposit_share)
            protocols.supply(s.market, exploit, s.collateral, deposit)
            borrow = self.lending.available_borrows(exploit, s.asset)
            if borrow <= 0:
                raise ProtocolError("the oracle allows no borrowing")
            protocols.borrow(s.market, exploit, s.asset, borrow)
            rest = w[s.collateral]
            if rest:
                sold = self.pool.swap_exact_in(s.collateral, s.asset, rest).amount_out
                w[s.collateral] -= rest
                w[s.asset] += sold
            if w[s.asset] < need:
                raise ProtocolError(
                    f"the attack no longer pays: {w[s.asset]} {s.asset} back, {need} needed"
                )
            done.update(deposit=deposit, borrow=borrow, premium=premium)

        flash_loan_simple(protocols, self.flash_market, exploit, s.asset, plan.pump, operation)
        loot = w.get(s.asset, 0)
        w[s.asset] = 0
        self.wallet[s.asset] = self.wallet.get(s.asset, 0) + loot
        self.exploits.append(exploit)
        self.attacks += 1
        self.flash_borrowed += plan.pump
        self.borrowed += done["borrow"]
        self.deposited += done["deposit"]
        self.premiums += done["premium"]
        self.taken += loot
        detail: dict[str, object] = {"exploit": exploit, "flash": plan.pump, **done, "loot": loot}
        return Receipt(kind="oracle_attack", pool=self.pool.name, detail=detail)

    def report(self) -> dict[str, object]:
        s, market = self.spec, self.market
        dec = 10 ** market.decimals[s.asset]
        return {
            "attacks": self.attacks,
            "attack_attempts": self.attempts,
            "flash_borrowed": self.flash_borrowed / dec,
            "borrowed": self.borrowed / dec,
            "collateral_deposited": self.deposited / 10 ** market.decimals[s.collateral],
            "flash_premiums": self.premiums / dec,
            "taken": self.taken / dec,
            "expected_profit": self.expected_profit,
            **self.gas_money(),
        }


def build(model: mesa.Model, cohort: str, spec: OracleAttackerSpec) -> list[OracleAttacker]:
    """Create the cohort; attackers start with gas money only (the flash loan is the capital)."""
    agents = []
    for _ in range(spec.count):
        a = OracleAttacker(model, cohort=cohort, spec=spec)
        a.fund(0.0, {}, spec.gas_reserve)
        agents.append(a)
    return agents

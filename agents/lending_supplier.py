"""Passive lenders: supply one asset to a lending market at genesis and earn its supply rate.

They are the other side of leveraged staking: the underlying that `lst_looper` agents borrow
is what these agents supplied. A supplier of a liquid-staking token stakes the underlying for it
at genesis, so the LST it supplies is backed like any other.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, MarketAgent
from sim.config import Amount, sample
from sim.market.world import world_of
from sim.protocols.lending import LendingMarket


class LendingSupplierSpec(AgentSpec):
    """A cohort of passive lenders who supply one asset to a lending market at genesis."""

    kind: Literal["lending_supplier"]
    market: str = Field(description="lending market supplied to")
    asset: str = Field("ETH", description="asset supplied")
    capital: Amount = Field(1_000.0, description="supply per agent, numeraire units")


class LendingSupplier(MarketAgent):
    kind: ClassVar[str] = "lending_supplier"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: LendingSupplierSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        self.lending: LendingMarket = self.market.protocols.lending[spec.market]
        self.principal = 0
        """Token units supplied (net of withdrawals)."""

    def supply_now(self, amount: int) -> None:
        """Genesis supply (before the first block), like a provider's genesis deposit."""
        if amount > 0:
            self.market.protocols.supply(self.spec.market, self.name, self.spec.asset, amount)
            self.principal += amount

    def supplied(self) -> int:
        return self.lending.supplied(self.name, self.spec.asset)

    def interest_earned(self) -> int:
        """Supply balance minus principal, token units."""
        return self.supplied() - self.principal

    def value(self) -> float:
        return super().value() + self.market.value(self.spec.asset, self.supplied())

    def report(self) -> dict[str, object]:
        dec = 10 ** self.market.decimals[self.spec.asset]
        return {
            "supplied": self.supplied() / dec,
            "interest_earned": self.interest_earned() / dec,
            "supply_rate_pct": self.lending.supply_rate(self.spec.asset) * 100,
        }


def build(model: mesa.Model, cohort: str, spec: LendingSupplierSpec) -> list[LendingSupplier]:
    """Create the cohort and supply each agent's capital at genesis. A liquid-staking token is
    not handed out of nothing: the agent is funded in its underlying and stakes it at the
    protocol first (as an `lst_lp` does), so every LST unit it supplies is backed."""
    capital = sample(spec.capital, world_of(model).rng, spec.count).clip(0, None)
    agents = []
    for i in range(spec.count):
        a = LendingSupplier(model, cohort=cohort, spec=spec)
        market = a.market
        staking = market.protocols.staking.get(spec.asset)
        if staking is None:
            amount = market.units(spec.asset, float(capital[i]))
            market.ledger.mint(a.name, spec.asset, amount)
        else:
            stake = market.units(staking.spec.underlying, float(capital[i]))
            market.ledger.mint(a.name, staking.spec.underlying, stake)
            amount = market.protocols.stake(a.name, spec.asset, stake) if stake > 0 else 0
        a.supply_now(amount)
        a.fund(0.0, {}, spec.gas_reserve)
        agents.append(a)
    return agents

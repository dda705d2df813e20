"""Liquidity providers: deposit into a pool, earn its fees, bear its impermanent loss.

A provider deposits its capital at the reference price (half in each token for
a pair, equal value per coin for StableSwap), holds its LP tokens, and may
leave at `exit_block`. It reports its position against simply holding the
tokens it deposited (HODL).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, MarketAgent
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, Tx
from sim.config import Amount, sample
from sim.market.world import world_of
from sim.pools.liquidity import deposit, withdraw


class LiquidityProviderSpec(AgentSpec):
    """A cohort of passive liquidity providers in one pool."""

    kind: Literal["liquidity_provider"]
    pool: str = Field(description="pool these providers deposit into")
    capital: Amount = Field(100_000.0, description="capital per provider, numeraire")
    enter_block: int = Field(
        0, ge=0, le=50_000_000, description="block of the deposit (0 = before trading starts)"
    )
    exit_block: int | None = Field(
        None, ge=1, le=50_000_000, description="block to withdraw everything, if any"
    )


class LiquidityProvider(MarketAgent):
    kind: ClassVar[str] = "liquidity_provider"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: LiquidityProviderSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        self.pool = self.market.pools[spec.pool]
        self.deposited: dict[str, int] = {}
        self.capital = 0.0
        self.exited = False

    def target_amounts(self) -> dict[str, int]:
        """Equal value of each pool token at the reference price, as far as the wallet allows."""
        share = self.capital / len(self.pool.tokens)
        return {t: min(self.market.units(t, share), self.wallet[t]) for t in self.pool.tokens}

    def enter_at_genesis(self) -> None:
        if self.spec.enter_block == 0:
            self.enter_now()

    def enter_now(self) -> None:
        """Deposit directly (genesis liquidity, before any block is built)."""
        before = {t: self.wallet[t] for t in self.pool.tokens}
        deposit(self.pool, self.name, self.wallet, self.target_amounts())
        self.deposited = {t: before[t] - self.wallet[t] for t in self.pool.tokens}

    def act(self) -> None:
        block = self.market.block
        if block == self.spec.enter_block and not self.deposited:
            self.market.chain.submit(
                Tx(
                    self.name,
                    Call(self._enter, self.market.chain.gas.add_liquidity, (self.pool,)),
                    0.0,
                    Intent.LP,
                )
            )
        if self.spec.exit_block == block and not self.exited and self.pool.lp_shares(self.name):
            self.market.chain.submit(
                Tx(
                    self.name,
                    Call(self._exit, self.market.chain.gas.remove_liquidity, (self.pool,)),
                    0.0,
                    Intent.LP,
                )
            )

    def _enter(self, chain: Chain, sender: str) -> Receipt:
        self.enter_now()
        return Receipt(kind="add_liquidity", pool=self.pool.name, detail=dict(self.deposited))

    def _exit(self, chain: Chain, sender: str) -> Receipt:
        paid = withdraw(self.pool, self.name, self.wallet, self.pool.lp_shares(self.name))
        self.exited = True
        return Receipt(kind="remove_liquidity", pool=self.pool.name, detail=dict(paid))

    def position_value(self) -> float:
        """Numeraire value of this provider's claim on the pool."""
        held = self.pool.lp_claim(self.name)
        return sum(self.market.value(t, a) for t, a in held.items())

    def value(self) -> float:
        """Wallet plus the claim on the pool."""
        return super().value() + self.position_value()

    def hodl_value(self) -> float:
        """Numeraire value today of the tokens deposited, had they been held instead."""
        return sum(self.market.value(t, a) for t, a in self.deposited.items())

    def report(self) -> dict[str, object]:
        hodl = self.hodl_value()
        pos = self.position_value()
        return {
            "pool": self.pool.name,
            "lp_shares": self.pool.lp_shares(self.name),
            "position_value": pos,
            "hodl_value": hodl,
            "lp_vs_hodl_pct": (pos / hodl - 1) * 100 if hodl and not self.exited else None,
        }


def build(model: mesa.Model, cohort: str, spec: LiquidityProviderSpec) -> list[LiquidityProvider]:
    """Create and fund the cohort; genesis providers deposit before the first block."""
    capital = sample(spec.capital, world_of(model).rng, spec.count).clip(0, None)
    agents = []
    for i in range(spec.count):
        a = LiquidityProvider(model, cohort=cohort, spec=spec)
        a.capital = float(capital[i])
        a.fund(a.capital, dict.fromkeys(a.pool.tokens, 1.0), spec.gas_reserve)
        agents.append(a)
    return agents

"""Passive lenders: supply one asset to a lending market at genesis and earn its supply rate.

They are the other side of leveraged staking: the underlying that `lst_looper` agents borrow
is what these agents supplied. A supplier of a liquid-staking token stakes the underlying for it
at genesis, so the LST it supplies is backed like any other. From `withdraw_at_block` on, a
lender takes `withdraw_share` of its supply back. Aave v3 cannot pay out more than the reserve's cash (what is not lent
out): a withdrawal beyond it reverts (`WithdrawalBlocked`, counted by the market), so the
lender takes what cash there is and tries again for the rest every `retry_every_blocks`.
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
from sim.errors import ProtocolError
from sim.market.world import world_of
from sim.protocols.lending import LendingMarket, WithdrawalBlocked


class LendingSupplierSpec(AgentSpec):
    """A cohort of passive lenders who supply one asset to a lending market at genesis."""

    kind: Literal["lending_supplier"]
    market: str = Field(description="lending market supplied to")
    asset: str = Field("ETH", description="asset supplied")
    capital: Amount = Field(1_000.0, description="supply per agent, numeraire units")
    withdraw_at_block: int | None = Field(
        None, ge=1, le=50_000_000, description="block from which it withdraws (None: it never does)"
    )
    withdraw_share: float = Field(
        1.0, gt=0, le=1, description="share of its supply it withdraws then"
    )
    retry_every_blocks: int = Field(
        10, ge=1, le=50_000_000, description="blocks between tries while the reserve lacks the cash"
    )


class LendingSupplier(MarketAgent):
    kind: ClassVar[str] = "lending_supplier"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: LendingSupplierSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        self.lending: LendingMarket = self.market.protocols.lending[spec.market]
        self.principal = 0
        """Token units supplied."""
        self.to_withdraw: int | None = None
        """Token units still to withdraw (None: not started)."""
        self.withdrawn = 0
        self.blocked = 0
        """Withdrawals the market refused for want of cash (each retry counts)."""

    def supply_now(self, amount: int) -> None:
        """Genesis supply (before the first block), like a provider's genesis deposit."""
        if amount > 0:
            self.market.protocols.supply(self.spec.market, self.name, self.spec.asset, amount)
            self.principal += amount

    def act(self) -> None:
        at = self.spec.withdraw_at_block
        block = self.market.block
        if at is None or block < at or (block - at) % self.spec.retry_every_blocks:
            return
        if self.to_withdraw is None:
            self.to_withdraw = int(self.supplied() * self.spec.withdraw_share)
        chain = self.market.chain
        if self.to_withdraw <= 0 or chain.pending_from(self.name):
            return
        call = Call(self._withdraw, chain.gas.lending, ())
        chain.submit(Tx(self.name, call, 0.0, Intent.LEND_WITHDRAW))

    def _withdraw(self, chain: Chain, sender: str) -> Receipt:
        """`Pool.withdraw` of what is left to take; if the reserve's cash is short (v3
        reverts), a second call for the cash there is, the rest later."""
        protocols, asset = self.market.protocols, self.spec.asset
        want = min(self.to_withdraw or 0, self.supplied())
        try:
            paid = protocols.withdraw(self.spec.market, sender, asset, want)
        except WithdrawalBlocked:
            self.blocked += 1
            cash = self.lending.totals(asset).cash
            if cash <= 0:
                raise
            paid = protocols.withdraw(self.spec.market, sender, asset, min(want, cash))
        except ProtocolError:
            self.to_withdraw = 0  # nothing it may take (e.g. its supply is gone)
            raise
        self.withdrawn += paid
        self.to_withdraw = max(0, want - paid)
        return Receipt(kind="lend_withdraw", detail={"asset": asset, "amount": paid})

    def supplied(self) -> int:
        return self.lending.supplied(self.name, self.spec.asset)

    def interest_earned(self) -> int:
        """Supply balance plus withdrawals minus principal, token units."""
        return self.supplied() + self.withdrawn - self.principal

    def value(self) -> float:
        return super().value() + self.market.value(self.spec.asset, self.supplied())

    def report(self) -> dict[str, object]:
        dec = 10 ** self.market.decimals[self.spec.asset]
        return {
            "supplied": self.supplied() / dec,
            "interest_earned": self.interest_earned() / dec,
            "supply_rate_pct": self.lending.supply_rate(self.spec.asset) * 100,
            "withdrawn": self.withdrawn / dec,
            "withdrawals_blocked": self.blocked,
            "still_to_withdraw": (self.to_withdraw or 0) / dec,
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

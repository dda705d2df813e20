"""Liquidity providers of an LST/underlying pool: stake half the capital, deposit both sides.

An `lst_lp` is a `liquidity_provider` whose pool trades a liquid staking token against its
underlying (stETH/ETH). It cannot be handed LST out of nothing: it is funded in the
underlying and stakes half of it at the protocol at genesis (so every LST unit is backed),
then deposits the LST and the other half as balanced liquidity at the protocol's exchange
rate, which is also the price a rate-oracle pool reads. It holds the position like any
passive LP (`enter_block`, `exit_block`), and reports it against holding what it deposited.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.liquidity_provider import LiquidityProvider, LiquidityProviderSpec
from sim.config import sample
from sim.errors import ProtocolError
from sim.market.world import world_of
from sim.protocols.staking import LiquidStaking


class LstLPSpec(LiquidityProviderSpec):
    """A cohort of liquidity providers in an LST/underlying pool."""

    kind: Literal["lst_lp"]
    lst: str = Field(description="liquid staking token of the pool (staked at genesis)")


class LstLP(LiquidityProvider):
    kind: ClassVar[str] = "lst_lp"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: LstLPSpec) -> None:
        super().__init__(model, cohort=cohort, spec=spec)
        self.lst = spec.lst
        self.staking: LiquidStaking = self.market.protocols.staking[spec.lst]
        self.underlying = self.staking.spec.underlying
        if set(self.pool.tokens) != {self.lst, self.underlying}:
            raise ProtocolError(
                f"pool {self.pool.name} trades {', '.join(self.pool.tokens)}, "
                f"not {self.lst} against {self.underlying}"
            )

    def target_amounts(self) -> dict[str, int]:
        """Half the capital in the underlying, the other half in the LST at the exchange rate
        (a balanced deposit for a pool that reads the rate), as far as the wallet allows."""
        half = self.market.units(self.underlying, self.capital / 2)
        return {
            self.lst: min(self.staking.to_lst(half), self.wallet.get(self.lst, 0)),
            self.underlying: min(half, self.wallet.get(self.underlying, 0)),
        }


def build(model: mesa.Model, cohort: str, spec: LstLPSpec) -> list[LstLP]:
    """Create the cohort: each agent gets its capital in the underlying and stakes half of it."""
    capital = sample(spec.capital, world_of(model).rng, spec.count).clip(0, None)
    agents = []
    for i in range(spec.count):
        a = LstLP(model, cohort=cohort, spec=spec)
        a.capital = float(capital[i])
        market = a.market
        total = market.units(a.underlying, a.capital)
        market.ledger.mint(a.name, a.underlying, total)
        if total - total // 2 > 0:
            market.protocols.stake(a.name, a.lst, total - total // 2)
        a.fund(0.0, {}, spec.gas_reserve)
        agents.append(a)
    return agents

"""Every agent kind a scenario can name: its config spec and the function that builds a cohort."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import mesa
from pydantic import Field

from agents import (
    arbitrageur,
    lending_supplier,
    liquidator,
    liquidity_provider,
    lst_arbitrageur,
    lst_looper,
    lst_lp,
    mining_lp,
    noise_trader,
    oracle_attacker,
    panic_seller,
    range_lp,
    rug_puller,
    sandwicher,
    token_buyer,
)
from agents.base import AgentSpec, MarketAgent


@dataclass(frozen=True, slots=True)
class Kind[S: AgentSpec]:
    """One agent kind: the spec that configures a cohort, and the function that builds it."""

    spec: type[S]
    build: Callable[[mesa.Model, str, S], Sequence[MarketAgent]]

    def build_cohort(self, model: mesa.Model, cohort: str, spec: AgentSpec) -> list[MarketAgent]:
        if not isinstance(spec, self.spec):
            raise TypeError(f"{type(spec).__name__} does not configure {self.spec.__name__}")
        return list(self.build(model, cohort, spec))


KINDS: dict[str, Kind[Any]] = {
    "liquidity_provider": Kind(liquidity_provider.LiquidityProviderSpec, liquidity_provider.build),
    "noise_trader": Kind(noise_trader.NoiseTraderSpec, noise_trader.build),
    "arbitrageur": Kind(arbitrageur.ArbitrageurSpec, arbitrageur.build),
    "sandwich_bot": Kind(sandwicher.SandwichBotSpec, sandwicher.build),
    "range_lp": Kind(range_lp.RangeLPSpec, range_lp.build),
    "lst_looper": Kind(lst_looper.LstLooperSpec, lst_looper.build),
    "lending_supplier": Kind(lending_supplier.LendingSupplierSpec, lending_supplier.build),
    "liquidator": Kind(liquidator.LiquidatorSpec, liquidator.build),
    "panic_seller": Kind(panic_seller.PanicSellerSpec, panic_seller.build),
    "lst_lp": Kind(lst_lp.LstLPSpec, lst_lp.build),
    "lst_arbitrageur": Kind(lst_arbitrageur.LstArbitrageurSpec, lst_arbitrageur.build),
    # issue 6: liquidity mining and rug pulls
    "mining_lp": Kind(mining_lp.MiningLPSpec, mining_lp.build),
    "token_developer": Kind(rug_puller.TokenDeveloperSpec, rug_puller.build),
    "token_buyer": Kind(token_buyer.TokenBuyerSpec, token_buyer.build),
    # issue 22: oracle manipulation
    "oracle_attacker": Kind(oracle_attacker.OracleAttackerSpec, oracle_attacker.build),
}
"""Kind name (the `kind` field of its spec) -> Kind, in the order of `AnyAgentSpec`."""

AnyAgentSpec = Annotated[
    liquidity_provider.LiquidityProviderSpec
    | noise_trader.NoiseTraderSpec
    | arbitrageur.ArbitrageurSpec
    | sandwicher.SandwichBotSpec
    | range_lp.RangeLPSpec
    | lst_looper.LstLooperSpec
    | lending_supplier.LendingSupplierSpec
    | liquidator.LiquidatorSpec
    | panic_seller.PanicSellerSpec
    | lst_lp.LstLPSpec
    | lst_arbitrageur.LstArbitrageurSpec
    | mining_lp.MiningLPSpec
    | rug_puller.TokenDeveloperSpec
    | token_buyer.TokenBuyerSpec
    | oracle_attacker.OracleAttackerSpec,
    Field(discriminator="kind"),
]
"""A scenario's agent cohort: the spec of one of `KINDS`, chosen by its `kind` field (a test
holds the two lists equal)."""

_BY_SPEC: dict[type[AgentSpec], Kind[Any]] = {k.spec: k for k in KINDS.values()}


def build_cohort(model: mesa.Model, cohort: str, spec: AgentSpec) -> list[MarketAgent]:
    """Create the agents of one scenario cohort."""
    return _BY_SPEC[type(spec)].build_cohort(model, cohort, spec)

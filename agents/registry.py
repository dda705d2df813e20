"""Every agent kind a scenario can name: its config spec and the function that builds a cohort."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Union

import mesa
from pydantic import Field

from agents import (
    arbitrageur,
    liquidator,
    liquidity_provider,
    lst_arbitrageur,
    lst_looper,
    mining_lp,
    noise_trader,
    panic_seller,
    range_lp,
    rug_puller,
    sandwicher,
    token_buyer,
)
from agents.base import AgentSpec, MarketAgent

Builder = Callable[[mesa.Model, str, Any], list[MarketAgent]]

KINDS: dict[str, tuple[type[AgentSpec], Builder]] = {
    "liquidity_provider": (liquidity_provider.LiquidityProviderSpec, liquidity_provider.build),
    "noise_trader": (noise_trader.NoiseTraderSpec, noise_trader.build),
    "arbitrageur": (arbitrageur.ArbitrageurSpec, arbitrageur.build),
    "sandwich_bot": (sandwicher.SandwichBotSpec, sandwicher.build),
    "range_lp": (range_lp.RangeLPSpec, range_lp.build),
    "lst_looper": (lst_looper.LstLooperSpec, lst_looper.build),
    "lending_supplier": (lst_looper.LendingSupplierSpec, lst_looper.build_suppliers),
    "liquidator": (liquidator.LiquidatorSpec, liquidator.build),
    "panic_seller": (panic_seller.PanicSellerSpec, panic_seller.build),
    "lst_arbitrageur": (lst_arbitrageur.LstArbitrageurSpec, lst_arbitrageur.build),
    # issue 6: liquidity mining and rug pulls
    "mining_lp": (mining_lp.MiningLPSpec, mining_lp.build),
    "token_developer": (rug_puller.TokenDeveloperSpec, rug_puller.build),
    "token_buyer": (token_buyer.TokenBuyerSpec, token_buyer.build),
}

AnyAgentSpec = Annotated[
    Union[tuple(spec for spec, _ in KINDS.values())],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="kind"),
]


def build_cohort(model: mesa.Model, cohort: str, spec: AgentSpec) -> list[MarketAgent]:
    """Create the agents of one scenario cohort."""
    return KINDS[spec.kind][1](model, cohort, spec)  # type: ignore[attr-defined]

"""Every agent kind a scenario can name: its config spec and the function that builds a cohort."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Union

import mesa
from pydantic import Field

from agents import arbitrageur, liquidity_provider, noise_trader, sandwicher
from agents.base import AgentSpec, MarketAgent

Builder = Callable[[mesa.Model, str, Any], list[MarketAgent]]

KINDS: dict[str, tuple[type[AgentSpec], Builder]] = {
    "liquidity_provider": (liquidity_provider.LiquidityProviderSpec, liquidity_provider.build),
    "noise_trader": (noise_trader.NoiseTraderSpec, noise_trader.build),
    "arbitrageur": (arbitrageur.ArbitrageurSpec, arbitrageur.build),
    "sandwich_bot": (sandwicher.SandwichBotSpec, sandwicher.build),
}

AnyAgentSpec = Annotated[
    Union[tuple(spec for spec, _ in KINDS.values())],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="kind"),
]


def build_cohort(model: mesa.Model, cohort: str, spec: AgentSpec) -> list[MarketAgent]:
    """Create the agents of one scenario cohort."""
    return KINDS[spec.kind][1](model, cohort, spec)  # type: ignore[attr-defined]

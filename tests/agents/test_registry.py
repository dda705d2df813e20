"""The registry of agent kinds: the scenario's union of specs and the builders agree."""

from __future__ import annotations

import typing

import pytest
from conftest import BASE

from agents.liquidity_provider import LiquidityProviderSpec
from agents.registry import KINDS, AnyAgentSpec, build_cohort
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario


def test_the_union_lists_every_kind_in_order() -> None:
    (union, _field) = typing.get_args(AnyAgentSpec)
    assert typing.get_args(union) == tuple(k.spec for k in KINDS.values())


def test_each_kind_is_named_by_its_spec() -> None:
    for name, kind in KINDS.items():
        assert typing.get_args(kind.spec.model_fields["kind"].annotation) == (name,)


def test_a_cohort_is_built_by_its_own_kind() -> None:
    model = MarketModel(load_scenario(BASE))
    spec = LiquidityProviderSpec.model_validate(
        {"kind": "liquidity_provider", "count": 2, "pool": "eth_usdc"}
    )
    built = build_cohort(model, "more", spec)
    assert [a.kind for a in built] == ["liquidity_provider"] * 2
    assert [a.cohort for a in built] == ["more", "more"]
    with pytest.raises(TypeError, match="LiquidityProviderSpec does not configure"):
        KINDS["noise_trader"].build_cohort(model, "wrong", spec)

"""The narrow path reports read agents through: every agent of a kind has what its view
promises, and the views pick agents by kind alone."""

from __future__ import annotations

from collections import Counter

from sim.model.agent_views import (
    AgentView,
    Developer,
    Miner,
    PassiveLP,
    TokenBuyer,
    cautious,
    developers,
    is_token_buyer,
    miners,
    passive_lps,
)
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario


def test_every_agent_of_a_kind_has_what_its_view_reads() -> None:
    model = MarketModel(load_scenario("rug_pull", {"agents.retail.count": 2}))
    agents = model.market_agents
    kinds = Counter(a.kind for a in agents)
    assert all(isinstance(a, AgentView) for a in agents)
    lps, mining, devs = passive_lps(agents), miners(agents), developers(agents)
    buyers = [a for a in agents if is_token_buyer(a)]
    assert len(lps) == kinds["liquidity_provider"] > 0
    assert len(mining) == kinds["mining_lp"] > 0
    assert len(devs) == kinds["token_developer"] == 2
    assert len(buyers) == kinds["token_buyer"] > 0
    assert all(isinstance(a, PassiveLP) for a in lps)
    assert all(isinstance(a, Miner) for a in mining)
    assert all(isinstance(a, Developer) for a in devs)
    assert all(isinstance(a, TokenBuyer) for a in buyers)
    # the views are by kind: a miner is no developer, a trader none of them
    assert not any(isinstance(a, Developer) for a in mining)
    assert sorted(d.spec.pull for d in devs) == ["dump", "never"]
    assert all({d.token, d.quote} == set(d.pool.tokens) for d in devs)
    assert not any(d.pulled or d.rug for d in devs)  # nothing happened yet


def test_only_miners_and_token_buyers_are_cautious_or_naive() -> None:
    model = MarketModel(load_scenario("rug_pull", {"agents.retail.count": 2}))
    flags: dict[str, set[bool | None]] = {a.kind: set() for a in model.market_agents}
    for a in model.market_agents:
        flags[a.kind].add(cautious(a))
    assert flags["mining_lp"] == {True, False} and flags["token_buyer"] == {True, False}
    assert flags["noise_trader"] == flags["token_developer"] == {None}

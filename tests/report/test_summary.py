"""summary.json: a section appears only when its mechanism is in the run, and the headline LP
numbers come from the books and the LPs' own positions."""

from __future__ import annotations

from typing import Any

import pytest

from sim.model.agent_views import passive_lps
from sim.model.model import MarketModel
from sim.report.summary import summarize
from sim.scenario.scenario import load_scenario

SECTIONS = {"rug", "launches", "mining", "lending", "staking", "range_lps", "mev"}


def _summary(name: str, blocks: int, **overrides: Any) -> tuple[MarketModel, dict[str, Any]]:
    model = MarketModel(load_scenario(name, overrides, blocks=blocks))
    model.run_for(blocks)
    return model, summarize(model)


@pytest.fixture(scope="module")
def quickstart() -> tuple[MarketModel, dict[str, Any]]:
    return _summary("quickstart", 300, **{"agents.retail.count": 10})


def test_a_plain_pool_run_has_no_protocol_sections(quickstart: Any) -> None:
    _, s = quickstart
    assert not SECTIONS & set(s)  # no sandwich bot: no MEV section either, not one of zeros
    assert s["mechanisms"] == ["amm"]
    assert "x*y=k" in s["pools"]["eth_usdc"]["impermanent_loss_basis"]


def test_headline_lp_numbers_come_from_the_books_and_the_lps_positions(quickstart: Any) -> None:
    model, s = quickstart
    lps = passive_lps(model.market_agents)
    assert len(lps) == 5
    value = sum(a.position_value() for a in lps)
    hodl = sum(a.hodl_value() for a in lps)
    assert s["lp_vs_hodl_pct"] == pytest.approx((value / hodl - 1) * 100, rel=1e-12)
    # the pool's LP-share figure is a different number (one share against its start claim)
    assert s["lp_vs_hodl_pct"] != s["pools"]["eth_usdc"]["lp_vs_hodl_pct"]
    books = model.metrics
    income = sum(books.lp_fee_income(a.name) for a in model.market_agents)
    assert s["lp_fee_income"] == pytest.approx(income, rel=1e-12)
    assert 0 < s["lp_fee_income"] <= s["fees"]


def test_a_sandwich_bot_makes_every_slippage_cohort_a_potential_victim() -> None:
    _, s = _summary("sandwich_attack", 150, **{"agents.loose.count": 4, "agents.tight.count": 4})
    cohorts = s["mev"]["by_victim_cohort"]
    assert set(cohorts) == {"arbs", "loose", "tight"}  # every cohort with a slippage setting
    assert (cohorts["loose"]["slippage_bps"], cohorts["tight"]["slippage_bps"]) == (300, 10)
    assert s["mev"]["sandwiches"] == sum(c["sandwiches"] for c in cohorts.values())


def test_a_rug_section_needs_a_developer_who_may_pull() -> None:
    small = {"agents.retail.count": 4, "agents.miners.count": 4, "agents.buyers.count": 4}
    _, s = _summary("rug_pull", 120, **small)
    assert {"rug", "mining"} <= set(s)
    (rug,) = s["rug"]["rugs"]  # the scammer, not the honest farm team
    assert rug["pulled"] is False and rug["developer"].startswith("scammer#")
    _, honest = _summary("rug_pull", 120, **small, **{"agents.scammer.pull": "never"})
    assert "rug" not in honest and "mining" in honest


def test_lending_and_staking_sections_only_where_they_exist() -> None:
    _, s = _summary("steth_depeg", 120)
    assert {"lending", "staking"} <= set(s)
    assert not {"rug", "mining", "range_lps"} & set(s)
    assert set(s["staking"]) == {"stETH"} and "aave" in s["lending"]

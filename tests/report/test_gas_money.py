"""Bots that run out of gas money say so: agents.csv columns, a summary.json key and a printed
line per cohort, only when it happened."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT

from agents.arbitrageur import Arbitrageur
from sim.cli.headlines import human_summary
from sim.model.model import MarketModel
from sim.report.summary import agents_table, summarize
from sim.scenario.scenario import load_scenario

BLOCKS = 600
SCENARIOS = ROOT / "scenarios"


def _run(gas_reserve: float) -> tuple[MarketModel, dict[str, Any]]:
    """Two arbitrageurs of USDC/USDT, whose only ETH is their gas money, at 0.05 gwei."""
    overrides = {
        "agents.arb.gas_reserve": gas_reserve,
        "agents.arb.count": 2,
        "chain.base_fee_gwei": 0.05,
    }
    model = MarketModel(
        load_scenario(SCENARIOS / "bench_stableswap.toml", overrides, blocks=BLOCKS)
    )
    model.run_for(BLOCKS)
    return model, summarize(model)


def _arbs(model: MarketModel) -> list[Arbitrageur]:
    return [a for a in model.market_agents if isinstance(a, Arbitrageur)]


def test_tip_for_counts_the_bids_gas_money_cannot_pay() -> None:
    model = MarketModel(load_scenario(SCENARIOS / "quickstart.toml", blocks=10))
    model.step()
    arb = _arbs(model)[0]
    gas = model.market.chain.gas.swap
    assert arb.tip_for(gas, 1.0) == model.market.priority_fee_for(gas, 1.0)
    assert (arb.gas_short_block, arb.bids_capped, arb.bids_skipped) == (None, 0, 0)
    # a bid worth more than its whole native balance: capped at what the balance pays
    assert arb.tip_for(gas, 1e9) == pytest.approx(arb.max_tip_gwei(gas))
    assert (arb.gas_short_block, arb.bids_capped, arb.bids_skipped) == (1, 1, 0)
    model.step()
    # gas it cannot pay even at the base fee: skipped, the first block kept
    assert arb.tip_for(10**12, 1.0) is None
    assert (arb.gas_short_block, arb.bids_capped, arb.bids_skipped) == (1, 1, 1)


def test_a_cohort_out_of_gas_money_says_so() -> None:
    model, s = _run(2e-5)  # 0.06 USDC of ETH each: a few swaps
    arbs = _arbs(model)
    c = s["gas_money"]["arb"]
    assert set(s["gas_money"]) == {"arb"}  # retail and the LP bid nothing
    first = min(a.gas_short_block for a in arbs if a.gas_short_block is not None)
    assert 0 < c["first_block"] == first < BLOCKS
    assert c["first_day"] == pytest.approx(first * 60 / 86_400)
    assert (c["agents"], c["agents_short"]) == (2, 2)
    assert c["bids_capped"] == sum(a.bids_capped for a in arbs) > 0
    assert c["bids_skipped"] == sum(a.bids_skipped for a in arbs) > 0
    # the gas they paid is the gas money they had, no more
    paid = sum(model.metrics.agent(a.name).gas_cost for a in arbs)
    assert paid <= 2 * 2e-5 * model.market.price("ETH") * (1 + 1e-9)
    rows = {r["agent"]: r for r in agents_table(model)}
    for a in arbs:
        assert (
            rows[a.name]["gas_short_block"],
            rows[a.name]["bids_capped"],
            rows[a.name]["bids_skipped"],
        ) == (a.gas_short_block, a.bids_capped, a.bids_skipped)
    lines = [x for x in human_summary(s).splitlines() if "gas money" in x]
    assert lines == [
        f"  arb: gas money ran out at day {c['first_day']:.1f} (block {first:,}) for 2 of 2 "
        f"agents; {c['bids_capped']:,} bids capped, {c['bids_skipped']:,} skipped after that"
    ]


def test_no_gas_money_line_when_it_lasts() -> None:
    model, s = _run(1.0)
    assert "gas_money" not in s
    assert "gas money" not in human_summary(s)
    arbs = _arbs(model)
    assert all(a.opportunities > 0 for a in arbs)  # they did bid, and paid for it
    assert all(model.metrics.agent(a.name).gas_cost > 0 for a in arbs)
    rows = [r for r in agents_table(model) if r["kind"] == "arbitrageur"]
    assert [(r["gas_short_block"], r["bids_capped"], r["bids_skipped"]) for r in rows] == [
        (None, 0, 0)
    ] * 2

"""The value books: marks that cannot create value, P&L that sums to named terms, and a check
that fails the run when an agent's own valuation disagrees with its balance sheet."""

from __future__ import annotations

import math

import pytest

from sim.errors import ConservationError
from sim.model.model import MarketModel
from sim.report.summary import agents_table, summarize
from sim.runs.runner import advance, resolve
from sim.scenario.files import bundled
from sim.scenario.paths import parse_sets


def _model(name: str, blocks: int, *sets: str, seed: int | None = None, **kw: bool) -> MarketModel:
    sc = resolve(name, seed=seed, blocks=blocks, replicate=None, overrides=parse_sets(list(sets)))
    model = MarketModel(sc, **kw)
    advance(model, blocks)
    return model


@pytest.mark.parametrize("name", sorted(bundled()))
def test_every_bundled_scenario_conserves_value_after_every_block(name: str) -> None:
    """Under --check the value books close after each block; the summary lists the terms."""
    model = _model(name, 120, check_every_block=True)
    model.check()
    value = summarize(model)["value"]
    rows = agents_table(model)
    pnl = math.fsum(r["pnl"] for r in rows)
    assert pnl == pytest.approx(value["pnl"], rel=1e-12, abs=1e-6)
    explained = math.fsum(t["value"] for t in value["terms"].values())
    assert abs(pnl - explained - value["residual"]) <= 1e-6 * max(1.0, abs(pnl))
    assert abs(value["residual"]) <= value["tolerance"]


def test_a_pulled_token_is_worth_what_selling_it_fetches_and_the_developer_gain_agrees() -> None:
    """The issue's case: after `remove_liquidity` the SCAM pool still quotes its last price on
    a few wei of reserves. Marked at exit value SCAM is worth ~0, so the developer's P&L in
    agents.csv is what it took, as the rug books say (within 5%), and all P&L is explained."""
    model = _model("rug_pull", 5_000, "agents.scammer.pull=remove_liquidity", seed=5)
    model.check()
    summary = summarize(model)
    rug = summary["rug"]
    assert rug["rugs"][0]["variant"] == "remove_liquidity"
    pool = model.market.pools["scam_eth"]
    spot = pool.spot_price("SCAM", "ETH") * model.market.price("ETH")
    marks = summary["value"]["marks"]
    assert spot > 1e-7  # the emptied pool still quotes a price ...
    assert marks["SCAM"] < spot * 1e-6  # ... that the mark does not believe
    (dev,) = [r for r in agents_table(model) if r["agent"].startswith("scammer")]
    assert dev["pnl"] == pytest.approx(rug["developer_gain"], rel=0.05)
    assert dev["pnl"] < rug["rugs"][0]["quote_taken_value"]
    total = sum(r["pnl"] for r in agents_table(model))
    assert total < 0  # the market fell and gas was burned: no +$4.7M from nowhere
    assert total == pytest.approx(summary["value"]["pnl"], rel=1e-9)


def test_an_agent_valuing_itself_above_its_balance_sheet_fails_the_check() -> None:
    model = _model("quickstart", 30)
    model.check()
    agent = model.market_agents[0]
    honest = agent.value
    agent.value = lambda: honest() + 1_000.0  # type: ignore[method-assign]
    with pytest.raises(ConservationError, match=rf"value created or lost.*{agent.name}"):
        model.check()


def test_gas_and_tips_are_named_terms() -> None:
    """Gas burned and builder tips leave the agents: each is a term of the value books whose
    size is the ledger's own record of it at end marks."""
    model = _model("sandwich_attack", 300)
    closed = model.value_books.check()
    market = model.market
    eth = market.chain.native
    before = model.value_books.start_flows.get("gas", {}).get(eth, 0)
    burned = before - market.ledger.flows["gas"][eth]  # burns are booked negative
    assert burned > 0
    assert closed.terms["gas"] == pytest.approx(
        -burned / market.scale[eth] * closed.marks[eth], rel=1e-12
    )
    tips = market.ledger.wallet("block_builder")[eth]
    assert tips > 0
    assert closed.terms["block_builder"] == pytest.approx(
        -tips / market.scale[eth] * closed.marks[eth], rel=1e-9
    )


def test_a_liquid_staking_token_is_marked_at_least_at_redemption() -> None:
    model = _model("steth_depeg", 200)
    closed = model.value_books.check()
    lido = model.market.protocols.staking["stETH"]
    assert closed.marks["stETH"] >= lido.exchange_rate() * closed.marks["ETH"] * (1 - 1e-12)
    pool_quote = model.market.pools["steth_eth"].spot_price("stETH", "ETH")
    assert closed.marks["stETH"] >= min(pool_quote, lido.exchange_rate()) * closed.marks["ETH"]

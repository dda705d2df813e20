"""Rug pulls in a model run: the rug happens and is logged, value is conserved at end marks,
each variant works, locks hold, and caution pays across seeds (while cautious miners still earn)."""

from __future__ import annotations

from typing import Any

import pytest

from agents.mining_lp import MiningLP
from agents.rug_puller import TokenDeveloper
from agents.token_buyer import TokenBuyer
from sim.model.balance_sheet import sheet, total
from sim.model.model import MarketModel
from sim.report.rug_summary import rug_accounting
from sim.runs.runner import run
from sim.scenario.scenario import load_scenario

SHORT: dict[str, Any] = {
    "agents.retail.count": 10,
    "agents.miners.count": 16,
    "agents.buyers.count": 12,
    "agents.scammer.trigger_block": 2_000,
    "output.record_every": 100,
}
BLOCKS = 2_600


def _run(seed: int = 5, **overrides: Any) -> Any:
    return run("rug_pull", seed=seed, blocks=BLOCKS, overrides={**SHORT, **overrides}, out=None)


@pytest.fixture(scope="module")
def dumped() -> Any:
    return _run()


def test_the_rug_happens_and_is_logged(dumped) -> None:  # type: ignore[no-untyped-def]
    rug = dumped.summary["rug"]
    (r,) = rug["rugs"]
    assert r["variant"] == "dump" and r["block"] <= 2_000
    assert r["quote_taken_value"] > 0 and r["price_after"] < 0.1 * r["price_before"]
    assert r["token_moved"] == pytest.approx(-0.8e9)
    notes = dumped.events[dumped.events["label"] == "rug"]
    assert any("rug (dump" in str(n) and f"block {r['block']}" in str(n) for n in notes["note"])
    assert rug["developer_gain"] > 0 and rug["victims_loss"] > 0
    assert rug["victims"], "someone lost to the rug"


def test_value_is_conserved_in_the_rug(dumped) -> None:  # type: ignore[no-untyped-def]
    rug = dumped.summary["rug"]
    # victims' losses = developer's gain + others' gains + gas (burned + tipped)
    #                   + change in holdings outside agents (locked minimum liquidity, unpaid
    #                   rewards) - value minted (reward emissions), all at end-price marks
    rhs = (
        rug["developer_gain"]
        + rug["others_gain"]
        + rug["gas_cost"]
        + rug["outside_other"]
        - rug["minted"]
    )
    assert rug["victims_loss"] == pytest.approx(rhs, rel=1e-9, abs=1e-6)
    assert abs(rug["conservation_residual"]) < 1e-6


def test_accounting_matches_an_independent_token_count() -> None:
    """Σ gains from per-agent holdings equals the ledger's view token by token (no prices)."""
    sc = load_scenario("rug_pull", SHORT, blocks=2_100)
    model = MarketModel(sc)
    for _ in range(sc.scenario.blocks):
        model.step()
    model.check()
    ledger = model.market.ledger
    start = model.value_books.start_sheets
    flows_then = model.value_books.start_flows
    for token in model.market.decimals:
        now = {a.name: total(sheet(model.market, a.name)) for a in model.market_agents}
        agents_delta = sum(now[n].get(token, 0) - start[n].get(token, 0) for n in now)
        supply_then = sum(f.get(token, 0) for f in flows_then.values())
        assert ledger.supply(token) == sum(f.get(token, 0) for f in ledger.flows.values())
        outside_now = ledger.supply(token) - sum(h.get(token, 0) for h in now.values())
        outside_then = supply_then - sum(h.get(token, 0) for h in start.values())
        supply_change = ledger.supply(token) - supply_then
        assert agents_delta == supply_change - (outside_now - outside_then), token
    # outside agents: the builder's tips, the chef's unpaid FARM, pools' locked minimum liquidity
    acc = rug_accounting(model)
    assert acc["gas_burned"] > 0 and acc["minted"] > 0


def test_a_liquidity_pull_is_marked_at_what_holders_can_still_sell_for() -> None:
    """After `remove_liquidity` the emptied pool still quotes its last price on a few wei of
    reserves; the accounting marks SCAM at what selling it would fetch, so the victims' loss
    shows and the developer's gain is the ETH it took beyond its seed."""
    res = _run(**{"agents.scammer.pull": "remove_liquidity", "agents.scammer.trigger_tvl": 1e12})
    rug = res.summary["rug"]
    (r,) = rug["rugs"]
    assert r["variant"] == "remove_liquidity" and r["block"] == 2_000
    assert rug["marks"]["SCAM"] < 0.01 * r["price_before"]
    assert rug["victims"] and rug["victims_loss"] > 10_000
    eth = rug["marks"]["ETH"]
    seed_eth = 100_000 / 3_000  # seed_value at the genesis ETH price
    assert rug["developer_gain"] / eth == pytest.approx(r["quote_taken"] - seed_eth, abs=0.5)
    assert abs(rug["conservation_residual"]) < 1e-6
    assert rug["miners"]["cautious"]["lost"] == 0 and rug["miners"]["naive"]["lost"] > 0


@pytest.mark.parametrize("variant", ["remove_liquidity", "mint_and_dump"])
def test_variants(variant: str) -> None:
    overrides = {
        "agents.scammer.pull": variant,
        "agents.scammer.mint_authority": True,
        "agents.scammer.trigger_tvl": 1e12,
        "agents.scammer.trigger_block": 900,
    }
    sc = load_scenario("rug_pull", {**SHORT, **overrides}, blocks=1_000)
    model = MarketModel(sc)
    dev = next(a for a in model.market_agents if a.cohort == "scammer")
    assert isinstance(dev, TokenDeveloper)
    minted_before = model.market.ledger.minted["SCAM"]
    pool = model.market.pools["scam_eth"]
    for _ in range(sc.scenario.blocks):
        model.step()
    model.check()
    assert dev.rug is not None and dev.rug["block"] == 900
    if variant == "remove_liquidity":
        assert pool.balance_of.get(dev.name, 0) == 0
        assert dev.rug["quote_taken"] > 0 and dev.rug["minted"] == 0
        assert model.market.ledger.minted["SCAM"] == minted_before
    else:
        assert model.market.ledger.minted["SCAM"] - minted_before == 10 * 10**9 * 10**18
        assert dev.rug["minted"] == pytest.approx(1e10)
        assert dev.rug["price_after"] < 0.01 * dev.rug["price_before"]
    assert "rug:SCAM" in model.market.news


def test_a_locked_developer_cannot_remove_liquidity_before_the_unlock() -> None:
    overrides = {
        "agents.scammer.pull": "remove_liquidity",
        "agents.scammer.lock_blocks": 700,
        "agents.scammer.trigger_tvl": 1e12,
        "agents.scammer.trigger_block": 300,
    }
    sc = load_scenario("rug_pull", {**SHORT, **overrides}, blocks=800)
    model = MarketModel(sc)
    dev = next(a for a in model.market_agents if a.cohort == "scammer")
    assert isinstance(dev, TokenDeveloper)
    for _ in range(699):
        model.step()
    assert dev.rug is None and dev.pool.balance_of[dev.name] > 0
    for _ in range(101):
        model.step()
    assert dev.rug is not None and dev.rug["block"] == 700
    model.check()


def test_cautious_lose_less_than_naive_across_seeds() -> None:
    loss = {"cautious": 0.0, "naive": 0.0}
    exposed = {"cautious": 0, "naive": 0}
    cautious_rewards = cautious_fees = 0.0
    for seed in range(1, 6):
        res = _run(seed=seed)
        rug = res.summary["rug"]
        assert rug["rugs"][0].get("block") is not None, f"seed {seed}: no rug"
        assert abs(rug["conservation_residual"]) < 1e-6
        for group in ("miners", "buyers"):
            for label in ("cautious", "naive"):
                row = rug[group].get(label)
                if row:
                    loss[label] += row["lost"]
                    exposed[label] += row["exposed"]
        a = res.agents
        cautious = a[(a["kind"] == "mining_lp") & (a["cautious"] == True)]  # noqa: E712
        cautious_rewards += cautious["reward_value"].sum()
        cautious_fees += cautious["lp_fee_income"].sum()
        assert set(cautious["pools_entered"].fillna("")) <= {"", "eth_usdc"}
    assert exposed["cautious"] == 0 and loss["cautious"] == 0.0
    assert exposed["naive"] > 0 and loss["naive"] > 50_000
    # caution has a cost but still earns: rewards and fees in the legitimate pool
    assert cautious_rewards > 0 and cautious_fees > 0


def test_buyers_and_miners_report_their_choices(dumped) -> None:  # type: ignore[no-untyped-def]
    a = dumped.agents
    buyers = a[a["kind"] == "token_buyer"]
    assert (buyers[buyers["cautious"] == True]["buys"] == 0).all()  # noqa: E712
    rejected = buyers[buyers["cautious"] == True]["rejected_because"].fillna("")  # noqa: E712
    assert any("top holder" in r or "locked" in r for r in rejected)
    assert {MiningLP.kind, TokenBuyer.kind, TokenDeveloper.kind} <= set(a["kind"])

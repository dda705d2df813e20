"""Scheduled events fire at their block and do what they say."""

from __future__ import annotations

import pytest

from sim.errors import ScenarioError
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario


def model_with(raw: dict, events: dict) -> MarketModel:
    raw["events"] = events
    return MarketModel(load_scenario(raw))


def test_price_shock_multiplies_the_reference_price_at_its_block(raw: dict) -> None:
    raw["prices"]["ETH"]["sigma"] = 0.0
    raw["agents"]["retail"]["active"] = False  # the pool price below is the arbitrageurs' alone
    m = model_with(
        raw, {"crash": {"kind": "price_shock", "at_block": 10, "asset": "ETH", "factor": 0.5}}
    )
    m.run_for(9)
    assert m.market.price("ETH") == pytest.approx(3000.0)
    m.run_for(1)
    assert m.market.price("ETH") == pytest.approx(1500.0)
    m.run_for(5)
    # arbitrage follows the shock down, to within the 30 bps fee band
    pool = m.market.pools["eth_usdc"]
    assert pool.spot_price("ETH", "USDC") == pytest.approx(1500.0, rel=0.0031)


def test_fee_change_and_news_and_cohort_switch(raw: dict) -> None:
    raw["agents"]["retail"]["active"] = False
    m = model_with(
        raw,
        {
            "fee_cut": {"kind": "set", "at_block": 3, "path": "pools.eth_usdc.fee_bps", "value": 5},
            "fear": {"kind": "news", "at_day": 0.001, "flag": "depeg_fear"},
            "open": {"kind": "agents", "at_block": 20, "cohort": "retail", "active": True},
        },
    )
    pool = m.market.pools["eth_usdc"]
    m.run_for(2)
    assert pool.fee_bps == 30
    m.run_for(1)
    assert pool.fee_bps == 5
    m.run_for(5)  # day 0.001 = 86.4 s: block 8
    assert "depeg_fear" in m.market.news
    retail = [a.name for a in m.market_agents if a.cohort == "retail"]
    assert all(m.metrics.agent(n).swaps == 0 for n in retail)
    m.run_for(100)
    assert sum(m.metrics.agent(n).swaps for n in retail) > 0


def test_ramp_a_on_stableswap(raw: dict) -> None:
    raw["tokens"]["USDT"] = {"decimals": 6}
    raw["prices"]["USDT"] = {"process": "peg", "sigma": 0.0}
    raw["pools"]["stable"] = {
        "kind": "stableswap",
        "tokens": ["USDC", "USDT"],
        "A": 100,
        "fee_bps": 4,
    }
    raw["agents"]["slps"] = {
        "kind": "liquidity_provider",
        "count": 1,
        "pool": "stable",
        "capital": 1e6,
    }
    m = model_with(
        raw,
        {
            "ramp": {
                "kind": "ramp_A",
                "at_block": 1,
                "pool": "stable",
                "future_A": 200,
                "duration_days": 1,
            }
        },
    )
    pool = m.market.pools["stable"]
    m.run_for(1 + 3600)  # half a day of 12 s blocks into the ramp
    assert 140 <= pool.A() <= 160
    m.run_for(3700)
    assert pool.A() == 200


def test_bad_event_references_are_scenario_errors(raw: dict) -> None:
    raw["events"] = {"z": {"kind": "news", "flag": "f"}}
    with pytest.raises(ScenarioError, match=r"events\.z: give exactly one of at_block or at_day"):
        load_scenario(raw)
    raw["events"] = {
        "x": {"kind": "price_shock", "at_block": 1, "asset": "BTC", "factor": 2},
        "y": {"kind": "set", "at_block": 1, "path": "pools.eth_usdc.tokens", "value": 1},
    }
    with pytest.raises(ScenarioError) as info:
        load_scenario(raw)
    msg = str(info.value)
    assert "events.x.asset" in msg and "events.y.path" in msg


@pytest.mark.parametrize("param", ["start", "process"])
def test_a_set_event_on_a_fixed_price_field_is_refused_at_load(raw: dict, param: str) -> None:
    """A process's start and kind shape its path from block 0: known before block 1."""
    raw["events"] = {"s": {"kind": "set", "at_block": 3, "path": f"prices.ETH.{param}", "value": 5}}
    with pytest.raises(ScenarioError, match=rf"events\.s\.path: 'prices\.ETH\.{param}' cannot"):
        load_scenario(raw)


def test_an_event_the_running_model_refuses_names_the_file_and_field(raw: dict) -> None:
    """What an event meets mid-run (here a set that bypassed load-time checks, and a ramp the
    contract rejects) is a scenario error naming the file and the event's field, not a bare
    message from the process or pool."""
    from sim.model.events import fire
    from sim.scenario.events import SetParam

    m = model_with(raw, {})
    m.run_for(2)
    ev = SetParam(kind="set", at_block=2, path="prices.ETH.start", value=5)
    with pytest.raises(ScenarioError) as info:
        fire("s", ev, m, "my.toml")
    assert str(info.value).startswith("my.toml: events.s.path: at block 2: ")
    assert "'start' cannot change" in str(info.value)
    ev = SetParam(kind="set", at_block=2, path="pools.eth_usdc.fee_bps", value=1.5)
    with pytest.raises(ScenarioError, match=r"^my\.toml: events\.s\.path: at block 2: .*whole"):
        fire("s", ev, m, "my.toml")

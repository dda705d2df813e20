"""A liquidity miner's decisions: it enters when its estimate beats its hurdle, stays out
otherwise, and a cautious one skips a pool whose token fails its checks."""

from __future__ import annotations

from typing import Any

from mining_helpers import mining_model

from agents.mining_lp import MiningLP
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario

FAST: dict[str, Any] = {
    "agents.miners.window_blocks": 50,  # 11 samples; it ranks a pool from 5 on
    "agents.miners.decide_every": 5,
    "agents.retail.count": 5,
}


def test_the_window_must_be_half_full_before_a_pool_is_ranked() -> None:
    model, miner = mining_model(**FAST)
    assert miner.watch.size == 11
    chef = miner.position.chef
    for _ in range(4):
        miner.watch.observe(chef)
    assert miner._ranked() == []
    miner.watch.observe(chef)
    ((net, pool, est),) = miner._ranked()
    assert pool is model.market.pools["eth_usdc"] and net == est.net


def test_a_miner_zaps_then_deposits_and_stakes_when_it_beats_its_hurdle() -> None:
    model, miner = mining_model(**FAST, **{"agents.miners.hurdle_apr": -1e9})
    states = []
    for _ in range(60):
        model.step()
        states.append(miner.state)
        if miner.state == "in":
            break
    assert miner.state == "in"
    # after the block of its decision it waits to deposit; the next block deposits and stakes
    assert states[-3:] == ["idle", "zap", "in"]
    pool = model.market.pools["eth_usdc"]
    assert miner.pool is pool and miner.target is None
    assert miner.position.chef.staked("eth_usdc", miner.name) > 0
    (entry,) = miner.entries
    assert entry["net_apr"] == miner.last_net_apr
    assert miner.pools_entered == {"eth_usdc"}
    assert miner.next_harvest == entry["block"] + miner.harvest_blocks


def test_a_miner_stays_out_below_its_hurdle() -> None:
    model, miner = mining_model(**FAST, **{"agents.miners.hurdle_apr": 1e9})
    for _ in range(60):
        model.step()
    assert miner.state == "idle" and miner.entries == []
    assert miner.last_net_apr is not None and miner.last_net_apr < 1e9


def test_a_cautious_miner_skips_a_pool_that_fails_its_checks() -> None:
    overrides = {
        "agents.miners.count": 1,
        "agents.miners.cautious_share": 1.0,
        "agents.miners.pools": ["scam_eth"],
        "agents.miners.window_blocks": 50,
        "agents.miners.decide_every": 5,
        "agents.buyers.count": 0,
        "agents.retail.count": 0,
        "agents.arbs.count": 0,
    }
    model = MarketModel(load_scenario("rug_pull", overrides, blocks=60))
    (miner,) = [a for a in model.market_agents if isinstance(a, MiningLP)]
    for _ in range(60):
        model.step()
    assert miner.cautious and miner.state == "idle"
    assert miner.rejected == {"scam_eth": "top holder has 80% of SCAM"}
    assert miner.report()["rejected_because"] == "scam_eth: top holder has 80% of SCAM"

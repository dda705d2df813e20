"""A small liquidity-mining market for the miner's unit tests: the bundled scenario with one
miner of fixed behaviour and no other traders."""

from __future__ import annotations

from typing import Any

from agents.mining_lp import MiningLP
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario

MINER: dict[str, Any] = {
    "agents.miners.count": 1,
    "agents.miners.capital": 150_000,
    "agents.miners.hurdle_apr": 0.2,
    "agents.miners.horizon_days": 5.0,
    "agents.miners.sell_fraction": 0.8,
    "agents.miners.expected_sell_pressure": 0.5,
    "agents.miners.harvest_days": 0.25,
    "agents.retail.count": 0,
    "agents.arbs.count": 0,
}


def mining_model(**overrides: Any) -> tuple[MarketModel, MiningLP]:
    """The liquidity_mining market with `MINER` (and `overrides`, dotted paths), and its miner."""
    sc = load_scenario("liquidity_mining", {**MINER, **overrides}, blocks=100)
    model = MarketModel(sc)
    miner = next(a for a in model.market_agents if isinstance(a, MiningLP))
    return model, miner

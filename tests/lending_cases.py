"""A small leveraged-staking market (an LST pool, a lending market, loopers, lenders and a
liquidator) that the lending, depeg and agent tests build on."""

from __future__ import annotations

import copy
from typing import Any

from sim.chain.transactions import SwapExactIn, Tx
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario

E18 = 10**18

BASE: dict[str, Any] = {
    "scenario": {"name": "loop_test", "seed": 5, "blocks": 50, "numeraire": "ETH"},
    "chain": {"native_token": "ETH", "base_fee_gwei": 0.0},
    "tokens": {"ETH": {"decimals": 18}, "stETH": {"decimals": 18}},
    "staking": {"lido": {"lst": "stETH", "underlying": "ETH", "apr": 0.04}},
    "pools": {"steth_eth": {"kind": "stableswap", "tokens": ["stETH", "ETH"], "A": 50}},
    "lending": {
        "aave": {
            "oracle": "pool",
            "min_base_max_close_factor_threshold": 1.0,  # v3's $2,000 at $2,000 per ETH
            "assets": {
                "stETH": {
                    "ltv": 0.80,
                    "liquidation_threshold": 0.85,
                    "liquidation_bonus": 0.05,
                    "borrowable": False,
                },
                "ETH": {"collateral": False},
            },
        }
    },
    "agents": {
        "pool_lps": {
            "kind": "lst_lp",
            "count": 2,
            "pool": "steth_eth",
            "lst": "stETH",
            "capital": 20_000,
        },
        "lenders": {
            "kind": "lending_supplier",
            "count": 2,
            "market": "aave",
            "capital": 10_000,
        },
        "loopers": {
            "kind": "lst_looper",
            "count": 1,
            "market": "aave",
            "lst": "stETH",
            "capital": 100,
            "target_leverage": 4.0,
            "reaction_probability": 0.0,
        },
        "liquidators": {
            "kind": "liquidator",
            "count": 1,
            "market": "aave",
            "capital": 1_000,
            "bid_share": 0.0,
        },
    },
}


STETH_DEPEG_EMODE: dict[str, Any] = {
    "lending.aave.assets.stETH.ltv": 0.90,
    "lending.aave.assets.stETH.liquidation_threshold": 0.93,
    "lending.aave.assets.stETH.liquidation_bonus": 0.01,
    "agents.loopers.target_leverage.low": 5,
    "agents.loopers.target_leverage.high": 8.5,
}
"""steth_depeg's e-mode variant (docs/depeg.md): loops that its 4-8% depeg can liquidate (at its
own 81% threshold and 2.6-3.2x loops, nobody is): 5-8.5x at LT 93%."""


def make(**changes: Any) -> MarketModel:
    """A model from BASE with dotted-path changes (`agents__loopers__count=3`)."""
    raw = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = raw
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return MarketModel(load_scenario(raw))


def of_kind(model: MarketModel, cls: type) -> list[Any]:
    return [a for a in model.market_agents if isinstance(a, cls)]


def whale_sell(model: MarketModel, amount: int) -> None:
    """Queue an LST sale of `amount` from a whale wallet (staked, so the LST is backed)."""
    market = model.market
    whale = "whale"
    if market.ledger.wallet(whale).get("stETH", 0) < amount:
        market.ledger.mint(whale, "ETH", amount * 2)
        market.protocols.stake(whale, "stETH", amount * 2)
    pool = market.pools["steth_eth"]
    action = SwapExactIn((pool,), ("stETH", "ETH"), amount, 0, market.block + 1, 0)
    market.chain.submit(Tx(whale, action, 0.0, "whale"))

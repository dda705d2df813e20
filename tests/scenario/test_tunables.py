"""`sim.scenario.tunables`: the fields a live dashboard offers, with ranges that keep them valid."""

from __future__ import annotations

from sim.scenario.paths import get_path
from sim.scenario.scenario import load_scenario
from sim.scenario.tunables import Tunable, tunables


def test_quickstart_like_scenario_offers_its_key_fields(raw: dict) -> None:
    offered = {t.path: t for t in tunables(load_scenario(raw))}
    assert offered["pools.eth_usdc.fee_bps"] == Tunable(
        "pools.eth_usdc.fee_bps", 30, 0, 100, 1, integer=True
    )
    assert offered["prices.ETH.sigma"] == Tunable("prices.ETH.sigma", 0.8, 0.0, 2.0, 0.01)
    # liquidity providers must stay (they seed the pool); noise traders and arbitrageurs may go
    assert (offered["agents.lps.count"].low, offered["agents.lps.count"].high) == (1, 10)
    assert (offered["agents.arbs.count"].low, offered["agents.arbs.count"].high) == (0, 10)
    assert offered["chain.ordering"].choices == ("priority_fee", "random", "fifo")
    assert list(offered)[-2:] == ["chain.base_fee_gwei", "chain.ordering"]


def test_lending_ranges_keep_ltv_and_bonus_below_the_liquidation_threshold() -> None:
    sc = load_scenario("steth_depeg")
    offered = {t.path: t for t in tunables(sc)}
    asset = sc.lending["aave"].assets["stETH"]
    lt = asset.liquidation_threshold
    ltv = offered["lending.aave.assets.stETH.ltv"]
    bonus = offered["lending.aave.assets.stETH.liquidation_bonus"]
    assert ltv.value == asset.ltv and ltv.value < ltv.high < lt
    assert bonus.value == asset.liquidation_bonus < bonus.high
    assert (1 + bonus.high) * lt < 1  # a liquidation can never seize more than the collateral
    assert "lending.aave.assets.ETH.ltv" not in offered  # borrowed only: not collateral


def test_every_offered_value_is_the_scenario_value() -> None:
    for name in ("quickstart", "rug_pull", "stableswap_vs_constant_product", "v3_band_strategies"):
        sc = load_scenario(name)
        for t in tunables(sc):
            assert get_path(sc, t.path) == t.value, (name, t.path)
            if t.choices:
                assert t.value in t.choices
            else:
                assert t.low <= t.value <= t.high, (name, t)

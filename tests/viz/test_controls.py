"""`sim.viz.controls`: the scenario's tunable fields as SolaraViz inputs named by identifiers."""

from __future__ import annotations

from sim.scenario.files import bundled
from sim.scenario.scenario import load_scenario
from sim.scenario.tunables import Tunable
from sim.viz.controls import controls, param_name, widget


def test_each_kind_of_tunable_gets_its_widget() -> None:
    assert widget(Tunable("pools.p.fee_bps", 30, 0, 100, 1, integer=True)) == {
        "type": "SliderInt",
        "label": "pools.p.fee_bps",
        "value": 30,
        "min": 0,
        "max": 100,
        "step": 1,
    }
    assert widget(Tunable("prices.ETH.sigma", 0.8, 0.0, 2.0, 0.01)) == {
        "type": "SliderFloat",
        "label": "prices.ETH.sigma",
        "value": 0.8,
        "min": 0.0,
        "max": 2.0,
        "step": 0.01,
    }
    assert widget(Tunable("chain.ordering", "fifo", choices=("fifo", "random"))) == {
        "type": "Select",
        "label": "chain.ordering",
        "value": "fifo",
        "values": ["fifo", "random"],
    }
    assert param_name("pools.eth_usdc.fee_bps") == "pools__eth_usdc__fee_bps"


def test_controls_are_identifiers_for_dotted_paths() -> None:
    for name in bundled():
        sc = load_scenario(name)
        ctrls = controls(sc)
        paths = [c.path for c in ctrls]
        assert len(set(paths)) == len(paths), name
        assert "chain.ordering" in paths and "chain.base_fee_gwei" in paths
        for c in ctrls:
            assert c.name.isidentifier() and c.name == c.path.replace(".", "__")
            w = c.widget
            assert w["type"] in {"SliderInt", "SliderFloat", "Select"}
            if w["type"] == "Select":
                assert w["value"] in w["values"]
            else:
                assert w["min"] <= w["value"] <= w["max"], (name, c.path, w)
            # the default and the range ends are valid scenario values
            values = w["values"] if w["type"] == "Select" else [w["min"], w["max"]]
            for v in values:
                load_scenario(name, {c.path: v})
    quick = {c.path for c in controls(load_scenario("quickstart"))}
    assert {
        "pools.eth_usdc.fee_bps",
        "prices.ETH.sigma",
        "agents.retail.count",
        "agents.retail.slippage_bps",
        "agents.retail.trades_per_day",
    } <= quick
    curve = {c.path for c in controls(load_scenario("stableswap_vs_constant_product"))}
    assert "pools.curve.A" in curve
    depeg = {c.path for c in controls(load_scenario("steth_depeg"))}
    assert {
        "staking.lido.apr",
        "lending.aave.oracle",
        "lending.aave.close_factor",
        "lending.aave.assets.stETH.ltv",
        "lending.aave.assets.stETH.liquidation_bonus",
    } <= depeg
    assert "lending.aave.assets.ETH.ltv" not in depeg  # borrowed only: no collateral knobs
    mining = {c.path for c in controls(load_scenario("rug_pull"))}
    assert {"rewards.pools.eth_usdc.per_day", "rewards.pools.scam_eth.per_day"} <= mining

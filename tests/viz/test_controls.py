"""`sim.viz.controls`: the scenario's tunable fields as inputs named by identifiers, labelled in
words with units from the schema (`sim.scenario.tunables.label`)."""

from __future__ import annotations

from sim.scenario.files import bundled
from sim.scenario.scenario import load_scenario
from sim.scenario.tunables import Tunable, label
from sim.viz.controls import controls, param_name, widget


def test_each_kind_of_tunable_gets_its_widget() -> None:
    assert widget(Tunable("pools.p.fee_bps", 30, 0, 100, 1, integer=True), "p fee") == {
        "type": "SliderInt",
        "label": "p fee",
        "value": 30,
        "min": 0,
        "max": 100,
        "step": 1,
    }
    assert widget(Tunable("prices.ETH.sigma", 0.8, 0.0, 2.0, 0.01), "vol") == {
        "type": "SliderFloat",
        "label": "vol",
        "value": 0.8,
        "min": 0.0,
        "max": 2.0,
        "step": 0.01,
    }
    assert widget(Tunable("chain.ordering", "fifo", choices=("fifo", "random")), "order") == {
        "type": "Select",
        "label": "order",
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


def test_labels_are_the_schema_descriptions_in_words_with_units() -> None:
    sc = load_scenario("quickstart")
    assert label(sc, "pools.eth_usdc.fee_bps") == "eth_usdc: swap fee on the input (bps)"
    assert label(sc, "agents.retail.slippage_bps") == "retail: slippage tolerance per agent (bps)"
    assert label(sc, "chain.base_fee_gwei") == "long-run base fee level (gwei)"
    assert label(sc, "prices.ETH.sigma") == "ETH: annualised volatility of the log price"
    curve = load_scenario("stableswap_vs_constant_product")
    assert label(curve, "pools.curve.fee_bps") == "curve: swap fee on the output (bps)"
    depeg = load_scenario("steth_depeg")
    ltv = label(depeg, "lending.aave.assets.stETH.ltv")
    assert ltv == "aave stETH: max borrow value per unit of collateral value"
    for name in bundled():
        sc = load_scenario(name)
        for c in controls(sc):
            words = c.widget["label"]
            assert words == label(sc, c.path) and "." not in words.split(":")[0], (name, words)

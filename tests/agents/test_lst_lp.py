"""LPs of an LST/underlying pool: listed as what they are, funded by staking, balanced deposit."""

from __future__ import annotations

import pytest
from lending_cases import E18, make, of_kind

from agents.lst_lp import LstLP
from sim.errors import ScenarioError
from sim.model.agent_views import passive_lps
from sim.report.summary import agents_table


def test_pool_lps_stake_half_and_deposit_both_halves_at_the_rate() -> None:
    model = make(agents__loopers__count=0)
    lido = model.market.protocols.staking["stETH"]
    pool = model.market.pools["steth_eth"]
    lps = of_kind(model, LstLP)
    assert [a.cohort for a in lps] == ["pool_lps", "pool_lps"]
    for lp in lps:
        half = 20_000 * E18 // 2
        # each deposited 10,000 ETH and the stETH its other 10,000 ETH staked into
        assert lp.deposited == {"stETH": lido.to_lst(half), "ETH": half}
        assert lp.wallet["ETH"] == E18 // 2  # only the gas reserve is left
        assert lp.value() > model.market.wallet_value(lp.wallet)  # the position counts
    assert pool.holdings() == {"stETH": 2 * lido.to_lst(half), "ETH": 2 * half}
    model.market.protocols.check()  # every stETH unit in the pool is backed by staked ETH


def test_they_are_listed_as_lst_lps_and_counted_as_passive_lps() -> None:
    """agents.csv said `panic_seller` for the Curve LPs of steth_depeg, which never sell."""
    model = make(agents__loopers__count=0)
    model.run_for(3)
    rows = {r["cohort"]: r for r in agents_table(model)}
    assert rows["pool_lps"]["kind"] == "lst_lp"
    assert rows["pool_lps"]["pool"] == "steth_eth" and rows["pool_lps"]["lp_shares"] > 0
    assert {a.cohort for a in passive_lps(model.market_agents)} == {"pool_lps"}


def test_a_pool_that_does_not_trade_the_lst_is_a_scenario_error() -> None:
    pools = {
        "steth_eth": {"kind": "stableswap", "tokens": ["stETH", "ETH"], "A": 50},
        "other": {"kind": "stableswap", "tokens": ["ETH", "USDC"], "A": 50},
    }
    with pytest.raises(ScenarioError, match=r"agents\.pool_lps: .*not stETH against ETH"):
        make(
            pools=pools,
            tokens={"ETH": {"decimals": 18}, "stETH": {"decimals": 18}, "USDC": {"decimals": 6}},
            agents__pool_lps__pool="other",
        )

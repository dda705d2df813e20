"""LPs of an LST/underlying pool: listed as what they are, funded by staking, balanced deposit."""

from __future__ import annotations

from typing import Any

import pytest
from lending_cases import E18, make, of_kind, whale_sell

from agents.lst_lp import LpExit, LstLP, wants_out
from sim.errors import ScenarioError
from sim.model.agent_views import passive_lps
from sim.model.model import MarketModel
from sim.report.summary import agents_table, summarize


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


# ---- withdrawing when the pool turns ------------------------------------------------------------


@pytest.mark.parametrize(
    ("imbalance", "loss_pct", "out"),
    [(0.56, 0.0, True), (0.54, 0.0, False), (0.5, 2.1, True), (0.5, 2.0, False)],
)
def test_the_rule_is_either_threshold_passed(imbalance: float, loss_pct: float, out: bool) -> None:
    rule = LpExit(imbalance=0.55, loss_pct=2.0, delay_blocks=0)
    assert wants_out(rule, imbalance, loss_pct) is out


def _after_sale(sold: int, **spec: Any) -> tuple[MarketModel, list[LstLP]]:
    """The two genesis LPs (20,000 + 20,000) stay; a third (10,000) has the exit rule `spec`."""
    leaver = {"kind": "lst_lp", "pool": "steth_eth", "lst": "stETH", "capital": 20_000} | spec
    model = make(agents__loopers__count=0, agents__leaver=leaver)
    model.step()
    whale_sell(model, sold * E18)
    model.step()  # the sale
    return model, [a for a in of_kind(model, LstLP) if a.cohort == "leaver"]


@pytest.mark.parametrize(("sold", "leaves"), [(1_000, False), (6_000, True)])
def test_an_lp_withdraws_in_eth_past_its_imbalance_and_holds_below(sold: int, leaves: bool) -> None:
    """30,000 + 30,000: a 1,000 stETH sale leaves 52% stETH, 6,000 leaves 60%: past its 55%."""
    model, lps = _after_sale(sold, withdraw_imbalance=0.55, one_coin_max_cost_bps=10_000)
    pool = model.market.pools["steth_eth"]
    assert (lps[0].imbalance() > 0.55) is leaves
    eth_before = pool.holdings()["ETH"]
    wallets = [lp.wallet["ETH"] for lp in lps]
    model.step()
    for lp, before in zip(lps, wallets, strict=True):
        assert (pool.lp_shares(lp.name) == 0) is leaves
        assert lp.exited is leaves
        if leaves:  # the whole claim, in ETH only (the pool keeps its stETH)
            paid = lp.withdrawn["ETH"]
            assert lp.wallet["ETH"] - before == paid > 0 and set(lp.withdrawn) == {"ETH"}
            assert lp.withdrawn_at == model.market.block
            assert lp.withdrawn_value == pytest.approx(paid / E18)
    if leaves:  # the pool paid it (and kept the admin half of the fee on it)
        assert pool.holdings()["ETH"] == eth_before - lps[0].withdrawn["ETH"]
        assert pool.lp_supply() == sum(pool.lp_shares(a.name) for a in of_kind(model, LstLP))
    else:
        assert pool.holdings()["ETH"] == eth_before


@pytest.mark.parametrize(("cap_bps", "one_coin"), [(10_000, True), (100, False)])
def test_a_one_coin_exit_that_costs_too_much_goes_pro_rata(cap_bps: float, one_coin: bool) -> None:
    """A third of a 60%-stETH pool taken in ETH alone costs more than 1% of the claim."""
    model, (lp,) = _after_sale(6_000, withdraw_imbalance=0.55, one_coin_max_cost_bps=cap_bps)
    pool = model.market.pools["steth_eth"]
    quote = pool.calc_withdraw_one_coin(pool.lp_shares(lp.name), 1)
    cost_bps = (1 - quote / E18 / lp.position_value()) * 10_000
    assert 100 < cost_bps < 10_000
    model.step()
    assert lp.exited and (set(lp.withdrawn) == {"ETH"}) is one_coin


def test_a_balanced_lp_takes_both_coins_pro_rata() -> None:
    model, lps = _after_sale(6_000, withdraw_imbalance=0.55, withdraw_mode="balanced")
    pool = model.market.pools["steth_eth"]
    held = pool.lp_reserves()
    (first,) = lps
    share = pool.lp_shares(first.name) / pool.lp_supply()
    model.step()
    assert first.exited and set(first.withdrawn) == {"stETH", "ETH"}
    # its share of the supply: that share of each coin (rounded down)
    assert first.withdrawn["stETH"] == pytest.approx(held[0] * share, rel=1e-9)
    assert first.withdrawn["ETH"] == pytest.approx(held[1] * share, rel=1e-9)


def test_an_lp_withdraws_past_its_loss_against_the_peg() -> None:
    """A 6,000 stETH sale prices stETH below its rate: the LPs' claim is worth less than what
    they put in, by more than 0.1% but less than 5%."""
    model, lps = _after_sale(6_000, withdraw_loss_pct=0.1)
    assert 0.1 < lps[0].loss_pct() < 5
    model.step()
    assert all(lp.exited for lp in lps)
    model, lps = _after_sale(6_000, withdraw_loss_pct=5.0)
    model.step()
    assert not any(lp.exited for lp in lps)


def test_an_lp_waits_its_delay_then_withdraws() -> None:
    model, lps = _after_sale(6_000, withdraw_imbalance=0.55, withdraw_delay_blocks=3)
    model.step()
    alarmed = model.market.block
    assert all(lp.alarmed_at == alarmed and not lp.exited for lp in lps)
    model.step()
    model.step()
    assert not any(lp.exited for lp in lps)
    model.step()
    assert all(lp.withdrawn_at == alarmed + 3 for lp in lps)


def test_the_summary_follows_the_lst_pool_lps() -> None:
    model, lps = _after_sale(6_000, withdraw_imbalance=0.55, withdraw_mode="balanced")
    model.step()
    lps_out = summarize(model)["staking"]["stETH"]["pool_lps"]
    assert lps_out["pool"] == "steth_eth" and lps_out["lps"] == 3 and lps_out["withdrawals"] == 1
    assert lps_out["withdrawn_value"] == lps[0].withdrawn_value > 0
    # a third of the pool left, pro rata: a third of its TVL (fees and prices move it a little)
    assert lps_out["tvl_start"] == pytest.approx(60_000)
    assert lps_out["tvl_lost_pct"] == pytest.approx(100 / 3, abs=0.5)

"""Liquidity providers: a deposit at the pool's ratio leaves the exact excess in the wallet,
the exit returns the claim, and the report compares the position with holding."""

from __future__ import annotations

import copy
from typing import Any

from conftest import BASE

from agents.liquidity_provider import LiquidityProvider
from sim.chain.transactions import SwapExactIn, Tx
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario

E18 = 10**18


def _model(**late: Any) -> MarketModel:
    """Genesis LPs at a constant $3,000 ETH, a late provider entering at block 2, no traders."""
    raw = copy.deepcopy(BASE)
    raw["prices"]["ETH"]["sigma"] = 0.0
    raw["agents"] = {
        "lps": raw["agents"]["lps"],
        "late": {"kind": "liquidity_provider", "pool": "eth_usdc", "capital": 100_000} | late,
    }
    return MarketModel(load_scenario(raw))


def _late(model: MarketModel) -> LiquidityProvider:
    return next(a for a in model.market_agents if a.cohort == "late")


def _whale_sells_eth(model: MarketModel, amount: int) -> None:
    market = model.market
    market.ledger.mint("whale", "ETH", amount)
    pool = market.pools["eth_usdc"]
    swap = SwapExactIn((pool,), ("ETH", "USDC"), amount, 0, market.block + 1, 0)
    market.chain.submit(Tx("whale", swap, 0.0, "whale"))


def test_genesis_providers_deposit_at_the_reference_price() -> None:
    model = _model(enter_block=2)
    market = model.market
    lps = [a for a in model.market_agents if a.cohort == "lps"]
    eth, usdc = market.units("ETH", 500_000.0), market.units("USDC", 500_000.0)
    for lp in lps:
        assert lp.deposited == {"ETH": eth, "USDC": usdc}
        assert lp.wallet["ETH"] == 5 * 10**17  # only the gas reserve is left
        assert lp.wallet["USDC"] == 0
    assert market.pools["eth_usdc"].holdings() == {"ETH": 3 * eth, "USDC": 3 * usdc}
    assert _late(model).deposited == {}


def test_a_deposit_at_the_pool_ratio_leaves_the_exact_excess() -> None:
    """After a whale sold ETH the pool prices it below the reference: the provider brings
    ETH and USDC at $3,000, the router takes all its ETH and USDC at the pool's ratio only."""
    model = _model(enter_block=2)
    market = model.market
    late = _late(model)
    _whale_sells_eth(model, 100 * E18)
    model.step()  # block 1: the whale's sale
    reserves = market.pools["eth_usdc"].holdings()
    r_eth, r_usdc = reserves["ETH"], reserves["USDC"]
    before = dict(late.wallet)
    model.step()  # block 2: the provider's deposit (no gas: the base fee is 0)
    # half its capital in each token at the reference price of the block
    eth, usdc = market.units("ETH", 50_000.0), market.units("USDC", 50_000.0)
    usdc_used = eth * r_usdc // r_eth  # UniswapV2Library.quote
    assert usdc_used < usdc == before["USDC"]
    assert late.deposited == {"ETH": eth, "USDC": usdc_used}
    assert late.wallet["ETH"] == before["ETH"] - eth
    assert late.wallet["USDC"] == usdc - usdc_used
    assert market.pools["eth_usdc"].holdings() == {"ETH": r_eth + eth, "USDC": r_usdc + usdc_used}


def test_the_exit_withdraws_every_share() -> None:
    model = _model(enter_block=1, exit_block=2)
    late = _late(model)
    model.step()
    held = late.position_value()
    assert held > 0 and not late.exited
    model.step()
    assert late.exited
    assert late.position_value() == 0.0
    assert late.report()["lp_shares"] == 0
    assert late.report()["lp_vs_hodl_pct"] is None


def test_the_report_compares_the_position_with_holding() -> None:
    model = _model(enter_block=1)
    late = _late(model)
    model.step()
    report = late.report()
    hodl = late.hodl_value()
    assert hodl == late.market.value("ETH", late.deposited["ETH"]) + late.market.value(
        "USDC", late.deposited["USDC"]
    )
    assert report["position_value"] == late.position_value()
    assert report["lp_vs_hodl_pct"] == (late.position_value() / hodl - 1) * 100
    assert late.value() == late.market.wallet_value(late.wallet) + late.position_value()

"""Noise traders: the swap each trade submits (route, minimum output, side, deadline) and when
a trade is skipped."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import BASE

from agents.noise_trader import NoiseTrader
from sim.chain.transactions import SwapExactIn, Tx
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario


def _model(**retail: Any) -> MarketModel:
    raw = copy.deepcopy(BASE)
    raw["prices"]["ETH"]["sigma"] = 0.0
    del raw["agents"]["arbs"]
    raw["agents"]["retail"].update(count=2, slippage_bps=50, **retail)
    return MarketModel(load_scenario(raw))


def _trader(model: MarketModel) -> NoiseTrader:
    return next(a for a in model.market_agents if isinstance(a, NoiseTrader))


def _only_tx(model: MarketModel, trader: NoiseTrader) -> tuple[Tx, SwapExactIn]:
    (tx,) = model.market.chain.pending_from(trader.name)
    assert isinstance(tx.action, SwapExactIn)
    return tx, tx.action


def test_a_buy_asks_for_the_quote_less_its_slippage() -> None:
    model = _model(priority_fee_gwei=2.0)
    market = model.market
    trader = _trader(model)
    pool = market.pools["eth_usdc"]
    amount = market.units("USDC", 1_000.0)
    out = pool.quote_exact_in("USDC", "ETH", amount)
    trader.trade(1_000.0, buy=True)
    tx, swap = _only_tx(model, trader)
    assert swap.tokens == ("USDC", "ETH")
    assert swap.path == (pool,)
    assert swap.amount_in == amount == 1_000_000_000
    assert swap.amount_out_min == int(out * (1 - 50 / 10_000))
    assert swap.amount_out_min < out
    assert swap.deadline_block == market.block + 20
    assert swap.gas_units == market.chain.gas.swap
    assert tx.priority_fee_gwei == 2.0
    assert tx.label == "retail"


def test_a_sale_sells_the_base_token() -> None:
    model = _model()
    market = model.market
    trader = _trader(model)
    amount = market.units("ETH", 3_000.0)
    out = market.pools["eth_usdc"].quote_exact_in("ETH", "USDC", amount)
    trader.trade(3_000.0, buy=False)
    _, swap = _only_tx(model, trader)
    assert swap.tokens == ("ETH", "USDC")
    assert swap.amount_in == amount
    assert swap.amount_out_min == int(out * (1 - 50 / 10_000))


@pytest.mark.parametrize(
    ("usdc_held", "tokens"),
    [(1_000_000_000, ("USDC", "ETH")), (999_999_999, ("ETH", "USDC"))],
)
def test_out_of_one_side_it_trades_the_other_way(usdc_held: int, tokens: tuple[str, str]) -> None:
    """A $1,000 buy needs 1,000,000,000 USDC units; one unit short, it sells $1,000 of ETH."""
    model = _model()
    market = model.market
    trader = _trader(model)
    market.ledger.burn(trader.name, "USDC", trader.wallet["USDC"] - usdc_held)
    trader.trade(1_000.0, buy=True)
    _, swap = _only_tx(model, trader)
    assert swap.tokens == tokens
    assert swap.amount_in == market.units(tokens[0], 1_000.0)
    assert trader.skipped == 0


def test_out_of_both_sides_the_trade_is_skipped() -> None:
    model = _model()
    market = model.market
    trader = _trader(model)
    market.ledger.burn(trader.name, "USDC", trader.wallet["USDC"])
    market.ledger.burn(trader.name, "ETH", trader.wallet["ETH"])
    trader.trade(1_000.0, buy=True)
    assert market.chain.pending_from(trader.name) == []
    assert trader.skipped == 1


def test_a_trade_the_pool_is_too_thin_for_is_skipped() -> None:
    """The three LPs hold $3M: $1M of USDC buys ETH worth far less than 85% of it."""
    model = _model()
    market = model.market
    trader = _trader(model)
    market.ledger.mint(trader.name, "USDC", market.units("USDC", 1_000_000.0))
    trader.trade(1_000_000.0, buy=True)
    assert market.chain.pending_from(trader.name) == []
    assert trader.skipped == 1


@pytest.mark.parametrize("rate", [1.0, 3.0])
def test_fixed_arrivals_trade_the_rate_every_block(rate: float) -> None:
    model = _model(trades_per_block=rate, arrivals="fixed")
    trader = _trader(model)
    trader.act()
    assert len(model.market.chain.pending_from(trader.name)) == int(rate)


def test_the_cohort_is_funded_half_in_each_token() -> None:
    model = _model()
    market = model.market
    for trader in [a for a in model.market_agents if isinstance(a, NoiseTrader)]:
        assert trader.wallet["USDC"] == market.units("USDC", 200_000 * 0.5)
        assert trader.wallet["ETH"] == market.units("ETH", 200_000 * 0.5) + 5 * 10**17
        assert trader.report() == {"slippage_bps": 50.0, "skipped_trades": 0}

"""Liquidators: what they watch, how they size a liquidation, and the transaction they bid."""

from __future__ import annotations

from typing import Any

import pytest
from lending_cases import E18, make, of_kind, whale_sell

from agents.liquidator import Liquidator
from agents.lst_looper import LstLooper
from sim.chain.transactions import Call
from sim.errors import PoolError, ProtocolError
from sim.model.model import MarketModel


def _underwater(**changes: Any) -> tuple[MarketModel, Liquidator, LstLooper]:
    """A 4.5x looper pushed below HF 1 by a whale, the liquidator switched off so far."""
    model = make(agents__loopers__target_leverage=4.5, agents__liquidators__active=False, **changes)
    model.step()
    (liq,) = of_kind(model, Liquidator)
    (looper,) = of_kind(model, LstLooper)
    for _ in range(400):
        whale_sell(model, 150 * E18)
        model.step()
        if liq.lending.health_factor(looper.name) < 1:
            break
    assert liq.lending.health_factor(looper.name) < 1
    return model, liq, looper


def test_it_watches_the_collateral_and_the_pool_to_sell_it_in() -> None:
    model = make()
    (liq,) = of_kind(model, Liquidator)
    assert liq.collaterals == ["stETH"]  # ETH is not collateral
    assert liq.pool_for("stETH") is model.market.pools["steth_eth"]
    assert liq.pool_for("USDC") is None


def test_nothing_to_liquidate_in_a_healthy_account() -> None:
    model = make(agents__loopers__target_leverage=4.5)
    model.step()
    (liq,) = of_kind(model, Liquidator)
    (looper,) = of_kind(model, LstLooper)
    assert liq.lending.health_factor(looper.name) > 1
    assert liq.best_plan(looper.name, "stETH") is None
    assert liq.best_plan(liq.name, "stETH") is None  # no debt at all


def _profit(liq: Liquidator, borrower: str, cover: int, sell: bool) -> tuple[float, int]:
    """(profit after gas, proceeds needed) of covering `cover`, quoted as the bot does."""
    market, lm = liq.market, liq.lending
    quote = lm.quote_liquidation(borrower, "ETH", "stETH", cover)
    repaid, seized = quote.repaid, quote.seized
    gas = market.chain.gas.liquidation + (market.chain.gas.swap if sell else 0)
    gas_value = market.gas_value(gas)
    if sell:
        pool = market.pools["steth_eth"]
        out_value = market.value("ETH", pool.quote_exact_in("stETH", "ETH", seized))
    else:
        out_value = market.value("stETH", seized)
    need = market.units("ETH", market.value("ETH", repaid) + gas_value)
    return out_value - market.value("ETH", repaid) - gas_value, need


@pytest.mark.parametrize("sell", [True, False])
def test_the_plan_is_the_most_profitable_of_its_sizes(sell: bool) -> None:
    _, liq, looper = _underwater(agents__liquidators__sell=sell)
    plan = liq.best_plan(looper.name, "stETH")
    assert plan is not None
    cover, need, profit = plan
    max_cover = liq.lending.max_liquidatable_debt(looper.name, "ETH", "stETH")
    debt = liq.lending.debt(looper.name, "ETH")
    quoted = {}
    for share in (1.0, 0.5, 0.25, 0.1):
        c = liq.cover_for(share, max_cover, debt)
        try:
            quoted[c] = _profit(liq, looper.name, c, sell)
        except (ProtocolError, PoolError):
            continue
    assert cover in quoted
    assert (profit, need) == quoted[cover]
    assert profit == max(p for p, _ in quoted.values())


def test_it_bids_its_share_of_the_profit_in_one_call() -> None:
    model, liq, looper = _underwater(agents__liquidators__bid_share=0.5)
    market = model.market
    plan = liq.best_plan(looper.name, "stETH")
    assert plan is not None
    liq.submit(looper.name, "stETH", *plan)
    (tx,) = market.chain.pending_from(liq.name)
    assert isinstance(tx.action, Call)
    gas = market.chain.gas.liquidation + market.chain.gas.swap
    assert tx.action.gas_units == gas
    assert tx.action.touches == (market.pools["steth_eth"],)
    tip = liq.tip_for(gas, plan[2] * 0.5)
    assert tip is not None and tip > 0
    assert tx.priority_fee_gwei == tip
    assert tx.label == "liquidation"
    assert liq.attempts == 1 and liq.expected_profit == plan[2]

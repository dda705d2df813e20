"""Mint/redeem arbitrageurs: the hurdle of a queued redemption, and the exact size of a trade.

End to end (the pool brought back inside its fee band, the queue claimed) in test_lst_pools."""

from __future__ import annotations

import copy
from typing import Any

from lending_cases import BASE, E18

from agents.lst_arbitrageur import LstArbitrageur
from sim.chain.transactions import Call, SwapExactIn, Tx
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario
from sim.units import SECONDS_PER_YEAR


def _model(staking: dict[str, Any] | None = None, **arb: Any) -> tuple[MarketModel, LstArbitrageur]:
    raw = copy.deepcopy(BASE)
    raw["staking"]["lido"].update({"withdrawal": "instant"} | (staking or {}))
    raw["pools"]["steth_eth"]["rate_oracles"] = {"stETH": "lido"}
    raw["agents"] = {
        "pool_lps": raw["agents"]["pool_lps"],
        "arbs": {"kind": "lst_arbitrageur", "count": 1, "lst": "stETH", "capital": 2_000} | arb,
    }
    model = MarketModel(load_scenario(raw))
    (arb_agent,) = [a for a in model.market_agents if isinstance(a, LstArbitrageur)]
    return model, arb_agent


def _whale(model: MarketModel, token_in: str, amount: int) -> None:
    market = model.market
    market.ledger.mint("whale", "ETH", amount)
    if token_in == "stETH":
        amount = market.protocols.stake("whale", "stETH", amount)
    out = "ETH" if token_in == "stETH" else "stETH"
    swap = SwapExactIn(
        (market.pools["steth_eth"],), (token_in, out), amount, 0, market.block + 1, 0
    )
    market.chain.submit(Tx("whale", swap, 0.0, "whale"))
    model.step()


def test_a_queued_redemption_must_earn_its_required_apr_over_the_wait() -> None:
    _, instant = _model()
    assert instant.hurdle == 0.0
    _, queued = _model({"withdrawal": "queue", "queue_delay_blocks": 600}, required_apr=0.5)
    assert queued.hurdle == 0.5 * (600 * 12 / SECONDS_PER_YEAR)


def test_no_trade_at_the_rate() -> None:
    model, arb = _model()
    model.step()
    assert arb.plan_mint() is None
    assert arb.plan_redeem() is None


def test_a_premium_is_staked_and_sold_at_the_profit_maximising_size() -> None:
    model, arb = _model()
    _whale(model, "ETH", 3_000 * E18)
    market, pool = model.market, model.market.pools["steth_eth"]
    rate = arb.staking.exchange_rate()
    assert pool.spot_price("stETH", "ETH") > rate
    plan = arb.plan_mint()
    assert plan is not None
    amount, need, profit = plan
    assert amount == min(int(pool.arb_amount_in("stETH", "ETH", 1.0 / rate) * rate), arb._budget())
    minted = market.protocols.preview_stake("stETH", amount)
    out = pool.quote_exact_in("stETH", "ETH", minted)
    assert need == amount  # gas is free and no minimum profit is asked
    assert profit == market.value("ETH", out - need) > 0
    assert arb.plan_redeem() is None


def test_a_trade_is_capped_by_max_trade() -> None:
    model, arb = _model(max_trade=5.0)
    _whale(model, "ETH", 3_000 * E18)
    plan = arb.plan_mint()
    assert plan is not None
    assert plan[0] == model.market.units("ETH", 5.0) == 5 * E18


def test_a_discount_is_bought_and_redeemed_in_one_call() -> None:
    model, arb = _model()
    _whale(model, "stETH", 3_000 * E18)
    market, pool = model.market, model.market.pools["steth_eth"]
    worth = arb.staking.exchange_rate()
    plan = arb.plan_redeem()
    assert plan is not None
    amount, need, profit = plan
    assert amount == min(pool.arb_amount_in("ETH", "stETH", worth), arb._budget())
    paid = market.protocols.preview_redeem("stETH", pool.quote_exact_in("ETH", "stETH", amount))
    assert need == amount  # gas is free and no minimum profit is asked
    # what the redemption is worth after the hurdle (none when instant), as a float product
    assert profit == market.value("ETH", int(paid * (1.0 - 0.0)) - need) > 0
    arb.act()
    (tx,) = market.chain.pending_from(arb.name)
    assert tx.label == "buy_and_redeem"
    assert isinstance(tx.action, Call)
    assert tx.action.gas_units == market.chain.gas.stake + market.chain.gas.swap
    assert tx.action.touches == (pool,)

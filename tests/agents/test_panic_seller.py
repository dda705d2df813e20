"""LST holders: what they hold from genesis, when they panic, the sales they submit, and the
dip-buy budget that comes back when a buy does not go through."""

from __future__ import annotations

from typing import Any

import pytest
from lending_cases import E18, make, of_kind, whale_sell

from agents.panic_seller import PanicSeller
from sim.chain.transactions import SwapExactIn
from sim.errors import ScenarioError
from sim.model.model import MarketModel

HOLDERS: dict[str, Any] = {
    "kind": "panic_seller",
    "count": 1,
    "lst": "stETH",
    "capital": 1_000,
    "panic_discount_bps": 50,
    "priority_fee_gwei": 1.5,
    "buy_capital": 100,
    "news_flags": ["depeg"],
    "reaction_delay_blocks": 2,
}


def _model(**holders: Any) -> tuple[MarketModel, PanicSeller]:
    model = make(agents__holders=HOLDERS | holders, agents__loopers__count=0)
    (holder,) = [a for a in of_kind(model, PanicSeller) if a.cohort == "holders"]
    return model, holder


def test_holders_stake_their_capital() -> None:
    model, holder = _model()
    lido = model.market.protocols.staking["stETH"]
    assert holder.wallet["stETH"] == holder.start_lst == lido.to_lst(1_000 * E18)
    assert holder.wallet["ETH"] == E18 // 2 + 100 * E18  # gas reserve and the dip budget
    assert holder.buy_budget == 100 * E18
    assert holder.pool.lp_shares(holder.name) == 0  # the pool's liquidity is the lst_lp cohort's


def test_lp_share_is_refused_with_where_it_went() -> None:
    """Pool liquidity was once a share of a panic seller's capital; a scenario that still says
    so is told which kind provides it now."""
    with pytest.raises(ScenarioError, match=r'agents\.holders: lp_share is gone.*kind = "lst_lp"'):
        _model(lp_share=0.5)


def test_the_discount_is_the_pool_price_below_the_rate() -> None:
    model, holder = _model()
    model.step()
    rate = model.market.protocols.staking["stETH"].exchange_rate()
    spot = model.market.pools["steth_eth"].spot_price("stETH", "ETH")
    assert holder.discount_bps() == (1.0 - spot / rate) * 10_000


@pytest.mark.parametrize(("sold", "panics"), [(1_000, False), (3_000, True)])
def test_a_holder_panics_at_its_discount(sold: int, panics: bool) -> None:
    """A 1,000 stETH sale opens a 20 bps discount, 3,000 one of 61 bps: past its 50."""
    model, holder = _model()
    model.step()
    whale_sell(model, sold * E18)
    model.step()
    rate = model.market.protocols.staking["stETH"].exchange_rate()
    spot = model.market.pools["steth_eth"].spot_price("stETH", "ETH")
    assert ((1.0 - spot / rate) * 10_000 >= 50) is panics
    model.step()
    assert holder.panicked_at == (model.market.block if panics else None)


def test_a_holder_who_listens_panics_its_delay_after_the_news() -> None:
    model, holder = _model()
    model.step()
    model.market.news.add("depeg")
    model.step()
    heard = model.market.block
    assert holder.heard_at == heard and holder.panicked_at is None
    model.step()
    assert holder.panicked_at is None
    model.step()
    assert holder.panicked_at == heard + 2


def test_a_panic_sale_asks_for_the_quote_less_its_slippage() -> None:
    model, holder = _model(slippage_bps=30)
    model.step()
    market = model.market
    amount = market.units("stETH", 10.0)
    out = market.pools["steth_eth"].quote_exact_in("stETH", "ETH", amount)
    holder._sell(10.0)
    (tx,) = market.chain.pending_from(holder.name)
    assert isinstance(tx.action, SwapExactIn)
    assert tx.action.tokens == ("stETH", "ETH")
    assert tx.action.amount_in == amount
    assert tx.action.amount_out_min == int(out * (1 - 30 / 10_000))
    assert tx.action.deadline_block == market.block
    assert (tx.priority_fee_gwei, tx.label) == (1.5, "panic_sell")


def test_the_dip_budget_comes_back_for_a_buy_that_did_not_go_through() -> None:
    model, holder = _model()
    model.step()
    amount = model.market.units("ETH", 10.0)
    holder._buy(10.0)
    assert holder.buy_budget == 100 * E18 - amount and holder.bought == amount
    holder._reconcile()  # the next decision withdraws it, still pending
    assert holder.buy_budget == 100 * E18 and holder.bought == 0
    holder._buy(10.0)
    model.market.chain.build_block()  # this time it is included
    holder._reconcile()
    assert holder.buy_budget == 100 * E18 - amount and holder.bought == amount
    assert holder.report()["dip_spent"] == 10.0


@pytest.mark.parametrize(("capitulation_bps", "sells"), [(100, True), (40, False)])
def test_a_panicking_holder_sells_up_to_its_own_capitulation_discount(
    capitulation_bps: float, sells: bool
) -> None:
    """A 3,000 stETH sale opens a 61 bps discount: past the holder's panic threshold (50); it
    sells while the discount is at most its `max_discount_bps`, and waits beyond it."""
    model, holder = _model(
        max_discount_bps=capitulation_bps, sells_per_day=7_200 * 5, buy_capital=0, news_flags=[]
    )
    model.step()
    whale_sell(model, 3_000 * E18)
    model.step()
    held = holder.wallet["stETH"]
    model.step()
    assert holder.panicked_at == model.market.block
    assert (holder.wallet["stETH"] < held) is sells


@pytest.mark.parametrize(("buy_at_bps", "buys"), [(50, True), (100, False)])
def test_a_dip_buyer_buys_from_its_own_discount(buy_at_bps: float, buys: bool) -> None:
    model, holder = _model(
        panic_discount_bps=1e9, buy_discount_bps=buy_at_bps, sells_per_day=7_200 * 5, news_flags=[]
    )
    model.step()
    whale_sell(model, 3_000 * E18)
    model.step()
    model.step()
    assert holder.panicked_at is None
    assert (holder.bought > 0) is buys
    assert (holder.wallet["stETH"] > holder.start_lst) is buys


def test_a_holder_panics_its_delay_after_the_discount_reaches_its_threshold() -> None:
    model, holder = _model(panic_delay_blocks=3, news_flags=[])
    model.step()
    whale_sell(model, 3_000 * E18)  # 61 bps, past its 50
    model.step()
    model.step()
    alarmed = model.market.block
    assert holder.alarmed_at == alarmed and holder.panicked_at is None
    for _ in range(3):
        model.step()
    assert holder.panicked_at == alarmed + 3

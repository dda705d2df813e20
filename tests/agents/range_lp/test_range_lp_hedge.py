"""The hedged range LP: its short perpetual on the market's perp venue, funding, liquidation and exit."""

from __future__ import annotations

import pytest
from range_lp_cases import (
    DEEP,
    agent,
    books,
    build,
    lp,
    pool_of,
    report,
)

from sim.protocols.perp import PERP_COUNTERPARTY
from sim.units import SECONDS_PER_YEAR


def test_hedged_agent_shorts_its_exposure_and_earns_funding() -> None:
    model = build(
        {
            "full": DEEP,
            "hedged": lp(
                "hedged",
                band_pct=5,
                perp={"funding_rate_annual": 0.5, "margin_fraction": 0.2, "hedge_ratio": 0.8},
            ),
        }
    )
    hedged = agent(model, "hedged")
    perp = hedged.perp
    assert perp is not None
    ledger = model.market.ledger
    # margin posted to the counterparty wallet; the short is 80% of the ETH exposure
    assert perp.deposited == pytest.approx(200_000, rel=1e-6)
    assert perp.collateral == pytest.approx(200_000, rel=1e-6)
    assert perp.size == pytest.approx(-0.8 * hedged.exposure0(), rel=1e-9)
    assert perp.size < 0
    cp_start = ledger.wallet(PERP_COUNTERPARTY)["USDC"]
    n = 100
    model.run_for(n)
    # flat reference price: no price P&L, funding = |size| x price x rate x time
    expected = -perp.size * 3000 * 0.5 * n * 12 / SECONDS_PER_YEAR
    assert perp.pnl == pytest.approx(0.0, abs=1e-6)
    assert perp.funding == pytest.approx(expected, rel=1e-9)
    assert perp.collateral == pytest.approx(perp.deposited + expected, rel=1e-9)
    assert report(hedged)["perp_funding"] == pytest.approx(expected)
    assert ledger.wallet(PERP_COUNTERPARTY)["USDC"] == cp_start  # promised, not yet paid
    assert hedged.value() == pytest.approx(books(hedged).hodl_value() + expected, rel=1e-6)
    model.check()


def test_hedged_short_is_liquidated_when_margin_runs_out() -> None:
    events = {"pump": {"kind": "price_shock", "at_block": 20, "asset": "ETH", "factor": 1.6}}
    model = build(
        {
            "full": DEEP,
            "hedged": lp("hedged", band_pct=5, perp={"margin_fraction": 0.05}),
        },
        events=events,
    )
    hedged = agent(model, "hedged")
    perp = hedged.perp
    assert perp is not None and perp.size < 0
    ledger = model.market.ledger
    usdc_before = hedged.wallet["USDC"]
    model.run_for(19)
    assert perp.liquidations == 0
    size = perp.size
    collateral = perp.collateral
    model.run_for(1)  # ETH +60%: the short loses 0.6 x notional, far more than its 5% margin
    assert perp.liquidations == 1 and perp.size == 0.0 and perp.collateral == 0.0
    assert perp.pnl == pytest.approx(size * 3000 * 0.6, rel=1e-9)
    # nothing is left to pay back: collateral + loss < 0; the venue keeps the margin
    assert collateral + size * 3000 * 0.6 < 0
    assert hedged.wallet["USDC"] == usdc_before
    assert report(hedged)["perp_liquidations"] == 1
    # no more hedging after a liquidation
    model.run_for(200)
    assert perp.size == 0.0 and perp.liquidations == 1
    ledger.check(model.market.block)


def test_liquidation_pays_back_the_remaining_equity() -> None:
    # a short with 10% margin and a 7% move up: liquidated (maintenance 5%) with equity left
    events = {"pump": {"kind": "price_shock", "at_block": 5, "asset": "ETH", "factor": 1.07}}
    model = build(
        {
            "full": DEEP,
            "hedged": lp(
                "hedged",
                band_pct=20,
                perp={"margin_fraction": 0.04, "hedge_ratio": 1.0, "liquidation_fee": 0.01},
            ),
        },
        events=events,
    )
    hedged = agent(model, "hedged")
    perp = hedged.perp
    assert perp is not None
    model.run_for(4)
    size, collateral = perp.size, perp.collateral
    # the margin supports at most collateral / (10% x price) ETH; the cap binds here
    assert -size == pytest.approx(perp.deposited / (0.1 * 3000), rel=1e-9)
    assert -size < hedged.exposure0()
    usdc = hedged.wallet["USDC"]
    cp = model.market.ledger.wallet(PERP_COUNTERPARTY)["USDC"]
    model.run_for(1)
    mark = model.market.price("ETH")
    equity = collateral + size * (mark - 3000) - size * mark * 0.10 * 12 / SECONDS_PER_YEAR
    assert 0 < equity < 0.05 * -size * mark  # below maintenance, above zero
    back = equity - 0.01 * -size * mark
    assert perp.liquidations == 1
    assert (hedged.wallet["USDC"] - usdc) / 1e6 == pytest.approx(back, abs=1e-5)
    assert (cp - model.market.ledger.wallet(PERP_COUNTERPARTY)["USDC"]) / 1e6 == pytest.approx(
        back, abs=1e-5
    )
    model.check()


def test_exit_withdraws_everything_and_closes_the_perp() -> None:
    model = build(
        {
            "full": DEEP,
            "hedged": lp("hedged", band_pct=5, exit_block=30),
        },
        base_fee=1.0,
    )
    hedged = agent(model, "hedged")
    pool = pool_of(model)
    model.run_for(29)
    key = (hedged.name, hedged.position.tick_lower, hedged.position.tick_upper)
    assert key in pool.positions
    equity = books(hedged).perp_equity()
    value = hedged.value()
    model.run_for(1)
    assert hedged.position.exited and hedged.position.liquidity == 0 and key not in pool.positions
    assert hedged.perp is not None and hedged.perp.size == 0 and books(hedged).perp_equity() == 0
    assert equity > 0
    # everything is back in the wallet, less the gas of the exit
    assert hedged.value() == pytest.approx(value, rel=1e-4)
    assert hedged.value() == pytest.approx(model.market.wallet_value(hedged.wallet))
    model.check()

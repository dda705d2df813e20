"""Aave v3.3's rules inside a running market: the deficit in the value books, loopers repaying
from collateral below HF 1, loopers in e-mode, and lenders blocked at 100% utilisation."""

from __future__ import annotations

import pytest
from lending_cases import E18, make, of_kind, whale_sell

from agents.lending_supplier import LendingSupplier
from agents.lst_looper import LstLooper
from sim.report.summary import summarize


def test_a_wiped_out_borrower_leaves_a_deficit_that_accrues_nothing_and_is_a_named_term() -> None:
    """The issue's case: with the pool's spot price as the oracle a crash takes a looper's
    collateral; v3.3 writes the rest of its debt off in that liquidation."""
    model = make(agents__liquidators__sell=False, agents__liquidators__capital=2_000)
    model.step()
    (looper,) = of_kind(model, LstLooper)
    lm = looper.lending
    for _ in range(20):
        whale_sell(model, 4_000 * E18)
        model.step()
        if lm.deficit("ETH"):
            break
    deficit = lm.deficit("ETH")
    assert deficit > 0, "the crash should have left debt without collateral"
    assert looper.collateral() == 0 and looper.debt() == 0
    closed = model.value_books.check()  # raises if the books do not close
    assert closed.terms["lending:aave:deficit"] == pytest.approx(deficit / E18, rel=1e-12)
    assert closed.terms["lending:aave:treasury"] < 0  # interest share and protocol fees
    for _ in range(30):
        model.step()
    assert lm.deficit("ETH") == deficit and looper.debt() == 0  # nothing accrues on it
    assert lm.bad_debt()["ETH"] == 0 and lm.shortfall() == 0.0
    s = summarize(model)
    assert s["lending"]["aave"]["deficit"] == pytest.approx(deficit / E18)
    assert s["lending"]["aave"]["liquidation_protocol_fees"] > 0
    assert "lending aave deficit" in s["value"]["terms"]


def test_a_looper_below_hf_1_repays_from_collateral_with_a_flash_loan() -> None:
    model = make(
        agents__loopers__target_leverage=4.5,
        agents__loopers__reaction_probability=1.0,
        agents__loopers__deleverage_hf=0.999,
        agents__loopers__restore_hf=1.05,
        agents__liquidators__active=False,
    )
    model.step()
    (looper,) = of_kind(model, LstLooper)
    lm = looper.lending
    treasury = lm.treasury["ETH"]
    for _ in range(100):
        if lm.health_factor(looper.name) < 0.999:
            break
        whale_sell(model, 300 * E18)
        model.step()
    assert lm.health_factor(looper.name) < 0.999
    debt = looper.debt()
    model.step()  # it acts: below 1 a plain withdrawal would revert
    model.step()
    assert looper.flash_repays >= 1
    assert looper.debt() < debt
    assert lm.health_factor(looper.name) >= 1.0
    assert lm.treasury["ETH"] > treasury  # the 5 bps premium
    model.check()


def test_loopers_in_emode_borrow_at_the_category_ltv() -> None:
    """Base LTV 50% caps a loop at 2x; the ETH-correlated category's 80% lets it reach 4x."""
    emode = {
        "eth": {
            "ltv": 0.8,
            "liquidation_threshold": 0.85,
            "liquidation_bonus": 0.05,
            "collateral": ["stETH"],
            "borrowable": ["ETH"],
        }
    }
    base = {"ltv": 0.5, "liquidation_threshold": 0.6, "borrowable": False}
    plain = make(lending__aave__assets__stETH=base, lending__aave__emode=emode)
    plain.step()
    (p,) = of_kind(plain, LstLooper)
    assert p.leverage() < 2.0 + 1e-9
    model = make(
        lending__aave__assets__stETH=base,
        lending__aave__emode=emode,
        agents__loopers__emode="eth",
    )
    model.step()
    (looper,) = of_kind(model, LstLooper)
    assert looper.lending.user_emode == {looper.name: "eth"}
    assert looper.leverage() == pytest.approx(4.0, rel=1e-3)
    assert looper.health_factor() == pytest.approx(0.85 / 0.75, rel=1e-3)
    assert summarize(model)["lending"]["aave"]["emode_accounts"] == 1


def test_lenders_cannot_take_out_what_is_lent_and_try_again() -> None:
    """400 ETH supplied, 300 borrowed by the looper: the lenders' 400 find 100 in cash."""
    model = make(
        agents__lenders__capital=200,
        agents__lenders__withdraw_at_block=3,
        agents__lenders__retry_every_blocks=2,
    )
    for _ in range(12):
        model.step()
    lenders = of_kind(model, LendingSupplier)
    lm = lenders[0].lending
    assert lm.utilization("ETH") == pytest.approx(1.0)
    withdrawn = sum(x.withdrawn for x in lenders)
    assert 99 * E18 < withdrawn <= 101 * E18  # the cash there was, no more
    assert all(x.to_withdraw for x in lenders)  # still waiting for the rest
    blocked = sum(x.blocked for x in lenders)
    assert blocked >= 4 and lm.blocked_withdrawals == blocked
    assert summarize(model)["lending"]["aave"]["withdrawals_blocked"] == blocked
    model.check()

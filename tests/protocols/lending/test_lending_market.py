"""Tests for sim.protocols.lending: rate curve, LTV/HF limits, looping, liquidation, interest, bad debt."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.errors import InsufficientBalance, ProtocolError
from sim.protocols.lending import (
    MAX_AMOUNT,
    AssetParams,
    LendingMarket,
    LendingSpec,
    RateCurve,
)
from sim.units import SECONDS_PER_YEAR

E18 = 10**18
LTV, LT, BONUS = 0.8, 0.85, 0.05
ETH_CURVE = RateCurve(base_rate=0.01, slope1=0.04, kink=0.8, slope2=0.75, reserve_factor=0.1)


def make_market(
    prices: dict[str, float] | None = None, close_factor: float = 0.5
) -> tuple[LendingMarket, dict[str, float]]:
    """wstETH collateral (not borrowable), ETH borrowable (not collateral), USDC both.

    No liquidation protocol fee, and v3.3's full-liquidation threshold at 1 (v3's $2,000 at
    $2,000 per unit): positions of tens of units get the 50% close factor above HF 0.95.
    """
    prices = prices if prices is not None else {"wstETH": 1.0, "ETH": 1.0, "USDC": 1.0}
    spec = LendingSpec(
        assets={
            "wstETH": AssetParams(
                ltv=LTV,
                liquidation_threshold=LT,
                liquidation_bonus=BONUS,
                liquidation_protocol_fee=0.0,
                borrowable=False,
            ),
            "ETH": AssetParams(collateral=False, rate=ETH_CURVE),
            "USDC": AssetParams(ltv=0.75, liquidation_threshold=0.8, liquidation_bonus=0.05),
        },
        close_factor=close_factor,
        min_base_max_close_factor_threshold=1.0,
    )
    m = LendingMarket(spec, {"wstETH": 18, "ETH": 18, "USDC": 6}, prices.__getitem__)
    return m, prices


def funded(borrow_eth: int = 0, collateral: int = 100 * E18) -> tuple[LendingMarket, dict]:
    """A lender supplies 1000 ETH; `bob` supplies `collateral` wstETH and borrows."""
    m, prices = make_market()
    m.supply("lender", "ETH", 1000 * E18)
    m.supply("bob", "wstETH", collateral)
    if borrow_eth:
        m.borrow("bob", "ETH", borrow_eth)
    return m, prices


# ------------------------------------------------------------------ config
def test_spec_rejects_bad_risk_params() -> None:
    with pytest.raises(ValidationError, match="below liquidation_threshold"):
        AssetParams(ltv=0.85, liquidation_threshold=0.85)
    with pytest.raises(ValidationError, match="must be < 1"):
        AssetParams(ltv=0.8, liquidation_threshold=0.95, liquidation_bonus=0.06)
    with pytest.raises(ValidationError, match="extra"):
        AssetParams(ltv=0.5, liquidation_threshold=0.6, ltv_typo=1)
    with pytest.raises(ValidationError):
        RateCurve(kink=1.0)
    AssetParams(collateral=False)  # a borrow-only asset needs no LTV/LT
    with pytest.raises(ValidationError):
        LendingSpec(assets={}, close_factor=0.5)


def test_from_params_builds_the_same_market() -> None:
    params = {"ETH": AssetParams(collateral=False, rate=ETH_CURVE)}
    m = LendingMarket.from_params(params, {"ETH": 18}, lambda a: 1.0, close_factor=1.0)
    assert m.rules.close_factor_bps == 10_000
    assert m.borrow_rate("ETH") == pytest.approx(0.01)


def test_missing_decimals_rejected() -> None:
    spec = LendingSpec(assets={"ETH": AssetParams(collateral=False)})
    with pytest.raises(ValueError, match="decimals"):
        LendingMarket(spec, {}, lambda a: 1.0)


# ------------------------------------------------------------------ rate curve
def test_rate_curve_at_zero_kink_and_full() -> None:
    m, _ = make_market()
    assert m.borrow_rate_at("ETH", 0.0) == pytest.approx(0.01, abs=1e-18)
    assert m.borrow_rate_at("ETH", 0.4) == pytest.approx(0.01 + 0.02, abs=1e-18)
    assert m.borrow_rate_at("ETH", 0.8) == pytest.approx(0.01 + 0.04, abs=1e-18)
    assert m.borrow_rate_at("ETH", 0.9) == pytest.approx(0.01 + 0.04 + 0.375, abs=1e-18)
    assert m.borrow_rate_at("ETH", 1.0) == pytest.approx(0.01 + 0.04 + 0.75, abs=1e-18)


def test_utilization_and_rates_follow_market_state() -> None:
    m, _ = funded()
    assert m.utilization("ETH") == 0.0
    assert m.borrow_rate("ETH") == pytest.approx(0.01)
    assert m.supply_rate("ETH") == 0.0
    m.borrow("bob", "ETH", 80 * E18)  # 80 of 1000: 8%
    assert m.utilization("ETH") == pytest.approx(0.08)
    assert m.borrow_rate("ETH") == pytest.approx(0.01 + 0.04 * 0.1)
    assert m.supply_rate("ETH") == pytest.approx((0.01 + 0.004) * 0.08 * 0.9)
    m.withdraw("lender", "ETH", 900 * E18)  # now 80 of 100: the kink
    assert m.utilization("ETH") == pytest.approx(0.8)
    assert m.borrow_rate("ETH") == pytest.approx(0.05)


# ------------------------------------------------------------------ limits
def test_borrow_up_to_ltv_passes_one_wei_more_reverts() -> None:
    m, _ = funded()
    assert m.available_borrows("bob", "ETH") == 80 * E18
    with pytest.raises(ProtocolError, match="LTV limit"):
        m.borrow("bob", "ETH", 80 * E18 + 1)
    m.borrow("bob", "ETH", 80 * E18)
    assert m.debt("bob", "ETH") == 80 * E18
    assert m.available_borrows("bob", "ETH") == 0
    with pytest.raises(ProtocolError, match="LTV limit"):
        m.borrow("bob", "ETH", 1)
    assert m.account_data("bob").ltv_used == pytest.approx(LTV)


def test_borrow_reverts_for_non_borrowable_and_without_cash() -> None:
    m, _ = funded()
    with pytest.raises(ProtocolError, match="not borrowable"):
        m.borrow("bob", "wstETH", 1)
    with pytest.raises(ProtocolError, match="liquidity"):
        m.borrow("bob", "USDC", 1)  # nobody supplied USDC
    with pytest.raises(ProtocolError, match="LTV limit"):
        m.borrow("carol", "ETH", 1)  # no collateral


def test_withdraw_that_would_break_hf_reverts() -> None:
    m, _ = funded(borrow_eth=80 * E18)
    # HF >= 1  <=>  collateral * 0.85 >= 80  <=>  collateral >= ceil(80e18 / 0.85)
    min_collateral = -(-80 * E18 * 10_000 // 8_500)
    free = 100 * E18 - min_collateral
    with pytest.raises(ProtocolError, match="health factor"):
        m.withdraw("bob", "wstETH", free + 1)
    assert m.withdraw("bob", "wstETH", free) == free
    assert m.health_factor("bob") >= 1.0
    assert m.health_factor("bob") == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(InsufficientBalance):
        m.withdraw("lender", "ETH", 1000 * E18 + 1)


def test_withdraw_limited_by_cash_and_max() -> None:
    m, _ = funded(borrow_eth=50 * E18)
    with pytest.raises(ProtocolError, match="lent out"):
        m.withdraw("lender", "ETH", 951 * E18)
    assert m.withdraw("lender", "ETH", 950 * E18) == 950 * E18
    m2, _ = funded()
    assert m2.withdraw("bob", "wstETH", MAX_AMOUNT) == 100 * E18
    assert m2.supplied("bob", "wstETH") == 0


def test_repay_capped_at_debt() -> None:
    m, _ = funded(borrow_eth=10 * E18)
    assert m.repay("bob", "ETH", 4 * E18) == 4 * E18
    assert m.debt("bob", "ETH") == 6 * E18
    assert m.repay("bob", "ETH", 100 * E18) == 6 * E18
    assert m.debt("bob", "ETH") == 0
    assert m.health_factor("bob") == math.inf
    with pytest.raises(ProtocolError, match="no ETH debt"):
        m.repay("bob", "ETH", 1)


# ------------------------------------------------------------------ looping
@pytest.mark.parametrize("ltv", [0.5, 0.8, 0.9])
def test_looping_leverage_bounded_by_one_over_one_minus_ltv(ltv: float) -> None:
    lt = ltv + 0.03
    spec = LendingSpec(
        assets={
            "wstETH": AssetParams(
                ltv=ltv, liquidation_threshold=lt, liquidation_bonus=0.01, borrowable=False
            ),
            "ETH": AssetParams(collateral=False, rate=ETH_CURVE),
        }
    )
    rate = 1.15  # ETH per wstETH (the LST's exchange rate)
    prices = {"wstETH": rate, "ETH": 1.0}
    m = LendingMarket(spec, {"wstETH": 18, "ETH": 18}, prices.__getitem__)
    m.supply("lender", "ETH", 10**6 * E18)
    m.supply("looper", "wstETH", 10 * E18)
    for _ in range(50):
        eth = m.available_borrows("looper", "ETH")
        m.borrow("looper", "ETH", eth)
        m.supply("looper", "wstETH", eth * 10**18 // int(rate * 10**18))  # "stake" at the rate
    leverage = m.supplied("looper", "wstETH") / (10 * E18)
    assert leverage <= 1 / (1 - ltv)
    assert leverage >= (1 - ltv**51) / (1 - ltv) * (1 - 1e-9)
    data = m.account_data("looper")
    assert data.ltv_used <= ltv
    assert data.health_factor == pytest.approx(lt / data.ltv_used)


# ------------------------------------------------------------------ liquidation
def test_liquidation_starts_at_ltv_used_over_lt() -> None:
    m, prices = funded(borrow_eth=60 * E18)  # LTV used 0.6
    critical = 0.6 / LT
    prices["wstETH"] = critical
    assert m.health_factor("bob") == pytest.approx(1.0, abs=1e-12)
    prices["wstETH"] = critical * (1 + 1e-9)
    assert m.health_factor("bob") > 1
    with pytest.raises(ProtocolError, match="not below 1"):
        m.liquidate("liq", "bob", "ETH", "wstETH", E18)
    prices["wstETH"] = critical * (1 - 1e-9)
    assert m.health_factor("bob") < 1
    got = m.liquidate("liq", "bob", "ETH", "wstETH", E18)
    assert got.repaid == E18 and got.seized > 0


def _exact_seized(repaid: int, debt_price: float, col_price: float) -> Fraction:
    dp, cp = Fraction(repr(debt_price)), Fraction(repr(col_price))  # the WAD prices
    return Fraction(repaid) * dp / cp * Fraction(105, 100)


def test_liquidation_pays_debt_plus_bonus_and_respects_close_factor() -> None:
    m, prices = funded(borrow_eth=80 * E18)
    prices["wstETH"] = 0.9  # HF = 90 * 0.85 / 80 < 1
    assert m.health_factor("bob") < 1
    before_cash = m.holdings()
    before_col = m.supplied("bob", "wstETH")
    quote = m.quote_liquidation("bob", "ETH", "wstETH", MAX_AMOUNT)
    assert m.holdings() == before_cash and m.debt("bob", "ETH") == 80 * E18  # quoting is pure
    got = m.liquidate("liq", "bob", "ETH", "wstETH", MAX_AMOUNT)
    assert got == quote
    repaid, seized = got.repaid, got.seized
    assert repaid == 40 * E18  # HF 0.956 > 0.95: close factor 50% of 80
    assert abs(seized - _exact_seized(repaid, 1.0, 0.9)) <= 1
    assert m.debt("bob", "ETH") == 40 * E18
    assert m.supplied("bob", "wstETH") == before_col - seized
    after_cash = m.holdings()
    assert after_cash["ETH"] - before_cash["ETH"] == repaid
    assert before_cash["wstETH"] - after_cash["wstETH"] == seized
    assert m.health_factor("bob") > 1  # the liquidation restored health
    with pytest.raises(ProtocolError, match="not below 1"):
        m.liquidate("liq", "bob", "ETH", "wstETH", E18)
    # after a drop to HF 0.9 (<= 0.95), one call may repay the whole debt left
    prices["wstETH"] = 0.7
    got = m.liquidate("liq", "bob", "ETH", "wstETH", 30 * E18)
    assert got.repaid == 30 * E18
    assert abs(got.seized - _exact_seized(got.repaid, 1.0, 0.7)) <= 1


def test_liquidation_capped_by_collateral_reduces_repay() -> None:
    m, prices = funded(borrow_eth=80 * E18, collateral=100 * E18)
    prices["wstETH"] = 0.3  # collateral worth 30 < the debt * 1.05
    got = m.liquidate("liq", "bob", "ETH", "wstETH", MAX_AMOUNT)
    repaid, seized = got.repaid, got.seized
    assert seized == 100 * E18
    assert repaid < 40 * E18
    # the seized collateral is still worth repaid * (1 + bonus)
    assert abs(Fraction(seized) - _exact_seized(repaid, 1.0, 0.3)) <= 2
    assert m.supplied("bob", "wstETH") == 0
    # v3.3: no collateral left, so the rest of the debt is written off into the deficit
    assert got.no_collateral_left and got.deficit == {"ETH": 80 * E18 - repaid}
    assert m.debt("bob", "ETH") == 0
    assert m.deficit("ETH") == 80 * E18 - repaid


def test_liquidation_receive_a_token_moves_supply() -> None:
    m, prices = funded(borrow_eth=80 * E18)
    prices["wstETH"] = 0.9
    cash = m.holdings()["wstETH"]
    got = m.liquidate("liq", "bob", "ETH", "wstETH", 10 * E18, receive_a_token=True)
    assert got.repaid == 10 * E18
    assert m.holdings()["wstETH"] == cash
    assert m.supplied("liq", "wstETH") == got.seized


# ------------------------------------------------------------------ interest
def test_borrow_interest_equals_supplier_interest_plus_reserve_share() -> None:
    m, _ = funded(borrow_eth=70 * E18)
    m.supply("lender2", "ETH", 3 * E18)
    debt0 = m.debt("bob", "ETH")
    sup0 = m.supplied("lender", "ETH") + m.supplied("lender2", "ETH")
    accruals = 0
    for _ in range(500):
        m.accrue(1)
        accruals += 1
    for _ in range(30):
        m.accrue(7_200)  # a day at a time
        accruals += 1
    interest = m.debt("bob", "ETH") - debt0
    to_suppliers = m.supplied("lender", "ETH") + m.supplied("lender2", "ETH") - sup0
    to_treasury = m.treasury["ETH"]
    assert interest > 10**15  # a real amount of interest accrued
    diff = interest - to_suppliers - to_treasury
    # each accrual loses < 1 wei to index flooring and < 1 wei to the treasury mint,
    # and the two supplier balances and the treasury each floor once at the end
    assert 0 <= diff <= 2 * accruals + 3
    # the treasury gets the reserve factor (plus interest on what it already holds)
    assert to_treasury >= interest // 10 - accruals
    assert to_treasury <= interest // 10 + interest // 1000
    t = m.totals("ETH")
    assert 0 <= t.dust <= 2 * accruals + 10
    # over a day at a constant rate the debt grows like exp(rate * dt)
    rate = m.borrow_rate("ETH")
    d = m.debt("bob", "ETH")
    m.accrue(7_200)
    assert m.debt("bob", "ETH") / d == pytest.approx(math.exp(rate * 86_400 / SECONDS_PER_YEAR))


def test_no_interest_without_borrows() -> None:
    m, _ = funded()
    m.accrue(10_000)
    assert m.supplied("lender", "ETH") == 1000 * E18
    assert m.treasury["ETH"] == 0
    assert m.block == 10_000 and m.timestamp_s == 120_000


def test_treasury_withdrawal() -> None:
    m, _ = funded(borrow_eth=70 * E18)
    m.accrue(100_000)
    t = m.treasury["ETH"]
    assert t > 0
    cash = m.holdings()["ETH"]
    assert m.withdraw_treasury("ETH", MAX_AMOUNT) == t
    assert m.treasury["ETH"] == 0
    assert m.holdings()["ETH"] == cash - t
    assert m.totals("ETH").dust >= 0


# ------------------------------------------------------------------ bad debt
def test_bad_debt_appears_when_collateral_collapses() -> None:
    m, prices = funded(borrow_eth=80 * E18)
    assert m.bad_debt() == {"wstETH": 0, "ETH": 0, "USDC": 0}
    prices["wstETH"] = 0.81  # liquidatable (HF < 1) but still solvent
    assert m.health_factor("bob") < 1
    assert m.bad_debt()["ETH"] == 0
    prices["wstETH"] = 0.5  # collateral worth 50 < debt 80
    assert m.bad_debt()["ETH"] == 80 * E18
    assert m.insolvent_accounts() == ["bob"]
    assert m.shortfall() == pytest.approx(30.0)
    with pytest.raises(ProtocolError, match="liquidate it first"):
        m.realise_bad_debt("bob")
    # HF 0.53: the whole debt is liquidatable; the collateral covers 100 * 0.5 / 1.05 of it
    got = m.liquidate("liq", "bob", "ETH", "wstETH", MAX_AMOUNT)
    left = 80 * E18 - got.repaid
    assert m.supplied("bob", "wstETH") == 0 and left > 0
    assert got.deficit == {"ETH": left}  # written off in the liquidation itself (v3.3)
    assert m.debt("bob", "ETH") == 0
    assert m.deficit("ETH") == left
    with pytest.raises(ProtocolError, match="no debt to write off"):
        m.realise_bad_debt("bob")
    assert m.bad_debt()["ETH"] == 0
    t = m.totals("ETH")
    assert t.cash + t.total_debt + t.deficit - t.total_supply == t.dust
    assert 0 <= t.dust <= 5
    assert m.eliminate_deficit("ETH", left + 10) == left
    assert m.deficit("ETH") == 0


def test_zero_price_collateral_is_bad_debt_and_cannot_be_seized() -> None:
    m, prices = funded(borrow_eth=10 * E18)
    prices["wstETH"] = 0.0
    assert m.bad_debt()["ETH"] == 10 * E18
    with pytest.raises(ProtocolError, match="price is zero"):
        m.liquidate("liq", "bob", "ETH", "wstETH", E18)
    assert m.realise_bad_debt("bob") == {"ETH": 10 * E18}


def test_invalid_calls_revert() -> None:
    m, prices = funded()
    with pytest.raises(ProtocolError, match="positive"):
        m.supply("a", "ETH", 0)
    with pytest.raises(ProtocolError, match="integer"):
        m.supply("a", "ETH", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match="no 'DOGE' reserve"):
        m.supply("a", "DOGE", 1)
    prices["ETH"] = math.nan
    with pytest.raises(ProtocolError, match="invalid price"):
        m.borrow("bob", "ETH", 1)


def test_supply_cap() -> None:
    spec = LendingSpec(assets={"ETH": AssetParams(collateral=False, supply_cap=10.0)})
    m = LendingMarket(spec, {"ETH": 18}, lambda a: 1.0)
    m.supply("a", "ETH", 10 * E18)
    with pytest.raises(ProtocolError, match="supply cap"):
        m.supply("a", "ETH", 1)


# ------------------------------------------------------------------ property
ops = st.lists(
    st.tuples(
        st.sampled_from(
            ["supply", "withdraw", "borrow", "repay", "accrue", "price", "liquidate", "write_off"]
        ),
        st.sampled_from(["a", "b", "c"]),
        st.integers(min_value=1, max_value=10**21),
    ),
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(ops)
def test_cash_tracks_moves_and_protocol_never_insolvent(seq: list) -> None:
    m, prices = make_market()
    moved_in = {"ETH": 0, "wstETH": 0, "USDC": 0}
    m.supply("lender", "ETH", 10**22)
    moved_in["ETH"] += 10**22
    for i, who in enumerate("abc"):  # three positions near their LTV limit
        m.supply(who, "wstETH", (i + 1) * 10**19)
        moved_in["wstETH"] += (i + 1) * 10**19
        want = m.available_borrows(who, "ETH") * (90 + 5 * i) // 100
        m.borrow(who, "ETH", want)
        moved_in["ETH"] -= want
    for op, who, amount in seq:
        try:
            if op == "supply":
                m.supply(who, "wstETH", amount)
                moved_in["wstETH"] += amount
                m.supply(who, "ETH", amount // 2 + 1)
                moved_in["ETH"] += amount // 2 + 1
            elif op == "withdraw":
                moved_in["ETH"] -= m.withdraw(who, "ETH", min(amount, m.supplied(who, "ETH")))
            elif op == "borrow":
                want = max(1, m.available_borrows(who, "ETH") * (amount % 101) // 100)
                m.borrow(who, "ETH", want)
                moved_in["ETH"] -= want
            elif op == "repay":
                moved_in["ETH"] += m.repay(who, "ETH", amount)
            elif op == "accrue":
                m.accrue(amount % 50_000)
            elif op == "price":
                prices["wstETH"] = 0.2 + (amount % 800) / 1000
            elif op == "liquidate":
                got = m.liquidate("z", who, "ETH", "wstETH", amount)
                moved_in["ETH"] += got.repaid
                moved_in["wstETH"] -= got.seized
            else:
                m.realise_bad_debt(who)
        except ProtocolError:
            pass
        assert m.holdings() == moved_in
        for asset in ("ETH", "wstETH"):
            t = m.totals(asset)
            assert 0 <= t.dust <= 4 * len(seq) + 4
            assert t.total_supply >= sum(
                m.supplied(x, asset) for x in ("a", "b", "c", "z", "lender")
            )


# ------------------------------------------------------------------ rebasing collateral
def test_rebase_grows_cash_and_every_supplier_by_the_same_factor() -> None:
    """A rebasing collateral (stETH) held by the market: its balance and every supplier's
    balance follow the rebase, the suppliers get all of it (to a wei each), and
    cash + debt + deficit >= supply still holds, also after a penalty (a negative rebase)."""
    m, _ = funded(borrow_eth=50 * E18, collateral=100 * E18)
    m.supply("carol", "wstETH", 37 * E18 + 12_345)
    m.accrue(7)  # interest moves the ETH index only; the wstETH index stays at RAY
    before = {a: m.supplied(a, "wstETH") for a in ("bob", "carol")}
    cash = m.totals("wstETH").cash
    num, den = 1_000_123_456_789, 1_000_000_000_000  # +0.0123456789%
    delta = m.rebase("wstETH", num, den)
    assert delta == cash * num // den - cash > 0
    assert m.totals("wstETH").cash == cash + delta
    for account, bal in before.items():
        assert abs(m.supplied(account, "wstETH") - bal * num // den) <= 1
    totals = m.totals("wstETH")
    assert 0 <= totals.dust <= 2
    gained = sum(m.supplied(a, "wstETH") - b for a, b in before.items())
    assert delta - 2 <= gained <= delta
    # a penalty: 10% of every balance is gone, and the books still cover every supplier
    cash = m.totals("wstETH").cash
    loss = m.rebase("wstETH", 9, 10)
    assert loss == cash * 9 // 10 - cash < 0
    assert 0 <= m.totals("wstETH").dust <= 3
    assert m.health_factor("bob") == pytest.approx(
        m.supplied("bob", "wstETH") / E18 * LT / (m.debt("bob", "ETH") / E18)
    )
    # the suppliers can still take everything out
    for account in ("bob", "carol"):
        if account == "bob":
            m.repay("bob", "ETH", m.debt("bob", "ETH"))
        m.withdraw(account, "wstETH", MAX_AMOUNT)
    assert m.totals("wstETH").cash >= 0 and m.totals("wstETH").total_supply == 0


def test_rebase_refuses_an_asset_with_borrowers() -> None:
    m, _ = make_market()
    m.supply("lender", "USDC", 1_000 * 10**6)
    m.supply("bob", "wstETH", 10 * E18)
    m.borrow("bob", "USDC", 10**6)
    with pytest.raises(ProtocolError, match="cannot be borrowed"):
        m.rebase("USDC", 101, 100)
    with pytest.raises(ProtocolError, match="positive"):
        m.rebase("wstETH", 0, 1)
    assert m.rebase("wstETH", 1, 1) == 0

"""Aave v3.3's liquidation rules, worked to the wei on small positions.

The cases mirror aave-v3-origin v3.3.0's `Pool.Liquidations.CloseFactor.t.sol` (the 50% /
100% close factor around HF 0.95 and the $2,000 threshold, `MUST_NOT_LEAVE_DUST`),
`Pool.Deficit.sol` (debt left without collateral becomes deficit) and `Pool.EMode.sol`, in a
USD numeraire (WETH at round prices, USDX with 6 decimals). Expected integers are derived in
the comments from `LiquidationLogic._calculateAvailableCollateralToLiquidate`.
"""

from __future__ import annotations

import pytest

from sim.errors import ProtocolError
from sim.protocols.lending import MAX_AMOUNT, AssetParams, LendingMarket, LendingSpec
from sim.protocols.lending.account import health_factor_wad
from sim.protocols.lending.liquidation import CLOSE_FACTOR_HF_THRESHOLD

E18, E6 = 10**18, 10**6


def usd_market(prices: dict[str, float]) -> LendingMarket:
    """WETH collateral (LTV 80%, LT 85%, bonus 5%, protocol fee 10%); USDX and DAI borrowable.
    v3's defaults: close factor 50%, $2,000 threshold, $1,000 leftover."""
    spec = LendingSpec(
        assets={
            "WETH": AssetParams(
                ltv=0.8, liquidation_threshold=0.85, liquidation_bonus=0.05, borrowable=False
            ),
            "USDX": AssetParams(collateral=False),
            "DAI": AssetParams(collateral=False),
        }
    )
    m = LendingMarket(spec, {"WETH": 18, "USDX": 6, "DAI": 18}, prices.__getitem__)
    m.supply("lender", "USDX", 1_000_000 * E6)
    m.supply("lender", "DAI", 1_000_000 * E18)
    return m


def position(weth: int, usdx: int, price_at_borrow: float) -> tuple[LendingMarket, dict]:
    """bob supplies `weth` WETH and borrows `usdx` USDX at `price_at_borrow` per WETH."""
    prices = {"WETH": price_at_borrow, "USDX": 1.0, "DAI": 1.0}
    m = usd_market(prices)
    m.supply("bob", "WETH", weth)
    m.borrow("bob", "USDX", usdx)
    return m, prices


# ------------------------------------------------------------------ close factor
def test_at_hf_095_exactly_the_whole_debt_is_liquidatable_and_just_above_half_of_it() -> None:
    m, prices = position(10 * E18, 17_000 * E6, 2_200.0)
    prices["WETH"] = 1_900.0  # HF = 19,000 * 0.85 / 17,000 = 0.95 exactly
    assert health_factor_wad(m._valuation("bob")) == CLOSE_FACTOR_HF_THRESHOLD
    assert m.max_liquidatable_debt("bob", "USDX", "WETH") == 17_000 * E6
    assert m.quote_liquidation("bob", "USDX", "WETH", MAX_AMOUNT).repaid == 17_000 * E6
    prices["WETH"] = 1_901.0  # HF 0.9505 > 0.95, both sides above $2,000: 50% of total debt
    assert health_factor_wad(m._valuation("bob")) > CLOSE_FACTOR_HF_THRESHOLD
    assert m.max_liquidatable_debt("bob", "USDX", "WETH") == 8_500 * E6
    assert m.quote_liquidation("bob", "USDX", "WETH", MAX_AMOUNT).repaid == 8_500 * E6


def test_the_50_percent_is_of_the_total_debt_value_across_reserves() -> None:
    """`totalDebtInBaseCurrency.percentMul(DEFAULT_LIQUIDATION_CLOSE_FACTOR)`: a USDX debt of
    12,000 next to a DAI debt of 5,000 may be repaid up to 8,500 (half of 17,000) at once."""
    m, prices = position(10 * E18, 12_000 * E6, 2_200.0)
    m.borrow("bob", "DAI", 5_000 * E18)
    prices["WETH"] = 1_901.0
    assert m.max_liquidatable_debt("bob", "USDX", "WETH") == 8_500 * E6
    assert m.max_liquidatable_debt("bob", "DAI", "WETH") == 5_000 * E18  # 5,000 < 8,500: all


def test_a_position_under_2000_is_liquidated_whole_above_hf_095() -> None:
    """`test_hf_gt_095_supply_lt_threshold_closeFactorShouldBe100`: $1,901 of collateral."""
    m, prices = position(1 * E18, 1_700 * E6, 2_200.0)
    prices["WETH"] = 1_901.0  # HF 0.9505
    assert m.health_factor("bob") > 0.95
    assert m.max_liquidatable_debt("bob", "USDX", "WETH") == 1_700 * E6


def test_a_partial_liquidation_must_not_leave_dust() -> None:
    """`MUST_NOT_LEAVE_DUST`: repaying 16,500 of 17,000 would leave $500 < $1,000 of debt;
    16,000 leaves $1,000 of debt and 10 - 16,000 / 1,900 * 1.05 WETH (~$2,200) of collateral."""
    m, prices = position(10 * E18, 17_000 * E6, 2_200.0)
    prices["WETH"] = 1_900.0
    with pytest.raises(ProtocolError, match="MUST_NOT_LEAVE_DUST"):
        m.quote_liquidation("bob", "USDX", "WETH", 16_500 * E6)
    assert m.quote_liquidation("bob", "USDX", "WETH", 16_000 * E6).repaid == 16_000 * E6
    assert m.quote_liquidation("bob", "USDX", "WETH", 17_000 * E6).repaid == 17_000 * E6


def test_the_dust_rule_also_guards_the_collateral_left() -> None:
    """16,000 USDX against 10 WETH at $1,500 (HF 0.797): repaying 13,000 seizes 9.1 WETH and
    leaves $1,350 of collateral; repaying 13,500 seizes 9.45 and leaves $825: refused."""
    m, prices = position(10 * E18, 16_000 * E6, 2_000.0)
    prices["WETH"] = 1_500.0
    assert m.quote_liquidation("bob", "USDX", "WETH", 13_000 * E6).repaid == 13_000 * E6
    with pytest.raises(ProtocolError, match=r"MUST_NOT_LEAVE_DUST.*collateral 825"):
        m.quote_liquidation("bob", "USDX", "WETH", 13_500 * E6)


# ------------------------------------------------------------------ protocol fee
def test_the_protocol_fee_takes_10_percent_of_the_bonus_for_the_treasury() -> None:
    """2,100 USDX at WETH $1,000 buy 2.1 WETH, 2.205 with the 5% bonus; 10% of the 0.105 of
    bonus (0.0105 WETH) goes to the treasury, 2.1945 WETH to the liquidator."""
    m, prices = position(10 * E18, 9_000 * E6, 2_000.0)
    prices["WETH"] = 1_000.0
    cash = m.holdings()["WETH"]
    got = m.liquidate("liq", "bob", "USDX", "WETH", 2_100 * E6)
    assert (got.repaid, got.seized, got.protocol_fee) == (
        2_100 * E6,
        2_194_500_000_000_000_000,
        10_500_000_000_000_000,
    )
    assert m.treasury["WETH"] == 10_500_000_000_000_000  # as aTokens, still earning
    assert m.supplied("bob", "WETH") == 10 * E18 - 2_205_000_000_000_000_000
    assert cash - m.holdings()["WETH"] == got.seized  # only the liquidator's share left
    assert m.reserves["WETH"].liquidation_fees == got.protocol_fee


def test_a_reserve_without_a_fee_pays_the_whole_bonus_to_the_liquidator() -> None:
    prices = {"WETH": 2_000.0, "USDX": 1.0}
    spec = LendingSpec(
        assets={
            "WETH": AssetParams(ltv=0.8, liquidation_threshold=0.85, liquidation_protocol_fee=0.0),
            "USDX": AssetParams(collateral=False),
        }
    )
    m = LendingMarket(spec, {"WETH": 18, "USDX": 6}, prices.__getitem__)
    m.supply("lender", "USDX", 100_000 * E6)
    m.supply("bob", "WETH", 10 * E18)
    m.borrow("bob", "USDX", 9_000 * E6)
    prices["WETH"] = 1_000.0
    got = m.liquidate("liq", "bob", "USDX", "WETH", 2_100 * E6)
    assert (got.seized, got.protocol_fee) == (2_205_000_000_000_000_000, 0)


# ------------------------------------------------------------------ deficit
def test_taking_the_last_collateral_writes_the_rest_off_and_it_accrues_nothing() -> None:
    """16,000 USDX against 10 WETH at $1,000: all 10 WETH cover 10,000 / 1.05 = 9,523.809524
    USDX (`percentDiv` rounds half up); 6,476.190476 USDX become the USDX deficit."""
    m, prices = position(10 * E18, 16_000 * E6, 2_000.0)
    prices["WETH"] = 1_000.0
    got = m.liquidate("liq", "bob", "USDX", "WETH", MAX_AMOUNT)
    assert got.repaid == 9_523_809_524
    assert got.protocol_fee == 47_619_047_619_047_619  # 10% of 10 - 10 / 1.05 WETH
    assert got.seized == 10 * E18 - got.protocol_fee
    assert got.no_collateral_left and got.deficit == {"USDX": 6_476_190_476}
    assert m.debt("bob", "USDX") == 0 and m.deficit("USDX") == 6_476_190_476
    lender = m.supplied("lender", "USDX")
    m.accrue(2_628_000)  # a year of 12-second blocks
    assert m.debt("bob", "USDX") == 0 and m.deficit("USDX") == 6_476_190_476
    assert m.supplied("lender", "USDX") == lender  # no borrower left: suppliers earn nothing
    t = m.totals("USDX")
    assert 0 <= t.cash + t.total_debt + t.deficit - t.total_supply <= 2


def test_every_other_debt_of_the_borrower_goes_to_its_reserve_deficit() -> None:
    """`_burnBadDebt`: the USDX liquidation that takes the last WETH also writes off DAI."""
    m, prices = position(10 * E18, 10_000 * E6, 2_000.0)
    m.borrow("bob", "DAI", 6_000 * E18)
    prices["WETH"] = 1_000.0
    got = m.liquidate("liq", "bob", "USDX", "WETH", MAX_AMOUNT)
    assert got.no_collateral_left
    assert got.deficit == {"USDX": 10_000 * E6 - got.repaid, "DAI": 6_000 * E18}
    assert m.deficit("DAI") == 6_000 * E18 and m.debt("bob", "DAI") == 0
    assert m.accounts() == ["lender"]  # nothing left of bob


# ------------------------------------------------------------------ e-mode
def eth_market() -> tuple[LendingMarket, dict[str, float]]:
    """wstETH's own parameters (78.5% / 81% / 6%) and an ETH-correlated category (93% / 95%
    / 1%) that lends ETH, not USDC, against it. Prices in ETH; the $2,000 is 1 ETH."""
    prices = {"wstETH": 1.0, "ETH": 1.0, "USDC": 1.0}
    spec = LendingSpec.model_validate(
        {
            "assets": {
                "wstETH": {
                    "ltv": 0.785,
                    "liquidation_threshold": 0.81,
                    "liquidation_bonus": 0.06,
                    "borrowable": False,
                },
                "ETH": {"collateral": False},
                "USDC": {"collateral": False},
            },
            "emode": {
                "eth": {
                    "ltv": 0.93,
                    "liquidation_threshold": 0.95,
                    "liquidation_bonus": 0.01,
                    "collateral": ["wstETH"],
                    "borrowable": ["ETH"],
                }
            },
            "min_base_max_close_factor_threshold": 1.0,
        }
    )
    m = LendingMarket(spec, {"wstETH": 18, "ETH": 18, "USDC": 6}, prices.__getitem__)
    m.supply("lender", "ETH", 1_000 * E18)
    m.supply("lender", "USDC", 1_000 * E6)
    m.supply("bob", "wstETH", 100 * E18)
    return m, prices


def test_emode_values_its_collateral_at_the_category_parameters() -> None:
    m, _ = eth_market()
    with pytest.raises(ProtocolError, match="LTV limit"):
        m.borrow("bob", "ETH", 90 * E18)  # 78.5% outside e-mode
    m.set_user_emode("bob", "eth")
    m.borrow("bob", "ETH", 90 * E18)
    # percentMul(100, 95%).wadDiv(90) = 1.0555...5|5 -> rounded half up
    assert health_factor_wad(m._valuation("bob")) == 1_055_555_555_555_555_556
    with pytest.raises(ProtocolError, match=r"0\.9000 < 1"):
        m.set_user_emode("bob", None)  # 81 / 90 outside the category
    with pytest.raises(ProtocolError, match="not borrowable in bob's e-mode"):
        m.borrow("bob", "USDC", E6)


def test_emode_liquidations_pay_the_category_bonus() -> None:
    """At wstETH 0.9375 ETH, HF = 93.75 * 0.95 / 90 = 0.99 > 0.95: 45 ETH may be repaid, for
    45 / 0.9375 = 48 wstETH, 48.48 with the 1% bonus, 0.048 of it to the treasury."""
    m, prices = eth_market()
    m.set_user_emode("bob", "eth")
    m.borrow("bob", "ETH", 90 * E18)
    prices["wstETH"] = 0.9375
    got = m.liquidate("liq", "bob", "ETH", "wstETH", MAX_AMOUNT)
    assert (got.repaid, got.seized, got.protocol_fee) == (
        45 * E18,
        48_432_000_000_000_000_000,
        48_000_000_000_000_000,
    )


def test_entering_emode_requires_every_debt_to_be_borrowable_in_it() -> None:
    m, _ = eth_market()
    m.borrow("bob", "USDC", 10 * E6)
    with pytest.raises(ProtocolError, match="NOT_BORROWABLE_IN_EMODE"):
        m.set_user_emode("bob", "eth")
    with pytest.raises(ProtocolError, match="no e-mode category 'btc'"):
        m.set_user_emode("bob", "btc")


# ------------------------------------------------------------------ withdrawals, flash loans
def test_a_withdrawal_beyond_the_cash_reverts_and_is_counted() -> None:
    m, _ = position(1_000 * E18, 1_000_000 * E6, 2_000.0)  # every USDX lent out
    assert m.utilization("USDX") == 1.0
    with pytest.raises(ProtocolError, match="not enough USDX liquidity"):
        m.withdraw("lender", "USDX", 1)
    assert m.blocked_withdrawals == 1
    assert m.supplied("lender", "USDX") == 1_000_000 * E6
    m.repay("bob", "USDX", 10 * E6)
    assert m.withdraw("lender", "USDX", 10 * E6) == 10 * E6


def test_a_flash_loan_repays_first_so_the_withdrawal_below_hf_1_passes() -> None:
    """Below HF 1 bob cannot withdraw; after repaying 5,000 USDX it may withdraw 5 WETH
    (HF (10 - 5) * 1,000 * 0.85 / 4,000 = 1.06). The 5,000 cost a 5 bps premium: 2.5 USDX."""
    m, prices = position(10 * E18, 9_000 * E6, 2_000.0)
    prices["WETH"] = 1_000.0
    with pytest.raises(ProtocolError, match="health factor"):
        m.withdraw("bob", "WETH", 5 * E18)
    with pytest.raises(ProtocolError, match="health factor"):
        m.check_repay_with_collateral("bob", "USDX", 3_000 * E6, "WETH", 5 * E18)
    m.check_repay_with_collateral("bob", "USDX", 5_000 * E6, "WETH", 5 * E18)
    treasury = m.treasury["USDX"]
    premium = m.flash_loan_out("USDX", 5_000 * E6)
    assert premium == 2_500_000
    m.repay("bob", "USDX", 5_000 * E6)
    assert m.withdraw("bob", "WETH", 5 * E18) == 5 * E18
    m.flash_loan_repay("USDX", 5_000 * E6, premium)
    assert m.treasury["USDX"] - treasury == premium
    assert m.health_factor("bob") == pytest.approx(1.0625)

"""Tests for sim.protocols.lending.liquidation: close factor, bonus, and writing off bad debt."""

from __future__ import annotations

import pytest

from sim.errors import ProtocolError
from sim.protocols.lending.liquidation import (
    LiquidationRules,
    burn_bad_debt,
    execute_liquidation,
    insolvent_accounts,
    quote_liquidation,
)
from sim.protocols.lending.reserve import Reserve, debt_of, supply_of
from sim.protocols.lending.spec import AssetParams
from sim.protocols.lending.supply_borrow import execute_borrow, execute_supply

E18 = 10**18
RULES = LiquidationRules(close_factor_bps=5_000, min_base_wad=E18)
"""v3's 50% close factor; a 1-ETH threshold (v3's $2,000 at $2,000 per ETH)."""


def market(fee: float = 0.0) -> tuple[dict[str, Reserve], dict[str, int]]:
    """bob: 10 wstETH collateral (LT 85%, bonus 5%), 8 ETH debt; wstETH then falls to 0.9 ETH."""
    params = AssetParams(
        ltv=0.8,
        liquidation_threshold=0.85,
        liquidation_bonus=0.05,
        liquidation_protocol_fee=fee,
        borrowable=False,
    )
    rs = {
        "wstETH": Reserve.from_params("wstETH", 18, params),
        "ETH": Reserve.from_params("ETH", 18, AssetParams(collateral=False)),
    }
    prices = {"wstETH": E18, "ETH": E18}
    execute_supply(rs, "lp", "ETH", 100 * E18)
    execute_supply(rs, "bob", "wstETH", 10 * E18)
    execute_borrow(rs, prices.__getitem__, "bob", "ETH", 8 * E18)
    prices["wstETH"] = 9 * E18 // 10  # health factor 10 * 0.9 * 0.85 / 8 = 0.956
    return rs, prices


def test_a_liquidation_repays_up_to_the_close_factor_and_seizes_debt_plus_bonus() -> None:
    rs, prices = market()
    price = prices.__getitem__
    # 4 ETH (half the debt) buys 4 / 0.9 * 1.05 = 4.6667 wstETH
    quote = quote_liquidation(rs, price, RULES, "bob", "ETH", "wstETH", 10 * E18)
    assert (quote.repaid, quote.seized) == (4 * E18, 4_666_666_666_666_666_666)
    got = execute_liquidation(rs, price, RULES, "liq", "bob", "ETH", "wstETH", 10 * E18)
    assert got == quote
    assert debt_of(rs["ETH"], "bob") == 4 * E18
    assert supply_of(rs["wstETH"], "bob") == 5_333_333_333_333_333_334  # burned rounding up
    assert rs["wstETH"].cash == 5_333_333_333_333_333_334  # the seized tokens were paid out
    assert rs["ETH"].cash == 96 * E18  # 100 supplied - 8 lent + 4 repaid
    assert insolvent_accounts(rs, price, ["bob", "lp"]) == {}


def test_receiving_the_atoken_moves_the_supply_position() -> None:
    rs, prices = market()
    got = execute_liquidation(
        rs, prices.__getitem__, RULES, "liq", "bob", "ETH", "wstETH", E18, receive_a_token=True
    )
    seized = got.seized
    assert (got.repaid, seized) == (E18, 1_166_666_666_666_666_667)  # 1.1111... x 1.05, half up
    assert supply_of(rs["wstETH"], "liq") == seized
    assert rs["wstETH"].cash == 10 * E18  # nothing left the market


def test_a_healthy_account_cannot_be_liquidated() -> None:
    rs, prices = market()
    prices["wstETH"] = E18
    with pytest.raises(ProtocolError, match=r"health factor 1\.0625 is not below 1"):
        quote_liquidation(rs, prices.__getitem__, RULES, "bob", "ETH", "wstETH", E18)


def test_debt_without_collateral_value_is_written_off_into_the_deficit() -> None:
    rs, prices = market()
    prices["wstETH"] = 0
    price = prices.__getitem__
    assert insolvent_accounts(rs, price, ["bob", "lp"]) == {"bob": (0, 8 * E18)}
    assert burn_bad_debt(rs, price, "bob") == {"ETH": 8 * E18}
    assert rs["ETH"].deficit == 8 * E18 and debt_of(rs["ETH"], "bob") == 0
    with pytest.raises(ProtocolError, match="bob has no debt to write off"):
        burn_bad_debt(rs, price, "bob")

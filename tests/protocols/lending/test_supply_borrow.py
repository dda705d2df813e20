"""Tests for sim.protocols.lending.supply_borrow: the four account actions and their checks."""

from __future__ import annotations

import pytest

from sim.errors import InsufficientBalance, ProtocolError
from sim.protocols.lending.reserve import MAX_AMOUNT, Reserve, debt_of, supply_of
from sim.protocols.lending.spec import AssetParams
from sim.protocols.lending.supply_borrow import (
    execute_borrow,
    execute_repay,
    execute_supply,
    execute_withdraw,
)

E18 = 10**18
PRICES = {"wstETH": E18, "ETH": E18}


def reserves() -> dict[str, Reserve]:
    col = AssetParams(ltv=0.8, liquidation_threshold=0.85, borrowable=False, supply_cap=20)
    return {
        "wstETH": Reserve.from_params("wstETH", 18, col),
        "ETH": Reserve.from_params("ETH", 18, AssetParams(collateral=False)),
    }


def test_borrow_up_to_ltv_passes_and_one_wei_more_reverts() -> None:
    rs = reserves()
    execute_supply(rs, "lp", "ETH", 100 * E18)
    execute_supply(rs, "bob", "wstETH", 10 * E18)
    with pytest.raises(ProtocolError, match="LTV limit"):
        execute_borrow(rs, PRICES.__getitem__, "bob", "ETH", 8 * E18 + 1)
    execute_borrow(rs, PRICES.__getitem__, "bob", "ETH", 8 * E18)
    assert debt_of(rs["ETH"], "bob") == 8 * E18 and rs["ETH"].cash == 92 * E18
    assert rs["ETH"].borrow_rate_ray > 0  # rates follow every action


def test_withdraw_keeps_the_health_factor_and_max_takes_everything() -> None:
    rs = reserves()
    execute_supply(rs, "lp", "ETH", 100 * E18)
    execute_supply(rs, "bob", "wstETH", 10 * E18)
    execute_borrow(rs, PRICES.__getitem__, "bob", "ETH", 8 * E18)
    # 8 / 0.85 = 9.4118 wstETH must stay: withdrawing 0.59 leaves 9.41 * 0.85 / 8 = 0.9998
    with pytest.raises(ProtocolError, match=r"health factor at 0\.9998 < 1"):
        execute_withdraw(rs, PRICES.__getitem__, "bob", "wstETH", 6 * E18 // 10 - 10**16)
    assert execute_repay(rs, "bob", "ETH", 100 * E18) == 8 * E18  # capped at the debt
    assert execute_withdraw(rs, PRICES.__getitem__, "bob", "wstETH", MAX_AMOUNT) == 10 * E18
    assert supply_of(rs["wstETH"], "bob") == 0
    with pytest.raises(InsufficientBalance, match="supplied balance is 0"):
        execute_withdraw(rs, PRICES.__getitem__, "bob", "wstETH", 1)


def test_supply_cap_and_invalid_amounts() -> None:
    rs = reserves()
    execute_supply(rs, "a", "wstETH", 20 * E18)
    with pytest.raises(ProtocolError, match="supply cap exceeded"):
        execute_supply(rs, "a", "wstETH", 1)
    with pytest.raises(ProtocolError, match="supply amount must be positive: 0"):
        execute_supply(rs, "a", "ETH", 0)
    with pytest.raises(ProtocolError, match="not borrowable"):
        execute_borrow(rs, PRICES.__getitem__, "a", "wstETH", 1)
    with pytest.raises(ProtocolError, match="has no ETH debt to repay"):
        execute_repay(rs, "a", "ETH", 1)

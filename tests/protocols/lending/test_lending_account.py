"""Tests for sim.protocols.lending.account: valuing an account across reserves, in integers."""

from __future__ import annotations

import math

import pytest

from sim.errors import ProtocolError
from sim.protocols.lending.account import account_data, calculate_user_account_data, price_wad
from sim.protocols.lending.reserve import Reserve, mint_debt, mint_supply
from sim.protocols.lending.spec import AssetParams
from sim.units import WAD

E18 = 10**18


def reserves() -> dict[str, Reserve]:
    return {
        "wstETH": Reserve.from_params(
            "wstETH", 18, AssetParams(ltv=0.8, liquidation_threshold=0.85, borrowable=False)
        ),
        "USDC": Reserve.from_params("USDC", 6, AssetParams(collateral=False)),
    }


def test_collateral_rounds_down_and_debt_rounds_up() -> None:
    rs = reserves()
    mint_supply(rs["wstETH"], "bob", 3 * E18 + 1)
    mint_debt(rs["USDC"], "bob", 1_000_000_001)  # 1000.000001 USDC
    prices = {"wstETH": 2000 * WAD + 1, "USDC": WAD + 1}
    col, w_ltv, w_lt, debt = calculate_user_account_data(rs, "bob", prices.__getitem__)
    assert col == (3 * E18 + 1) * (2000 * WAD + 1) // E18 == 6_000_000_000_000_000_002_003
    assert (w_ltv, w_lt) == (col * 8_000, col * 8_500)
    assert debt == -(-1_000_000_001 * (WAD + 1) // 10**6) == 1_000_000_001_000_000_001_001
    assert calculate_user_account_data(rs, "carol", prices.__getitem__) == (0, 0, 0, 0)


def test_a_supply_delta_values_the_account_as_if_part_were_withdrawn() -> None:
    rs = reserves()
    mint_supply(rs["wstETH"], "bob", 3 * E18)
    prices = {"wstETH": 2000 * WAD, "USDC": WAD}
    col, *_ = calculate_user_account_data(rs, "bob", prices.__getitem__, ("wstETH", -E18))
    assert col == 4_000 * WAD
    col, *_ = calculate_user_account_data(rs, "bob", prices.__getitem__, ("wstETH", -5 * E18))
    assert col == 0  # never below zero


def test_account_data_in_the_numeraire() -> None:
    data = account_data((10_000 * WAD, 10_000 * WAD * 8_000, 10_000 * WAD * 8_500, 5_000 * WAD))
    assert (data.collateral_value, data.debt_value) == (10_000.0, 5_000.0)
    assert (data.borrow_capacity, data.liquidation_value) == (8_000.0, 8_500.0)
    assert (data.ltv_used, data.health_factor) == (0.5, 1.7)
    empty = account_data((0, 0, 0, 0))
    assert (empty.ltv_used, empty.health_factor) == (0.0, math.inf)
    assert account_data((0, 0, 0, WAD)).ltv_used == math.inf


def test_oracle_prices_become_wad_integers_or_revert() -> None:
    assert price_wad({"ETH": 1.5}.__getitem__, "ETH") == 1_500_000_000_000_000_000
    # the float product rounded to the nearest integer: 2000.5e18 is not a double
    assert price_wad({"ETH": 2000.5}.__getitem__, "ETH") == 2_000_499_999_999_999_868_928
    assert price_wad({"ETH": 0.0}.__getitem__, "ETH") == 0
    for bad in (math.nan, math.inf, -1.0):
        with pytest.raises(ProtocolError, match="invalid price for ETH"):
            price_wad({"ETH": bad}.__getitem__, "ETH")

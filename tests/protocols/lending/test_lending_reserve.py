"""Tests for sim.protocols.lending.reserve: ReserveData and the scaled aToken / debt balances."""

from __future__ import annotations

import pytest

from sim.errors import ProtocolError
from sim.protocols.lending.reserve import (
    Reserve,
    burn_debt,
    burn_supply,
    debt_of,
    mint_debt,
    mint_supply,
    reserve_of,
    supply_of,
)
from sim.protocols.lending.spec import AssetParams, RateCurve
from sim.units import RAY


def usdc() -> Reserve:
    curve = RateCurve(base_rate=0.01, slope1=0.04, kink=0.9, slope2=0.6, reserve_factor=0.125)
    params = AssetParams(
        ltv=0.825, liquidation_threshold=0.86, liquidation_bonus=0.045, rate=curve, supply_cap=1.5
    )
    return Reserve.from_params("USDC", 6, params)


def test_parameters_become_basis_points_and_ray_exactly() -> None:
    r = usdc()
    assert (r.ltv_bps, r.lt_bps, r.bonus_bps, r.reserve_factor_bps) == (8_250, 8_600, 10_450, 1_250)
    assert (r.base_rate_ray, r.slope1_ray, r.optimal_ray, r.slope2_ray) == (
        10**25,
        4 * 10**25,
        9 * 10**26,
        6 * 10**26,
    )
    assert r.borrow_rate_ray == r.base_rate_ray  # the rate at zero utilisation
    assert r.supply_cap == 1_500_000  # 1.5 whole tokens of 6 decimals
    borrow_only = Reserve.from_params("ETH", 18, AssetParams(collateral=False))
    assert (borrow_only.ltv_bps, borrow_only.lt_bps) == (0, 0)
    assert not borrow_only.counts_as_collateral and r.counts_as_collateral


def test_supply_mints_round_down_and_burns_round_up() -> None:
    r = usdc()
    r.liquidity_index = RAY * 11 // 10
    mint_supply(r, "a", 100)
    assert r.scaled_supply == {"a": 90} and r.total_scaled_supply == 90  # 100 / 1.1 = 90.9
    assert supply_of(r, "a") == 99  # 90 * 1.1, read rounded down
    assert burn_supply(r, "a", 50) == 46  # 50 / 1.1 = 45.5 scaled, burned rounded up
    assert supply_of(r, "a") == 48
    assert burn_supply(r, "a", 48) == 44  # the whole balance burns every scaled unit
    assert r.scaled_supply == {} and r.total_scaled_supply == 0
    with pytest.raises(ProtocolError, match="below one scaled unit"):
        mint_supply(r, "a", 1)  # 1 / 1.1 rounds to nothing


def test_debt_mints_round_up_and_partial_burns_round_down() -> None:
    r = usdc()
    r.borrow_index = RAY * 3 // 2
    mint_debt(r, "b", 100)
    assert r.scaled_debt == {"b": 67}  # 100 / 1.5 = 66.7, rounded up
    assert debt_of(r, "b") == 101  # 67 * 1.5 = 100.5, read rounded up
    burn_debt(r, "b", 10)  # 10 / 1.5 = 6.7 scaled, burned rounded down
    assert r.scaled_debt == {"b": 61} and r.total_scaled_debt == 61
    burn_debt(r, "b", debt_of(r, "b"))
    assert r.scaled_debt == {} and r.total_scaled_debt == 0


def test_totals_and_dust() -> None:
    r = usdc()
    mint_supply(r, "a", 1_000)
    r.cash = 1_000
    mint_debt(r, "b", 400)
    r.cash -= 400
    r.borrow_index = RAY * 3 // 2  # debt grew by half
    t = r.totals()
    assert (t.cash, t.total_supply, t.total_debt, t.deficit, t.treasury) == (600, 1_000, 600, 0, 0)
    assert t.dust == 200  # interest owed to suppliers once the liquidity index catches up
    assert reserve_of({"USDC": r}, "USDC") is r
    with pytest.raises(ProtocolError, match="no 'DAI' reserve in this market \\(it lists USDC\\)"):
        reserve_of({"USDC": r}, "DAI")

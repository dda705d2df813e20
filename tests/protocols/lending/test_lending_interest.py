"""Tests for sim.protocols.lending.interest: the kinked rate curve and exact accrual."""

from __future__ import annotations

from sim.protocols.lending.interest import (
    borrow_rate_ray,
    supply_rate_ray,
    update_interest_rates,
    update_state,
    utilization_ray,
)
from sim.protocols.lending.reserve import Reserve, mint_debt, mint_supply
from sim.protocols.lending.spec import AssetParams, RateCurve
from sim.protocols.wad_ray_math import calculate_compounded_interest, percent_mul, ray_mul
from sim.units import RAY

E18 = 10**18


def eth() -> Reserve:
    curve = RateCurve(base_rate=0.01, slope1=0.04, kink=0.8, slope2=0.75, reserve_factor=0.1)
    return Reserve.from_params("ETH", 18, AssetParams(collateral=False, rate=curve))


def test_the_rate_curve_at_zero_half_kink_kink_and_full() -> None:
    r = eth()
    assert borrow_rate_ray(r, 0) == 10**25  # base 1%
    assert borrow_rate_ray(r, 4 * 10**26) == 3 * 10**25  # half way to the kink: 1% + 2%
    assert borrow_rate_ray(r, 8 * 10**26) == 5 * 10**25  # the kink: 1% + 4%
    assert borrow_rate_ray(r, 9 * 10**26) == 5 * 10**25 + 375 * 10**24  # half way up slope2
    assert borrow_rate_ray(r, RAY) == 80 * 10**25  # 1% + 4% + 75%
    assert borrow_rate_ray(r, 2 * RAY) == borrow_rate_ray(r, RAY)  # clamped


def test_utilization_and_rates_follow_the_books() -> None:
    r = eth()
    assert utilization_ray(r) == 0
    mint_supply(r, "a", 100 * E18)
    r.cash = 100 * E18
    mint_debt(r, "b", 80 * E18)
    r.cash -= 80 * E18
    assert utilization_ray(r) == 8 * 10**26
    update_interest_rates(r)
    assert r.borrow_rate_ray == 5 * 10**25
    # 5% * 80% utilisation * (1 - 10%) = 3.6%
    assert supply_rate_ray(r) == 36 * 10**24


def test_accrual_pays_suppliers_exactly_what_borrowers_owe_less_the_treasury_share() -> None:
    r = eth()
    mint_supply(r, "a", 100 * E18)
    r.cash = 100 * E18
    mint_debt(r, "b", 80 * E18)
    r.cash -= 80 * E18
    update_interest_rates(r)
    update_state(r, 86_400)
    factor = calculate_compounded_interest(5 * 10**25, 86_400)
    interest = -(-80 * E18 * ray_mul(RAY, factor) // RAY) - 80 * E18  # debt reads round up
    assert r.borrow_index == ray_mul(RAY, factor)
    assert r.interest_accrued == interest
    assert r.interest_to_treasury == percent_mul(interest, 1_000)
    to_suppliers = interest - r.interest_to_treasury
    assert r.liquidity_index == RAY + to_suppliers * RAY // (100 * E18)
    assert r.borrow_rate_ray > 5 * 10**25  # utilisation rose with the debt


def test_without_suppliers_all_interest_goes_to_the_treasury() -> None:
    r = eth()
    mint_debt(r, "b", E18)
    r.borrow_rate_ray = 10**26
    update_state(r, 3_600)
    assert r.interest_accrued > 0
    assert r.interest_to_treasury == r.interest_accrued
    assert r.treasury_scaled == r.interest_accrued  # at a liquidity index of 1
    assert r.liquidity_index == RAY

"""An account's position across reserves: `GenericLogic.calculateUserAccountData` and its views.

Prices come from outside: the oracle returns the price of one whole token in a common
numeraire (a float), converted once to an integer WAD price (`price_wad`); every valuation
is then in integers, collateral rounded down and debt rounded up. An account in an
efficiency-mode category (`EMode`) values the category's collateral at the category's LTV
and liquidation threshold (Aave v3.2+: `collateralBitmap`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sim.errors import ProtocolError
from sim.protocols.lending.reserve import Reserve, debt_of, supply_of
from sim.protocols.wad_ray_math import ceil_div, percent_mul
from sim.units import BPS, MAX_UINT256, WAD

__all__ = [
    "AccountData",
    "EMode",
    "Oracle",
    "PriceWad",
    "Valuation",
    "account_data",
    "calculate_user_account_data",
    "health_factor_wad",
    "price_wad",
]

Oracle = Callable[[str], float]
"""The price of one whole token of an asset in the numeraire."""

PriceWad = Callable[[str], int]
"""The same price as a WAD integer (`price_wad` over an oracle)."""

Valuation = tuple[int, int, int, int]
"""(collateral value, sum value * ltv_bps, sum value * lt_bps, debt value), WAD numeraire."""


@dataclass(frozen=True, slots=True)
class AccountData:
    """`Pool.getUserAccountData` in numeraire units (floats, for agents and reports)."""

    collateral_value: float
    """Collateral-enabled supplies at oracle prices."""
    debt_value: float
    """All debts at oracle prices."""
    borrow_capacity: float
    """Sum of collateral value * LTV: the most debt value the account may hold."""
    liquidation_value: float
    """Sum of collateral value * liquidation threshold."""
    ltv_used: float
    """debt / collateral (0 without debt, inf with debt and no collateral)."""
    health_factor: float
    """liquidation_value / debt (inf without debt)."""


@dataclass(frozen=True, slots=True)
class EMode:
    """`DataTypes.EModeCategory` (v3.2+) in integers: LTV, threshold and 10000 + bonus in bps,
    the assets whose collateral gets them and the assets an account in it may borrow."""

    ltv_bps: int
    lt_bps: int
    bonus_bps: int
    collateral: frozenset[str]
    borrowable: frozenset[str]


def price_wad(oracle: Oracle, asset: str) -> int:
    """The oracle price of one whole `asset` in the numeraire, as a WAD integer."""
    p = oracle(asset)
    if not math.isfinite(p) or p < 0:
        raise ProtocolError(f"oracle returned an invalid price for {asset}: {p!r}")
    return round(p * WAD)


def calculate_user_account_data(
    reserves: Mapping[str, Reserve],
    account: str,
    price: PriceWad,
    supply_delta: tuple[str, int] | None = None,
    emode: EMode | None = None,
    debt_delta: tuple[str, int] | None = None,
) -> Valuation:
    """`GenericLogic.calculateUserAccountData` in WAD numeraire units, `price` in WAD.

    Returns (collateral value, sum value*ltv_bps, sum value*lt_bps, debt value); the
    two weighted sums are still multiplied by 1e4. `supply_delta = (asset, -amount)`
    values the account as if `amount` of its `asset` supply were gone (`debt_delta` the
    same for a debt). Collateral is
    valued rounding down, debt rounding up. With `emode`, collateral in the category is
    weighted by its LTV and threshold (a reserve whose own LTV is 0 still adds no LTV).
    """
    col = w_ltv = w_lt = debt = 0
    for asset, r in reserves.items():
        bal = supply_of(r, account) if r.counts_as_collateral else 0
        if supply_delta is not None and supply_delta[0] == asset and bal:
            bal = max(bal + supply_delta[1], 0)
        d = debt_of(r, account)
        if debt_delta is not None and debt_delta[0] == asset and d:
            d = max(d + debt_delta[1], 0)
        if not bal and not d:
            continue
        p = price(asset)
        unit = 10**r.decimals
        if bal:
            v = bal * p // unit
            col += v
            ltv, lt = r.ltv_bps, r.lt_bps
            if emode is not None and asset in emode.collateral:
                ltv, lt = (emode.ltv_bps if ltv else 0), emode.lt_bps
            w_ltv += v * ltv
            w_lt += v * lt
        if d:
            debt += ceil_div(d * p, unit)
    return col, w_ltv, w_lt, debt


def health_factor_wad(valuation: Valuation) -> int:
    """The health factor as `calculateUserAccountData` returns it, WAD (uint256 max without debt).

    ``avgLiquidationThreshold = sum(value * lt) / collateral`` (rounded down), then
    ``percentMul(collateral, avgLt).wadDiv(debt)`` (both rounded half up).
    """
    col, _, w_lt, debt = valuation
    if debt == 0:
        return MAX_UINT256
    avg_lt = w_lt // col if col else 0
    return (percent_mul(col, avg_lt) * WAD + debt // 2) // debt


def account_data(valuation: Valuation) -> AccountData:
    """`Pool.getUserAccountData`: a valuation in the numeraire, LTV used and health factor."""
    col, w_ltv, w_lt, debt = valuation
    if debt == 0:
        ltv_used, hf = 0.0, math.inf
    else:
        ltv_used = debt / col if col else math.inf
        hf = w_lt / BPS / debt
    return AccountData(
        collateral_value=col / WAD,
        debt_value=debt / WAD,
        borrow_capacity=w_ltv / BPS / WAD,
        liquidation_value=w_lt / BPS / WAD,
        ltv_used=ltv_used,
        health_factor=hf,
    )

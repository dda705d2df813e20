"""Efficiency mode: Aave v3.2+'s `EModeLogic` and its validation.

A category lends correlated assets (ETH and its liquid-staking tokens) against each other at
its own LTV, liquidation threshold and bonus. An account enters at most one category
(`setUserEMode`); while in it, its collateral in the category's collateral set is valued at
the category's parameters (`GenericLogic.calculateUserAccountData`), a liquidation of that
collateral pays the category's bonus (`LiquidationLogic`), and it may borrow only the
category's borrowable assets (`ValidationLogic.validateBorrow`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import ProtocolError
from sim.protocols.lending.account import (
    EMode,
    PriceWad,
    calculate_user_account_data,
    health_factor_wad,
)
from sim.protocols.lending.reserve import Reserve, debt_of
from sim.protocols.lending.spec import LendingSpec
from sim.protocols.wad_ray_math import to_bps
from sim.units import BPS, WAD

__all__ = ["categories", "validate_set_user_emode"]


def categories(spec: LendingSpec) -> dict[str, EMode]:
    """`PoolConfigurator.setEModeCategory` + `setAssetCollateralInEMode` / `...BorrowableInEMode`."""
    return {
        name: EMode(
            ltv_bps=to_bps(c.ltv),
            lt_bps=to_bps(c.liquidation_threshold),
            bonus_bps=BPS + to_bps(c.liquidation_bonus),
            collateral=frozenset(c.collateral),
            borrowable=frozenset(c.borrowable),
        )
        for name, c in spec.emode.items()
    }


def validate_set_user_emode(
    reserves: Mapping[str, Reserve],
    price: PriceWad,
    account: str,
    name: str | None,
    category: EMode | None,
) -> None:
    """`ValidationLogic.validateSetUserEMode`, then `validateHealthFactor` in the new category.

    Every asset the account borrows must be borrowable in the category, and its health
    factor in the category must stay >= 1 (leaving a category can lower it).
    """
    if category is not None:
        for asset, r in reserves.items():
            if debt_of(r, account) and asset not in category.borrowable:
                raise ProtocolError(
                    f"NOT_BORROWABLE_IN_EMODE: {account} borrows {asset}, which e-mode "
                    f"category {name!r} does not lend"
                )
    valuation = calculate_user_account_data(reserves, account, price, emode=category)
    hf = health_factor_wad(valuation)
    if hf < WAD:
        raise ProtocolError(
            f"{account}'s health factor would be {hf / WAD:.4f} < 1 in e-mode {name!r}"
        )

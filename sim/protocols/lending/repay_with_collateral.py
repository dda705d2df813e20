"""Repaying debt with collateral below health factor 1, as Aave's `ParaSwapRepayAdapter` does.

A flash loan (`sim.protocols.lending.flash_loan_simple`) borrows the debt asset, repays, the
collateral is withdrawn (its health-factor check now passes), sold, and the loan paid back.
The market keeps only its books, so the caller checks beforehand that every step will go
through (`check_repay_with_collateral`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import ProtocolError
from sim.protocols.lending.account import EMode, PriceWad, calculate_user_account_data
from sim.protocols.lending.reserve import Reserve, debt_of, supply_of
from sim.units import BPS

__all__ = ["check_repay_with_collateral"]


def check_repay_with_collateral(
    reserves: Mapping[str, Reserve],
    price: PriceWad,
    account: str,
    debt_asset: str,
    repay: int,
    collateral_asset: str,
    withdraw: int,
    emode: EMode | None,
) -> None:
    """Raise unless repaying `repay` then withdrawing `withdraw` would both go through.

    The withdrawal is checked as `validateHFAndLtv` does, at the health factor the repayment
    leaves; the collateral reserve must hold the cash.
    """
    dr, cr = reserves[debt_asset], reserves[collateral_asset]
    if not 0 < repay <= debt_of(dr, account):
        raise ProtocolError(f"{account}: cannot repay {repay} of its {debt_asset} debt")
    if not 0 < withdraw <= supply_of(cr, account) or withdraw > cr.cash:
        raise ProtocolError(f"{account}: cannot withdraw {withdraw} {collateral_asset}")
    _, _, w_lt, debt = calculate_user_account_data(
        reserves,
        account,
        price,
        (collateral_asset, -withdraw),
        emode,
        (debt_asset, -repay),
    )
    if debt and w_lt < debt * BPS:
        raise ProtocolError(
            f"repaying with collateral would leave {account}'s health factor at "
            f"{w_lt / BPS / debt:.4f} < 1"
        )

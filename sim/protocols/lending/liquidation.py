"""Liquidations and bad debt: Aave's `LiquidationLogic` over a market's reserves.

A borrower whose health factor is below 1 can be liquidated: a liquidator repays up to
`close_factor` of one debt and seizes collateral worth that much plus the bonus
(`_calculateAvailableCollateralToLiquidate`). Debt left without collateral value is bad
debt: `burn_bad_debt` writes it off into each reserve's ``deficit`` (Aave v3.3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.errors import ProtocolError
from sim.protocols.lending.account import PriceWad, calculate_user_account_data
from sim.protocols.lending.interest import update_interest_rates
from sim.protocols.lending.reserve import (
    MAX_AMOUNT,
    Reserve,
    burn_debt,
    burn_supply,
    debt_of,
    reserve_of,
    supply_of,
)
from sim.protocols.validation import check_amount
from sim.protocols.wad_ray_math import percent_div, percent_mul
from sim.units import BPS, WAD

__all__ = ["burn_bad_debt", "execute_liquidation", "insolvent_accounts", "quote_liquidation"]


def quote_liquidation(
    reserves: dict[str, Reserve],
    price: PriceWad,
    close_factor_bps: int,
    borrower: str,
    debt_asset: str,
    collateral_asset: str,
    debt_to_cover: int,
    receive_a_token: bool = False,
) -> tuple[int, int]:
    """`LiquidationLogic.executeLiquidationCall` without the transfers: (repaid, seized).

    Never mutates; raises the `ProtocolError` the liquidation would revert with.
    Mirrors `_calculateAvailableCollateralToLiquidate`: the debt covered is capped at
    `close_factor` of the borrower's `debt_asset` debt; the collateral seized is
    worth the debt covered times (1 + bonus) at oracle prices, capped at the
    borrower's collateral, in which case the debt covered shrinks to match.
    """
    if debt_to_cover != MAX_AMOUNT:
        check_amount(debt_to_cover, "debt to cover")
    dr = reserve_of(reserves, debt_asset)
    cr = reserve_of(reserves, collateral_asset)
    _, _, w_lt, debt_value = calculate_user_account_data(reserves, borrower, price)
    if debt_value == 0 or w_lt >= debt_value * BPS:
        hf = math.inf if debt_value == 0 else w_lt / BPS / debt_value
        raise ProtocolError(
            f"{borrower} cannot be liquidated: health factor {hf:.4f} is not below 1"
        )
    if not cr.counts_as_collateral:
        raise ProtocolError(f"{collateral_asset} is not collateral in this market")
    collateral = supply_of(cr, borrower)
    if collateral == 0:
        raise ProtocolError(f"{borrower} has no {collateral_asset} collateral to seize")
    debt = debt_of(dr, borrower)
    if debt == 0:
        raise ProtocolError(f"{borrower} has no {debt_asset} debt")
    max_liquidatable = percent_mul(debt, close_factor_bps)
    actual = min(debt_to_cover, max_liquidatable)

    debt_price = price(debt_asset)
    col_price = price(collateral_asset)
    if col_price == 0:
        raise ProtocolError(f"{collateral_asset} oracle price is zero: nothing to seize")
    debt_unit, col_unit = 10**dr.decimals, 10**cr.decimals
    base_collateral = debt_price * actual * col_unit // (col_price * debt_unit)
    max_collateral = percent_mul(base_collateral, cr.bonus_bps)
    if max_collateral > collateral:
        seized = collateral
        repaid = percent_div(
            col_price * seized * debt_unit // (debt_price * col_unit), cr.bonus_bps
        )
        repaid = min(repaid, actual)
    else:
        seized, repaid = max_collateral, actual
    if repaid == 0 or seized == 0:
        raise ProtocolError("liquidation too small: it would repay or seize nothing")
    if not receive_a_token and seized > cr.cash + (repaid if cr is dr else 0):
        raise ProtocolError(
            f"not enough {collateral_asset} liquidity to pay {seized} to the liquidator"
        )
    return repaid, seized


def execute_liquidation(
    reserves: dict[str, Reserve],
    price: PriceWad,
    close_factor_bps: int,
    liquidator: str,
    borrower: str,
    debt_asset: str,
    collateral_asset: str,
    debt_to_cover: int,
    receive_a_token: bool = False,
) -> tuple[int, int]:
    """`LiquidationLogic.liquidationCall`: returns (debt_repaid, collateral_seized).

    Amounts as in `quote_liquidation`. The debt is burned and its repayment joins the
    cash; the collateral is burned from the borrower and paid out of the cash, or moved
    to the liquidator's supply when `receive_a_token`.
    """
    repaid, seized = quote_liquidation(
        reserves,
        price,
        close_factor_bps,
        borrower,
        debt_asset,
        collateral_asset,
        debt_to_cover,
        receive_a_token,
    )
    dr, cr = reserves[debt_asset], reserves[collateral_asset]
    burn_debt(dr, borrower, repaid)
    dr.cash += repaid
    if receive_a_token:
        scaled = burn_supply(cr, borrower, seized)
        cr.scaled_supply[liquidator] = cr.scaled_supply.get(liquidator, 0) + scaled
        cr.total_scaled_supply += scaled
    else:
        burn_supply(cr, borrower, seized)
        cr.cash -= seized
    update_interest_rates(dr)
    if cr is not dr:
        update_interest_rates(cr)
    return repaid, seized


def burn_bad_debt(reserves: dict[str, Reserve], price: PriceWad, account: str) -> dict[str, int]:
    """Aave v3.3 `LiquidationLogic._burnBadDebt`: write off debt left without collateral.

    Only for an account with debt whose collateral is worth zero at oracle prices.
    Its debts are burned and added to each reserve's `deficit`; returns the
    amounts written off per asset.
    """
    col, _, _, debt_value = calculate_user_account_data(reserves, account, price)
    debts = {a: debt_of(r, account) for a, r in reserves.items()}
    if not any(debts.values()):
        raise ProtocolError(f"{account} has no debt to write off")
    if col > 0:
        raise ProtocolError(
            f"{account} still has collateral worth {col / WAD:.6g} "
            f"(debt {debt_value / WAD:.6g}): liquidate it first"
        )
    out: dict[str, int] = {}
    for asset, d in debts.items():
        if d:
            r = reserves[asset]
            burn_debt(r, account, d)
            r.deficit += d
            update_interest_rates(r)
            out[asset] = d
    return out


def insolvent_accounts(
    reserves: Mapping[str, Reserve], price: PriceWad, accounts: list[str]
) -> dict[str, tuple[int, int]]:
    """(collateral value, debt value) of each of `accounts` whose debt value exceeds its
    collateral value (oracle prices, no haircut), in order."""
    out = {}
    for account in accounts:
        col, _, _, debt = calculate_user_account_data(reserves, account, price)
        if debt > col:
            out[account] = (col, debt)
    return out

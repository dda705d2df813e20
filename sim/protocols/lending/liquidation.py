"""Liquidations and bad debt: Aave v3.3's `LiquidationLogic` over a market's reserves.

A borrower whose health factor is below 1 can be liquidated. The close factor is v3.3's
(`executeLiquidationCall`): the whole debt of the reserve may be repaid, unless the
borrower's collateral and debt in that pair of reserves are both worth at least
`min_base_wad` (v3: `MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD`, $2,000) and its health factor
is above 0.95 (`CLOSE_FACTOR_HF_THRESHOLD`): then at most `close_factor_bps` (v3:
`DEFAULT_LIQUIDATION_CLOSE_FACTOR`, 50%) of its *total* debt value. A partial liquidation
must leave at least `min_base_wad / 2` (`MIN_LEFTOVER_BASE`) of both the debt and the
collateral, or it reverts (`MUST_NOT_LEAVE_DUST`). The liquidator seizes collateral worth
the debt repaid times (1 + bonus), the e-mode category's bonus for collateral in the
borrower's category; `liquidation_protocol_fee` of the bonus part goes to the treasury
as aTokens (`_calculateAvailableCollateralToLiquidate`). A liquidation that takes the
borrower's last collateral writes all its remaining debt off into each reserve's
``deficit`` (`_burnDebtTokens`, `_burnBadDebt`): it accrues no more interest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.errors import ProtocolError
from sim.protocols.lending.account import (
    EMode,
    PriceWad,
    calculate_user_account_data,
    health_factor_wad,
)
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
from sim.protocols.wad_ray_math import percent_div, percent_mul, ray_div, ray_mul
from sim.units import WAD

__all__ = [
    "CLOSE_FACTOR_HF_THRESHOLD",
    "Liquidation",
    "LiquidationRules",
    "burn_bad_debt",
    "execute_liquidation",
    "insolvent_accounts",
    "max_liquidatable_debt",
    "quote_liquidation",
]

CLOSE_FACTOR_HF_THRESHOLD = 95 * 10**16
"""`LiquidationLogic.CLOSE_FACTOR_HF_THRESHOLD` (0.95, WAD): at or below it, the whole debt."""
HEALTH_FACTOR_LIQUIDATION_THRESHOLD = WAD
"""`ValidationLogic.HEALTH_FACTOR_LIQUIDATION_THRESHOLD`: liquidatable below 1."""


@dataclass(frozen=True, slots=True)
class LiquidationRules:
    """The market-wide constants of `LiquidationLogic`, as integers."""

    close_factor_bps: int = 5_000
    """`DEFAULT_LIQUIDATION_CLOSE_FACTOR`: share of the total debt above HF 0.95."""
    min_base_wad: int = 2_000 * WAD
    """`MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD` in the numeraire (WAD); leftover is half of it."""

    @property
    def min_leftover_wad(self) -> int:
        """`MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2`."""
        return self.min_base_wad // 2


@dataclass(frozen=True, slots=True)
class Liquidation:
    """What a liquidation repays and pays out (token units)."""

    repaid: int
    """Debt asset the liquidator pays in (`actualDebtToLiquidate`)."""
    seized: int
    """Collateral the liquidator receives, net of the protocol fee."""
    protocol_fee: int
    """Collateral paid to the treasury (`liquidationProtocolFeeAmount`)."""
    no_collateral_left: bool
    """The seizure takes all the borrower's collateral value: its other debt becomes deficit."""
    deficit: dict[str, int] = field(default_factory=dict)
    """Per asset, debt written off into the reserve's deficit (only once executed)."""


def _hf_and_totals(
    reserves: Mapping[str, Reserve], price: PriceWad, borrower: str, emode: EMode | None
) -> tuple[int, int, int]:
    """(health factor WAD, total collateral WAD, total debt WAD) of `calculateUserAccountData`."""
    valuation = calculate_user_account_data(reserves, borrower, price, emode=emode)
    return health_factor_wad(valuation), valuation[0], valuation[3]


def max_liquidatable_debt(
    reserves: Mapping[str, Reserve],
    price: PriceWad,
    rules: LiquidationRules,
    borrower: str,
    debt_asset: str,
    collateral_asset: str,
    emode: EMode | None = None,
) -> int:
    """`maxLiquidatableDebt` of `executeLiquidationCall` (v3.3): the close factor's cap.

    The whole `debt_asset` debt, unless collateral and debt in this pair of reserves are
    both worth >= `min_base_wad` and HF > 0.95: then `close_factor_bps` of the total debt
    value, converted to `debt_asset` (if the reserve's debt is worth more than that).
    """
    dr, cr = reserve_of(reserves, debt_asset), reserve_of(reserves, collateral_asset)
    hf, _, total_debt = _hf_and_totals(reserves, price, borrower, emode)
    debt = debt_of(dr, borrower)
    debt_price, col_price = price(debt_asset), price(collateral_asset)
    debt_unit = 10**dr.decimals
    debt_base = debt * debt_price // debt_unit
    col_base = supply_of(cr, borrower) * col_price // 10**cr.decimals
    if (
        col_base >= rules.min_base_wad
        and debt_base >= rules.min_base_wad
        and hf > CLOSE_FACTOR_HF_THRESHOLD
    ):
        default_base = percent_mul(total_debt, rules.close_factor_bps)
        if debt_base > default_base:
            return default_base * debt_unit // debt_price
    return debt


def _validate(
    reserves: Mapping[str, Reserve],
    price: PriceWad,
    borrower: str,
    dr: Reserve,
    cr: Reserve,
    emode: EMode | None,
) -> tuple[int, int]:
    """`ValidationLogic.validateLiquidationCall`: (total collateral WAD, borrower's debt)."""
    hf, total_col, _ = _hf_and_totals(reserves, price, borrower, emode)
    if hf >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD:
        shown = math.inf if hf > 10**40 else hf / WAD
        raise ProtocolError(
            f"{borrower} cannot be liquidated: health factor {shown:.4f} is not below 1"
        )
    if not cr.counts_as_collateral:
        raise ProtocolError(f"{cr.asset} is not collateral in this market")
    if supply_of(cr, borrower) == 0:
        raise ProtocolError(f"{borrower} has no {cr.asset} collateral to seize")
    debt = debt_of(dr, borrower)
    if debt == 0:
        raise ProtocolError(f"{borrower} has no {dr.asset} debt")
    return total_col, debt


def quote_liquidation(
    reserves: Mapping[str, Reserve],
    price: PriceWad,
    rules: LiquidationRules,
    borrower: str,
    debt_asset: str,
    collateral_asset: str,
    debt_to_cover: int,
    receive_a_token: bool = False,
    emode: EMode | None = None,
) -> Liquidation:
    """`LiquidationLogic.executeLiquidationCall` (v3.3) without the transfers.

    Never mutates; raises the `ProtocolError` the call would revert with. `emode` is the
    borrower's category (its bonus applies to collateral in it).
    """
    if debt_to_cover != MAX_AMOUNT:
        check_amount(debt_to_cover, "debt to cover")
    dr = reserve_of(reserves, debt_asset)
    cr = reserve_of(reserves, collateral_asset)
    total_col, debt = _validate(reserves, price, borrower, dr, cr, emode)
    bonus = emode.bonus_bps if emode is not None and collateral_asset in emode.collateral else 0
    bonus = bonus or cr.bonus_bps
    debt_price, col_price = price(debt_asset), price(collateral_asset)
    if col_price == 0:
        raise ProtocolError(f"{collateral_asset} oracle price is zero: nothing to seize")
    cap = max_liquidatable_debt(
        reserves, price, rules, borrower, debt_asset, collateral_asset, emode
    )
    actual = min(debt_to_cover, cap)
    balance = supply_of(cr, borrower)
    debt_unit, col_unit = 10**dr.decimals, 10**cr.decimals

    # _calculateAvailableCollateralToLiquidate
    base_collateral = debt_price * actual * col_unit // (col_price * debt_unit)
    max_collateral = percent_mul(base_collateral, bonus)
    if max_collateral > balance:
        collateral = balance
        repaid = percent_div(col_price * collateral * debt_unit // (debt_price * col_unit), bonus)
    else:
        collateral, repaid = max_collateral, actual
    collateral_base = collateral * col_price // col_unit
    fee = 0
    if cr.protocol_fee_bps:
        fee = percent_mul(collateral - percent_div(collateral, bonus), cr.protocol_fee_bps)
        collateral -= fee

    if repaid < debt and collateral + fee < balance:  # MUST_NOT_LEAVE_DUST
        debt_left = (debt - repaid) * debt_price // debt_unit
        col_left = (balance - collateral - fee) * col_price // col_unit
        if debt_left < rules.min_leftover_wad or col_left < rules.min_leftover_wad:
            raise ProtocolError(
                "MUST_NOT_LEAVE_DUST: a partial liquidation must leave debt and collateral "
                f"worth >= {rules.min_leftover_wad / WAD:g} (left: debt "
                f"{debt_left / WAD:.6g}, collateral {col_left / WAD:.6g})"
            )
    if repaid == 0 or collateral == 0:
        raise ProtocolError("liquidation too small: it would repay or seize nothing")
    if not receive_a_token and collateral > cr.cash + (repaid if cr is dr else 0):
        raise ProtocolError(
            f"not enough {collateral_asset} liquidity to pay {collateral} to the liquidator"
        )
    return Liquidation(repaid, collateral, fee, collateral_base == total_col)


def execute_liquidation(
    reserves: dict[str, Reserve],
    price: PriceWad,
    rules: LiquidationRules,
    liquidator: str,
    borrower: str,
    debt_asset: str,
    collateral_asset: str,
    debt_to_cover: int,
    receive_a_token: bool = False,
    emode: EMode | None = None,
) -> Liquidation:
    """`LiquidationLogic.executeLiquidationCall` (v3.3): the quote, then its transfers.

    The debt is burned and its repayment joins the cash; the collateral is burned from the
    borrower and paid out of the cash, or moved to the liquidator's supply when
    `receive_a_token`; the protocol fee moves from the borrower's supply to the treasury's
    (`transferOnLiquidation`). With no collateral left, every remaining debt of the
    borrower is written off into the deficit (`_burnDebtTokens`, `_burnBadDebt`).
    """
    q = quote_liquidation(
        reserves,
        price,
        rules,
        borrower,
        debt_asset,
        collateral_asset,
        debt_to_cover,
        receive_a_token,
        emode,
    )
    dr, cr = reserves[debt_asset], reserves[collateral_asset]
    deficit: dict[str, int] = {}
    if q.no_collateral_left:  # _burnDebtTokens: burn the whole debt, the rest is deficit
        left = debt_of(dr, borrower) - q.repaid
        burn_debt(dr, borrower, debt_of(dr, borrower))
        if left > 0:
            dr.deficit += left
            dr.deficit_created += left
            deficit[debt_asset] = left
    else:
        burn_debt(dr, borrower, q.repaid)
    dr.cash += q.repaid
    if receive_a_token:
        scaled = burn_supply(cr, borrower, q.seized)
        cr.scaled_supply[liquidator] = cr.scaled_supply.get(liquidator, 0) + scaled
        cr.total_scaled_supply += scaled
    else:
        burn_supply(cr, borrower, q.seized)
        cr.cash -= q.seized
    fee = q.protocol_fee
    if fee:  # the fee's aTokens go to the treasury; capped at the borrower's scaled balance
        have = cr.scaled_supply.get(borrower, 0)
        scaled = ray_div(fee, cr.liquidity_index)
        if scaled > have:  # 1-wei imprecision: send what the borrower has
            scaled, fee = have, ray_mul(have, cr.liquidity_index)
        if have - scaled:
            cr.scaled_supply[borrower] = have - scaled
        else:
            cr.scaled_supply.pop(borrower, None)
        cr.treasury_scaled += scaled
        cr.liquidation_fees += fee
    if q.no_collateral_left:
        for asset, n in _burn_debts(reserves, borrower).items():
            deficit[asset] = deficit.get(asset, 0) + n
    update_interest_rates(dr)
    if cr is not dr:
        update_interest_rates(cr)
    return Liquidation(q.repaid, q.seized, fee, q.no_collateral_left, deficit)


def _burn_debts(reserves: Mapping[str, Reserve], account: str) -> dict[str, int]:
    """`_burnBadDebt`: burn every debt of `account` into its reserve's deficit."""
    out: dict[str, int] = {}
    for asset, r in reserves.items():
        d = debt_of(r, account)
        if d:
            burn_debt(r, account, d)
            r.deficit += d
            r.deficit_created += d
            update_interest_rates(r)
            out[asset] = d
    return out


def burn_bad_debt(
    reserves: dict[str, Reserve], price: PriceWad, account: str, emode: EMode | None = None
) -> dict[str, int]:
    """Aave v3.3 `LiquidationLogic._burnBadDebt`, outside a liquidation.

    v3.3 calls it only inside the liquidation that takes the last collateral (see
    `execute_liquidation`); this is for an account whose collateral is worth zero at
    oracle prices by another road (a price of zero). Its debts are burned into each
    reserve's `deficit`; returns the amounts written off per asset.
    """
    col, _, _, debt_value = calculate_user_account_data(reserves, account, price, emode=emode)
    if not any(debt_of(r, account) for r in reserves.values()):
        raise ProtocolError(f"{account} has no debt to write off")
    if col > 0:
        raise ProtocolError(
            f"{account} still has collateral worth {col / WAD:.6g} "
            f"(debt {debt_value / WAD:.6g}): liquidate it first"
        )
    return _burn_debts(reserves, account)


def insolvent_accounts(
    reserves: Mapping[str, Reserve],
    price: PriceWad,
    accounts: list[str],
) -> dict[str, tuple[int, int]]:
    """(collateral value, debt value) of each of `accounts` whose debt value exceeds its
    collateral value (oracle prices, no haircut), in order."""
    out = {}
    for account in accounts:
        col, _, _, debt = calculate_user_account_data(reserves, account, price)
        if debt > col:
            out[account] = (col, debt)
    return out

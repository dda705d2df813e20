"""The four account actions, Aave's `SupplyLogic` and `BorrowLogic` with their `ValidationLogic`.

Each checks the call, updates the reserve's books and stores the new interest rates; the
caller moves the tokens (in for supply and repay, out for withdraw and borrow).
"""

from __future__ import annotations

from sim.errors import InsufficientBalance, ProtocolError
from sim.protocols.lending.account import EMode, PriceWad, calculate_user_account_data
from sim.protocols.lending.interest import update_interest_rates
from sim.protocols.lending.reserve import (
    MAX_AMOUNT,
    Reserve,
    burn_debt,
    burn_supply,
    debt_of,
    mint_debt,
    mint_supply,
    reserve_of,
    supply_of,
)
from sim.protocols.validation import check_amount
from sim.protocols.wad_ray_math import ceil_div
from sim.units import BPS, RAY, WAD

__all__ = [
    "WithdrawalBlocked",
    "execute_borrow",
    "execute_repay",
    "execute_supply",
    "execute_withdraw",
    "execute_withdraw_treasury",
]


class WithdrawalBlocked(ProtocolError):
    """A withdrawal larger than the reserve's cash: the rest is lent out (100% utilisation).

    Aave v3 reverts it (the aToken cannot pay out more underlying than it holds).
    """


def execute_supply(reserves: dict[str, Reserve], account: str, asset: str, amount: int) -> None:
    """`SupplyLogic.executeSupply`: the caller has moved `amount` into the market."""
    check_amount(amount, "supply")
    r = reserve_of(reserves, asset)
    if r.supply_cap is not None and r.total_supply() + amount > r.supply_cap:
        raise ProtocolError(
            f"supply cap exceeded: {r.asset} total supply would be "
            f"{r.total_supply() + amount} > cap {r.supply_cap}"
        )
    mint_supply(r, account, amount)
    r.cash += amount
    update_interest_rates(r)


def execute_withdraw(
    reserves: dict[str, Reserve],
    price: PriceWad,
    account: str,
    asset: str,
    amount: int,
    emode: EMode | None = None,
) -> int:
    """`SupplyLogic.executeWithdraw`: returns the tokens the caller must pay `account`.

    `MAX_AMOUNT` withdraws the whole balance. Reverts if the account holds less,
    if the market's cash is short (funds are lent out) or if the health factor
    after the withdrawal would be below 1.
    """
    r = reserve_of(reserves, asset)
    balance = supply_of(r, account)
    if amount == MAX_AMOUNT:
        amount = balance
    check_amount(amount, "withdraw")
    if amount > balance:
        raise InsufficientBalance(
            f"{account} cannot withdraw {amount} {asset}: supplied balance is {balance}"
        )
    if amount > r.cash:
        raise WithdrawalBlocked(
            f"not enough {asset} liquidity: {amount} requested, {r.cash} available "
            "(the rest is lent out)"
        )
    if r.counts_as_collateral:
        _, _, w_lt, debt = calculate_user_account_data(
            reserves, account, price, (asset, -amount), emode
        )
        if debt and w_lt < debt * BPS:
            raise ProtocolError(
                f"withdrawal would put {account}'s health factor at {w_lt / BPS / debt:.4f} < 1"
            )
    burn_supply(r, account, amount)
    r.cash -= amount
    update_interest_rates(r)
    return amount


def execute_borrow(
    reserves: dict[str, Reserve],
    price: PriceWad,
    account: str,
    asset: str,
    amount: int,
    emode: EMode | None = None,
) -> None:
    """`BorrowLogic.executeBorrow` (variable rate): the caller pays `amount` to `account`.

    `ValidationLogic.validateBorrow`: the asset must be borrowable (and, for an account
    in an e-mode category, in the category's borrowable set), the market must hold the
    cash, the health factor must be >= 1, and total debt value after the borrow must not
    exceed the LTV-weighted collateral value (e-mode LTVs for the category's collateral).
    """
    check_amount(amount, "borrow")
    r = reserve_of(reserves, asset)
    if not r.borrowable:
        raise ProtocolError(f"{asset} is not borrowable in this market")
    if emode is not None and asset not in emode.borrowable:
        raise ProtocolError(f"{asset} is not borrowable in {account}'s e-mode category")
    if amount > r.cash:
        raise ProtocolError(f"not enough {asset} liquidity: {amount} requested, {r.cash} available")
    col, w_ltv, w_lt, debt = calculate_user_account_data(reserves, account, price, emode=emode)
    if debt and w_lt < debt * BPS:
        raise ProtocolError(f"{account}'s health factor is below 1: cannot borrow")
    new_debt = debt + ceil_div(amount * price(asset), 10**r.decimals)
    if new_debt * BPS > w_ltv:
        raise ProtocolError(
            f"borrow exceeds the LTV limit: debt would be worth {new_debt / WAD:.6g}, "
            f"the limit is {w_ltv / BPS / WAD:.6g} (collateral {col / WAD:.6g} x LTV)"
        )
    mint_debt(r, account, amount)
    r.cash -= amount
    update_interest_rates(r)


def execute_repay(reserves: dict[str, Reserve], account: str, asset: str, amount: int) -> int:
    """`BorrowLogic.executeRepay`: returns the amount actually repaid (capped at the debt).

    The caller moves exactly the returned amount into the market.
    """
    check_amount(amount, "repay")
    r = reserve_of(reserves, asset)
    debt = debt_of(r, account)
    if debt == 0:
        raise ProtocolError(f"{account} has no {asset} debt to repay")
    paid = min(amount, debt)
    burn_debt(r, account, paid)
    r.cash += paid
    update_interest_rates(r)
    return paid


def execute_withdraw_treasury(r: Reserve, amount: int) -> int:
    """`Pool.mintToTreasury` + aToken withdraw: returns tokens the caller pays the treasury."""
    balance = r.treasury()
    if amount == MAX_AMOUNT:
        amount = balance
    check_amount(amount, "treasury withdraw")
    if amount > balance:
        raise InsufficientBalance(f"treasury holds {balance} {r.asset}, not {amount}")
    if amount > r.cash:
        raise WithdrawalBlocked(f"not enough {r.asset} liquidity: {r.cash} available")
    scaled = (
        r.treasury_scaled
        if amount == balance
        else min(ceil_div(amount * RAY, r.liquidity_index), r.treasury_scaled)
    )
    r.treasury_scaled -= scaled
    r.total_scaled_supply -= scaled
    r.cash -= amount
    update_interest_rates(r)
    return amount

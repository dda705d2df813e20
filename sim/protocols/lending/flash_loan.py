"""Flash loans and repaying with collateral: Aave v3.3's `FlashLoanLogic.executeFlashLoanSimple`.

A flash loan lends a reserve's cash for the length of one transaction: the receiver gets
`amount`, runs its operation and pays back ``amount + premium``, where the premium is
``percentMul(amount, FLASHLOAN_PREMIUM_TOTAL)`` (5 bps on Aave v3 markets); the share
`FLASHLOAN_PREMIUM_TO_PROTOCOL` of it (all of it here, as governance set it) is minted to the
treasury (`_handleFlashLoanRepayment`). The market only keeps its books: the caller moves
the tokens, and must have checked beforehand that its operation cannot fail, since a
simulated revert does not undo state (`check_repay_with_collateral`).

Repaying debt from collateral below health factor 1 needs one (Aave's `ParaSwapRepayAdapter`):
borrow the debt asset, repay, withdraw the collateral (its health-factor check now passes),
sell it, pay the loan back.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import ProtocolError
from sim.protocols.lending.account import EMode, PriceWad, calculate_user_account_data
from sim.protocols.lending.interest import update_interest_rates
from sim.protocols.lending.reserve import Reserve, debt_of, supply_of
from sim.protocols.validation import check_amount
from sim.protocols.wad_ray_math import percent_mul, ray_div
from sim.units import BPS

__all__ = [
    "FLASHLOAN_PREMIUM_TOTAL_BPS",
    "check_repay_with_collateral",
    "flash_loan_out",
    "flash_loan_repay",
    "flash_premium",
]

FLASHLOAN_PREMIUM_TOTAL_BPS = 5
"""`Pool.FLASHLOAN_PREMIUM_TOTAL` on Aave v3 markets: 0.05% of the amount."""


def flash_premium(amount: int) -> int:
    """`amount.percentMul(flashLoanPremiumTotal)`."""
    return percent_mul(amount, FLASHLOAN_PREMIUM_TOTAL_BPS)


def flash_loan_out(r: Reserve, amount: int) -> int:
    """`validateFlashloanSimple` + `transferUnderlyingTo`: `amount` leaves the cash; returns
    the premium the receiver owes on top."""
    check_amount(amount, "flash loan")
    if amount > r.cash:
        raise ProtocolError(f"not enough {r.asset} liquidity for a flash loan of {amount}")
    r.cash -= amount
    return flash_premium(amount)


def flash_loan_repay(r: Reserve, amount: int, premium: int) -> None:
    """`_handleFlashLoanRepayment`: ``amount + premium`` come back; the premium is minted to
    the treasury as aTokens (`accruedToTreasury += premium.rayDiv(index)`)."""
    scaled = ray_div(premium, r.liquidity_index)
    r.treasury_scaled += scaled
    r.total_scaled_supply += scaled
    r.flash_premiums += premium
    r.cash += amount + premium
    update_interest_rates(r)


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

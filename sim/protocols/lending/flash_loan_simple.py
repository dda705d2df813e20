"""Aave v3's single-asset flash loan: `Pool.flashLoanSimple` (`FlashLoanLogic.executeFlashLoanSimple`).

A flash loan lends a reserve's cash for the length of one transaction: the receiver gets
`amount`, runs its operation (`executeOperation`) and must hold ``amount + premium`` when it
returns, which the pool pulls back (`safeTransferFrom`), or the whole transaction reverts.
The premium is ``amount.percentMul(FLASHLOAN_PREMIUM_TOTAL)``; `_handleFlashLoanRepayment`
mints the share `FLASHLOAN_PREMIUM_TO_PROTOCOL` of it to the treasury
(``accruedToTreasury += premiumToProtocol.rayDiv(nextLiquidityIndex)``) and pays the rest to
suppliers by growing the liquidity index (`ReserveLogic.cumulateToLiquidityIndex`).

This module keeps the reserve's books; `sim.protocols.flash_loans` moves the tokens and makes
the transaction all-or-nothing.
"""

from __future__ import annotations

from sim.errors import ProtocolError
from sim.protocols.lending.interest import update_interest_rates
from sim.protocols.lending.reserve import Reserve
from sim.protocols.validation import check_amount
from sim.protocols.wad_ray_math import percent_mul, ray_div, ray_mul
from sim.units import BPS, RAY

__all__ = [
    "FLASHLOAN_PREMIUM_TOTAL_BPS",
    "FLASHLOAN_PREMIUM_TO_PROTOCOL_BPS",
    "cumulate_to_liquidity_index",
    "flash_loan_out",
    "flash_premium",
    "handle_flash_loan_repayment",
]

FLASHLOAN_PREMIUM_TOTAL_BPS = 5
"""`Pool.FLASHLOAN_PREMIUM_TOTAL` as governance set it on Aave v3 Ethereum: 0.05% of the amount
(`Pool.initialize` starts at 9 bps)."""
FLASHLOAN_PREMIUM_TO_PROTOCOL_BPS = 10_000
"""`Pool.FLASHLOAN_PREMIUM_TO_PROTOCOL` there: all of the premium to the treasury (the
initial 0 would pay all of it to suppliers)."""


def flash_premium(amount: int, premium_total_bps: int = FLASHLOAN_PREMIUM_TOTAL_BPS) -> int:
    """`totalPremium = params.amount.percentMul(params.flashLoanPremiumTotal)`."""
    return percent_mul(amount, premium_total_bps)


def flash_loan_out(
    r: Reserve, amount: int, premium_total_bps: int = FLASHLOAN_PREMIUM_TOTAL_BPS
) -> int:
    """`ValidationLogic.validateFlashloanSimple` + `IAToken.transferUnderlyingTo`: `amount`
    leaves the reserve's cash (its virtual balance); returns the premium owed on top."""
    check_amount(amount, "flash loan")
    if amount > r.cash:
        raise ProtocolError(
            f"INVALID_AMOUNT: a flash loan of {amount} {r.asset} exceeds the {r.cash} available"
        )
    r.cash -= amount
    return flash_premium(amount, premium_total_bps)


def cumulate_to_liquidity_index(r: Reserve, total_liquidity: int, amount: int) -> int:
    """`ReserveLogic.cumulateToLiquidityIndex`: spread `amount` over `total_liquidity` by
    growing the liquidity index (``(amount.wadToRay().rayDiv(total.wadToRay()) + RAY)
    .rayMul(index)``, where the wadToRay factors cancel); returns the new index."""
    ratio = ray_div(amount * 10**9, total_liquidity * 10**9)
    r.liquidity_index = ray_mul(ratio + RAY, r.liquidity_index)
    return r.liquidity_index


def handle_flash_loan_repayment(
    r: Reserve,
    amount: int,
    premium: int,
    premium_to_protocol_bps: int = FLASHLOAN_PREMIUM_TO_PROTOCOL_BPS,
) -> None:
    """`FlashLoanLogic._handleFlashLoanRepayment`: ``amount + premium`` come back to the cash;
    the suppliers' share of the premium grows the liquidity index, the protocol's is minted to
    the treasury at the new index. (`updateState` has run: the market accrues every block.)"""
    if not 0 <= premium_to_protocol_bps <= BPS:
        raise ProtocolError(f"premium to protocol must be 0..{BPS} bps")
    to_protocol = percent_mul(premium, premium_to_protocol_bps)
    to_lp = premium - to_protocol
    # totalSupply of the aToken + accruedToTreasury at the index: the treasury's aTokens are
    # part of the scaled supply here, so this is the reserve's total supply
    total_liquidity = r.total_supply()
    if to_lp and total_liquidity:
        cumulate_to_liquidity_index(r, total_liquidity, to_lp)
    elif to_lp:  # nobody supplies: Aave would divide by zero; the treasury keeps it
        to_protocol = premium
    scaled = ray_div(to_protocol, r.liquidity_index)
    r.treasury_scaled += scaled
    r.total_scaled_supply += scaled
    r.flash_premiums += premium
    r.cash += amount + premium
    update_interest_rates(r)

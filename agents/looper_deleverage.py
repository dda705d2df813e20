"""How a leveraged staker repays its debt from its collateral, inside one transaction.

Above health factor 1 it withdraws LST (never below HF 1), sells it into the LST pool at an
exact quote and repays (`SupplyLogic.executeWithdraw`, then `BorrowLogic.executeRepay`).
Below 1 a withdrawal reverts (`ValidationLogic.validateHFAndLtv`), so it does what Aave's
repay-with-collateral adapter (`ParaSwapRepayAdapter`) does: a flash loan of the debt asset
(`FlashLoanLogic.executeFlashLoanSimple`, 5 bps to the treasury) repays first, the
withdrawal then passes, and the sale pays the loan back. Each step is checked before any
state changes (quotes and `check_repay_with_collateral`), so a refusal changes nothing.
"""

from __future__ import annotations

import math
from typing import Protocol

from sim.errors import PoolError, ProtocolError
from sim.market.market import Market
from sim.pools.base import Pool, Swap
from sim.protocols.lending import LendingMarket
from sim.protocols.lending.flash_loan_simple import flash_premium


class LstLooper(Protocol):
    """What deleveraging reads and updates of a looper (`agents.lst_looper.LstLooper`)."""

    name: str
    market: Market
    lending: LendingMarket
    market_name: str
    lst: str
    underlying: str
    lt: float
    restore_hf: float
    repaid: int
    flash_repays: int
    wallet: dict[str, int]

    def collateral(self) -> int: ...

    def debt(self) -> int: ...


MAX_STEPS = 8
"""Withdraw-sell-repay rounds in one transaction."""


def withdrawal_for(looper: LstLooper, pool: Pool, floor_hf: float | None) -> int:
    """LST units to take out so that the HF returns to `restore_hf`.

    At sale price ``s`` (underlying per oracle unit of collateral), taking out collateral
    worth ``x`` and repaying ``x * s`` gives ``(L - x*lt) / (D - x*s) = restore_hf``. With
    `floor_hf` (a plain withdrawal), at most what keeps the HF at that floor.
    """
    lm, lst, und = looper.lending, looper.lst, looper.underlying
    data = lm.account_data(looper.name)
    price = lm.oracle(lst)
    if price <= 0:
        return 0
    sale = pool.spot_price(lst, und) * looper.market.price(und) / price
    denom = looper.lt - looper.restore_hf * sale
    need = (
        abs((data.liquidation_value - looper.restore_hf * data.debt_value) / denom)
        if denom < 0
        else math.inf
    )
    x_value = min(need, data.debt_value / max(sale, 1e-9))
    if floor_hf is not None:
        x_value = min(x_value, (data.liquidation_value - floor_hf * data.debt_value) / looper.lt)
    if not math.isfinite(x_value) or x_value <= 0:
        return 0
    amount = int(x_value / price * 10 ** looper.market.decimals[lst])
    return min(amount, looper.collateral())


def step_withdraw_sell_repay(looper: LstLooper, pool: Pool) -> Swap | None:
    """One round above HF 1: withdraw, sell, repay. None if nothing can be withdrawn."""
    protocols, name = looper.market.protocols, looper.market_name
    lst, und, w = looper.lst, looper.underlying, looper.wallet
    amount = withdrawal_for(looper, pool, floor_hf=1.001)
    if amount <= 0:
        return None
    out = pool.quote_exact_in(lst, und, amount)
    protocols.withdraw(name, looper.name, lst, amount)
    swap = pool.swap_exact_in(lst, und, amount, out)
    w[lst] -= amount
    w[und] += swap.amount_out
    looper.repaid += protocols.repay(name, looper.name, und, swap.amount_out)
    return swap


def step_flash_repay(looper: LstLooper, pool: Pool) -> Swap | None:
    """One round at any HF (`ParaSwapRepayAdapter.swapAndRepay` with a flash loan).

    Sell `amount` LST for ``out``; borrow ``r`` by flash loan with ``r + premium <= out``,
    repay ``r``, withdraw the LST, sell it, pay ``r + premium`` back.
    """
    lm, protocols, name = looper.lending, looper.market.protocols, looper.market_name
    lst, und, w = looper.lst, looper.underlying, looper.wallet
    amount = withdrawal_for(looper, pool, floor_hf=None)
    if amount <= 0:
        return None
    out = pool.quote_exact_in(lst, und, amount)
    r = min(out * 10_000 // 10_005, looper.debt())
    while r > 0 and r + flash_premium(r) > out:
        r -= 1
    lm.check_repay_with_collateral(looper.name, und, r, lst, amount)  # raises, changing nothing
    premium = lm.flash_loan_out(und, r)
    w[und] += r
    looper.repaid += protocols.repay(name, looper.name, und, r)
    protocols.withdraw(name, looper.name, lst, amount)
    swap = pool.swap_exact_in(lst, und, amount, out)
    w[lst] -= amount
    w[und] += swap.amount_out - r - premium
    lm.flash_loan_repay(und, r, premium)
    looper.flash_repays += 1
    return swap


def deleverage(looper: LstLooper, pool: Pool) -> list[Swap]:
    """Rounds until the HF is back at `restore_hf` (or nothing more can be done)."""
    swaps: list[Swap] = []
    for i in range(MAX_STEPS):
        data = looper.lending.account_data(looper.name)
        if data.debt_value <= 0 or data.health_factor >= looper.restore_hf:
            break
        step = step_withdraw_sell_repay if data.health_factor > 1.001 else step_flash_repay
        try:
            swap = step(looper, pool)
            if swap is None:
                raise ProtocolError(f"{looper.name} cannot withdraw any {looper.lst}")
        except (ProtocolError, PoolError):
            if i == 0:
                raise
            break
        swaps.append(swap)
    return swaps

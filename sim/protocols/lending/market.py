"""`LendingMarket`: Aave's `Pool` facade over several reserves sharing accounts, oracle and clock.

The caller moves tokens: like the pools, the market keeps its own books only. `supply` and
`repay` assume the caller moved the tokens in; `withdraw`, `borrow` and `liquidate` say how
many tokens the caller must move out; `holdings` is the cash the contract holds, for the
conservation ledger. The logic lives in modules that mirror Aave's libraries: `reserve`
(ReserveData, aToken and debt-token balances), `interest` (ReserveLogic and the rate
strategy), `account` (GenericLogic), `liquidation` (LiquidationLogic).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.errors import ProtocolError
from sim.protocols.lending import emode as emode_logic
from sim.protocols.lending.account import (
    AccountData,
    EMode,
    Oracle,
    Valuation,
    account_data,
    calculate_user_account_data,
    price_wad,
)
from sim.protocols.lending.flash_loan_simple import flash_loan_out, handle_flash_loan_repayment
from sim.protocols.lending.interest import (
    borrow_rate_ray,
    rebase_reserve,
    supply_rate_ray,
    update_interest_rates,
    update_state,
    utilization_ray,
)
from sim.protocols.lending.liquidation import (
    Liquidation,
    LiquidationRules,
    burn_bad_debt,
    execute_liquidation,
    insolvent_accounts,
    max_liquidatable_debt,
    quote_liquidation,
)
from sim.protocols.lending.repay_with_collateral import check_repay_with_collateral
from sim.protocols.lending.reserve import (
    Reserve,
    ReserveTotals,
    debt_of,
    reserve_of,
    supply_of,
)
from sim.protocols.lending.spec import AssetParams, LendingSpec
from sim.protocols.lending.supply_borrow import (
    WithdrawalBlocked,
    execute_borrow,
    execute_repay,
    execute_supply,
    execute_withdraw,
    execute_withdraw_treasury,
)
from sim.protocols.validation import check_amount, check_blocks, check_seconds_per_block
from sim.protocols.wad_ray_math import to_bps, to_ray
from sim.units import BPS, RAY, WAD

__all__ = ["LendingMarket"]


class LendingMarket:
    """`Pool`: an Aave-style market of several reserves sharing accounts, oracle and clock."""

    def __init__(
        self,
        spec: LendingSpec,
        decimals: Mapping[str, int],
        oracle: Oracle,
        seconds_per_block: int = 12,
    ) -> None:
        seconds = check_seconds_per_block(seconds_per_block)
        missing = sorted(set(spec.assets) - set(decimals))
        if missing:
            raise ValueError(f"no decimals given for {', '.join(missing)}")
        self.spec = spec
        self.oracle = oracle
        self.seconds_per_block = seconds
        self.rules = LiquidationRules(
            close_factor_bps=to_bps(spec.close_factor),
            min_base_wad=round(spec.min_base_max_close_factor_threshold * WAD),
        )
        self.emode_categories: dict[str, EMode] = emode_logic.categories(spec)
        self.user_emode: dict[str, str] = {}
        """Each account's e-mode category (absent: none, Aave's category 0)."""
        self.blocked_withdrawals = 0
        """Withdrawals refused because the reserve's cash was short (lent out)."""
        self.block = 0
        self.timestamp_s = 0
        self.reserves: dict[str, Reserve] = {
            asset: Reserve.from_params(asset, int(decimals[asset]), p)
            for asset, p in spec.assets.items()
        }

    @classmethod
    def from_params(
        cls,
        assets: Mapping[str, AssetParams],
        decimals: Mapping[str, int],
        oracle: Oracle,
        *,
        close_factor: float = 0.5,
        seconds_per_block: int = 12,
    ) -> LendingMarket:
        """Build a market from explicit reserve parameters instead of a `LendingSpec`."""
        spec = LendingSpec(assets=dict(assets), close_factor=close_factor)
        return cls(spec, decimals, oracle, seconds_per_block)

    # ------------------------------------------------------------------ helpers
    def _reserve(self, asset: str) -> Reserve:
        return reserve_of(self.reserves, asset)

    def _price_wad(self, asset: str) -> int:
        """The oracle price of one whole `asset` in the numeraire, as a WAD integer."""
        return price_wad(self.oracle, asset)

    def _valuation(self, account: str, supply_delta: tuple[str, int] | None = None) -> Valuation:
        """`GenericLogic.calculateUserAccountData` at the oracle's prices (see `account`)."""
        return calculate_user_account_data(
            self.reserves, account, self._price_wad, supply_delta, self.emode_of(account)
        )

    def emode_of(self, account: str) -> EMode | None:
        """The account's e-mode category (None: not in one)."""
        name = self.user_emode.get(account)
        return None if name is None else self.emode_categories[name]

    def set_user_emode(self, account: str, category: str | None) -> None:
        """`EModeLogic.executeSetUserEMode`: enter `category` (None leaves e-mode).

        Reverts if the account borrows an asset the category does not lend, or if its
        health factor would fall below 1.
        """
        if category is not None and category not in self.emode_categories:
            raise ProtocolError(
                f"no e-mode category {category!r} (categories: "
                f"{', '.join(self.emode_categories) or 'none'})"
            )
        if self.user_emode.get(account) == category:
            return
        cat = None if category is None else self.emode_categories[category]
        emode_logic.validate_set_user_emode(self.reserves, self._price_wad, account, category, cat)
        if category is None:
            self.user_emode.pop(account, None)
        else:
            self.user_emode[account] = category

    # ------------------------------------------------------------------ actions
    def supply(self, account: str, asset: str, amount: int) -> None:
        """`SupplyLogic.executeSupply`: the caller has moved `amount` into the market."""
        execute_supply(self.reserves, account, asset, amount)

    def withdraw(self, account: str, asset: str, amount: int) -> int:
        """`SupplyLogic.executeWithdraw`: returns the tokens the caller must pay `account`
        (`MAX_AMOUNT`: all); a refusal for want of cash is counted (`blocked_withdrawals`)."""
        try:
            return execute_withdraw(
                self.reserves, self._price_wad, account, asset, amount, self.emode_of(account)
            )
        except WithdrawalBlocked:
            self.blocked_withdrawals += 1
            raise

    def borrow(self, account: str, asset: str, amount: int) -> None:
        """`BorrowLogic.executeBorrow` (variable rate): the caller pays `amount` to `account`."""
        execute_borrow(
            self.reserves, self._price_wad, account, asset, amount, self.emode_of(account)
        )

    def repay(self, account: str, asset: str, amount: int) -> int:
        """`BorrowLogic.executeRepay`: returns the amount repaid (capped at the debt), which
        the caller moves in."""
        return execute_repay(self.reserves, account, asset, amount)

    def quote_liquidation(
        self,
        borrower: str,
        debt_asset: str,
        collateral_asset: str,
        debt_to_cover: int,
        receive_a_token: bool = False,
    ) -> Liquidation:
        """A liquidation now (repaid, seized, protocol fee), or the `ProtocolError` it would
        revert with. Never mutates; see `liquidation.quote_liquidation`."""
        return quote_liquidation(
            self.reserves,
            self._price_wad,
            self.rules,
            borrower,
            debt_asset,
            collateral_asset,
            debt_to_cover,
            receive_a_token,
            self.emode_of(borrower),
        )

    def max_liquidatable_debt(self, borrower: str, debt_asset: str, collateral: str) -> int:
        """The most `debt_asset` one liquidation may repay now (v3.3's close factor)."""
        return max_liquidatable_debt(
            self.reserves,
            self._price_wad,
            self.rules,
            borrower,
            debt_asset,
            collateral,
            self.emode_of(borrower),
        )

    def liquidate(
        self,
        liquidator: str,
        borrower: str,
        debt_asset: str,
        collateral_asset: str,
        debt_to_cover: int,
        receive_a_token: bool = False,
    ) -> Liquidation:
        """`LiquidationLogic.executeLiquidationCall` (v3.3), when the borrower's HF is below 1.

        The liquidator pays `repaid` of `debt_asset` in and receives `seized` of
        `collateral_asset` as tokens (from the market's cash), or as a supply position
        when `receive_a_token`; `protocol_fee` goes to the treasury's supply. When the
        seizure takes the last collateral, the borrower's remaining debt becomes deficit.
        """
        return execute_liquidation(
            self.reserves,
            self._price_wad,
            self.rules,
            liquidator,
            borrower,
            debt_asset,
            collateral_asset,
            debt_to_cover,
            receive_a_token,
            self.emode_of(borrower),
        )

    def accrue(self, blocks: int = 1) -> None:
        """`ReserveLogic.updateState` + `_accrueToTreasury` + `updateInterestRates`, every reserve.

        Advances the clock by `blocks * seconds_per_block`, compounds each borrow index
        at its stored rate, mints `reserve_factor` of the new interest to the treasury
        and grows the liquidity index by exactly the rest (see `interest.update_state`).
        """
        check_blocks(blocks)
        if blocks == 0:
            return
        dt = blocks * self.seconds_per_block
        self.block += blocks
        self.timestamp_s += dt
        for r in self.reserves.values():
            update_state(r, dt)

    def rebase(self, asset: str, num: int, den: int) -> int:
        """A rebasing token's balances were multiplied by ``num / den``: the market's cash and
        every supplier's balance follow (`reserve.rebase_reserve`); returns the change of cash."""
        return rebase_reserve(self._reserve(asset), num, den)

    # ------------------------------------------------------------------ bad debt
    def realise_bad_debt(self, account: str) -> dict[str, int]:
        """Aave v3.3 `_burnBadDebt` for an account with no collateral value (a liquidation
        that takes the last collateral does this itself); returns the amounts per asset."""
        return burn_bad_debt(self.reserves, self._price_wad, account, self.emode_of(account))

    def eliminate_deficit(self, asset: str, amount: int) -> int:
        """Aave v3.3 `Pool.eliminateReserveDeficit`: the caller pays cash in to cover the deficit;
        returns the amount used (capped at the deficit), which the caller moves in."""
        check_amount(amount, "deficit")
        r = self._reserve(asset)
        used = min(amount, r.deficit)
        r.deficit -= used
        r.cash += used
        update_interest_rates(r)
        return used

    # ------------------------------------------------------------------ flash loans
    def flash_loan_out(self, asset: str, amount: int) -> int:
        """`executeFlashLoanSimple`, first half: the caller pays `amount` out to the receiver;
        returns the premium owed. Call `flash_loan_repay` in the same transaction."""
        return flash_loan_out(self._reserve(asset), amount)

    def flash_loan_repay(self, asset: str, amount: int, premium: int) -> None:
        """`_handleFlashLoanRepayment`: the caller moved ``amount + premium`` in."""
        handle_flash_loan_repayment(self._reserve(asset), amount, premium)

    def check_repay_with_collateral(
        self, account: str, debt_asset: str, repay: int, collateral: str, withdraw: int
    ) -> None:
        """Raise unless repaying `repay` and then withdrawing `withdraw` would go through."""
        emode = self.emode_of(account)
        args = (account, debt_asset, repay, collateral, withdraw, emode)
        check_repay_with_collateral(self.reserves, self._price_wad, *args)

    def insolvent_accounts(self) -> list[str]:
        """Accounts with debt whose collateral (oracle prices, no haircut) is worth less."""
        return list(insolvent_accounts(self.reserves, self._price_wad, self.accounts()))

    def bad_debt(self) -> dict[str, int]:
        """Debt per asset (token units, every asset a key) owed by insolvent accounts: whose
        debt is worth more than their collateral at oracle prices, before any threshold."""
        out = dict.fromkeys(self.reserves, 0)
        for account in self.insolvent_accounts():
            for asset, r in self.reserves.items():
                out[asset] += debt_of(r, account)
        return out

    def shortfall(self) -> float:
        """Sum over insolvent accounts of debt value minus collateral value (numeraire)."""
        gaps = insolvent_accounts(self.reserves, self._price_wad, self.accounts())
        return sum(debt - col for col, debt in gaps.values()) / WAD

    # ------------------------------------------------------------------ views
    def accounts(self) -> list[str]:
        """Every account with a supply or a debt, sorted."""
        names: set[str] = set()
        for r in self.reserves.values():
            names.update(r.scaled_supply)
            names.update(r.scaled_debt)
        return sorted(names)

    def supplied(self, account: str, asset: str) -> int:
        """`account`'s supply balance (its aToken balance), token units."""
        return supply_of(self._reserve(asset), account)

    def debt(self, account: str, asset: str) -> int:
        """`account`'s variable debt, token units (rounded up)."""
        return debt_of(self._reserve(asset), account)

    def health_factor(self, account: str) -> float:
        """Sum of collateral value * liquidation threshold / debt value (inf without debt)."""
        _, _, w_lt, debt = self._valuation(account)
        return math.inf if debt == 0 else w_lt / BPS / debt

    def account_data(self, account: str) -> AccountData:
        """`Pool.getUserAccountData`: values in the numeraire, LTV used and health factor."""
        return account_data(self._valuation(account))

    def available_borrows(self, account: str, asset: str) -> int:
        """Most `asset` the account may borrow now (LTV limit and market cash), token units."""
        r = self._reserve(asset)
        if not r.borrowable:
            return 0
        _, w_ltv, w_lt, debt = self._valuation(account)
        if debt and w_lt < debt * BPS:
            return 0
        room = w_ltv // BPS - debt
        price = self._price_wad(asset)
        if room <= 0 or price == 0:
            return 0 if room <= 0 else r.cash
        # ceil(amount * price / unit) <= room  <=>  amount <= floor(room * unit / price)
        return min(room * 10**r.decimals // price, r.cash)

    def utilization(self, asset: str) -> float:
        """Total debt / (cash + total debt) of the reserve, 0..1."""
        return utilization_ray(self._reserve(asset)) / RAY

    def borrow_rate(self, asset: str) -> float:
        """Current variable borrow rate, annualised fraction (compounded per second)."""
        return self._reserve(asset).borrow_rate_ray / RAY

    def borrow_rate_at(self, asset: str, utilization: float) -> float:
        """The rate curve of `asset` evaluated at `utilization` (0..1), annualised fraction."""
        return borrow_rate_ray(self._reserve(asset), to_ray(utilization)) / RAY

    def supply_rate(self, asset: str) -> float:
        """Aave's liquidity rate: borrow rate * utilization * (1 - reserve factor), annualised."""
        return supply_rate_ray(self._reserve(asset)) / RAY

    def totals(self, asset: str) -> ReserveTotals:
        """The reserve's books (cash, supply, debt, deficit, treasury, indexes)."""
        return self._reserve(asset).totals()

    def deficit(self, asset: str) -> int:
        """Debt written off by `realise_bad_debt` and not yet covered, token units."""
        return self._reserve(asset).deficit

    @property
    def treasury(self) -> dict[str, int]:
        """Treasury supply balances per asset (reserve-factor interest, still earning)."""
        return {a: r.treasury() for a, r in self.reserves.items()}

    def withdraw_treasury(self, asset: str, amount: int) -> int:
        """`Pool.mintToTreasury` + aToken withdraw: returns tokens the caller pays the treasury."""
        return execute_withdraw_treasury(self._reserve(asset), amount)

    def holdings(self) -> dict[str, int]:
        """Tokens the market contract holds per asset: its cash (supplied - lent + repaid...)."""
        return {a: r.cash for a, r in self.reserves.items()}

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

from sim.errors import InsufficientBalance, ProtocolError
from sim.protocols.lending.account import (
    AccountData,
    Oracle,
    Valuation,
    account_data,
    calculate_user_account_data,
    price_wad,
)
from sim.protocols.lending.interest import (
    borrow_rate_ray,
    supply_rate_ray,
    update_interest_rates,
    update_state,
    utilization_ray,
)
from sim.protocols.lending.liquidation import (
    burn_bad_debt,
    execute_liquidation,
    insolvent_accounts,
    quote_liquidation,
)
from sim.protocols.lending.reserve import (
    MAX_AMOUNT,
    Reserve,
    ReserveTotals,
    debt_of,
    reserve_of,
    supply_of,
)
from sim.protocols.lending.spec import AssetParams, LendingSpec
from sim.protocols.lending.supply_borrow import (
    execute_borrow,
    execute_repay,
    execute_supply,
    execute_withdraw,
)
from sim.protocols.validation import check_amount, check_blocks, check_seconds_per_block
from sim.protocols.wad_ray_math import ceil_div, to_bps, to_ray
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
        self.close_factor_bps = to_bps(spec.close_factor)
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
        return calculate_user_account_data(self.reserves, account, self._price_wad, supply_delta)

    # ------------------------------------------------------------------ actions
    def supply(self, account: str, asset: str, amount: int) -> None:
        """`SupplyLogic.executeSupply`: the caller has moved `amount` into the market."""
        execute_supply(self.reserves, account, asset, amount)

    def withdraw(self, account: str, asset: str, amount: int) -> int:
        """`SupplyLogic.executeWithdraw`: returns the tokens the caller must pay `account`.

        `MAX_AMOUNT` withdraws the whole balance. Reverts if the account holds less,
        if the market's cash is short (funds are lent out) or if the health factor
        after the withdrawal would be below 1.
        """
        return execute_withdraw(self.reserves, self._price_wad, account, asset, amount)

    def borrow(self, account: str, asset: str, amount: int) -> None:
        """`BorrowLogic.executeBorrow` (variable rate): the caller pays `amount` to `account`.

        Reverts unless the asset is borrowable, the market holds the cash, the health factor
        is >= 1 and the debt value after the borrow is within the LTV-weighted collateral.
        """
        execute_borrow(self.reserves, self._price_wad, account, asset, amount)

    def repay(self, account: str, asset: str, amount: int) -> int:
        """`BorrowLogic.executeRepay`: returns the amount actually repaid (capped at the debt).

        The caller moves exactly the returned amount into the market.
        """
        return execute_repay(self.reserves, account, asset, amount)

    def quote_liquidation(
        self,
        borrower: str,
        debt_asset: str,
        collateral_asset: str,
        debt_to_cover: int,
        receive_a_token: bool = False,
    ) -> tuple[int, int]:
        """(repaid, seized) of a liquidation now, or the `ProtocolError` it would revert with.

        Never mutates; see `liquidation.quote_liquidation` (close factor, bonus, collateral cap).
        """
        return quote_liquidation(
            self.reserves,
            self._price_wad,
            self.close_factor_bps,
            borrower,
            debt_asset,
            collateral_asset,
            debt_to_cover,
            receive_a_token,
        )

    def liquidate(
        self,
        liquidator: str,
        borrower: str,
        debt_asset: str,
        collateral_asset: str,
        debt_to_cover: int,
        receive_a_token: bool = False,
    ) -> tuple[int, int]:
        """`LiquidationLogic.liquidationCall`: returns (debt_repaid, collateral_seized).

        Only when the borrower's health factor is below 1; amounts as in
        `quote_liquidation` (close factor, bonus, collateral cap). The liquidator pays
        `debt_repaid` of `debt_asset` in and receives `collateral_seized` of
        `collateral_asset` as tokens (from the market's cash), or as a supply position
        when `receive_a_token`. Bad debt left behind is not written off here: see
        `realise_bad_debt`.
        """
        return execute_liquidation(
            self.reserves,
            self._price_wad,
            self.close_factor_bps,
            liquidator,
            borrower,
            debt_asset,
            collateral_asset,
            debt_to_cover,
            receive_a_token,
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
        """A rebasing token's balances were multiplied by ``num / den`` (stETH's rebase, or a
        validator penalty): the market's balance of it and every supplier's follow.

        The contract's token balance (`cash`) becomes ``cash * num // den`` and the liquidity
        index moves by exactly that change over the scaled supply, rounded down (Aave v2's
        stETH aToken passed the rebase on to its holders the same way), so suppliers (and the
        treasury) receive the whole rebase and ``cash + debt + deficit >= total supply`` still
        holds. A reserve with debt is refused: its borrowers would keep the rebase of what
        they borrowed (why Aave never let stETH be borrowed). Returns the change of `cash`
        (token units; negative for a loss), which the caller books as a mint or burn.
        """
        r = self._reserve(asset)
        if num <= 0 or den <= 0:
            raise ProtocolError(f"rebase factor must be positive: {num}/{den}")
        if r.total_scaled_debt:
            raise ProtocolError(
                f"{asset} has borrowers: a rebasing token cannot be borrowed in this market"
            )
        new_cash = r.cash * num // den
        delta = new_cash - r.cash
        if delta == 0:
            return 0
        r.cash = new_cash
        if r.total_scaled_supply:
            r.liquidity_index = max(1, r.liquidity_index + delta * RAY // r.total_scaled_supply)
        update_interest_rates(r)
        return delta

    # ------------------------------------------------------------------ bad debt
    def realise_bad_debt(self, account: str) -> dict[str, int]:
        """Aave v3.3 `_burnBadDebt`: write off the debt of an account with no collateral value
        into each reserve's `deficit`; returns the amounts written off per asset."""
        return burn_bad_debt(self.reserves, self._price_wad, account)

    def eliminate_deficit(self, asset: str, amount: int) -> int:
        """Aave v3.3 `Pool.eliminateReserveDeficit`: the caller pays cash in to cover the deficit.

        Returns the amount used (capped at the deficit); the caller moves that many tokens in.
        """
        check_amount(amount, "deficit")
        r = self._reserve(asset)
        used = min(amount, r.deficit)
        r.deficit -= used
        r.cash += used
        update_interest_rates(r)
        return used

    def insolvent_accounts(self) -> list[str]:
        """Accounts with debt whose collateral (oracle prices, no haircut) is worth less."""
        return list(insolvent_accounts(self.reserves, self._price_wad, self.accounts()))

    def bad_debt(self) -> dict[str, int]:
        """Debt per asset (token units) owed by insolvent accounts.

        An account is insolvent when its debt value exceeds the value of its collateral
        (collateral-enabled supplies at oracle prices, before any threshold or bonus),
        which includes an account with debt and no collateral at all. The whole debt of
        such an account is counted: no liquidation can fully cover it. Every asset is a
        key (0 when none).
        """
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
        r = self._reserve(asset)
        balance = r.treasury()
        if amount == MAX_AMOUNT:
            amount = balance
        check_amount(amount, "treasury withdraw")
        if amount > balance:
            raise InsufficientBalance(f"treasury holds {balance} {asset}, not {amount}")
        if amount > r.cash:
            raise ProtocolError(f"not enough {asset} liquidity: {r.cash} available")
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

    def holdings(self) -> dict[str, int]:
        """Tokens the market contract holds per asset: its cash (supplied - lent + repaid...)."""
        return {a: r.cash for a, r in self.reserves.items()}

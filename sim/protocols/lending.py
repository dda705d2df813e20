"""An Aave-style lending market: pooled reserves, RAY indexes, a kinked rate curve, liquidations.

Mirrors Aave v2/v3 (`ReserveLogic`, `DefaultReserveInterestRateStrategy`,
`GenericLogic.calculateUserAccountData`, `ValidationLogic`, `LiquidationLogic`)
in plain Python integers, one reserve per asset:

* **Balances are scaled.** A supplier holds a *scaled* balance; its token balance is
  ``scaled * liquidity_index / RAY`` (an aToken). A borrower holds a scaled debt; its
  debt is ``scaled * borrow_index / RAY`` (a variable debt token). Interest accrues by
  growing the two indexes, never by touching accounts.
* **Rounding favours the protocol** (as in Aave v3.4): supply mints and debt burns
  round down, supply burns and debt mints round up, supply balances are read rounded
  down and debts rounded up. Hence ``cash + total_debt + deficit >= total_supply``
  always holds, with the difference (``dust``) a few wei per operation.
* **Accrual is exact.** `accrue` compounds the borrow index at the current variable
  borrow rate (`MathUtils.calculateCompoundedInterest`), mints the reserve-factor
  share of the new interest to the treasury (`_accrueToTreasury`), and grows the
  liquidity index by *exactly* the rest. Aave grows the liquidity index from a linear
  liquidity rate ``borrow_rate * U * (1 - reserve_factor)``, which agrees to first
  order in ``rate * dt``; deriving it from the realised interest instead makes
  ``borrow interest == supplier interest + treasury share`` hold to a few wei.
* **Prices come from outside.** ``oracle(asset)`` returns the price of one whole
  token in a common numeraire (a float); the market converts it to an integer WAD
  price (`_price_wad`) and does every valuation in integers. Which price that is (pool
  spot, exchange rate, TWAP) is the model's choice; `LendingSpec.oracle` records it.
* **The caller moves tokens.** Like the pools, the market keeps its own books only:
  `supply` and `repay` assume the caller moved the tokens in, `withdraw`, `borrow`
  and `liquidate` say how many tokens the caller must move out. `holdings` is the cash
  the contract holds, for the conservation ledger.
* **Bad debt** (`bad_debt`): the debt of accounts whose collateral, valued at oracle
  prices without any haircut, is worth less than their debt. `realise_bad_debt`
  writes off the debt of an account left with no collateral value into a per-asset
  ``deficit`` (Aave v3.3's reserve deficit); `eliminate_deficit` covers it with cash.

Amounts are integers in each token's smallest unit; rates and indexes are RAY
(1e27), values in the numeraire are WAD (1e18 per unit), percentages are basis points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from sim.config import Spec
from sim.errors import InsufficientBalance, ProtocolError
from sim.units import BPS, RAY, SECONDS_PER_YEAR, WAD

__all__ = [
    "MAX_AMOUNT",
    "AccountData",
    "AssetParams",
    "LendingMarket",
    "LendingSpec",
    "RateCurve",
    "ReserveTotals",
    "calculate_compounded_interest",
]

HALF_RAY = RAY // 2
MAX_AMOUNT = 2**256 - 1
"""`type(uint256).max`: pass as an amount to withdraw everything / repay the whole debt."""

Oracle = Callable[[str], float]


# --------------------------------------------------------------------------- fixed point
def ray_mul(a: int, b: int) -> int:
    """`WadRayMath.rayMul`: a * b / RAY, rounded half up."""
    return (a * b + HALF_RAY) // RAY


def ray_div(a: int, b: int) -> int:
    """`WadRayMath.rayDiv`: a * RAY / b, rounded half up."""
    return (a * RAY + b // 2) // b


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def percent_mul(value: int, bps: int) -> int:
    """`PercentageMath.percentMul`: value * bps / 1e4, rounded half up."""
    return (value * bps + BPS // 2) // BPS


def percent_div(value: int, bps: int) -> int:
    """`PercentageMath.percentDiv`: value * 1e4 / bps, rounded half up."""
    return (value * BPS + bps // 2) // bps


def _to_ray(x: float) -> int:
    """An annualised fraction (0.04 = 4%/yr) as a RAY integer, exact for decimal literals."""
    return int(Decimal(repr(x)) * RAY)


def _to_bps(x: float) -> int:
    """A fraction (0.825) as whole basis points (8250)."""
    return int((Decimal(repr(x)) * BPS).to_integral_value())


def calculate_compounded_interest(rate_ray: int, dt_s: int) -> int:
    """`MathUtils.calculateCompoundedInterest`: (1 + rate/year)^dt as RAY, 3-term binomial."""
    if dt_s == 0:
        return RAY
    exp_minus_one = dt_s - 1
    exp_minus_two = dt_s - 2 if dt_s > 2 else 0
    base_power_two = ray_mul(rate_ray, rate_ray) // (SECONDS_PER_YEAR * SECONDS_PER_YEAR)
    base_power_three = ray_mul(base_power_two, rate_ray) // SECONDS_PER_YEAR
    second_term = dt_s * exp_minus_one * base_power_two // 2
    third_term = dt_s * exp_minus_one * exp_minus_two * base_power_three // 6
    return RAY + rate_ray * dt_s // SECONDS_PER_YEAR + second_term + third_term


# --------------------------------------------------------------------------- config
class RateCurve(Spec):
    """Aave's kinked variable borrow rate curve (`DefaultReserveInterestRateStrategy`)."""

    base_rate: float = Field(
        0.0, ge=0, le=10, description="Borrow rate at 0% utilization (annualised fraction)."
    )
    slope1: float = Field(
        0.04,
        ge=0,
        le=10,
        description="Rate added between 0 and the kink (annualised fraction at the kink).",
    )
    kink: float = Field(
        0.8,
        gt=0,
        lt=1,
        description="Optimal utilization where slope2 starts (fraction of supplied liquidity).",
    )
    slope2: float = Field(
        0.75,
        ge=0,
        le=100,
        description="Rate added between the kink and 100% utilization (annualised fraction).",
    )
    reserve_factor: float = Field(
        0.1, ge=0, lt=1, description="Share of borrow interest paid to the treasury (fraction)."
    )


class AssetParams(Spec):
    """Risk parameters of one reserve (Aave's `ReserveConfiguration`)."""

    ltv: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Max borrow value per unit of collateral value (fraction; Aave 'LTV').",
    )
    liquidation_threshold: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Collateral weight in the health factor (fraction); HF < 1 is liquidatable.",
    )
    liquidation_bonus: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Extra collateral a liquidator seizes per unit repaid (fraction, 0.05 = 5%).",
    )
    borrowable: bool = Field(True, description="Whether the asset can be borrowed.")
    collateral: bool = Field(
        True, description="Whether supplies of this asset count as collateral."
    )
    rate: RateCurve = Field(default_factory=RateCurve, description="Interest rate curve.")
    supply_cap: float | None = Field(
        None, gt=0, description="Max total supply in whole tokens (None: uncapped)."
    )

    @model_validator(mode="after")
    def _risk_params(self) -> AssetParams:
        if self.collateral:
            ltv, lt, bonus = self.ltv, self.liquidation_threshold, self.liquidation_bonus
            if not ltv < lt:
                raise ValueError(
                    f"ltv ({ltv}) must be below liquidation_threshold ({lt}); "
                    "set collateral = false for an asset that is only borrowed"
                )
            if (1 + bonus) * lt >= 1:
                raise ValueError(
                    f"(1 + liquidation_bonus) * liquidation_threshold = {(1 + bonus) * lt:.4f} "
                    "must be < 1, or a liquidation at HF just below 1 cannot pay its bonus"
                )
        return self


class LendingSpec(Spec):
    """A lending market: its reserves, the close factor and which oracle the model wires in."""

    assets: dict[str, AssetParams] = Field(min_length=1, description="Reserves by token symbol.")
    close_factor: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Max share of a borrower's debt in one asset repaid by one liquidation.",
    )
    oracle: Literal["pool", "exchange_rate", "twap"] = Field(
        "exchange_rate",
        description=(
            "Collateral price source the model provides: pool spot price, the LST's "
            "redemption exchange rate, or a TWAP of the pool over twap_blocks."
        ),
    )
    twap_blocks: int = Field(30, ge=1, description="TWAP window in blocks (oracle = 'twap').")


# --------------------------------------------------------------------------- views
@dataclass(frozen=True, slots=True)
class AccountData:
    """`Pool.getUserAccountData` in numeraire units (floats, for agents and reports)."""

    collateral_value: float
    """Collateral-enabled supplies at oracle prices."""
    debt_value: float
    """All debts at oracle prices."""
    borrow_capacity: float
    """Sum of collateral value * LTV: the most debt value the account may hold."""
    liquidation_value: float
    """Sum of collateral value * liquidation threshold."""
    ltv_used: float
    """debt / collateral (0 without debt, inf with debt and no collateral)."""
    health_factor: float
    """liquidation_value / debt (inf without debt)."""


@dataclass(frozen=True, slots=True)
class ReserveTotals:
    """The books of one reserve, in token units (and RAY for indexes)."""

    cash: int
    total_supply: int
    total_debt: int
    deficit: int
    treasury: int
    liquidity_index: int
    borrow_index: int

    @property
    def dust(self) -> int:
        """cash + debt + deficit - supply: rounding kept by the protocol (never negative)."""
        return self.cash + self.total_debt + self.deficit - self.total_supply


@dataclass(slots=True)
class _Reserve:
    """`DataTypes.ReserveData` plus the token balances (scaled) of every account."""

    asset: str
    decimals: int
    ltv_bps: int
    lt_bps: int
    bonus_bps: int  # 10000 + bonus, as Aave stores it (10500 = 5% bonus)
    borrowable: bool
    collateral: bool
    base_rate_ray: int
    slope1_ray: int
    optimal_ray: int
    slope2_ray: int
    reserve_factor_bps: int
    supply_cap: int | None
    liquidity_index: int = RAY
    borrow_index: int = RAY
    borrow_rate_ray: int = 0
    cash: int = 0
    deficit: int = 0
    scaled_supply: dict[str, int] = field(default_factory=dict)
    scaled_debt: dict[str, int] = field(default_factory=dict)
    total_scaled_supply: int = 0
    total_scaled_debt: int = 0
    treasury_scaled: int = 0
    interest_accrued: int = 0
    """Cumulative borrow interest (token units) since creation."""
    interest_to_treasury: int = 0
    """Cumulative reserve-factor share of it."""

    def total_supply(self) -> int:
        return self.total_scaled_supply * self.liquidity_index // RAY

    def total_debt(self) -> int:
        return _ceil_div(self.total_scaled_debt * self.borrow_index, RAY)

    @property
    def counts_as_collateral(self) -> bool:
        return self.collateral and self.lt_bps > 0


class LendingMarket:
    """`Pool`: an Aave-style market of several reserves sharing accounts, oracle and clock."""

    def __init__(
        self,
        spec: LendingSpec,
        decimals: Mapping[str, int],
        oracle: Oracle,
        seconds_per_block: int = 12,
    ) -> None:
        if seconds_per_block <= 0 or int(seconds_per_block) != seconds_per_block:
            raise ValueError(f"seconds_per_block must be a positive integer: {seconds_per_block}")
        missing = sorted(set(spec.assets) - set(decimals))
        if missing:
            raise ValueError(f"no decimals given for {', '.join(missing)}")
        self.spec = spec
        self.oracle = oracle
        self.seconds_per_block = int(seconds_per_block)
        self.close_factor_bps = _to_bps(spec.close_factor)
        self.block = 0
        self.timestamp_s = 0
        self.reserves: dict[str, _Reserve] = {}
        for asset, p in spec.assets.items():
            dec = int(decimals[asset])
            r = _Reserve(
                asset=asset,
                decimals=dec,
                ltv_bps=_to_bps(p.ltv) if p.collateral else 0,
                lt_bps=_to_bps(p.liquidation_threshold) if p.collateral else 0,
                bonus_bps=BPS + _to_bps(p.liquidation_bonus),
                borrowable=p.borrowable,
                collateral=p.collateral,
                base_rate_ray=_to_ray(p.rate.base_rate),
                slope1_ray=_to_ray(p.rate.slope1),
                optimal_ray=_to_ray(p.rate.kink),
                slope2_ray=_to_ray(p.rate.slope2),
                reserve_factor_bps=_to_bps(p.rate.reserve_factor),
                supply_cap=(
                    None if p.supply_cap is None else int(Decimal(repr(p.supply_cap)) * 10**dec)
                ),
            )
            r.borrow_rate_ray = r.base_rate_ray
            self.reserves[asset] = r

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
    def _reserve(self, asset: str) -> _Reserve:
        try:
            return self.reserves[asset]
        except KeyError:
            raise ProtocolError(
                f"no {asset!r} reserve in this market (it lists {', '.join(self.reserves)})"
            ) from None

    @staticmethod
    def _check_amount(amount: int, what: str) -> None:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ProtocolError(f"{what} amount must be an integer in smallest units: {amount!r}")
        if amount <= 0:
            raise ProtocolError(f"{what} amount must be positive: {amount}")

    def _price_wad(self, asset: str) -> int:
        """The oracle price of one whole `asset` in the numeraire, as a WAD integer."""
        p = self.oracle(asset)
        if not math.isfinite(p) or p < 0:
            raise ProtocolError(f"oracle returned an invalid price for {asset}: {p!r}")
        return round(p * WAD)

    @staticmethod
    def _supply_of(r: _Reserve, account: str) -> int:
        """`AToken.balanceOf`: scaled balance * liquidity index, rounded down."""
        return r.scaled_supply.get(account, 0) * r.liquidity_index // RAY

    @staticmethod
    def _debt_of(r: _Reserve, account: str) -> int:
        """`VariableDebtToken.balanceOf`: scaled debt * borrow index, rounded up."""
        return _ceil_div(r.scaled_debt.get(account, 0) * r.borrow_index, RAY)

    def _valuation(
        self, account: str, supply_delta: tuple[str, int] | None = None
    ) -> tuple[int, int, int, int]:
        """`GenericLogic.calculateUserAccountData` in WAD numeraire units.

        Returns (collateral value, sum value*ltv_bps, sum value*lt_bps, debt value); the
        two weighted sums are still multiplied by 1e4. `supply_delta = (asset, -amount)`
        values the account as if `amount` of its `asset` supply were gone. Collateral is
        valued rounding down, debt rounding up.
        """
        col = w_ltv = w_lt = debt = 0
        for asset, r in self.reserves.items():
            bal = self._supply_of(r, account) if r.counts_as_collateral else 0
            if supply_delta is not None and supply_delta[0] == asset and bal:
                bal = max(bal + supply_delta[1], 0)
            d = self._debt_of(r, account)
            if not bal and not d:
                continue
            price = self._price_wad(asset)
            unit = 10**r.decimals
            if bal:
                v = bal * price // unit
                col += v
                w_ltv += v * r.ltv_bps
                w_lt += v * r.lt_bps
            if d:
                debt += _ceil_div(d * price, unit)
        return col, w_ltv, w_lt, debt

    def _update_interest_rates(self, r: _Reserve) -> None:
        """`ReserveLogic.updateInterestRates`: store the borrow rate for the next interval."""
        r.borrow_rate_ray = self._borrow_rate_ray(r, self._utilization_ray(r))

    @staticmethod
    def _utilization_ray(r: _Reserve) -> int:
        """Aave v2 utilization: total debt / (available liquidity + total debt), RAY."""
        debt = r.total_debt()
        return 0 if debt == 0 else ray_div(debt, r.cash + debt)

    @staticmethod
    def _borrow_rate_ray(r: _Reserve, utilization_ray: int) -> int:
        """`DefaultReserveInterestRateStrategy.calculateInterestRates` (variable rate)."""
        u = min(max(utilization_ray, 0), RAY)
        if u > r.optimal_ray:
            excess = ray_div(u - r.optimal_ray, RAY - r.optimal_ray)
            return r.base_rate_ray + r.slope1_ray + ray_mul(r.slope2_ray, excess)
        return r.base_rate_ray + ray_mul(ray_div(u, r.optimal_ray), r.slope1_ray)

    def _mint_supply(self, r: _Reserve, account: str, amount: int) -> None:
        """`AToken.mint` (`_mintScaled`): scaled balance += amount / index, rounded down."""
        scaled = amount * RAY // r.liquidity_index  # rayDivFloor
        if scaled == 0:
            raise ProtocolError(f"supply of {amount} {r.asset} is below one scaled unit")
        r.scaled_supply[account] = r.scaled_supply.get(account, 0) + scaled
        r.total_scaled_supply += scaled

    def _burn_supply(self, r: _Reserve, account: str, amount: int) -> int:
        """`AToken.burn` (`_burnScaled`): amount / index rounded up, all at the full balance."""
        have = r.scaled_supply.get(account, 0)
        if amount >= self._supply_of(r, account):
            scaled = have
        else:
            scaled = min(_ceil_div(amount * RAY, r.liquidity_index), have)  # rayDivCeil
        self._set_scaled(r.scaled_supply, account, have - scaled)
        r.total_scaled_supply -= scaled
        return scaled

    def _burn_debt(self, r: _Reserve, account: str, amount: int) -> None:
        """`VariableDebtToken.burn`: amount / index rounded down, all at the full debt."""
        have = r.scaled_debt.get(account, 0)
        # the whole debt burns every scaled unit; a part burns rayDivFloor(amount)
        full = amount >= self._debt_of(r, account)
        scaled = have if full else amount * RAY // r.borrow_index
        self._set_scaled(r.scaled_debt, account, have - scaled)
        r.total_scaled_debt -= scaled

    @staticmethod
    def _set_scaled(book: dict[str, int], account: str, value: int) -> None:
        if value:
            book[account] = value
        else:
            book.pop(account, None)

    # ------------------------------------------------------------------ actions
    def supply(self, account: str, asset: str, amount: int) -> None:
        """`SupplyLogic.executeSupply`: the caller has moved `amount` into the market."""
        self._check_amount(amount, "supply")
        r = self._reserve(asset)
        if r.supply_cap is not None and r.total_supply() + amount > r.supply_cap:
            raise ProtocolError(
                f"supply cap exceeded: {r.asset} total supply would be "
                f"{r.total_supply() + amount} > cap {r.supply_cap}"
            )
        self._mint_supply(r, account, amount)
        r.cash += amount
        self._update_interest_rates(r)

    def withdraw(self, account: str, asset: str, amount: int) -> int:
        """`SupplyLogic.executeWithdraw`: returns the tokens the caller must pay `account`.

        `MAX_AMOUNT` withdraws the whole balance. Reverts if the account holds less,
        if the market's cash is short (funds are lent out) or if the health factor
        after the withdrawal would be below 1.
        """
        r = self._reserve(asset)
        balance = self._supply_of(r, account)
        if amount == MAX_AMOUNT:
            amount = balance
        self._check_amount(amount, "withdraw")
        if amount > balance:
            raise InsufficientBalance(
                f"{account} cannot withdraw {amount} {asset}: supplied balance is {balance}"
            )
        if amount > r.cash:
            raise ProtocolError(
                f"not enough {asset} liquidity: {amount} requested, {r.cash} available "
                "(the rest is lent out)"
            )
        if r.counts_as_collateral:
            _, _, w_lt, debt = self._valuation(account, (asset, -amount))
            if debt and w_lt < debt * BPS:
                raise ProtocolError(
                    f"withdrawal would put {account}'s health factor at {w_lt / BPS / debt:.4f} < 1"
                )
        self._burn_supply(r, account, amount)
        r.cash -= amount
        self._update_interest_rates(r)
        return amount

    def borrow(self, account: str, asset: str, amount: int) -> None:
        """`BorrowLogic.executeBorrow` (variable rate): the caller pays `amount` to `account`.

        `ValidationLogic.validateBorrow`: the asset must be borrowable, the market must
        hold the cash, the health factor must be >= 1, and total debt value after the
        borrow must not exceed the LTV-weighted collateral value.
        """
        self._check_amount(amount, "borrow")
        r = self._reserve(asset)
        if not r.borrowable:
            raise ProtocolError(f"{asset} is not borrowable in this market")
        if amount > r.cash:
            raise ProtocolError(
                f"not enough {asset} liquidity: {amount} requested, {r.cash} available"
            )
        col, w_ltv, w_lt, debt = self._valuation(account)
        if debt and w_lt < debt * BPS:
            raise ProtocolError(f"{account}'s health factor is below 1: cannot borrow")
        new_debt = debt + _ceil_div(amount * self._price_wad(asset), 10**r.decimals)
        if new_debt * BPS > w_ltv:
            raise ProtocolError(
                f"borrow exceeds the LTV limit: debt would be worth {new_debt / WAD:.6g}, "
                f"the limit is {w_ltv / BPS / WAD:.6g} (collateral {col / WAD:.6g} x LTV)"
            )
        scaled = _ceil_div(amount * RAY, r.borrow_index)  # rayDivCeil
        r.scaled_debt[account] = r.scaled_debt.get(account, 0) + scaled
        r.total_scaled_debt += scaled
        r.cash -= amount
        self._update_interest_rates(r)

    def repay(self, account: str, asset: str, amount: int) -> int:
        """`BorrowLogic.executeRepay`: returns the amount actually repaid (capped at the debt).

        The caller moves exactly the returned amount into the market.
        """
        self._check_amount(amount, "repay")
        r = self._reserve(asset)
        debt = self._debt_of(r, account)
        if debt == 0:
            raise ProtocolError(f"{account} has no {asset} debt to repay")
        paid = min(amount, debt)
        self._burn_debt(r, account, paid)
        r.cash += paid
        self._update_interest_rates(r)
        return paid

    def quote_liquidation(
        self,
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
            self._check_amount(debt_to_cover, "debt to cover")
        dr = self._reserve(debt_asset)
        cr = self._reserve(collateral_asset)
        _, _, w_lt, debt_value = self._valuation(borrower)
        if debt_value == 0 or w_lt >= debt_value * BPS:
            hf = math.inf if debt_value == 0 else w_lt / BPS / debt_value
            raise ProtocolError(
                f"{borrower} cannot be liquidated: health factor {hf:.4f} is not below 1"
            )
        if not cr.counts_as_collateral:
            raise ProtocolError(f"{collateral_asset} is not collateral in this market")
        collateral = self._supply_of(cr, borrower)
        if collateral == 0:
            raise ProtocolError(f"{borrower} has no {collateral_asset} collateral to seize")
        debt = self._debt_of(dr, borrower)
        if debt == 0:
            raise ProtocolError(f"{borrower} has no {debt_asset} debt")
        max_liquidatable = percent_mul(debt, self.close_factor_bps)
        actual = min(debt_to_cover, max_liquidatable)

        debt_price = self._price_wad(debt_asset)
        col_price = self._price_wad(collateral_asset)
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
        repaid, seized = self.quote_liquidation(
            borrower, debt_asset, collateral_asset, debt_to_cover, receive_a_token
        )
        dr, cr = self.reserves[debt_asset], self.reserves[collateral_asset]
        self._burn_debt(dr, borrower, repaid)
        dr.cash += repaid
        if receive_a_token:
            scaled = self._burn_supply(cr, borrower, seized)
            cr.scaled_supply[liquidator] = cr.scaled_supply.get(liquidator, 0) + scaled
            cr.total_scaled_supply += scaled
        else:
            self._burn_supply(cr, borrower, seized)
            cr.cash -= seized
        self._update_interest_rates(dr)
        if cr is not dr:
            self._update_interest_rates(cr)
        return repaid, seized

    def accrue(self, blocks: int = 1) -> None:
        """`ReserveLogic.updateState` + `_accrueToTreasury` + `updateInterestRates`, every reserve.

        Advances the clock by `blocks * seconds_per_block`, compounds each borrow index
        at its stored rate, mints `reserve_factor` of the new interest to the treasury
        and grows the liquidity index by exactly the rest (see the module docstring).
        """
        if not isinstance(blocks, int) or blocks < 0:
            raise ProtocolError(f"blocks must be a non-negative integer: {blocks!r}")
        if blocks == 0:
            return
        dt = blocks * self.seconds_per_block
        self.block += blocks
        self.timestamp_s += dt
        for r in self.reserves.values():
            if r.total_scaled_debt:
                old_debt = r.total_debt()
                r.borrow_index = ray_mul(
                    r.borrow_index, calculate_compounded_interest(r.borrow_rate_ray, dt)
                )
                interest = r.total_debt() - old_debt
                to_treasury = percent_mul(interest, r.reserve_factor_bps)
                to_suppliers = interest - to_treasury
                if r.total_scaled_supply:
                    r.liquidity_index += to_suppliers * RAY // r.total_scaled_supply
                else:  # nobody to pay: all of it goes to the treasury
                    to_treasury = interest
                t_scaled = to_treasury * RAY // r.liquidity_index
                r.treasury_scaled += t_scaled
                r.total_scaled_supply += t_scaled
                r.interest_accrued += interest
                r.interest_to_treasury += to_treasury
            self._update_interest_rates(r)

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
        self._update_interest_rates(r)
        return delta

    # ------------------------------------------------------------------ bad debt
    def realise_bad_debt(self, account: str) -> dict[str, int]:
        """Aave v3.3 `LiquidationLogic._burnBadDebt`: write off debt left without collateral.

        Only for an account with debt whose collateral is worth zero at oracle prices.
        Its debts are burned and added to each reserve's `deficit`; returns the
        amounts written off per asset.
        """
        col, _, _, debt_value = self._valuation(account)
        debts = {a: self._debt_of(r, account) for a, r in self.reserves.items()}
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
                r = self.reserves[asset]
                self._burn_debt(r, account, d)
                r.deficit += d
                self._update_interest_rates(r)
                out[asset] = d
        return out

    def eliminate_deficit(self, asset: str, amount: int) -> int:
        """Aave v3.3 `Pool.eliminateReserveDeficit`: the caller pays cash in to cover the deficit.

        Returns the amount used (capped at the deficit); the caller moves that many tokens in.
        """
        self._check_amount(amount, "deficit")
        r = self._reserve(asset)
        used = min(amount, r.deficit)
        r.deficit -= used
        r.cash += used
        self._update_interest_rates(r)
        return used

    def insolvent_accounts(self) -> list[str]:
        """Accounts with debt whose collateral (oracle prices, no haircut) is worth less."""
        out = []
        for account in self.accounts():
            col, _, _, debt = self._valuation(account)
            if debt > col:
                out.append(account)
        return out

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
                out[asset] += self._debt_of(r, account)
        return out

    def shortfall(self) -> float:
        """Sum over insolvent accounts of debt value minus collateral value (numeraire)."""
        total = 0
        for account in self.insolvent_accounts():
            col, _, _, debt = self._valuation(account)
            total += debt - col
        return total / WAD

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
        return self._supply_of(self._reserve(asset), account)

    def debt(self, account: str, asset: str) -> int:
        """`account`'s variable debt, token units (rounded up)."""
        return self._debt_of(self._reserve(asset), account)

    def health_factor(self, account: str) -> float:
        """Sum of collateral value * liquidation threshold / debt value (inf without debt)."""
        _, _, w_lt, debt = self._valuation(account)
        return math.inf if debt == 0 else w_lt / BPS / debt

    def account_data(self, account: str) -> AccountData:
        """`Pool.getUserAccountData`: values in the numeraire, LTV used and health factor."""
        col, w_ltv, w_lt, debt = self._valuation(account)
        if debt == 0:
            ltv_used, hf = 0.0, math.inf
        else:
            ltv_used = debt / col if col else math.inf
            hf = w_lt / BPS / debt
        return AccountData(
            collateral_value=col / WAD,
            debt_value=debt / WAD,
            borrow_capacity=w_ltv / BPS / WAD,
            liquidation_value=w_lt / BPS / WAD,
            ltv_used=ltv_used,
            health_factor=hf,
        )

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
        return self._utilization_ray(self._reserve(asset)) / RAY

    def borrow_rate(self, asset: str) -> float:
        """Current variable borrow rate, annualised fraction (compounded per second)."""
        return self._reserve(asset).borrow_rate_ray / RAY

    def borrow_rate_at(self, asset: str, utilization: float) -> float:
        """The rate curve of `asset` evaluated at `utilization` (0..1), annualised fraction."""
        r = self._reserve(asset)
        return self._borrow_rate_ray(r, _to_ray(utilization)) / RAY

    def supply_rate(self, asset: str) -> float:
        """Aave's liquidity rate: borrow rate * utilization * (1 - reserve factor), annualised."""
        r = self._reserve(asset)
        rate = ray_mul(r.borrow_rate_ray, self._utilization_ray(r))
        return percent_mul(rate, BPS - r.reserve_factor_bps) / RAY

    def totals(self, asset: str) -> ReserveTotals:
        """The reserve's books (cash, supply, debt, deficit, treasury, indexes)."""
        r = self._reserve(asset)
        return ReserveTotals(
            cash=r.cash,
            total_supply=r.total_supply(),
            total_debt=r.total_debt(),
            deficit=r.deficit,
            treasury=r.treasury_scaled * r.liquidity_index // RAY,
            liquidity_index=r.liquidity_index,
            borrow_index=r.borrow_index,
        )

    def deficit(self, asset: str) -> int:
        """Debt written off by `realise_bad_debt` and not yet covered, token units."""
        return self._reserve(asset).deficit

    @property
    def treasury(self) -> dict[str, int]:
        """Treasury supply balances per asset (reserve-factor interest, still earning)."""
        return {a: r.treasury_scaled * r.liquidity_index // RAY for a, r in self.reserves.items()}

    def withdraw_treasury(self, asset: str, amount: int) -> int:
        """`Pool.mintToTreasury` + aToken withdraw: returns tokens the caller pays the treasury."""
        r = self._reserve(asset)
        balance = r.treasury_scaled * r.liquidity_index // RAY
        if amount == MAX_AMOUNT:
            amount = balance
        self._check_amount(amount, "treasury withdraw")
        if amount > balance:
            raise InsufficientBalance(f"treasury holds {balance} {asset}, not {amount}")
        if amount > r.cash:
            raise ProtocolError(f"not enough {asset} liquidity: {r.cash} available")
        scaled = (
            r.treasury_scaled
            if amount == balance
            else min(_ceil_div(amount * RAY, r.liquidity_index), r.treasury_scaled)
        )
        r.treasury_scaled -= scaled
        r.total_scaled_supply -= scaled
        r.cash -= amount
        self._update_interest_rates(r)
        return amount

    def holdings(self) -> dict[str, int]:
        """Tokens the market contract holds per asset: its cash (supplied - lent + repaid...)."""
        return {a: r.cash for a, r in self.reserves.items()}

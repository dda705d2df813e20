"""One reserve's books: Aave's `ReserveData` and the scaled balances of its aToken and debt token.

A supplier holds a *scaled* balance; its token balance is ``scaled * liquidity_index / RAY``
(`AToken`). A borrower holds a scaled debt; its debt is ``scaled * borrow_index / RAY``
(`VariableDebtToken`). Interest grows the two indexes, never the accounts
(`sim.protocols.lending.interest`). Rounding favours the protocol (Aave v3.4): supply mints
and debt burns round down, supply burns and debt mints round up, supply balances are read
rounded down and debts rounded up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sim.errors import ProtocolError
from sim.protocols.lending.spec import AssetParams
from sim.protocols.wad_ray_math import ceil_div, to_bps, to_ray
from sim.units import BPS, RAY

__all__ = [
    "MAX_AMOUNT",
    "Reserve",
    "ReserveTotals",
    "burn_debt",
    "burn_supply",
    "debt_of",
    "mint_debt",
    "mint_supply",
    "reserve_of",
    "supply_of",
]

MAX_AMOUNT = 2**256 - 1
"""`type(uint256).max`: pass as an amount to withdraw everything / repay the whole debt."""


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
class Reserve:
    """`DataTypes.ReserveData` plus the token balances (scaled) of every account."""

    asset: str
    decimals: int
    ltv_bps: int
    lt_bps: int
    bonus_bps: int  # 10000 + bonus, as Aave stores it (10500 = 5% bonus)
    protocol_fee_bps: int  # share of the bonus paid to the treasury (liquidationProtocolFee)
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
    liquidation_fees: int = 0
    """Cumulative liquidation protocol fees paid to the treasury in this asset (token units)."""
    flash_premiums: int = 0
    """Cumulative flash-loan premiums paid to the treasury (token units)."""
    deficit_created: int = 0
    """Cumulative debt written off into `deficit` (token units), covered or not."""

    @classmethod
    def from_params(cls, asset: str, decimals: int, p: AssetParams) -> Reserve:
        """`PoolConfigurator.initReserve` + `configureReserveAsCollateral`: fractions to integers."""
        r = cls(
            asset=asset,
            decimals=decimals,
            ltv_bps=to_bps(p.ltv) if p.collateral else 0,
            lt_bps=to_bps(p.liquidation_threshold) if p.collateral else 0,
            bonus_bps=BPS + to_bps(p.liquidation_bonus),
            protocol_fee_bps=to_bps(p.liquidation_protocol_fee),
            borrowable=p.borrowable,
            collateral=p.collateral,
            base_rate_ray=to_ray(p.rate.base_rate),
            slope1_ray=to_ray(p.rate.slope1),
            optimal_ray=to_ray(p.rate.kink),
            slope2_ray=to_ray(p.rate.slope2),
            reserve_factor_bps=to_bps(p.rate.reserve_factor),
            supply_cap=(
                None if p.supply_cap is None else int(Decimal(repr(p.supply_cap)) * 10**decimals)
            ),
        )
        r.borrow_rate_ray = r.base_rate_ray
        return r

    def total_supply(self) -> int:
        return self.total_scaled_supply * self.liquidity_index // RAY

    def total_debt(self) -> int:
        return ceil_div(self.total_scaled_debt * self.borrow_index, RAY)

    def treasury(self) -> int:
        """The treasury's supply balance (reserve-factor interest, still earning)."""
        return self.treasury_scaled * self.liquidity_index // RAY

    def totals(self) -> ReserveTotals:
        """The reserve's books (cash, supply, debt, deficit, treasury, indexes)."""
        return ReserveTotals(
            cash=self.cash,
            total_supply=self.total_supply(),
            total_debt=self.total_debt(),
            deficit=self.deficit,
            treasury=self.treasury(),
            liquidity_index=self.liquidity_index,
            borrow_index=self.borrow_index,
        )

    @property
    def counts_as_collateral(self) -> bool:
        return self.collateral and self.lt_bps > 0


def reserve_of(reserves: dict[str, Reserve], asset: str) -> Reserve:
    """The reserve of `asset`; reverts naming the market's reserves if there is none."""
    try:
        return reserves[asset]
    except KeyError:
        raise ProtocolError(
            f"no {asset!r} reserve in this market (it lists {', '.join(reserves)})"
        ) from None


def supply_of(r: Reserve, account: str) -> int:
    """`AToken.balanceOf`: scaled balance * liquidity index, rounded down."""
    return r.scaled_supply.get(account, 0) * r.liquidity_index // RAY


def debt_of(r: Reserve, account: str) -> int:
    """`VariableDebtToken.balanceOf`: scaled debt * borrow index, rounded up."""
    return ceil_div(r.scaled_debt.get(account, 0) * r.borrow_index, RAY)


def mint_supply(r: Reserve, account: str, amount: int) -> None:
    """`AToken.mint` (`_mintScaled`): scaled balance += amount / index, rounded down."""
    scaled = amount * RAY // r.liquidity_index  # rayDivFloor
    if scaled == 0:
        raise ProtocolError(f"supply of {amount} {r.asset} is below one scaled unit")
    r.scaled_supply[account] = r.scaled_supply.get(account, 0) + scaled
    r.total_scaled_supply += scaled


def burn_supply(r: Reserve, account: str, amount: int) -> int:
    """`AToken.burn` (`_burnScaled`): amount / index rounded up, all at the full balance."""
    have = r.scaled_supply.get(account, 0)
    if amount >= supply_of(r, account):
        scaled = have
    else:
        scaled = min(ceil_div(amount * RAY, r.liquidity_index), have)  # rayDivCeil
    _set_scaled(r.scaled_supply, account, have - scaled)
    r.total_scaled_supply -= scaled
    return scaled


def mint_debt(r: Reserve, account: str, amount: int) -> None:
    """`VariableDebtToken.mint`: scaled debt += amount / index, rounded up."""
    scaled = ceil_div(amount * RAY, r.borrow_index)  # rayDivCeil
    r.scaled_debt[account] = r.scaled_debt.get(account, 0) + scaled
    r.total_scaled_debt += scaled


def burn_debt(r: Reserve, account: str, amount: int) -> None:
    """`VariableDebtToken.burn`: amount / index rounded down, all at the full debt."""
    have = r.scaled_debt.get(account, 0)
    # the whole debt burns every scaled unit; a part burns rayDivFloor(amount)
    full = amount >= debt_of(r, account)
    scaled = have if full else amount * RAY // r.borrow_index
    _set_scaled(r.scaled_debt, account, have - scaled)
    r.total_scaled_debt -= scaled


def _set_scaled(book: dict[str, int], account: str, value: int) -> None:
    if value:
        book[account] = value
    else:
        book.pop(account, None)

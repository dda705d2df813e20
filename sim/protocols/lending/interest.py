"""Interest: Aave's kinked rate curve and the index updates that accrue it (`ReserveLogic`).

`update_state` compounds the borrow index at the stored variable borrow rate
(`MathUtils.calculateCompoundedInterest`), mints the reserve-factor share of the new interest
to the treasury (`_accrueToTreasury`) and grows the liquidity index by *exactly* the rest.
Aave grows the liquidity index from a linear liquidity rate
``borrow_rate * U * (1 - reserve_factor)``, which agrees to first order in ``rate * dt``;
deriving it from the realised interest instead makes
``borrow interest == supplier interest + treasury share`` hold to a few wei.
"""

from __future__ import annotations

from sim.errors import ProtocolError
from sim.protocols.lending.reserve import Reserve
from sim.protocols.wad_ray_math import (
    calculate_compounded_interest,
    percent_mul,
    ray_div,
    ray_mul,
)
from sim.units import BPS, RAY

__all__ = [
    "borrow_rate_ray",
    "rebase_reserve",
    "supply_rate_ray",
    "update_interest_rates",
    "update_state",
    "utilization_ray",
]


def utilization_ray(r: Reserve) -> int:
    """Aave v2 utilization: total debt / (available liquidity + total debt), RAY."""
    debt = r.total_debt()
    return 0 if debt == 0 else ray_div(debt, r.cash + debt)


def borrow_rate_ray(r: Reserve, utilization: int) -> int:
    """`DefaultReserveInterestRateStrategy.calculateInterestRates` (variable rate), RAY."""
    u = min(max(utilization, 0), RAY)
    if u > r.optimal_ray:
        excess = ray_div(u - r.optimal_ray, RAY - r.optimal_ray)
        return r.base_rate_ray + r.slope1_ray + ray_mul(r.slope2_ray, excess)
    return r.base_rate_ray + ray_mul(ray_div(u, r.optimal_ray), r.slope1_ray)


def supply_rate_ray(r: Reserve) -> int:
    """Aave's liquidity rate: borrow rate * utilization * (1 - reserve factor), RAY."""
    rate = ray_mul(r.borrow_rate_ray, utilization_ray(r))
    return percent_mul(rate, BPS - r.reserve_factor_bps)


def update_interest_rates(r: Reserve) -> None:
    """`ReserveLogic.updateInterestRates`: store the borrow rate for the next interval."""
    r.borrow_rate_ray = borrow_rate_ray(r, utilization_ray(r))


def update_state(r: Reserve, dt_s: int) -> None:
    """`ReserveLogic.updateState` + `_accrueToTreasury` over `dt_s` seconds, then new rates."""
    if r.total_scaled_debt:
        old_debt = r.total_debt()
        r.borrow_index = ray_mul(
            r.borrow_index, calculate_compounded_interest(r.borrow_rate_ray, dt_s)
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
    update_interest_rates(r)


def rebase_reserve(r: Reserve, num: int, den: int) -> int:
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
    if num <= 0 or den <= 0:
        raise ProtocolError(f"rebase factor must be positive: {num}/{den}")
    if r.total_scaled_debt:
        raise ProtocolError(
            f"{r.asset} has borrowers: a rebasing token cannot be borrowed in this market"
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

"""An Aave-style lending market: pooled reserves, RAY indexes, a kinked rate curve, liquidations.

Mirrors Aave v2/v3 in plain Python integers, one reserve per asset, one module per library:

* `reserve`: `DataTypes.ReserveData` and the scaled balances of the aToken and the variable
  debt token. Rounding favours the protocol (as in Aave v3.4), hence
  ``cash + total_debt + deficit >= total_supply`` always holds, with the difference
  (``dust``) a few wei per operation.
* `interest`: `DefaultReserveInterestRateStrategy` and `ReserveLogic.updateState`; accrual is
  exact (``borrow interest == supplier interest + treasury share`` to a few wei).
* `account`: `GenericLogic.calculateUserAccountData`. Prices come from outside:
  ``oracle(asset)`` returns the price of one whole token in a common numeraire (a float),
  turned into an integer WAD price; which price that is (pool spot, exchange rate, TWAP) is
  the model's choice, recorded in `LendingSpec.oracle`.
* `liquidation`: `LiquidationLogic`, including bad debt: the debt of accounts whose
  collateral, valued at oracle prices without any haircut, is worth less than their debt;
  `realise_bad_debt` writes it off into a per-asset ``deficit`` (Aave v3.3's reserve
  deficit) and `eliminate_deficit` covers it with cash.
* `market`: the `LendingMarket` facade (Aave's `Pool`); `spec`: its configuration.

Amounts are integers in each token's smallest unit; rates and indexes are RAY
(1e27), values in the numeraire are WAD (1e18 per unit), percentages are basis points
(`sim.units`).
"""

from __future__ import annotations

from sim.protocols.lending.account import AccountData
from sim.protocols.lending.market import LendingMarket
from sim.protocols.lending.reserve import MAX_AMOUNT, ReserveTotals
from sim.protocols.lending.spec import AssetParams, LendingSpec, RateCurve
from sim.protocols.wad_ray_math import calculate_compounded_interest

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

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
* `liquidation`: Aave v3.3's `LiquidationLogic`: the close factor (the whole debt below
  HF 0.95 or for positions under a base-currency threshold, else 50% of it), the dust
  rule, the liquidation protocol fee to the treasury, and bad debt written off into a
  per-asset ``deficit`` when a liquidation takes the last collateral (it then accrues
  nothing); `eliminate_deficit` covers it with cash.
* `emode`: efficiency-mode categories (`EModeLogic`).
* `market`: the `LendingMarket` facade (Aave's `Pool`); `spec`: its configuration.

Amounts are integers in each token's smallest unit; rates and indexes are RAY
(1e27), values in the numeraire are WAD (1e18 per unit), percentages are basis points
(`sim.units`).
"""

from __future__ import annotations

from sim.protocols.lending.account import AccountData, EMode
from sim.protocols.lending.liquidation import Liquidation, LiquidationRules
from sim.protocols.lending.market import LendingMarket
from sim.protocols.lending.reserve import MAX_AMOUNT, ReserveTotals
from sim.protocols.lending.spec import AssetParams, EModeCategory, LendingSpec, RateCurve
from sim.protocols.lending.supply_borrow import WithdrawalBlocked
from sim.protocols.wad_ray_math import calculate_compounded_interest

__all__ = [
    "MAX_AMOUNT",
    "AccountData",
    "AssetParams",
    "EMode",
    "EModeCategory",
    "LendingMarket",
    "LendingSpec",
    "Liquidation",
    "LiquidationRules",
    "RateCurve",
    "ReserveTotals",
    "WithdrawalBlocked",
    "calculate_compounded_interest",
]

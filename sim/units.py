"""Units and fixed-point scales shared by every layer: one definition of each.

Time: a year is 365 days of 86,400 s (Aave's `MathUtils.SECONDS_PER_YEAR`), the unit of
every annualised rate and volatility. Fixed point: WAD (1e18) for values and rates read
by pools and oracles, RAY (1e27) for Aave and Lido indexes, basis points for percentages
(`PercentageMath.PERCENTAGE_FACTOR`), gwei for gas prices.
"""

from __future__ import annotations

__all__ = ["BPS", "GWEI", "MAX_UINT256", "RAY", "SECONDS_PER_DAY", "SECONDS_PER_YEAR", "WAD"]

SECONDS_PER_DAY = 86_400
SECONDS_PER_YEAR = 365 * SECONDS_PER_DAY
"""365 days (`MathUtils.SECONDS_PER_YEAR`): annualises rates and volatilities."""

WAD = 10**18
"""`WadRayMath.WAD`: 1.0 with 18 decimals (values in the numeraire, exchange rates)."""
RAY = 10**27
"""`WadRayMath.RAY`: 1.0 with 27 decimals (Aave indexes and rates, Lido's per-block yield)."""
BPS = 10_000
"""`PercentageMath.PERCENTAGE_FACTOR`: 100% in basis points."""
GWEI = 10**9
"""Wei per gwei: gas prices are quoted in gwei, paid in wei."""
MAX_UINT256 = 2**256 - 1
"""The EVM word's largest value: where contract arithmetic overflows (Vyper and Solidity)."""

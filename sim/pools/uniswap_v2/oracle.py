"""Mirrors Uniswap V2's price oracle: the pair's cumulative prices and the periphery's TWAP.

The pair (`UniswapV2Pair._update`) adds, before the first reserve change of each block, each
reserve ratio as a UQ112x112 fixed-point number times the seconds since the last change:
`price0CumulativeLast` is token1 per token0, `price1CumulativeLast` token0 per token1. The sums
wrap at 2**256 and the timestamp at 2**32, on purpose. A time-weighted average price over a
window is the difference of two readings divided by the seconds between them, which
`UniswapV2OracleLibrary.currentCumulativePrices` and `ExampleOracleSimple.consult` compute.
Manipulating it costs the attacker the whole window at the moved price, not one block.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InsufficientLiquidity, InvalidAmount

Q112 = 2**112
"""UQ112x112's one: `UQ112x112.encode(y) = y * Q112`."""
UINT256 = 2**256
UINT32 = 2**32


def fraction(numerator: int, denominator: int) -> int:
    """`UQ112x112.encode(numerator).uqdiv(denominator)` (and `FixedPoint.fraction`): the ratio
    as a UQ112x112, rounded down."""
    if denominator == 0:
        raise InsufficientLiquidity("FixedPoint: DIV_BY_ZERO: an empty reserve has no price")
    return numerator * Q112 // denominator


def block_timestamp32(timestamp: int) -> int:
    """`uint32(block.timestamp % 2**32)`, as the pair stores it."""
    return timestamp % UINT32


@dataclass
class CumulativePrices:
    """The pair's oracle slots: `price0CumulativeLast`, `price1CumulativeLast` and the
    `blockTimestampLast` that `getReserves` returns."""

    price0_cumulative_last: int = 0
    price1_cumulative_last: int = 0
    block_timestamp_last: int = 0

    def accumulate(self, reserve0: int, reserve1: int, timestamp: int) -> None:
        """The oracle half of `UniswapV2Pair._update`, called with the reserves before the
        change: once per block (a second call in the same second adds nothing)."""
        now = block_timestamp32(timestamp)
        elapsed = (now - self.block_timestamp_last) % UINT32  # overflow is desired
        if elapsed > 0 and reserve0 != 0 and reserve1 != 0:
            p0 = self.price0_cumulative_last + fraction(reserve1, reserve0) * elapsed
            p1 = self.price1_cumulative_last + fraction(reserve0, reserve1) * elapsed
            self.price0_cumulative_last = p0 % UINT256
            self.price1_cumulative_last = p1 % UINT256
        self.block_timestamp_last = now

    def current(self, reserve0: int, reserve1: int, timestamp: int) -> tuple[int, int, int]:
        """Mirrors `UniswapV2OracleLibrary.currentCumulativePrices`: the sums as if the pair
        were updated now, without a transaction (price0, price1, uint32 timestamp)."""
        now = block_timestamp32(timestamp)
        p0, p1 = self.price0_cumulative_last, self.price1_cumulative_last
        if self.block_timestamp_last != now:
            elapsed = (now - self.block_timestamp_last) % UINT32
            p0 = (p0 + fraction(reserve1, reserve0) * elapsed) % UINT256
            p1 = (p1 + fraction(reserve0, reserve1) * elapsed) % UINT256
        return p0, p1, now


def average_price(cumulative_start: int, cumulative_end: int, elapsed: int) -> int:
    """`ExampleOracleSimple.update`'s average: `uint224((end - start) / elapsed)` as a UQ112x112
    (the subtraction wraps, as the oracle's does)."""
    if elapsed <= 0:
        raise InvalidAmount("ExampleOracleSimple: PERIOD_NOT_ELAPSED: the window has no length")
    return ((cumulative_end - cumulative_start) % UINT256 // elapsed) % 2**224


def consult(price_average: int, amount_in: int) -> int:
    """`ExampleOracleSimple.consult`: `priceAverage.mul(amountIn).decode144()`, the amount out
    at the average price, rounded down."""
    if amount_in < 0:
        raise InvalidAmount(f"consult: amount_in must not be negative, got {amount_in}")
    product = price_average * amount_in
    if product >= UINT256:
        raise InvalidAmount("FixedPoint: MULTIPLICATION_OVERFLOW")
    return product >> 112

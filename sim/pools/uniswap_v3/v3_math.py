"""Uniswap V3 core math on Python integers, mirroring the Solidity libraries bit for bit.

Each function keeps its contract's name in snake_case and the same integer semantics:
floor division where Solidity divides, explicit rounding up where the contract
rounds up, `require` checks raised as typed `PoolError`s, and uint256 wraparound
only where the contract relies on it. Sources (Uniswap/v3-core, v3-periphery):

* FullMath          `mul_div`, `mul_div_rounding_up`
* UnsafeMath        `div_rounding_up`
* TickMath          `get_sqrt_ratio_at_tick`, `get_tick_at_sqrt_ratio`
* SqrtPriceMath     `get_next_sqrt_price_from_input` / `_output`, `get_amount0_delta`, ...
* SwapMath          `compute_swap_step`
* LiquidityMath     `add_delta`
* Tick              `tick_spacing_to_max_liquidity_per_tick`
* LiquidityAmounts  `get_liquidity_for_amounts`, `get_amounts_for_liquidity`

Prices are Q64.96 square roots: `sqrt_price_x96 = sqrt(token1 / token0) * 2**96` in raw units.
"""

from __future__ import annotations

from functools import lru_cache

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError

Q96: int = 1 << 96
Q128: int = 1 << 128
MAX_UINT128: int = (1 << 128) - 1
MAX_UINT160: int = (1 << 160) - 1
MAX_UINT256: int = (1 << 256) - 1
MIN_INT128: int = -(1 << 127)
MAX_INT128: int = (1 << 127) - 1
MAX_INT256: int = (1 << 255) - 1
MIN_INT256: int = -(1 << 255)

MIN_TICK: int = -887272
MAX_TICK: int = -MIN_TICK
MIN_SQRT_RATIO: int = 4295128739
MAX_SQRT_RATIO: int = 1461446703485210103287273052203988822378723970342

FEE_DENOMINATOR_PIPS: int = 1_000_000


# ---------------------------------------------------------------- SafeCast


def to_uint160(value: int) -> int:
    """Mirrors SafeCast.toUint160: reverts when the value does not fit in 160 bits."""
    if not 0 <= value <= MAX_UINT160:
        raise PoolError(f"value {value} does not fit in uint160 (a sqrt price overflowed)")
    return value


def to_int128(value: int) -> int:
    """Mirrors SafeCast.toInt128: reverts when the value does not fit in int128."""
    if not MIN_INT128 <= value <= MAX_INT128:
        raise InvalidAmount(f"liquidity {value} does not fit in int128")
    return value


def to_int256(value: int) -> int:
    """Mirrors SafeCast.toInt256: reverts when the value does not fit in int256."""
    if value > MAX_INT256:
        raise InvalidAmount(f"amount {value} does not fit in int256")
    return value


# ---------------------------------------------------------------- FullMath / UnsafeMath


def mul_div(a: int, b: int, denominator: int) -> int:
    """Mirrors FullMath.mulDiv: floor(a * b / denominator) with a 512-bit intermediate.

    Reverts when the denominator is zero or the result does not fit in 256 bits.
    """
    if denominator == 0:
        raise PoolError("mul_div: division by zero")
    result = a * b // denominator
    if result > MAX_UINT256:
        raise PoolError("mul_div: result does not fit in uint256")
    return result


def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """Mirrors FullMath.mulDivRoundingUp: ceil(a * b / denominator), reverting on overflow."""
    if denominator == 0:
        raise PoolError("mul_div_rounding_up: division by zero")
    result = -(-(a * b) // denominator)
    if result > MAX_UINT256:
        raise PoolError("mul_div_rounding_up: result does not fit in uint256")
    return result


def div_rounding_up(x: int, y: int) -> int:
    """Mirrors UnsafeMath.divRoundingUp: ceil(x / y); like the EVM, division by zero gives 0."""
    if y == 0:
        return 0
    return -(-x // y)


# ---------------------------------------------------------------- LiquidityMath


def add_delta(x: int, y: int) -> int:
    """Mirrors LiquidityMath.addDelta: uint128 x plus int128 y, reverting on under/overflow."""
    z = x + y
    if z < 0:
        raise InsufficientLiquidity(f"liquidity {x} cannot drop by {-y} (would go negative)")
    if z > MAX_UINT128:
        raise InvalidAmount(f"liquidity {x} + {y} overflows uint128")
    return z


# ---------------------------------------------------------------- TickMath

# Q128.128 values of 1/sqrt(1.0001)^(2^i), i = 0..19, the table TickMath multiplies together.
_TICK_FACTORS: tuple[int, ...] = (
    0xFFFCB933BD6FAD37AA2D162D1A594001,
    0xFFF97272373D413259A46990580E213A,
    0xFFF2E50F5F656932EF12357CF3C7FDCC,
    0xFFE5CACA7E10E4E61C3624EAA0941CD0,
    0xFFCB9843D60F6159C9DB58835C926644,
    0xFF973B41FA98C081472E6896DFB254C0,
    0xFF2EA16466C96A3843EC78B326B52861,
    0xFE5DEE046A99A2A811C461F1969C3053,
    0xFCBE86C7900A88AEDCFFC83B479AA3A4,
    0xF987A7253AC413176F2B074CF7815E54,
    0xF3392B0822B70005940C7A398E4B70F3,
    0xE7159475A2C29B7443B29C7FA6E889D9,
    0xD097F3BDFD2022B8845AD8F792AA5825,
    0xA9F746462D870FDF8A65DC1F90E061E5,
    0x70D869A156D2A1B890BB3DF62BAF32F7,
    0x31BE135F97D08FD981231505542FCFA6,
    0x9AA508B5B7A84E1C677DE54F3E99BC9,
    0x5D6AF8DEDB81196699C329225EE604,
    0x2216E584F5FA1EA926041BEDFE98,
    0x48A170391F7DC42444E8FA2,
)


@lru_cache(maxsize=1 << 16)
def get_sqrt_ratio_at_tick(tick: int) -> int:
    """Mirrors TickMath.getSqrtRatioAtTick: sqrt(1.0001^tick) * 2^96, rounded up, as Q64.96.

    Raises `InvalidAmount` when |tick| > MAX_TICK.
    """
    abs_tick = -tick if tick < 0 else tick
    if abs_tick > MAX_TICK:
        raise InvalidAmount(f"tick {tick} is outside [{MIN_TICK}, {MAX_TICK}]")
    ratio = _TICK_FACTORS[0] if abs_tick & 1 else Q128
    bit = 2
    for factor in _TICK_FACTORS[1:]:
        if abs_tick & bit:
            ratio = (ratio * factor) >> 128
        bit <<= 1
    if tick > 0:
        ratio = MAX_UINT256 // ratio
    # Q128.128 -> Q128.96, rounding up so that get_tick_at_sqrt_ratio stays consistent
    return (ratio >> 32) + (1 if ratio & 0xFFFFFFFF else 0)


_LOG_SQRT10001_FACTOR = 255738958999603826347141  # 2^64 / log2(sqrt(1.0001)), Q128.128 scale
_TICK_LOW_OFFSET = 3402992956809132418596140100660247210
_TICK_HIGH_OFFSET = 291339464771989622907027621153398088495


def get_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """Mirrors TickMath.getTickAtSqrtRatio: the greatest tick whose sqrt ratio is <= the input.

    Raises `InvalidAmount` unless MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO.
    """
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise InvalidAmount(
            f"sqrt price {sqrt_price_x96} is outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)"
        )
    ratio = sqrt_price_x96 << 32
    msb = ratio.bit_length() - 1  # the contract's binary search for the most significant bit
    r = ratio >> (msb - 127) if msb >= 128 else ratio << (127 - msb)
    log_2 = (msb - 128) << 64  # signed Q64.64 log2(ratio) - 128, integer part
    for shift in range(63, 49, -1):  # 14 fractional bits by repeated squaring
        r = (r * r) >> 127
        f = r >> 128
        log_2 |= f << shift
        r >>= f
    log_sqrt10001 = log_2 * _LOG_SQRT10001_FACTOR  # Q128.128
    tick_low = (log_sqrt10001 - _TICK_LOW_OFFSET) >> 128
    tick_high = (log_sqrt10001 + _TICK_HIGH_OFFSET) >> 128
    if tick_low == tick_high:
        return tick_low
    return tick_high if get_sqrt_ratio_at_tick(tick_high) <= sqrt_price_x96 else tick_low


# ---------------------------------------------------------------- Tick


def tick_spacing_to_max_liquidity_per_tick(tick_spacing: int) -> int:
    """Mirrors Tick.tickSpacingToMaxLiquidityPerTick: uint128 max split over all usable ticks."""
    if tick_spacing <= 0:
        raise InvalidAmount(f"tick spacing must be positive, got {tick_spacing}")
    max_tick = (MAX_TICK // tick_spacing) * tick_spacing
    min_tick = -max_tick  # Solidity's division truncates toward zero, so the range is symmetric
    num_ticks = (max_tick - min_tick) // tick_spacing + 1
    return MAX_UINT128 // num_ticks


# ---------------------------------------------------------------- SqrtPriceMath


def get_next_sqrt_price_from_amount0_rounding_up(
    sqrt_price_x96: int, liquidity: int, amount: int, add: bool
) -> int:
    """Mirrors SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp: price after +-amount token0.

    Computes liquidity * sqrtP / (liquidity +- amount * sqrtP), rounded up; falls back to
    liquidity / (liquidity / sqrtP +- amount) when the product overflows 256 bits.
    """
    if amount == 0:
        return sqrt_price_x96
    numerator1 = liquidity << 96
    product = amount * sqrt_price_x96
    if add:
        if product <= MAX_UINT256:
            denominator = numerator1 + product
            if denominator <= MAX_UINT256:
                return mul_div_rounding_up(numerator1, sqrt_price_x96, denominator)
        denominator1 = numerator1 // sqrt_price_x96 + amount
        if denominator1 > MAX_UINT256:
            raise PoolError("get_next_sqrt_price_from_amount0_rounding_up: overflow")
        return div_rounding_up(numerator1, denominator1) & MAX_UINT160
    if product > MAX_UINT256 or numerator1 <= product:
        raise InsufficientLiquidity(
            f"cannot take {amount} of token0 out: the liquidity in range cannot pay that much"
        )
    return to_uint160(mul_div_rounding_up(numerator1, sqrt_price_x96, numerator1 - product))


def get_next_sqrt_price_from_amount1_rounding_down(
    sqrt_price_x96: int, liquidity: int, amount: int, add: bool
) -> int:
    """Mirrors SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown: sqrtP +- amount / L."""
    if add:
        if amount <= MAX_UINT160:
            quotient = (amount << 96) // liquidity
        else:
            quotient = mul_div(amount, Q96, liquidity)
        total = sqrt_price_x96 + quotient
        if total > MAX_UINT256:
            raise PoolError("get_next_sqrt_price_from_amount1_rounding_down: overflow")
        return to_uint160(total)
    if amount <= MAX_UINT160:
        quotient = div_rounding_up(amount << 96, liquidity)
    else:
        quotient = mul_div_rounding_up(amount, Q96, liquidity)
    if sqrt_price_x96 <= quotient:
        raise InsufficientLiquidity(
            f"cannot take {amount} of token1 out: the liquidity in range cannot pay that much"
        )
    return sqrt_price_x96 - quotient


def get_next_sqrt_price_from_input(
    sqrt_price_x96: int, liquidity: int, amount_in: int, zero_for_one: bool
) -> int:
    """Mirrors SqrtPriceMath.getNextSqrtPriceFromInput: rounds so the target is never passed."""
    if sqrt_price_x96 <= 0:
        raise InvalidAmount("sqrt price must be positive")
    if liquidity <= 0:
        raise InsufficientLiquidity("no liquidity in range to swap against")
    if zero_for_one:
        return get_next_sqrt_price_from_amount0_rounding_up(
            sqrt_price_x96, liquidity, amount_in, True
        )
    return get_next_sqrt_price_from_amount1_rounding_down(
        sqrt_price_x96, liquidity, amount_in, True
    )


def get_next_sqrt_price_from_output(
    sqrt_price_x96: int, liquidity: int, amount_out: int, zero_for_one: bool
) -> int:
    """Mirrors SqrtPriceMath.getNextSqrtPriceFromOutput: rounds so the target is always reached."""
    if sqrt_price_x96 <= 0:
        raise InvalidAmount("sqrt price must be positive")
    if liquidity <= 0:
        raise InsufficientLiquidity("no liquidity in range to swap against")
    if zero_for_one:
        return get_next_sqrt_price_from_amount1_rounding_down(
            sqrt_price_x96, liquidity, amount_out, False
        )
    return get_next_sqrt_price_from_amount0_rounding_up(
        sqrt_price_x96, liquidity, amount_out, False
    )


def get_amount0_delta(
    sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool
) -> int:
    """Mirrors SqrtPriceMath.getAmount0Delta (unsigned): L * (sqrtB - sqrtA) / (sqrtA * sqrtB)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_a_x96 <= 0:
        raise InvalidAmount("sqrt price must be positive")
    numerator1 = liquidity << 96
    numerator2 = sqrt_ratio_b_x96 - sqrt_ratio_a_x96
    if round_up:
        return div_rounding_up(
            mul_div_rounding_up(numerator1, numerator2, sqrt_ratio_b_x96), sqrt_ratio_a_x96
        )
    return mul_div(numerator1, numerator2, sqrt_ratio_b_x96) // sqrt_ratio_a_x96


def get_amount1_delta(
    sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool
) -> int:
    """Mirrors SqrtPriceMath.getAmount1Delta (unsigned): L * (sqrtB - sqrtA)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if round_up:
        return mul_div_rounding_up(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)


def get_amount0_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Mirrors SqrtPriceMath.getAmount0Delta (int128 liquidity): owed up when adding, paid down."""
    if liquidity < 0:
        return -to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))


def get_amount1_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Mirrors SqrtPriceMath.getAmount1Delta (int128 liquidity): owed up when adding, paid down."""
    if liquidity < 0:
        return -to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))


# ---------------------------------------------------------------- SwapMath


def compute_swap_step(
    sqrt_ratio_current_x96: int,
    sqrt_ratio_target_x96: int,
    liquidity: int,
    amount_remaining: int,
    fee_pips: int,
) -> tuple[int, int, int, int]:
    """Mirrors SwapMath.computeSwapStep: one swap step towards a target price.

    Returns `(sqrt_ratio_next_x96, amount_in, amount_out, fee_amount)`. `amount_remaining`
    is positive for exact input and negative for exact output; the direction
    (zero for one) is inferred from current >= target.
    """
    zero_for_one = sqrt_ratio_current_x96 >= sqrt_ratio_target_x96
    exact_in = amount_remaining >= 0
    amount_in = 0
    amount_out = 0

    if exact_in:
        amount_remaining_less_fee = mul_div(
            amount_remaining, FEE_DENOMINATOR_PIPS - fee_pips, FEE_DENOMINATOR_PIPS
        )
        if zero_for_one:
            amount_in = get_amount0_delta(
                sqrt_ratio_target_x96, sqrt_ratio_current_x96, liquidity, True
            )
        else:
            amount_in = get_amount1_delta(
                sqrt_ratio_current_x96, sqrt_ratio_target_x96, liquidity, True
            )
        if amount_remaining_less_fee >= amount_in:
            sqrt_ratio_next_x96 = sqrt_ratio_target_x96
        else:
            sqrt_ratio_next_x96 = get_next_sqrt_price_from_input(
                sqrt_ratio_current_x96, liquidity, amount_remaining_less_fee, zero_for_one
            )
    else:
        if zero_for_one:
            amount_out = get_amount1_delta(
                sqrt_ratio_target_x96, sqrt_ratio_current_x96, liquidity, False
            )
        else:
            amount_out = get_amount0_delta(
                sqrt_ratio_current_x96, sqrt_ratio_target_x96, liquidity, False
            )
        if -amount_remaining >= amount_out:
            sqrt_ratio_next_x96 = sqrt_ratio_target_x96
        else:
            sqrt_ratio_next_x96 = get_next_sqrt_price_from_output(
                sqrt_ratio_current_x96, liquidity, -amount_remaining, zero_for_one
            )

    reached_target = sqrt_ratio_target_x96 == sqrt_ratio_next_x96

    if zero_for_one:
        if not (reached_target and exact_in):
            amount_in = get_amount0_delta(
                sqrt_ratio_next_x96, sqrt_ratio_current_x96, liquidity, True
            )
        if not (reached_target and not exact_in):
            amount_out = get_amount1_delta(
                sqrt_ratio_next_x96, sqrt_ratio_current_x96, liquidity, False
            )
    else:
        if not (reached_target and exact_in):
            amount_in = get_amount1_delta(
                sqrt_ratio_current_x96, sqrt_ratio_next_x96, liquidity, True
            )
        if not (reached_target and not exact_in):
            amount_out = get_amount0_delta(
                sqrt_ratio_current_x96, sqrt_ratio_next_x96, liquidity, False
            )

    # cap the output amount to not exceed the remaining output amount
    if not exact_in and amount_out > -amount_remaining:
        amount_out = -amount_remaining

    if exact_in and sqrt_ratio_next_x96 != sqrt_ratio_target_x96:
        # the target was not reached, so the remainder of the maximum input is the fee
        fee_amount = amount_remaining - amount_in
    else:
        fee_amount = mul_div_rounding_up(amount_in, fee_pips, FEE_DENOMINATOR_PIPS - fee_pips)
    return sqrt_ratio_next_x96, amount_in, amount_out, fee_amount


# ---------------------------------------------------------------- LiquidityAmounts (periphery)


def _to_uint128(value: int) -> int:
    if value > MAX_UINT128:
        raise InvalidAmount(f"liquidity {value} does not fit in uint128")
    return value


def get_liquidity_for_amount0(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, amount0: int) -> int:
    """Mirrors LiquidityAmounts.getLiquidityForAmount0: a0 * sqrtA * sqrtB / (sqrtB - sqrtA)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    intermediate = mul_div(sqrt_ratio_a_x96, sqrt_ratio_b_x96, Q96)
    return _to_uint128(mul_div(amount0, intermediate, sqrt_ratio_b_x96 - sqrt_ratio_a_x96))


def get_liquidity_for_amount1(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, amount1: int) -> int:
    """Mirrors LiquidityAmounts.getLiquidityForAmount1: amount1 / (sqrtB - sqrtA)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return _to_uint128(mul_div(amount1, Q96, sqrt_ratio_b_x96 - sqrt_ratio_a_x96))


def get_liquidity_for_amounts(
    sqrt_ratio_x96: int,
    sqrt_ratio_a_x96: int,
    sqrt_ratio_b_x96: int,
    amount0: int,
    amount1: int,
) -> int:
    """Mirrors LiquidityAmounts.getLiquidityForAmounts: most liquidity both amounts can fund."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_x96 <= sqrt_ratio_a_x96:
        return get_liquidity_for_amount0(sqrt_ratio_a_x96, sqrt_ratio_b_x96, amount0)
    if sqrt_ratio_x96 < sqrt_ratio_b_x96:
        liquidity0 = get_liquidity_for_amount0(sqrt_ratio_x96, sqrt_ratio_b_x96, amount0)
        liquidity1 = get_liquidity_for_amount1(sqrt_ratio_a_x96, sqrt_ratio_x96, amount1)
        return min(liquidity0, liquidity1)
    return get_liquidity_for_amount1(sqrt_ratio_a_x96, sqrt_ratio_b_x96, amount1)


def get_amount0_for_liquidity(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Mirrors LiquidityAmounts.getAmount0ForLiquidity: token0 of `liquidity` over [a, b], down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return (
        mul_div(liquidity << 96, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, sqrt_ratio_b_x96)
        // sqrt_ratio_a_x96
    )


def get_amount1_for_liquidity(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Mirrors LiquidityAmounts.getAmount1ForLiquidity: token1 of `liquidity` over [a, b], down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)


def get_amounts_for_liquidity(
    sqrt_ratio_x96: int, sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int
) -> tuple[int, int]:
    """Mirrors LiquidityAmounts.getAmountsForLiquidity: (token0, token1) value of a position."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_x96 <= sqrt_ratio_a_x96:
        return get_amount0_for_liquidity(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity), 0
    if sqrt_ratio_x96 < sqrt_ratio_b_x96:
        return (
            get_amount0_for_liquidity(sqrt_ratio_x96, sqrt_ratio_b_x96, liquidity),
            get_amount1_for_liquidity(sqrt_ratio_a_x96, sqrt_ratio_x96, liquidity),
        )
    return 0, get_amount1_for_liquidity(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity)

"""Uniswap V3 concentrated-liquidity pool, integer-exact, mirroring `UniswapV3Pool`.

State is the contract's: `sqrt_price_x96`, `tick`, `liquidity`, the global fee growth
accumulators (Q128.128, wrapping mod 2**256 like the contract's unchecked arithmetic),
`ticks` (tick -> `TickInfo`), positions keyed by `(owner, tick_lower, tick_upper)`, the
protocol fee switch and `protocol_fees`. The tick bitmap is a sorted list of initialized
ticks; `next_initialized_tick_within_one_word` reproduces the bitmap's 256-tick word
limits, so a swap takes exactly the contract's steps (and roundings).

`mint`, `burn`, `collect`, `swap`, `_modify_position`, `_update_position`, `cross`,
`get_fee_growth_inside` follow the contract. The contract learns what it was paid from
its token balances; here the pool books `balance0`/`balance1` itself: a mint adds what
the caller owes, a swap adds the input and removes the output, a collect removes what
it pays. Every call is atomic: a call that raises (a revert) leaves the state unchanged.

The `Pool` methods (`quote_exact_in`, `swap_exact_in`, `quote_exact_out`, ...) are
token-symbol wrappers. Unlike the raw `swap`, which like the contract fills what it can
up to the price limit, they raise `InsufficientLiquidity` when the pool cannot fill the
whole amount. The float helpers at the end (price <-> tick, liquidity for human amounts,
position value, `ranged_il`) are for agents and reports, never for the pool's books.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from fractions import Fraction
from math import isqrt
from operator import attrgetter, is_
from typing import Any, NamedTuple

from sim.errors import (
    InsufficientLiquidity,
    InvalidAmount,
    InvariantViolated,
    PoolError,
    SlippageExceeded,
)
from sim.pools.base import Pool, Swap
from sim.pools.uniswap_v3.v3_math import (
    FEE_DENOMINATOR_PIPS,
    MAX_INT256,
    MAX_SQRT_RATIO,
    MAX_TICK,
    MAX_UINT128,
    MAX_UINT256,
    MIN_SQRT_RATIO,
    MIN_TICK,
    Q128,
    add_delta,
    compute_swap_step,
    get_amount0_delta_signed,
    get_amount1_delta_signed,
    get_amounts_for_liquidity,
    get_liquidity_for_amounts,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
    mul_div,
    tick_spacing_to_max_liquidity_per_tick,
)

__all__ = [
    "DEFAULT_TICK_SPACING",
    "ConcentratedPool",
    "PositionInfo",
    "SwapResult",
    "TickInfo",
    "liquidity_for_human_amounts",
    "nearest_usable_tick",
    "position_amounts_human",
    "position_value_in_token1",
    "price_from_sqrt_price_x96",
    "price_to_tick",
    "ranged_il",
    "sqrt_price_x96_from_price",
    "tick_to_price",
]

#: The factory's enabled fee tiers (pips, 1e-6) and their tick spacings.
DEFAULT_TICK_SPACING: dict[int, int] = {100: 1, 500: 10, 3000: 60, 10000: 200}


@dataclass(slots=True)
class TickInfo:
    """Mirrors Tick.Info (without the oracle fields)."""

    liquidity_gross: int = 0
    liquidity_net: int = 0
    fee_growth_outside0_x128: int = 0
    fee_growth_outside1_x128: int = 0
    initialized: bool = False


@dataclass(slots=True)
class PositionInfo:
    """Mirrors Position.Info."""

    liquidity: int = 0
    fee_growth_inside0_last_x128: int = 0
    fee_growth_inside1_last_x128: int = 0
    tokens_owed0: int = 0
    tokens_owed1: int = 0


class SwapResult(NamedTuple):
    """Everything one run of the swap loop computes, before any of it is written."""

    amount0: int  # signed, as the contract: positive = the pool receives
    amount1: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    fee_growth_global_x128: int  # of the input token
    protocol_fee: int  # of the input token
    fee_amount: int  # all fees charged, in the input token (LP + protocol)
    crossings: list[tuple[int, int, int]]  # (tick, fee_growth_global0, fee_growth_global1)
    steps: int


def _check_int(what: str, value: int, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise InvalidAmount(f"{what} must be an integer in [{low}, {high}], got {value!r}")


class ConcentratedPool(Pool):
    """A Uniswap V3 pool: concentrated liquidity over tick ranges, integer-exact."""

    kind = "concentrated"

    def __init__(
        self,
        name: str,
        tokens: tuple[str, str],
        decimals: tuple[int, int],
        fee_pips: int,
        tick_spacing: int | None = None,
        sqrt_price_x96: int | None = None,
    ) -> None:
        if len(tokens) != 2 or tokens[0] == tokens[1]:
            raise InvalidAmount(f"a V3 pool needs two different tokens, got {tokens!r}")
        if len(decimals) != 2 or any(type(d) is not int or not 0 <= d <= 77 for d in decimals):
            raise InvalidAmount(f"decimals must be two integers from 0 to 77, got {decimals!r}")
        _check_int("fee_pips", fee_pips, 0, FEE_DENOMINATOR_PIPS - 1)
        if tick_spacing is None:
            if fee_pips not in DEFAULT_TICK_SPACING:
                raise InvalidAmount(
                    f"fee {fee_pips} pips is not a standard tier "
                    f"({', '.join(map(str, DEFAULT_TICK_SPACING))}); pass tick_spacing"
                )
            tick_spacing = DEFAULT_TICK_SPACING[fee_pips]
        _check_int("tick_spacing", tick_spacing, 1, 16383)  # the factory's bound
        self.name = name
        self.tokens = (tokens[0], tokens[1])
        self.decimals = (decimals[0], decimals[1])
        self.fee_pips = fee_pips
        self.tick_spacing = tick_spacing
        self.max_liquidity_per_tick = tick_spacing_to_max_liquidity_per_tick(tick_spacing)
        # slot0
        self.sqrt_price_x96 = 0
        self.tick = 0
        self.fee_protocol = 0  # token0 in the low 4 bits, token1 in the high 4 bits
        # global state
        self.fee_growth_global0_x128 = 0
        self.fee_growth_global1_x128 = 0
        self.protocol_fees: list[int] = [0, 0]
        self.liquidity = 0
        self.ticks: dict[int, TickInfo] = {}
        self.initialized_ticks: list[int] = []  # sorted; stands in for the tick bitmap
        self.positions: dict[tuple[str, int, int], PositionInfo] = {}
        # the pool's token balances (the contract reads these from the ERC20s)
        self.balance0 = 0
        self.balance1 = 0
        # diagnostics of the last executed swap (e.g. for gas models)
        self.last_swap_steps = 0
        self.last_swap_ticks_crossed = 0
        self.last_swap_fee_amount = 0  # in the input token, LP and protocol share
        if sqrt_price_x96 is not None:
            self.initialize(sqrt_price_x96)

    @classmethod
    def from_price(
        cls,
        name: str,
        tokens: tuple[str, str],
        decimals: tuple[int, int],
        fee_pips: int,
        price: float,
        tick_spacing: int | None = None,
    ) -> ConcentratedPool:
        """A pool initialised at `price` whole token1 per whole token0."""
        return cls(
            name,
            tokens,
            decimals,
            fee_pips,
            tick_spacing,
            sqrt_price_x96_from_price(price, decimals[0], decimals[1]),
        )

    def __repr__(self) -> str:
        return (
            f"ConcentratedPool({self.name!r}, {self.tokens[0]}/{self.tokens[1]}, "
            f"fee={self.fee_pips}pips, tick={self.tick}, liquidity={self.liquidity})"
        )

    # ------------------------------------------------------------ contract mirror

    def initialize(self, sqrt_price_x96: int) -> None:
        """Mirrors UniswapV3Pool.initialize: set the starting price once."""
        if self.sqrt_price_x96 != 0:
            raise PoolError(f"pool {self.name!r} is already initialized")
        if type(sqrt_price_x96) is not int:
            raise InvalidAmount(f"sqrt_price_x96 must be an integer, got {sqrt_price_x96!r}")
        self.tick = get_tick_at_sqrt_ratio(sqrt_price_x96)
        self.sqrt_price_x96 = sqrt_price_x96

    def _require_initialized(self) -> None:
        if self.sqrt_price_x96 == 0:
            raise PoolError(f"pool {self.name!r} has no price yet: call initialize() first")

    def set_fee_protocol(self, fee_protocol0: int, fee_protocol1: int) -> None:
        """Mirrors UniswapV3Pool.setFeeProtocol: protocol takes 1/n of fees (n = 0 or 4..10)."""
        for value in (fee_protocol0, fee_protocol1):
            if type(value) is not int or not (value == 0 or 4 <= value <= 10):
                raise InvalidAmount(f"a protocol fee must be 0 or 4..10 (1/n), got {value!r}")
        self.fee_protocol = fee_protocol0 + (fee_protocol1 << 4)

    def collect_protocol(self, amount0_requested: int, amount1_requested: int) -> tuple[int, int]:
        """Mirrors UniswapV3Pool.collectProtocol (which leaves 1 wei in a non-empty slot)."""
        _check_int("amount0_requested", amount0_requested, 0, MAX_UINT128)
        _check_int("amount1_requested", amount1_requested, 0, MAX_UINT128)
        amount0 = min(amount0_requested, self.protocol_fees[0])
        amount1 = min(amount1_requested, self.protocol_fees[1])
        if amount0 > 0:
            if amount0 == self.protocol_fees[0]:
                amount0 -= 1  # the contract keeps the storage slot warm
            self.protocol_fees[0] -= amount0
        if amount1 > 0:
            if amount1 == self.protocol_fees[1]:
                amount1 -= 1
            self.protocol_fees[1] -= amount1
        self._pay(amount0, amount1)
        return amount0, amount1

    def _check_ticks(self, tick_lower: int, tick_upper: int) -> None:
        """Mirrors UniswapV3Pool.checkTicks, plus TickBitmap.flipTick's spacing check."""
        if type(tick_lower) is not int or type(tick_upper) is not int:
            raise InvalidAmount(f"ticks must be integers, got {tick_lower!r}, {tick_upper!r}")
        if not tick_lower < tick_upper:
            raise InvalidAmount(f"tick_lower {tick_lower} must be below tick_upper {tick_upper}")
        if tick_lower < MIN_TICK or tick_upper > MAX_TICK:
            raise InvalidAmount(
                f"ticks [{tick_lower}, {tick_upper}] must lie within [{MIN_TICK}, {MAX_TICK}]"
            )
        if tick_lower % self.tick_spacing or tick_upper % self.tick_spacing:
            raise InvalidAmount(
                f"ticks {tick_lower} and {tick_upper} must be multiples of the pool's tick "
                f"spacing {self.tick_spacing} (see nearest_usable_tick)"
            )

    def get_fee_growth_inside(self, tick_lower: int, tick_upper: int) -> tuple[int, int]:
        """Mirrors Tick.getFeeGrowthInside at the current tick and global fee growth."""
        empty = TickInfo()
        lower = self.ticks.get(tick_lower, empty)
        upper = self.ticks.get(tick_upper, empty)
        global0 = self.fee_growth_global0_x128
        global1 = self.fee_growth_global1_x128
        if self.tick >= tick_lower:
            below0, below1 = lower.fee_growth_outside0_x128, lower.fee_growth_outside1_x128
        else:
            below0 = global0 - lower.fee_growth_outside0_x128
            below1 = global1 - lower.fee_growth_outside1_x128
        if self.tick < tick_upper:
            above0, above1 = upper.fee_growth_outside0_x128, upper.fee_growth_outside1_x128
        else:
            above0 = global0 - upper.fee_growth_outside0_x128
            above1 = global1 - upper.fee_growth_outside1_x128
        return (global0 - below0 - above0) & MAX_UINT256, (global1 - below1 - above1) & MAX_UINT256

    def _update_tick(self, tick: int, tick_current: int, liquidity_delta: int, upper: bool) -> bool:
        """Mirrors Tick.update; returns whether the tick flipped (un)initialized."""
        info = self.ticks.get(tick)
        if info is None:
            info = self.ticks[tick] = TickInfo()
        gross_before = info.liquidity_gross
        gross_after = add_delta(gross_before, liquidity_delta)
        if gross_after > self.max_liquidity_per_tick:
            raise InvalidAmount(f"tick {tick} would exceed the maximum liquidity per tick")
        flipped = (gross_after == 0) != (gross_before == 0)
        if gross_before == 0:
            # by convention, all growth before a tick was initialized happened below it
            if tick <= tick_current:
                info.fee_growth_outside0_x128 = self.fee_growth_global0_x128
                info.fee_growth_outside1_x128 = self.fee_growth_global1_x128
            info.initialized = True
        info.liquidity_gross = gross_after
        info.liquidity_net += -liquidity_delta if upper else liquidity_delta
        return flipped

    def _flip_tick(self, tick: int) -> None:
        """Mirrors TickBitmap.flipTick on the sorted list of initialized ticks."""
        i = bisect_left(self.initialized_ticks, tick)
        if i < len(self.initialized_ticks) and self.initialized_ticks[i] == tick:
            del self.initialized_ticks[i]
        else:
            insort(self.initialized_ticks, tick)

    def next_initialized_tick_within_one_word(self, tick: int, lte: bool) -> tuple[int, bool]:
        """Mirrors TickBitmap.nextInitializedTickWithinOneWord, including its 256-tick words.

        Returns `(next_tick, initialized)`: the next initialized tick at or left of
        `tick` (lte) or strictly right of it, if one lies in the same bitmap word,
        else the word's edge with `initialized` False.
        """
        spacing = self.tick_spacing
        ticks = self.initialized_ticks
        compressed = tick // spacing  # floor, as the contract's round toward -infinity
        if lte:
            word_start = ((compressed >> 8) << 8) * spacing
            i = bisect_right(ticks, compressed * spacing) - 1
            if i >= 0 and ticks[i] >= word_start:
                return ticks[i], True
            return word_start, False
        nxt = compressed + 1
        word_end = (((nxt >> 8) << 8) + 255) * spacing
        i = bisect_left(ticks, nxt * spacing)
        if i < len(ticks) and ticks[i] <= word_end:
            return ticks[i], True
        return word_end, False

    def _update_position_info(
        self,
        position: PositionInfo,
        liquidity_delta: int,
        fee_growth_inside0_x128: int,
        fee_growth_inside1_x128: int,
    ) -> None:
        """Mirrors Position.update: credit fees earned since the last touch, apply the delta."""
        if liquidity_delta == 0:
            if position.liquidity == 0:
                raise InvalidAmount("cannot poke a position with no liquidity")
            liquidity_next = position.liquidity
        else:
            liquidity_next = add_delta(position.liquidity, liquidity_delta)
        owed0 = (
            mul_div(
                (fee_growth_inside0_x128 - position.fee_growth_inside0_last_x128) & MAX_UINT256,
                position.liquidity,
                Q128,
            )
            & MAX_UINT128
        )
        owed1 = (
            mul_div(
                (fee_growth_inside1_x128 - position.fee_growth_inside1_last_x128) & MAX_UINT256,
                position.liquidity,
                Q128,
            )
            & MAX_UINT128
        )
        if liquidity_delta != 0:
            position.liquidity = liquidity_next
        position.fee_growth_inside0_last_x128 = fee_growth_inside0_x128
        position.fee_growth_inside1_last_x128 = fee_growth_inside1_x128
        if owed0 > 0 or owed1 > 0:
            # overflow is acceptable in the contract: owners must collect before 2**128
            position.tokens_owed0 = (position.tokens_owed0 + owed0) & MAX_UINT128
            position.tokens_owed1 = (position.tokens_owed1 + owed1) & MAX_UINT128

    def _update_position(
        self, owner: str, tick_lower: int, tick_upper: int, liquidity_delta: int, tick: int
    ) -> PositionInfo:
        """Mirrors UniswapV3Pool._updatePosition: update both ticks, the bitmap and the position."""
        key = (owner, tick_lower, tick_upper)
        position = self.positions.get(key)
        if position is None:
            position = self.positions[key] = PositionInfo()
        flipped_lower = flipped_upper = False
        if liquidity_delta != 0:
            flipped_lower = self._update_tick(tick_lower, tick, liquidity_delta, False)
            flipped_upper = self._update_tick(tick_upper, tick, liquidity_delta, True)
            if flipped_lower:
                self._flip_tick(tick_lower)
            if flipped_upper:
                self._flip_tick(tick_upper)
        inside0, inside1 = self.get_fee_growth_inside(tick_lower, tick_upper)
        self._update_position_info(position, liquidity_delta, inside0, inside1)
        if liquidity_delta < 0:  # clear tick data that is no longer needed
            if flipped_lower:
                del self.ticks[tick_lower]
            if flipped_upper:
                del self.ticks[tick_upper]
        return position

    def _precheck_modify(
        self, owner: str, tick_lower: int, tick_upper: int, liquidity_delta: int
    ) -> None:
        """Raise every revert `_modify_position` could hit before anything is written."""
        position = self.positions.get((owner, tick_lower, tick_upper))
        position_liquidity = position.liquidity if position is not None else 0
        if liquidity_delta == 0:
            if position_liquidity == 0:
                raise InvalidAmount(
                    f"{owner!r} has no liquidity in [{tick_lower}, {tick_upper}] to update"
                )
            return
        if position_liquidity + liquidity_delta < 0:
            raise InsufficientLiquidity(
                f"{owner!r} holds {position_liquidity} liquidity in [{tick_lower}, {tick_upper}], "
                f"cannot burn {-liquidity_delta}"
            )
        add_delta(position_liquidity, liquidity_delta)
        for t in (tick_lower, tick_upper):
            info = self.ticks.get(t)
            gross = add_delta(info.liquidity_gross if info else 0, liquidity_delta)
            if gross > self.max_liquidity_per_tick:
                raise InvalidAmount(
                    f"tick {t} would hold {gross} liquidity, above the maximum per tick "
                    f"{self.max_liquidity_per_tick}"
                )
        if tick_lower <= self.tick < tick_upper:
            add_delta(self.liquidity, liquidity_delta)

    def _modify_position(
        self, owner: str, tick_lower: int, tick_upper: int, liquidity_delta: int
    ) -> tuple[PositionInfo, int, int]:
        """Mirrors UniswapV3Pool._modifyPosition: returns (position, amount0, amount1) owed to
        the pool (negative: owed by the pool)."""
        self._require_initialized()
        self._check_ticks(tick_lower, tick_upper)
        self._precheck_modify(owner, tick_lower, tick_upper, liquidity_delta)
        tick = self.tick
        position = self._update_position(owner, tick_lower, tick_upper, liquidity_delta, tick)
        amount0 = amount1 = 0
        if liquidity_delta != 0:
            sqrt_a = get_sqrt_ratio_at_tick(tick_lower)
            sqrt_b = get_sqrt_ratio_at_tick(tick_upper)
            if tick < tick_lower:
                # below the range: it can only come into range from the left, needing token0
                amount0 = get_amount0_delta_signed(sqrt_a, sqrt_b, liquidity_delta)
            elif tick < tick_upper:
                amount0 = get_amount0_delta_signed(self.sqrt_price_x96, sqrt_b, liquidity_delta)
                amount1 = get_amount1_delta_signed(sqrt_a, self.sqrt_price_x96, liquidity_delta)
                self.liquidity = add_delta(self.liquidity, liquidity_delta)
            else:
                amount1 = get_amount1_delta_signed(sqrt_a, sqrt_b, liquidity_delta)
        return position, amount0, amount1

    def mint(self, owner: str, tick_lower: int, tick_upper: int, amount: int) -> tuple[int, int]:
        """Mirrors UniswapV3Pool.mint: add `amount` liquidity; returns the tokens the caller pays.

        Amounts are rounded up (in the pool's favour). The pool books them as received.
        """
        _check_int("mint amount (liquidity)", amount, 1, MAX_UINT128 >> 1)
        _, amount0, amount1 = self._modify_position(owner, tick_lower, tick_upper, amount)
        self.balance0 += amount0
        self.balance1 += amount1
        return amount0, amount1

    def burn(self, owner: str, tick_lower: int, tick_upper: int, amount: int) -> tuple[int, int]:
        """Mirrors UniswapV3Pool.burn: remove liquidity and credit tokens_owed (collect pays).

        `amount` 0 only updates the fees owed. Returns the token amounts credited
        (rounded down), not counting fees.
        """
        _check_int("burn amount (liquidity)", amount, 0, MAX_UINT128 >> 1)
        position, amount0, amount1 = self._modify_position(owner, tick_lower, tick_upper, -amount)
        amount0, amount1 = -amount0, -amount1
        if amount0 > 0 or amount1 > 0:
            position.tokens_owed0 = (position.tokens_owed0 + amount0) & MAX_UINT128
            position.tokens_owed1 = (position.tokens_owed1 + amount1) & MAX_UINT128
        return amount0, amount1

    def collect(
        self,
        owner: str,
        tick_lower: int,
        tick_upper: int,
        amount0_requested: int,
        amount1_requested: int,
    ) -> tuple[int, int]:
        """Mirrors UniswapV3Pool.collect: pay out up to the requested tokens owed."""
        _check_int("amount0_requested", amount0_requested, 0, MAX_UINT128)
        _check_int("amount1_requested", amount1_requested, 0, MAX_UINT128)
        key = (owner, tick_lower, tick_upper)
        position = self.positions.get(key)
        if position is None:
            return 0, 0
        amount0 = min(amount0_requested, position.tokens_owed0)
        amount1 = min(amount1_requested, position.tokens_owed1)
        self._pay(amount0, amount1)
        position.tokens_owed0 -= amount0
        position.tokens_owed1 -= amount1
        if position.liquidity == 0 and position.tokens_owed0 == 0 and position.tokens_owed1 == 0:
            del self.positions[key]  # an empty position: same as an unset mapping entry
        return amount0, amount1

    def _pay(self, amount0: int, amount1: int) -> None:
        if amount0 > self.balance0 or amount1 > self.balance1:
            raise InvariantViolated(
                f"pool {self.name!r} would pay {amount0}, {amount1} but holds only "
                f"{self.balance0}, {self.balance1} (a bug in the pool math)"
            )
        self.balance0 -= amount0
        self.balance1 -= amount1

    def _check_price_limit(self, zero_for_one: bool, sqrt_price_limit_x96: int) -> None:
        """The contract's SPL check on the swap's price limit."""
        if type(sqrt_price_limit_x96) is not int:
            raise InvalidAmount(f"price limit must be an integer, got {sqrt_price_limit_x96!r}")
        if zero_for_one:
            if not MIN_SQRT_RATIO < sqrt_price_limit_x96 < self.sqrt_price_x96:
                raise InvalidAmount(
                    f"price limit {sqrt_price_limit_x96} must lie strictly between "
                    f"MIN_SQRT_RATIO and the current sqrt price {self.sqrt_price_x96} "
                    "when selling token0 (the price falls)"
                )
        elif not self.sqrt_price_x96 < sqrt_price_limit_x96 < MAX_SQRT_RATIO:
            raise InvalidAmount(
                f"price limit {sqrt_price_limit_x96} must lie strictly between the current "
                f"sqrt price {self.sqrt_price_x96} and MAX_SQRT_RATIO "
                "when selling token1 (the price rises)"
            )

    def _compute_swap(
        self,
        zero_for_one: bool,
        amount_specified: int,
        sqrt_price_limit_x96: int,
        stop_when_dry: bool = False,
    ) -> SwapResult:
        """Mirrors the loop of UniswapV3Pool.swap, computed without writing any state.

        With `stop_when_dry` the loop ends early once no liquidity is left in the swap's
        direction (the contract would walk on, word by word, swapping nothing).
        """
        self._require_initialized()
        if type(amount_specified) is not int or amount_specified == 0:
            raise InvalidAmount(f"swap amount must be a non-zero integer, got {amount_specified!r}")
        if not -MAX_INT256 <= amount_specified <= MAX_INT256:
            raise InvalidAmount(f"swap amount {amount_specified} does not fit in int256")
        self._check_price_limit(zero_for_one, sqrt_price_limit_x96)

        exact_input = amount_specified > 0
        fee_pips = self.fee_pips
        fee_protocol = self.fee_protocol % 16 if zero_for_one else self.fee_protocol >> 4
        ticks = self.ticks
        global0 = self.fee_growth_global0_x128
        global1 = self.fee_growth_global1_x128
        fee_growth = global0 if zero_for_one else global1
        remaining = amount_specified
        calculated = 0
        sqrt_price = self.sqrt_price_x96
        tick = self.tick
        liquidity = self.liquidity
        protocol_fee = 0
        fee_total = 0
        steps = 0
        crossings: list[tuple[int, int, int]] = []
        next_tick = self.next_initialized_tick_within_one_word

        while remaining != 0 and sqrt_price != sqrt_price_limit_x96:
            if stop_when_dry and liquidity == 0 and not self._has_ticks_beyond(tick, zero_for_one):
                break
            steps += 1
            sqrt_price_start = sqrt_price
            tick_next, initialized = next_tick(tick, zero_for_one)
            if tick_next < MIN_TICK:
                tick_next = MIN_TICK
            elif tick_next > MAX_TICK:
                tick_next = MAX_TICK
            sqrt_price_next = get_sqrt_ratio_at_tick(tick_next)
            if zero_for_one:
                target = (
                    sqrt_price_limit_x96
                    if sqrt_price_next < sqrt_price_limit_x96
                    else (sqrt_price_next)
                )
            else:
                target = (
                    sqrt_price_limit_x96
                    if sqrt_price_next > sqrt_price_limit_x96
                    else (sqrt_price_next)
                )
            sqrt_price, amount_in, amount_out, fee_amount = compute_swap_step(
                sqrt_price, target, liquidity, remaining, fee_pips
            )
            if exact_input:
                remaining -= amount_in + fee_amount
                calculated -= amount_out
            else:
                remaining += amount_out
                calculated += amount_in + fee_amount
            fee_total += fee_amount
            if fee_protocol > 0:
                delta = fee_amount // fee_protocol
                fee_amount -= delta
                protocol_fee += delta
            if liquidity > 0:
                fee_growth = (fee_growth + mul_div(fee_amount, Q128, liquidity)) & MAX_UINT256
            if sqrt_price == sqrt_price_next:
                if initialized:
                    if zero_for_one:
                        crossings.append((tick_next, fee_growth, global1))
                        liquidity = add_delta(liquidity, -ticks[tick_next].liquidity_net)
                    else:
                        crossings.append((tick_next, global0, fee_growth))
                        liquidity = add_delta(liquidity, ticks[tick_next].liquidity_net)
                tick = tick_next - 1 if zero_for_one else tick_next
            elif sqrt_price != sqrt_price_start:
                tick = get_tick_at_sqrt_ratio(sqrt_price)

        if zero_for_one == exact_input:
            amount0, amount1 = amount_specified - remaining, calculated
        else:
            amount0, amount1 = calculated, amount_specified - remaining
        return SwapResult(
            amount0,
            amount1,
            sqrt_price,
            tick,
            liquidity,
            fee_growth,
            protocol_fee,
            fee_total,
            crossings,
            steps,
        )

    def _has_ticks_beyond(self, tick: int, zero_for_one: bool) -> bool:
        """Whether any initialized tick lies in the swap's direction from `tick`."""
        ticks = self.initialized_ticks
        if not ticks:
            return False
        return ticks[0] <= tick if zero_for_one else ticks[-1] > tick

    def cross(self, tick: int, fee_growth_global0_x128: int, fee_growth_global1_x128: int) -> int:
        """Mirrors Tick.cross: flip the tick's outside fee growth; returns its liquidity_net."""
        info = self.ticks[tick]
        info.fee_growth_outside0_x128 = (
            fee_growth_global0_x128 - info.fee_growth_outside0_x128
        ) & MAX_UINT256
        info.fee_growth_outside1_x128 = (
            fee_growth_global1_x128 - info.fee_growth_outside1_x128
        ) & MAX_UINT256
        return info.liquidity_net

    def _commit_swap(self, zero_for_one: bool, result: SwapResult) -> None:
        """Write a computed swap: crossings, slot0, liquidity, fee growth, balances."""
        amount0, amount1 = result.amount0, result.amount1
        # the pool pays the output before the callback pays the input
        paid0 = -amount0 if amount0 < 0 else 0
        paid1 = -amount1 if amount1 < 0 else 0
        if paid0 > self.balance0 or paid1 > self.balance1:
            raise InvariantViolated(
                f"swap would pay {paid0}, {paid1} but pool {self.name!r} holds only "
                f"{self.balance0}, {self.balance1} (a bug in the pool math)"
            )
        for tick, global0, global1 in result.crossings:
            self.cross(tick, global0, global1)
        self.sqrt_price_x96 = result.sqrt_price_x96
        self.tick = result.tick
        self.liquidity = result.liquidity
        if zero_for_one:
            self.fee_growth_global0_x128 = result.fee_growth_global_x128
            self.protocol_fees[0] = (self.protocol_fees[0] + result.protocol_fee) & MAX_UINT128
        else:
            self.fee_growth_global1_x128 = result.fee_growth_global_x128
            self.protocol_fees[1] = (self.protocol_fees[1] + result.protocol_fee) & MAX_UINT128
        self.balance0 += amount0
        self.balance1 += amount1
        self.last_swap_steps = result.steps
        self.last_swap_ticks_crossed = len(result.crossings)
        self.last_swap_fee_amount = result.fee_amount

    def swap(
        self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int
    ) -> tuple[int, int]:
        """Mirrors UniswapV3Pool.swap: returns the signed (amount0, amount1) of the pool.

        Positive amounts are paid to the pool, negative ones paid out. Exact input when
        `amount_specified` > 0, exact output when < 0. Stops at the price limit,
        possibly before the whole amount is swapped (as the contract does).
        """
        result = self._compute_swap(zero_for_one, amount_specified, sqrt_price_limit_x96)
        self._commit_swap(zero_for_one, result)
        return result.amount0, result.amount1

    # ------------------------------------------------------------ Pool interface

    @property
    def fee_bps(self) -> float:
        """Swap fee in basis points (1 bp = 100 pips)."""
        return self.fee_pips / 100

    def _direction(self, token_in: str, token_out: str) -> bool:
        """zero_for_one for a token_in -> token_out trade."""
        i_in, i_out = self.index(token_in), self.index(token_out)
        if i_in == i_out:
            raise InvalidAmount(f"cannot swap {token_in} for itself in pool {self.name!r}")
        return i_in == 0

    @staticmethod
    def _extreme_limit(zero_for_one: bool) -> int:
        return MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1

    def _exact_in(self, token_in: str, token_out: str, amount_in: int) -> tuple[bool, SwapResult]:
        zero_for_one = self._direction(token_in, token_out)
        if type(amount_in) is not int or amount_in <= 0:
            raise InvalidAmount(f"amount_in must be a positive integer, got {amount_in!r}")
        result = self._compute_swap(
            zero_for_one, amount_in, self._extreme_limit(zero_for_one), stop_when_dry=True
        )
        taken = result.amount0 if zero_for_one else result.amount1
        if taken != amount_in:
            raise InsufficientLiquidity(
                f"pool {self.name!r} runs out of liquidity after taking {taken} of the "
                f"{amount_in} {token_in} offered"
            )
        return zero_for_one, result

    def quote_exact_in(self, token_in: str, token_out: str, amount_in: int) -> int:
        """Output of swapping exactly `amount_in` of `token_in`; never mutates state."""
        zero_for_one, result = self._exact_in(token_in, token_out, amount_in)
        return -(result.amount1 if zero_for_one else result.amount0)

    def swap_exact_in(
        self, token_in: str, token_out: str, amount_in: int, min_amount_out: int = 0
    ) -> Swap:
        """Swap exactly `amount_in`; raises `SlippageExceeded` below `min_amount_out`."""
        zero_for_one, result = self._exact_in(token_in, token_out, amount_in)
        amount_out = -(result.amount1 if zero_for_one else result.amount0)
        if amount_out < min_amount_out:
            raise SlippageExceeded(
                f"swap of {amount_in} {token_in} would pay {amount_out} {token_out}, "
                f"below the minimum {min_amount_out}"
            )
        self._commit_swap(zero_for_one, result)
        return Swap(token_in, token_out, amount_in, amount_out, result.fee_amount, token_in)

    def _exact_out(self, token_in: str, token_out: str, amount_out: int) -> tuple[bool, SwapResult]:
        zero_for_one = self._direction(token_in, token_out)
        if type(amount_out) is not int or amount_out <= 0:
            raise InvalidAmount(f"amount_out must be a positive integer, got {amount_out!r}")
        result = self._compute_swap(
            zero_for_one, -amount_out, self._extreme_limit(zero_for_one), stop_when_dry=True
        )
        got = -(result.amount1 if zero_for_one else result.amount0)
        if got != amount_out:
            raise InsufficientLiquidity(
                f"pool {self.name!r} can pay only {got} of the {amount_out} {token_out} asked"
            )
        return zero_for_one, result

    def quote_exact_out(self, token_in: str, token_out: str, amount_out: int) -> int:
        """Input of `token_in` (fee included) needed to receive exactly `amount_out`."""
        zero_for_one, result = self._exact_out(token_in, token_out, amount_out)
        return result.amount0 if zero_for_one else result.amount1

    def swap_exact_out(
        self, token_in: str, token_out: str, amount_out: int, max_amount_in: int | None = None
    ) -> Swap:
        """Swap for exactly `amount_out`; raises `SlippageExceeded` above `max_amount_in`."""
        zero_for_one, result = self._exact_out(token_in, token_out, amount_out)
        amount_in = result.amount0 if zero_for_one else result.amount1
        if max_amount_in is not None and amount_in > max_amount_in:
            raise SlippageExceeded(
                f"buying {amount_out} {token_out} would cost {amount_in} {token_in}, "
                f"above the maximum {max_amount_in}"
            )
        self._commit_swap(zero_for_one, result)
        return Swap(token_in, token_out, amount_in, amount_out, result.fee_amount, token_in)

    def holdings(self) -> dict[str, int]:
        """The pool's token balances: liquidity, uncollected fees, tokens owed, protocol fees."""
        return {self.tokens[0]: self.balance0, self.tokens[1]: self.balance1}

    def spot_price(self, base: str, quote: str) -> float:
        """Marginal price of one whole `base` in whole `quote` tokens, fee excluded."""
        if self.index(base) == self.index(quote):
            raise InvalidAmount(f"spot price of {base} in itself is meaningless")
        self._require_initialized()
        price0 = price_from_sqrt_price_x96(self.sqrt_price_x96, *self.decimals)
        return price0 if self.index(base) == 0 else 1.0 / price0

    def arb_amount_in(self, token_in: str, token_out: str, price_in_per_out: float) -> int:
        """Exact input that moves the pool to the fee-adjusted reference price (0 if none pays).

        Selling `token_in` pays while the pool's marginal output, (1 - fee) times its
        price, beats the reference; the optimum stops where they are equal. The input is
        found by running the swap loop (read-only) with that price as the limit.
        """
        zero_for_one = self._direction(token_in, token_out)
        if not (isinstance(price_in_per_out, int | float) and 0 < price_in_per_out < math.inf):
            raise InvalidAmount(f"reference price must be positive, got {price_in_per_out!r}")
        self._require_initialized()
        keep = (FEE_DENOMINATOR_PIPS - self.fee_pips) / FEE_DENOMINATOR_PIPS
        # target price of token0 in token1 (human units) where the marginal trade breaks even
        target = 1.0 / (keep * price_in_per_out) if zero_for_one else keep * price_in_per_out
        try:
            sqrt_target = sqrt_price_x96_from_price(target, *self.decimals)
        except (InvalidAmount, OverflowError, ZeroDivisionError):
            sqrt_target = 0 if zero_for_one else MAX_SQRT_RATIO
        if zero_for_one:
            limit = max(sqrt_target, MIN_SQRT_RATIO + 1)
            if limit >= self.sqrt_price_x96:
                return 0
        else:
            limit = min(sqrt_target, MAX_SQRT_RATIO - 1)
            if limit <= self.sqrt_price_x96:
                return 0
        result = self._compute_swap(zero_for_one, MAX_INT256, limit, stop_when_dry=True)
        amount_in = result.amount0 if zero_for_one else result.amount1
        amount_out = -(result.amount1 if zero_for_one else result.amount0)
        if amount_in <= 0:
            return 0
        d_in = 10 ** self.decimals[0 if zero_for_one else 1]
        d_out = 10 ** self.decimals[1 if zero_for_one else 0]
        if amount_out * price_in_per_out * d_in / d_out <= amount_in:
            return 0
        return amount_in

    # ------------------------------------------------------------ views for agents

    def position(self, owner: str, tick_lower: int, tick_upper: int) -> PositionInfo:
        """The position's record (an empty one if it does not exist); do not mutate it."""
        return self.positions.get((owner, tick_lower, tick_upper), PositionInfo())

    def position_amounts(self, owner: str, tick_lower: int, tick_upper: int) -> tuple[int, int]:
        """Tokens a full burn of the position would credit now (rounded down, fees excluded)."""
        liquidity = self.position(owner, tick_lower, tick_upper).liquidity
        return get_amounts_for_liquidity(
            self.sqrt_price_x96,
            get_sqrt_ratio_at_tick(tick_lower),
            get_sqrt_ratio_at_tick(tick_upper),
            liquidity,
        )

    def liquidity_for_amounts(
        self, tick_lower: int, tick_upper: int, amount0: int, amount1: int
    ) -> int:
        """Most liquidity `amount0` and `amount1` (raw units) can mint over the range now."""
        self._require_initialized()
        self._check_ticks(tick_lower, tick_upper)
        return get_liquidity_for_amounts(
            self.sqrt_price_x96,
            get_sqrt_ratio_at_tick(tick_lower),
            get_sqrt_ratio_at_tick(tick_upper),
            amount0,
            amount1,
        )

    # ------------------------------------------------------------ snapshot / restore

    _TICK_FIELDS = (
        "liquidity_gross",
        "liquidity_net",
        "fee_growth_outside0_x128",
        "fee_growth_outside1_x128",
        "initialized",
    )
    _POSITION_FIELDS = (
        "liquidity",
        "fee_growth_inside0_last_x128",
        "fee_growth_inside1_last_x128",
        "tokens_owed0",
        "tokens_owed1",
    )
    _tick_state = attrgetter(*_TICK_FIELDS)
    _position_state = attrgetter(*_POSITION_FIELDS)

    def snapshot(self) -> Any:
        """An exact copy of the pool's state for `restore`, without copying any object.

        Scalars (slot0, liquidity, fee growth, balances) are immutable ints, kept by
        reference; `protocol_fees` and the tick list are copied; the `ticks` and
        `positions` dicts are copied (their keys and record objects), and of each
        record, mutated in place by a swap (a crossing rewrites a tick's fee growth
        outside) or by mint/burn/collect, the field values are read into tuples by
        `attrgetter`, in C. Exact for every call, not only swaps.
        """
        ticks, positions = self.ticks, self.positions
        return (
            vars(self).copy(),
            self.protocol_fees.copy(),
            self.initialized_ticks.copy(),
            ticks.copy(),
            list(map(self._tick_state, ticks.values())),
            positions.copy(),
            list(map(self._position_state, positions.values())),
        )

    def restore(self, snapshot: Any) -> None:
        """Put the pool back exactly as at `snapshot` (reusable; containers refilled in place)."""
        state, protocol_fees, initialized, ticks, tick_values, positions, position_values = snapshot
        attrs = vars(self)
        if attrs.keys() != state.keys():
            attrs.clear()
        attrs.update(state)
        self.protocol_fees[:] = protocol_fees
        if self.initialized_ticks != initialized:
            self.initialized_ticks[:] = initialized
        self._restore_records(self.ticks, ticks, tick_values, self._tick_state, self._TICK_FIELDS)
        self._restore_records(
            self.positions, positions, position_values, self._position_state, self._POSITION_FIELDS
        )

    @staticmethod
    def _restore_records(
        live: dict[Any, Any],
        saved: dict[Any, Any],
        values: list[tuple[Any, ...]],
        read: Any,
        fields: tuple[str, ...],
    ) -> None:
        """Refill `live` with the `saved` mapping (same keys, order and record objects) and
        write back each record's saved field `values` where they changed."""
        if (
            len(live) != len(saved)
            or list(live) != list(saved)
            or not all(map(is_, live.values(), saved.values()))
        ):
            live.clear()
            live.update(saved)
        now = list(map(read, saved.values()))
        if now != values:
            for record, current, old in zip(saved.values(), now, values, strict=True):
                if current != old:
                    for name, value in zip(fields, old, strict=True):
                        setattr(record, name, value)


# ---------------------------------------------------------------- float helpers for agents


def sqrt_price_x96_from_price(price: float, decimals0: int, decimals1: int) -> int:
    """Q64.96 sqrt price for `price` whole token1 per whole token0 (floored)."""
    if not (isinstance(price, int | float) and 0 < price < math.inf):
        raise InvalidAmount(f"price must be a positive finite number, got {price!r}")
    raw = Fraction(price) * Fraction(10) ** (decimals1 - decimals0)
    sqrt_price = isqrt((raw.numerator << 192) // raw.denominator)
    if not MIN_SQRT_RATIO <= sqrt_price < MAX_SQRT_RATIO:
        raise InvalidAmount(f"price {price} is outside the range a V3 pool can represent")
    return sqrt_price


def price_from_sqrt_price_x96(sqrt_price_x96: int, decimals0: int, decimals1: int) -> float:
    """Whole token1 per whole token0 at a Q64.96 sqrt price."""
    raw = Fraction(sqrt_price_x96 * sqrt_price_x96, 1 << 192)
    return float(raw * Fraction(10) ** (decimals0 - decimals1))


def tick_to_price(tick: int, decimals0: int, decimals1: int) -> float:
    """Whole token1 per whole token0 at `tick` (1.0001**tick in raw units)."""
    return 1.0001**tick * 10.0 ** (decimals0 - decimals1)


def price_to_tick(price: float, decimals0: int, decimals1: int) -> int:
    """The tick whose range contains `price` (whole token1 per whole token0), exact.

    Uses the integer TickMath on the floored sqrt price, so tick_to_price(result) <= price.
    """
    return get_tick_at_sqrt_ratio(sqrt_price_x96_from_price(price, decimals0, decimals1))


def nearest_usable_tick(tick: int, tick_spacing: int) -> int:
    """The multiple of `tick_spacing` nearest `tick`, kept inside [MIN_TICK, MAX_TICK]."""
    if tick_spacing <= 0:
        raise InvalidAmount(f"tick spacing must be positive, got {tick_spacing}")
    rounded = (tick + tick_spacing // 2) // tick_spacing * tick_spacing  # halves round up
    max_usable = (MAX_TICK // tick_spacing) * tick_spacing
    return max(-max_usable, min(max_usable, rounded))


def liquidity_for_human_amounts(
    price: float,
    price_lower: float,
    price_upper: float,
    amount0: float,
    amount1: float,
    decimals: tuple[int, int],
) -> int:
    """Liquidity that whole-token `amount0` and `amount1` fund over [price_lower, price_upper].

    Prices are whole token1 per whole token0; the result is what
    LiquidityAmounts.getLiquidityForAmounts gives for the raw amounts (rounded down).
    """
    d0, d1 = decimals
    return get_liquidity_for_amounts(
        sqrt_price_x96_from_price(price, d0, d1),
        sqrt_price_x96_from_price(price_lower, d0, d1),
        sqrt_price_x96_from_price(price_upper, d0, d1),
        int(Fraction(amount0) * 10**d0),
        int(Fraction(amount1) * 10**d1),
    )


def position_amounts_human(
    liquidity: int, tick_lower: int, tick_upper: int, price: float, decimals: tuple[int, int]
) -> tuple[float, float]:
    """Whole tokens (token0, token1) of `liquidity` over [tick_lower, tick_upper) at `price`."""
    d0, d1 = decimals
    raw_price = price * 10.0 ** (d1 - d0)
    s = math.sqrt(raw_price)
    sa = math.sqrt(1.0001**tick_lower)
    sb = math.sqrt(1.0001**tick_upper)
    s = min(max(s, sa), sb)
    amount0 = liquidity * (1.0 / s - 1.0 / sb)
    amount1 = liquidity * (s - sa)
    return amount0 / 10.0**d0, amount1 / 10.0**d1


def position_value_in_token1(
    liquidity: int, tick_lower: int, tick_upper: int, price: float, decimals: tuple[int, int]
) -> float:
    """Value in whole token1 of a position's principal (fees excluded) at `price`."""
    amount0, amount1 = position_amounts_human(liquidity, tick_lower, tick_upper, price, decimals)
    return amount0 * price + amount1


def ranged_il(price_ratio: float, lower_ratio: float, upper_ratio: float) -> float:
    """Impermanent loss of a ranged position against holding, as a fraction (<= 0).

    The position is opened at price p0 with band [p_a, p_b] = [lower_ratio * p0,
    upper_ratio * p0] (lower_ratio <= 1 <= upper_ratio) and valued at p1 = price_ratio * p0.
    With r = price_ratio, a = lower_ratio, b = upper_ratio and s = sqrt(r) clamped to
    [sqrt(a), sqrt(b)], per unit of liquidity (p0 = 1):

        hold     = r * (1 - 1/sqrt(b)) + (1 - sqrt(a))
        position = r * (1/s - 1/sqrt(b)) + (s - sqrt(a))
        IL       = position / hold - 1

    Inside the band this is (2 sqrt(r) - 1 - r) / (1 + r - sqrt(a) - r / sqrt(b)); with
    a -> 0, b -> inf it becomes the full-range 2 sqrt(r) / (1 + r) - 1.
    """
    if not (price_ratio > 0 and 0 <= lower_ratio <= 1 <= upper_ratio):
        raise InvalidAmount(
            "ranged_il needs price_ratio > 0 and lower_ratio <= 1 <= upper_ratio, got "
            f"{price_ratio}, {lower_ratio}, {upper_ratio}"
        )
    if lower_ratio == upper_ratio:
        return 0.0
    sqrt_a = math.sqrt(lower_ratio)
    inv_sqrt_b = 0.0 if math.isinf(upper_ratio) else 1.0 / math.sqrt(upper_ratio)
    sqrt_b = math.inf if inv_sqrt_b == 0.0 else math.sqrt(upper_ratio)
    s = min(max(math.sqrt(price_ratio), sqrt_a), sqrt_b)
    hold = price_ratio * (1.0 - inv_sqrt_b) + (1.0 - sqrt_a)
    position = price_ratio * (1.0 / s - inv_sqrt_b) + (s - sqrt_a)
    return position / hold - 1.0

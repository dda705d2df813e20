"""Mirrors UniswapV3Pool.sol: the contract's state and calls, integer-exact (the pool core).

State is the contract's: `sqrt_price_x96`, `tick`, `liquidity`, the global fee growth
accumulators (Q128.128, wrapping mod 2**256 like the contract's unchecked arithmetic),
`ticks` (tick -> `TickInfo`, the Tick library), positions keyed by `(owner, tick_lower,
tick_upper)` (the Position library), the protocol fee switch and `protocol_fees`. The tick
bitmap is a sorted list of initialized ticks (`tick_bitmap.py`), stopping at the bitmap's
256-tick word edges, so a swap takes exactly the contract's steps (and roundings).

`initialize`, `mint`, `burn`, `collect`, `swap`, `flash` (`flash.py`), `set_fee_protocol`,
`collect_protocol`, `_modify_position`, `_update_position` follow the contract, and so does
its price oracle (`oracle.py`: slot0's `observation_*` fields, `observe`,
`increase_observation_cardinality_next`, `snapshot_cumulatives_inside`), on the clock
`block_timestamp` (the model sets it each block). The contract learns what it was paid from
its token balances; here the pool books `balance0`/`balance1` itself: a mint adds what the
caller owes, a swap adds the input and removes the output, a collect removes what
it pays. Every call is atomic: a call that raises (a revert) leaves the state unchanged. The
swap loop is computed first, without writing anything (`_compute_swap` -> `SwapResult`), then
written (`_commit_swap`): what a quote and its application are made of (`pool.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sim.errors import (
    InsufficientLiquidity,
    InvalidAmount,
    InvariantViolated,
    PoolError,
)
from sim.pools.uniswap_v3 import flash as flash_lib
from sim.pools.uniswap_v3 import oracle
from sim.pools.uniswap_v3 import position as position_lib
from sim.pools.uniswap_v3 import tick as tick_lib
from sim.pools.uniswap_v3.fixed_point import Q128
from sim.pools.uniswap_v3.flash import FlashCallback
from sim.pools.uniswap_v3.full_math import mul_div
from sim.pools.uniswap_v3.liquidity_math import add_delta
from sim.pools.uniswap_v3.oracle import MASK32, Observation
from sim.pools.uniswap_v3.position import PositionInfo
from sim.pools.uniswap_v3.safe_cast import MAX_INT256, MAX_UINT128
from sim.pools.uniswap_v3.sqrt_price_math import (
    get_amount0_delta_signed,
    get_amount1_delta_signed,
)
from sim.pools.uniswap_v3.swap_math import FEE_DENOMINATOR_PIPS, compute_swap_step
from sim.pools.uniswap_v3.tick import TickInfo, tick_spacing_to_max_liquidity_per_tick
from sim.pools.uniswap_v3.tick_bitmap import flip_tick, next_initialized_tick_within_one_word
from sim.pools.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from sim.units import MAX_UINT256

__all__ = ["DEFAULT_TICK_SPACING", "SwapResult", "UniswapV3Pool"]

#: The factory's enabled fee tiers (pips, 1e-6) and their tick spacings.
DEFAULT_TICK_SPACING: dict[int, int] = {100: 1, 500: 10, 3000: 60, 10000: 200}


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


class UniswapV3Pool:
    """The state and calls of a Uniswap V3 pool (UniswapV3Pool.sol), in integers."""

    name: str
    tokens: tuple[str, str]
    decimals: tuple[int, int]

    def __init__(
        self,
        name: str,
        tokens: tuple[str, str],
        decimals: tuple[int, int],
        fee_pips: int,
        tick_spacing: int | None = None,
        sqrt_price_x96: int | None = None,
        block_timestamp: int = 0,
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
        self.observation_index = 0
        self.observation_cardinality = 0
        self.observation_cardinality_next = 0
        self.unlocked = True  # False while a flash loan is out (the contract's lock)
        self.observations: list[Observation] = []  # the first cardinality_next slots
        self.block_timestamp = block_timestamp
        """`block.timestamp` of the current block (set by the model)."""
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

    # ------------------------------------------------------------ contract mirror

    def initialize(self, sqrt_price_x96: int) -> None:
        """Mirrors UniswapV3Pool.initialize: set the starting price once."""
        if self.sqrt_price_x96 != 0:
            raise PoolError(f"pool {self.name!r} is already initialized")
        if type(sqrt_price_x96) is not int:
            raise InvalidAmount(f"sqrt_price_x96 must be an integer, got {sqrt_price_x96!r}")
        self.tick = get_tick_at_sqrt_ratio(sqrt_price_x96)
        self.sqrt_price_x96 = sqrt_price_x96
        self.observation_index = 0
        self.observation_cardinality, self.observation_cardinality_next = oracle.initialize(
            self.observations, self._block_timestamp()
        )

    def _require_initialized(self) -> None:
        if self.sqrt_price_x96 == 0:
            raise PoolError(f"pool {self.name!r} has no price yet: call initialize() first")

    def _require_unlocked(self) -> None:
        """The contract's `lock` modifier: no call back into the pool from a flash callback."""
        if not self.unlocked:
            raise PoolError(f"LOK: pool {self.name!r} is locked (a flash loan is out)")

    def _block_timestamp(self) -> int:
        """Mirrors UniswapV3Pool._blockTimestamp: `block.timestamp` truncated to uint32."""
        return self.block_timestamp & MASK32

    # ------------------------------------------------------------ oracle

    def observe(self, seconds_agos: Sequence[int]) -> tuple[list[int], list[int]]:
        """Mirrors UniswapV3Pool.observe: (tick cumulatives, seconds-per-liquidity
        cumulatives) as of each of `seconds_agos` before now; 'OLD' past the oldest observation.

        The TWAP tick over the last `w` seconds is `(c[0] - c[1]) // w` for `observe([0, w])`
        (rounded toward negative infinity, as the periphery's OracleLibrary.consult does).
        """
        return oracle.observe(
            self.observations,
            self._block_timestamp(),
            seconds_agos,
            self.tick,
            self.observation_index,
            self.liquidity,
            self.observation_cardinality,
        )

    def _observe_now(self, time: int) -> tuple[int, int]:
        """`observations.observeSingle(time, 0, ...)` on slot0: the accumulators as of now."""
        return oracle.observe_single(
            self.observations,
            time,
            0,
            self.tick,
            self.observation_index,
            self.liquidity,
            self.observation_cardinality,
        )

    def _write_observation(self) -> None:
        """`observations.write` with slot0's tick and the pool's liquidity before a change."""
        self.observation_index, self.observation_cardinality = oracle.write(
            self.observations,
            self.observation_index,
            self._block_timestamp(),
            self.tick,
            self.liquidity,
            self.observation_cardinality,
            self.observation_cardinality_next,
        )

    def increase_observation_cardinality_next(self, observation_cardinality_next: int) -> None:
        """Mirrors UniswapV3Pool.increaseObservationCardinalityNext: keep up to that many
        observations (taking effect when the ring next wraps); a smaller value is a no-op."""
        self._require_initialized()
        self._require_unlocked()
        self.observation_cardinality_next = oracle.grow(
            self.observations, self.observation_cardinality_next, observation_cardinality_next
        )

    def snapshot_cumulatives_inside(self, tick_lower: int, tick_upper: int) -> tuple[int, int, int]:
        """Mirrors UniswapV3Pool.snapshotCumulativesInside: (tick cumulative, seconds per
        liquidity, seconds) spent inside the range, meaningful only as differences between
        two snapshots taken while a position existed on both ticks."""
        self._check_ticks(tick_lower, tick_upper)
        lower = self.ticks.get(tick_lower)
        upper = self.ticks.get(tick_upper)
        if lower is None or not lower.initialized or upper is None or not upper.initialized:
            raise PoolError(
                f"snapshot_cumulatives_inside: ticks {tick_lower} and {tick_upper} must both "
                "be initialized (hold liquidity)"
            )
        time = self._block_timestamp()
        now = self._observe_now(time) if tick_lower <= self.tick < tick_upper else (0, 0)
        return tick_lib.cumulatives_inside(
            lower, upper, tick_lower, tick_upper, self.tick, *now, time
        )

    def set_fee_protocol(self, fee_protocol0: int, fee_protocol1: int) -> None:
        """Mirrors UniswapV3Pool.setFeeProtocol: protocol takes 1/n of fees (n = 0 or 4..10)."""
        self._require_unlocked()
        for value in (fee_protocol0, fee_protocol1):
            if type(value) is not int or not (value == 0 or 4 <= value <= 10):
                raise InvalidAmount(f"a protocol fee must be 0 or 4..10 (1/n), got {value!r}")
        self.fee_protocol = fee_protocol0 + (fee_protocol1 << 4)

    def collect_protocol(self, amount0_requested: int, amount1_requested: int) -> tuple[int, int]:
        """Mirrors UniswapV3Pool.collectProtocol (which leaves 1 wei in a non-empty slot)."""
        self._require_unlocked()
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
        return tick_lib.get_fee_growth_inside(
            self.ticks,
            tick_lower,
            tick_upper,
            self.tick,
            self.fee_growth_global0_x128,
            self.fee_growth_global1_x128,
        )

    def next_initialized_tick_within_one_word(self, tick: int, lte: bool) -> tuple[int, bool]:
        """Mirrors TickBitmap.nextInitializedTickWithinOneWord on this pool's ticks and spacing."""
        return next_initialized_tick_within_one_word(
            self.initialized_ticks, tick, self.tick_spacing, lte
        )

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
            ticks, g0, g1 = self.ticks, self.fee_growth_global0_x128, self.fee_growth_global1_x128
            max_liquidity = self.max_liquidity_per_tick
            time = self._block_timestamp()
            tc, spl = self._observe_now(time)
            flipped_lower = tick_lib.update(
                ticks,
                tick_lower,
                tick,
                liquidity_delta,
                g0,
                g1,
                spl,
                tc,
                time,
                False,
                max_liquidity,
            )
            flipped_upper = tick_lib.update(
                ticks, tick_upper, tick, liquidity_delta, g0, g1, spl, tc, time, True, max_liquidity
            )
            if flipped_lower:
                flip_tick(self.initialized_ticks, tick_lower)
            if flipped_upper:
                flip_tick(self.initialized_ticks, tick_upper)
        inside0, inside1 = self.get_fee_growth_inside(tick_lower, tick_upper)
        position_lib.update(position, liquidity_delta, inside0, inside1)
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
        self._require_unlocked()
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
                self._write_observation()  # with the liquidity before the change
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
        self._require_unlocked()
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
        initialized_ticks, tick_spacing = self.initialized_ticks, self.tick_spacing

        while remaining != 0 and sqrt_price != sqrt_price_limit_x96:
            if stop_when_dry and liquidity == 0 and not self._has_ticks_beyond(tick, zero_for_one):
                break
            steps += 1
            sqrt_price_start = sqrt_price
            tick_next, initialized = next_initialized_tick_within_one_word(
                initialized_ticks, tick, tick_spacing, zero_for_one
            )
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

    def _commit_swap(self, zero_for_one: bool, result: SwapResult) -> None:
        """Write a computed swap: crossings, the oracle, slot0, liquidity, fee growth, balances.

        As UniswapV3Pool.swap: the crossings take the accumulators as of now from the pre-swap
        slot0 (computed once), and an observation is written, with the pre-swap tick and
        liquidity, only when the tick moves.
        """
        self._require_unlocked()
        amount0, amount1 = result.amount0, result.amount1
        # the pool pays the output before the callback pays the input
        paid0 = -amount0 if amount0 < 0 else 0
        paid1 = -amount1 if amount1 < 0 else 0
        if paid0 > self.balance0 or paid1 > self.balance1:
            raise InvariantViolated(
                f"swap would pay {paid0}, {paid1} but pool {self.name!r} holds only "
                f"{self.balance0}, {self.balance1} (a bug in the pool math)"
            )
        if result.crossings:
            ticks, time = self.ticks, self._block_timestamp()
            tc, spl = self._observe_now(time)
            for tick, global0, global1 in result.crossings:
                tick_lib.cross(ticks, tick, global0, global1, spl, tc, time)
        if result.tick != self.tick:
            self._write_observation()
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

    def flash_fees(self, amount0: int, amount1: int) -> tuple[int, int]:
        """The fees UniswapV3Pool.flash charges: `mulDivRoundingUp(amount, fee, 1e6)` each."""
        return flash_lib.flash_fees(self.fee_pips, amount0, amount1)

    def flash(
        self,
        amount0: int,
        amount1: int,
        pay0: int | None = None,
        pay1: int | None = None,
        *,
        callback: FlashCallback | None = None,
    ) -> tuple[int, int]:
        """Mirrors UniswapV3Pool.flash (`flash.py`): lend, take back at least the loan plus the
        fee, grow the fee growth by what was paid; returns (paid0, paid1)."""
        return flash_lib.flash(self, amount0, amount1, pay0, pay1, callback)

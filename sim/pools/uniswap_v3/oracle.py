"""Mirrors v3-core's Oracle library: the pool's ring buffer of observations and `observe`.

Each observation holds the running sums since the pool was initialised: `tick_cumulative`
(tick x seconds, an int56) and `seconds_per_liquidity_cumulative_x128` (seconds / max(1,
liquidity) as a Q128.128, a uint160), stamped with a uint32 `block_timestamp`. The pool writes
at most one observation a block, with the tick and liquidity that held *before* the block's
first change (so a TWAP over [t - w, t] is Δ tick_cumulative / w, a geometric-mean price that a
single block's swap barely moves). The contract's array has 65,535 slots; here it is a list
that `initialize` and `grow` extend (slots past its end read as the empty observation).
Arithmetic wraps exactly as Solidity 0.7's unchecked int56 / uint160 / uint32 does: timestamps
are compared across one 2**32 overflow (`lte`), tick sums wrap at 2**55 and divide truncating
toward zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sim.errors import InvalidAmount, InvariantViolated, PoolError

__all__ = [
    "MAX_CARDINALITY",
    "Observation",
    "binary_search",
    "get_surrounding_observations",
    "grow",
    "initialize",
    "lte",
    "observation_at",
    "observe",
    "observe_single",
    "transform",
    "write",
]

MAX_CARDINALITY = 65535
"""The length of the contract's `Observation[65535]` (a uint16 index)."""
UINT32 = 1 << 32
MASK32 = UINT32 - 1
MASK160 = (1 << 160) - 1
INT56_HALF = 1 << 55
_MASK56 = (1 << 56) - 1


def wrap_int56(value: int) -> int:
    """`int56(value)` as Solidity 0.7's unchecked arithmetic leaves it (two's complement)."""
    return ((value + INT56_HALF) & _MASK56) - INT56_HALF


def _sdiv(numerator: int, denominator: int) -> int:
    """Solidity's signed division: truncates toward zero (Python's // floors)."""
    quotient = abs(numerator) // denominator
    return -quotient if numerator < 0 else quotient


@dataclass(frozen=True, slots=True)
class Observation:
    """Mirrors Oracle.Observation (immutable: a write replaces the whole slot)."""

    block_timestamp: int = 0
    tick_cumulative: int = 0
    seconds_per_liquidity_cumulative_x128: int = 0
    initialized: bool = False


_EMPTY = Observation()


def observation_at(observations: Sequence[Observation], index: int) -> Observation:
    """`self[index]`: a slot beyond the stored list has never been written (all zero)."""
    return observations[index] if index < len(observations) else _EMPTY


def _store(observations: list[Observation], index: int, observation: Observation) -> None:
    if index >= len(observations):
        observations.extend([_EMPTY] * (index + 1 - len(observations)))
    observations[index] = observation


def transform(last: Observation, block_timestamp: int, tick: int, liquidity: int) -> Observation:
    """Mirrors Oracle.transform: `last` carried forward to `block_timestamp` at `tick` and
    `liquidity` (the seconds since `last` wrap at 2**32)."""
    delta = (block_timestamp - last.block_timestamp) & MASK32
    return Observation(
        block_timestamp,
        wrap_int56(last.tick_cumulative + tick * delta),
        (last.seconds_per_liquidity_cumulative_x128 + (delta << 128) // (liquidity or 1)) & MASK160,
        True,
    )


def initialize(observations: list[Observation], time: int) -> tuple[int, int]:
    """Mirrors Oracle.initialize: the first slot at `time`; returns (cardinality, next) = (1, 1)."""
    _store(observations, 0, Observation(time, 0, 0, True))
    return 1, 1


def write(
    observations: list[Observation],
    index: int,
    block_timestamp: int,
    tick: int,
    liquidity: int,
    cardinality: int,
    cardinality_next: int,
) -> tuple[int, int]:
    """Mirrors Oracle.write: at most once a block, the next slot becomes the last one carried
    forward with the tick and liquidity that held until now; returns (index, cardinality).

    The cardinality grows to `cardinality_next` only when the index is at the end of the
    populated part, which keeps the ring in time order.
    """
    last = observations[index]
    if last.block_timestamp == block_timestamp:
        return index, cardinality  # already written this block
    if cardinality_next > cardinality and index == cardinality - 1:
        cardinality = cardinality_next
    index = (index + 1) % cardinality
    _store(observations, index, transform(last, block_timestamp, tick, liquidity))
    return index, cardinality


def grow(observations: list[Observation], current: int, next_: int) -> int:
    """Mirrors Oracle.grow: prepare slots up to `next_` (their timestamp set to 1, still
    uninitialized, as the contract pre-pays the storage); returns the new cardinality next."""
    if type(next_) is not int or not 0 <= next_ <= MAX_CARDINALITY:
        raise InvalidAmount(f"observation cardinality must be a uint16, got {next_!r}")
    if current <= 0:
        raise PoolError("I: the oracle is not initialized")
    if next_ <= current:
        return current
    for i in range(current, next_):
        _store(observations, i, replace(observation_at(observations, i), block_timestamp=1))
    return next_


def lte(time: int, a: int, b: int) -> bool:
    """Mirrors Oracle.lte: whether uint32 time `a` is chronologically at or before `b`, both
    at or before `time` (safe across one 2**32 overflow)."""
    if a <= time and b <= time:
        return a <= b
    a_adjusted = a if a > time else a + UINT32
    b_adjusted = b if b > time else b + UINT32
    return a_adjusted <= b_adjusted


def binary_search(
    observations: Sequence[Observation], time: int, target: int, index: int, cardinality: int
) -> tuple[Observation, Observation]:
    """Mirrors Oracle.binarySearch: the stored observations at or before and at or after
    `target`, which must lie within the stored range."""
    low = (index + 1) % cardinality  # oldest
    high = low + cardinality - 1  # newest
    while low <= high:
        i = (low + high) // 2
        before = observation_at(observations, i % cardinality)
        if not before.initialized:  # an unwritten slot: search more recent ones
            low = i + 1
            continue
        after = observation_at(observations, (i + 1) % cardinality)
        target_at_or_after = lte(time, before.block_timestamp, target)
        if target_at_or_after and lte(time, target, after.block_timestamp):
            return before, after
        if target_at_or_after:
            low = i + 1
        else:
            high = i - 1
    raise InvariantViolated(f"binary_search: no observations around {target} (a bug)")


def get_surrounding_observations(
    observations: Sequence[Observation],
    time: int,
    target: int,
    tick: int,
    index: int,
    liquidity: int,
    cardinality: int,
) -> tuple[Observation, Observation]:
    """Mirrors Oracle.getSurroundingObservations: the newest observation (and, past it, its
    counterfactual at `target`), else a binary search; 'OLD' when `target` is before the
    oldest observation."""
    before = observations[index]
    if lte(time, before.block_timestamp, target):
        if before.block_timestamp == target:
            return before, _EMPTY  # same block as the newest: at-or-after is not needed
        return before, transform(before, target, tick, liquidity)
    before = observation_at(observations, (index + 1) % cardinality)
    if not before.initialized:
        before = observations[0]
    if not lte(time, before.block_timestamp, target):
        raise PoolError(
            f"OLD: no observation as old as {target} (the oldest is at "
            f"{before.block_timestamp}; raise the cardinality with "
            "increase_observation_cardinality_next)"
        )
    return binary_search(observations, time, target, index, cardinality)


def observe_single(
    observations: Sequence[Observation],
    time: int,
    seconds_ago: int,
    tick: int,
    index: int,
    liquidity: int,
    cardinality: int,
) -> tuple[int, int]:
    """Mirrors Oracle.observeSingle: (tick_cumulative, seconds_per_liquidity_cumulative_x128)
    as of `seconds_ago` before `time`, interpolated linearly between two observations."""
    if seconds_ago == 0:
        last = observations[index]
        if last.block_timestamp != time:
            last = transform(last, time, tick, liquidity)
        return last.tick_cumulative, last.seconds_per_liquidity_cumulative_x128
    target = (time - seconds_ago) & MASK32
    before, after = get_surrounding_observations(
        observations, time, target, tick, index, liquidity, cardinality
    )
    if target == before.block_timestamp:
        return before.tick_cumulative, before.seconds_per_liquidity_cumulative_x128
    if target == after.block_timestamp:
        return after.tick_cumulative, after.seconds_per_liquidity_cumulative_x128
    observation_time_delta = (after.block_timestamp - before.block_timestamp) & MASK32
    target_delta = (target - before.block_timestamp) & MASK32
    tick_step = _sdiv(
        wrap_int56(after.tick_cumulative - before.tick_cumulative), observation_time_delta
    )
    spl_before = before.seconds_per_liquidity_cumulative_x128
    spl_delta = (after.seconds_per_liquidity_cumulative_x128 - spl_before) & MASK160
    return (
        wrap_int56(before.tick_cumulative + wrap_int56(tick_step * target_delta)),
        (spl_before + ((spl_delta * target_delta // observation_time_delta) & MASK160)) & MASK160,
    )


def observe(
    observations: Sequence[Observation],
    time: int,
    seconds_agos: Sequence[int],
    tick: int,
    index: int,
    liquidity: int,
    cardinality: int,
) -> tuple[list[int], list[int]]:
    """Mirrors Oracle.observe: `observe_single` for each of `seconds_agos` (uint32 each)."""
    if cardinality <= 0:
        raise PoolError("I: the oracle is not initialized")
    tick_cumulatives: list[int] = []
    seconds_per_liquidity: list[int] = []
    for seconds_ago in seconds_agos:
        if type(seconds_ago) is not int or not 0 <= seconds_ago <= MASK32:
            raise InvalidAmount(f"seconds ago must be a uint32, got {seconds_ago!r}")
        tick_cumulative, spl = observe_single(
            observations, time, seconds_ago, tick, index, liquidity, cardinality
        )
        tick_cumulatives.append(tick_cumulative)
        seconds_per_liquidity.append(spl)
    return tick_cumulatives, seconds_per_liquidity

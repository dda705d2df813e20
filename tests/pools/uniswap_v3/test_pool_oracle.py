"""The pool's oracle (core.UniswapV3Pool) against v3-core's test/UniswapV3Pool.spec.ts.

The pool is the spec's MockTimeUniswapV3Pool: fee 3000, tick spacing 60, its clock starting
at TEST_POOL_START_TIME and moved by `advance_time` (here: `block_timestamp`).
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InvalidAmount, PoolError
from sim.pools.uniswap_v3.core import UniswapV3Pool
from sim.pools.uniswap_v3.oracle import Observation
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.safe_cast import MAX_INT256
from sim.pools.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from tests.conftest import encode_price_sqrt

TEST_POOL_START_TIME = 1601906400
SPACING = 60
MIN_TICK, MAX_TICK = -887220, 887220  # getMinTick(60), getMaxTick(60)
E18 = 10**18
WALLET = "wallet"


def make_pool() -> UniswapV3Pool:
    return UniswapV3Pool(
        "T0/T1", ("T0", "T1"), (18, 18), 3000, block_timestamp=TEST_POOL_START_TIME
    )


def advance_time(pool: UniswapV3Pool, seconds: int) -> None:
    pool.block_timestamp += seconds


def initialize_at_zero_tick(pool: UniswapV3Pool) -> None:
    pool.initialize(encode_price_sqrt(1, 1))
    pool.mint(WALLET, MIN_TICK, MAX_TICK, 2 * E18)


def swap_exact_0_for_1(pool: UniswapV3Pool, amount: int) -> None:
    pool.swap(True, amount, MIN_SQRT_RATIO + 1)


def swap_exact_1_for_0(pool: UniswapV3Pool, amount: int) -> None:
    pool.swap(False, amount, MAX_SQRT_RATIO - 1)


def swap_to_lower_price(pool: UniswapV3Pool, sqrt_price_x96: int) -> None:
    pool.swap(True, MAX_INT256, sqrt_price_x96)


def swap_to_higher_price(pool: UniswapV3Pool, sqrt_price_x96: int) -> None:
    pool.swap(False, MAX_INT256, sqrt_price_x96)


def observe_now(pool: UniswapV3Pool) -> int:
    tick_cumulatives, _ = pool.observe([0])
    return tick_cumulatives[0]


# ------------------------------------------------------------------ initialize / cardinality


def test_initialize_writes_the_first_observation_at_the_block_time() -> None:
    pool = make_pool()
    pool.initialize(encode_price_sqrt(1, 1))
    assert pool.observations[0] == Observation(TEST_POOL_START_TIME, 0, 0, True)
    assert (
        pool.observation_index,
        pool.observation_cardinality,
        pool.observation_cardinality_next,
    ) == (0, 1, 1)


def test_increase_observation_cardinality_next() -> None:
    pool = make_pool()
    with pytest.raises(PoolError):  # before initialize ('LOK' in the contract)
        pool.increase_observation_cardinality_next(2)
    pool.initialize(encode_price_sqrt(1, 1))
    pool.increase_observation_cardinality_next(2)
    assert (pool.observation_index, pool.observation_cardinality) == (0, 1)
    assert pool.observation_cardinality_next == 2
    pool.increase_observation_cardinality_next(5)
    pool.increase_observation_cardinality_next(3)  # a no-op below the current target
    assert (pool.observation_cardinality, pool.observation_cardinality_next) == (1, 5)


def test_observe_before_initialize_reverts() -> None:
    with pytest.raises(PoolError, match="I: "):
        make_pool().observe([0])


# ------------------------------------------------------------------ mint writes only in range


@pytest.fixture
def pool_at_one_tenth() -> UniswapV3Pool:
    """The spec's '#mint after initialization': price 1:10, 3161 liquidity over all ticks."""
    pool = make_pool()
    pool.initialize(encode_price_sqrt(1, 10))
    pool.mint(WALLET, MIN_TICK, MAX_TICK, 3161)
    assert pool.tick == -23028
    return pool


FIRST = Observation(TEST_POOL_START_TIME, 0, 0, True)


def test_mint_above_the_current_price_does_not_write(pool_at_one_tenth: UniswapV3Pool) -> None:
    pool = pool_at_one_tenth
    assert pool.observations[0] == FIRST
    advance_time(pool, 1)
    pool.mint(WALLET, -240, 0, 100)
    assert pool.observations[0] == FIRST


def test_mint_below_the_current_price_does_not_write(pool_at_one_tenth: UniswapV3Pool) -> None:
    pool = pool_at_one_tenth
    advance_time(pool, 1)
    pool.mint(WALLET, -46080, -23040, 100)
    assert pool.observations[0] == FIRST


def test_mint_including_the_current_price_writes(pool_at_one_tenth: UniswapV3Pool) -> None:
    pool = pool_at_one_tenth
    advance_time(pool, 1)
    pool.mint(WALLET, MIN_TICK, MAX_TICK, 100)
    assert pool.observations[0] == Observation(
        TEST_POOL_START_TIME + 1, -23028, 107650226801941937191829992860413859, True
    )


# ------------------------------------------------------------------ observe


def test_observe_current_tick_accumulator_increases_by_tick_over_time() -> None:
    pool = make_pool()
    initialize_at_zero_tick(pool)
    assert observe_now(pool) == 0
    advance_time(pool, 10)
    assert observe_now(pool) == 0


def test_observe_after_a_single_swap() -> None:
    pool = make_pool()
    initialize_at_zero_tick(pool)
    swap_exact_0_for_1(pool, 1000)  # moves to tick -1
    advance_time(pool, 4)
    assert observe_now(pool) == -4


def test_observe_after_two_swaps() -> None:
    pool = make_pool()
    initialize_at_zero_tick(pool)
    swap_exact_0_for_1(pool, E18 // 2)
    assert pool.tick == -4452
    advance_time(pool, 4)
    swap_exact_1_for_0(pool, E18 // 4)
    assert pool.tick == -1558
    advance_time(pool, 6)
    assert observe_now(pool) == -4452 * 4 + -1558 * 6 == -27156


def test_swap_writes_once_a_block_and_only_when_the_tick_moves() -> None:
    pool = make_pool()
    initialize_at_zero_tick(pool)
    pool.increase_observation_cardinality_next(4)
    advance_time(pool, 12)
    swap_exact_0_for_1(pool, 1000)  # tick 0 -> -1: written, with tick 0 for the 12 s
    assert (pool.tick, pool.observation_index) == (-1, 1)
    assert pool.observations[1] == Observation(
        TEST_POOL_START_TIME + 12, 0, (12 << 128) // (2 * E18), True
    )
    swap_exact_1_for_0(pool, E18 // 100)  # the same block: no second observation
    assert pool.tick > 0 and pool.observation_index == 1
    advance_time(pool, 12)
    tick = pool.tick
    swap_exact_1_for_0(pool, 1)  # a wei (all fee): the tick stays, nothing is written
    assert (pool.tick, pool.observation_index) == (tick, 1)


# ------------------------------------------------------------------ snapshotCumulativesInside

LOWER, UPPER = -SPACING, SPACING


@pytest.fixture
def snap_pool() -> UniswapV3Pool:
    pool = make_pool()
    pool.initialize(encode_price_sqrt(1, 1))
    pool.mint(WALLET, LOWER, UPPER, 10)
    return pool


@pytest.mark.parametrize(
    ("lower", "upper", "error"),
    [
        (UPPER, LOWER, InvalidAmount),  # reverse order
        (UPPER, UPPER, InvalidAmount),  # the same tick
        (MIN_TICK - 1, UPPER, InvalidAmount),  # lower too low
        (LOWER, MAX_TICK + 1, InvalidAmount),  # upper too high
        (LOWER - SPACING, UPPER, PoolError),  # lower not initialized
        (LOWER, UPPER + SPACING, PoolError),  # upper not initialized
    ],
)
def test_snapshot_cumulatives_inside_reverts(
    snap_pool: UniswapV3Pool, lower: int, upper: int, error: type[Exception]
) -> None:
    with pytest.raises(error):
        snap_pool.snapshot_cumulatives_inside(lower, upper)


def test_snapshot_is_zero_immediately_after_initialize(snap_pool: UniswapV3Pool) -> None:
    assert snap_pool.snapshot_cumulatives_inside(LOWER, UPPER) == (0, 0, 0)


def test_snapshot_increases_when_time_elapses_in_the_range(snap_pool: UniswapV3Pool) -> None:
    advance_time(snap_pool, 5)
    assert snap_pool.snapshot_cumulatives_inside(LOWER, UPPER) == (0, (5 << 128) // 10, 5)


@pytest.mark.parametrize("target", [encode_price_sqrt(2, 1), encode_price_sqrt(1, 2)])
def test_snapshot_does_not_count_time_outside_the_range(
    snap_pool: UniswapV3Pool, target: int
) -> None:
    advance_time(snap_pool, 5)
    if target > snap_pool.sqrt_price_x96:
        swap_to_higher_price(snap_pool, target)
    else:
        swap_to_lower_price(snap_pool, target)
    advance_time(snap_pool, 7)
    assert snap_pool.snapshot_cumulatives_inside(LOWER, UPPER) == (0, (5 << 128) // 10, 5)


def test_snapshot_time_below_the_range_is_not_counted(snap_pool: UniswapV3Pool) -> None:
    swap_to_lower_price(snap_pool, encode_price_sqrt(1, 2))
    advance_time(snap_pool, 5)
    swap_to_higher_price(snap_pool, encode_price_sqrt(1, 1))
    advance_time(snap_pool, 7)
    assert snap_pool.snapshot_cumulatives_inside(LOWER, UPPER) == (0, (7 << 128) // 10, 7)


def test_snapshot_time_above_the_range_is_not_counted(snap_pool: UniswapV3Pool) -> None:
    swap_to_higher_price(snap_pool, encode_price_sqrt(2, 1))
    advance_time(snap_pool, 5)
    swap_to_lower_price(snap_pool, encode_price_sqrt(1, 1))
    advance_time(snap_pool, 7)
    assert snap_pool.tick == -1  # justifies the -7
    assert snap_pool.snapshot_cumulatives_inside(LOWER, UPPER) == (-7, (7 << 128) // 10, 7)


def test_snapshot_of_a_position_minted_after_time_spent(snap_pool: UniswapV3Pool) -> None:
    advance_time(snap_pool, 5)
    snap_pool.mint(WALLET, UPPER, MAX_TICK, 15)
    swap_to_higher_price(snap_pool, encode_price_sqrt(2, 1))
    advance_time(snap_pool, 8)
    # the tick of 2/1 is 6931: 8 seconds x 6931
    assert snap_pool.snapshot_cumulatives_inside(UPPER, MAX_TICK) == (55448, (8 << 128) // 15, 8)


def test_snapshot_aggregates_overlapping_liquidity(snap_pool: UniswapV3Pool) -> None:
    snap_pool.mint(WALLET, LOWER, MAX_TICK, 15)
    advance_time(snap_pool, 5)
    swap_to_higher_price(snap_pool, encode_price_sqrt(2, 1))
    advance_time(snap_pool, 8)
    assert snap_pool.snapshot_cumulatives_inside(LOWER, UPPER) == (0, (5 << 128) // 25, 5)


def test_snapshots_are_relative(snap_pool: UniswapV3Pool) -> None:
    advance_time(snap_pool, 5)
    snap_pool.mint(WALLET, MIN_TICK, LOWER, 15)
    tc0, spl0, s0 = snap_pool.snapshot_cumulatives_inside(MIN_TICK, LOWER)
    advance_time(snap_pool, 8)
    # 13 seconds in the starting range, then 3 seconds in the newly minted one
    swap_to_lower_price(snap_pool, encode_price_sqrt(1, 2))
    advance_time(snap_pool, 3)
    tc1, spl1, s1 = snap_pool.snapshot_cumulatives_inside(MIN_TICK, LOWER)
    assert spl1 - spl0 == (3 << 128) // 15
    assert spl1 != (3 << 128) // 15
    assert tc1 - tc0 == -6932 * 3 == -20796  # the tick of 1/2 is -6932
    assert s1 - s0 == 3
    assert s1 != 3


# ------------------------------------------------------------------ the sim's pool


def test_fork_and_restore_keep_the_oracle_exact() -> None:
    pool = ConcentratedPool.from_price(
        "T0/T1", ("T0", "T1"), (18, 18), 3000, 1.0, block_timestamp=TEST_POOL_START_TIME
    )
    pool.mint(WALLET, MIN_TICK, MAX_TICK, 2 * E18)
    pool.mint(WALLET, -600, 600, E18)
    pool.increase_observation_cardinality_next(3)
    saved = pool.snapshot()
    before = (list(pool.observations), pool.observation_index, pool.observation_cardinality)
    tick_before = copy.copy(pool.ticks[-600])
    twin = pool.fork()
    for p in (pool, twin):
        advance_time(p, 12)
        swap_exact_0_for_1(p, E18)  # crosses -600
        advance_time(p, 12)
    assert pool.observe([0, 24]) == twin.observe([0, 24])
    crossed = pool.ticks[-600]
    assert crossed == twin.ticks[-600] and crossed is not twin.ticks[-600]
    # initialised below the tick, then crossed after 12 s at tick 0 with 3e18 in range
    assert (crossed.seconds_outside, crossed.tick_cumulative_outside) == (12, 0)
    assert crossed.seconds_per_liquidity_outside_x128 == (12 << 128) // (3 * E18)
    pool.restore(saved)
    pool.block_timestamp = TEST_POOL_START_TIME
    assert (list(pool.observations), pool.observation_index, pool.observation_cardinality) == before
    assert pool.ticks[-600] == tick_before


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 600), st.booleans(), st.integers(10**12, 3 * 10**17)),
        min_size=1,
        max_size=10,
    )
)
def test_pool_twap_is_the_time_weighted_tick(trades: list[tuple[int, bool, int]]) -> None:
    """observe([0, w]) differences are Σ tick x seconds held, tick by tick as slot0 had it."""
    pool = make_pool()
    initialize_at_zero_tick(pool)
    pool.mint(WALLET, -1200, 1200, 5 * E18)  # crossings on the way
    pool.increase_observation_cardinality_next(len(trades) + 1)
    held: list[tuple[int, int]] = []  # (tick, seconds)
    for wait, zero_for_one, amount in trades:
        held.append((pool.tick, wait))
        advance_time(pool, wait)
        (swap_exact_0_for_1 if zero_for_one else swap_exact_1_for_0)(pool, amount)
    total = sum(seconds for _, seconds in held)
    (now, start), _ = pool.observe([0, total])
    assert now - start == sum(tick * seconds for tick, seconds in held)

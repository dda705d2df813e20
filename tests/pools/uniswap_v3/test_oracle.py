"""Oracle library (sim/pools/uniswap_v3/oracle.py) against v3-core's test/Oracle.spec.ts.

`OracleTest` mirrors v3-core's contracts/test/OracleTest.sol (the library with its own clock,
tick and liquidity; `update` writes an observation, then changes tick and liquidity), so each
case below is the spec's, with its exact expected numbers.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import PoolError
from sim.pools.uniswap_v3 import oracle
from sim.pools.uniswap_v3.oracle import MASK32, Observation
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128

TEST_POOL_START_TIME = 1601906400


class OracleTest:
    """Mirrors v3-core's OracleTest.sol."""

    def __init__(self) -> None:
        self.observations: list[Observation] = []
        self.time = self.tick = self.liquidity = 0
        self.index = self.cardinality = self.cardinality_next = 0

    def initialize(self, *, time: int, tick: int, liquidity: int) -> OracleTest:
        assert self.cardinality == 0, "already initialized"
        self.time, self.tick, self.liquidity = time, tick, liquidity
        self.cardinality, self.cardinality_next = oracle.initialize(self.observations, time)
        return self

    def advance_time(self, by: int) -> None:
        self.time = (self.time + by) & MASK32  # uint32 arithmetic, unchecked in 0.7

    def update(self, advance_time_by: int, tick: int, liquidity: int) -> None:
        self.advance_time(advance_time_by)
        self.index, self.cardinality = oracle.write(
            self.observations,
            self.index,
            self.time,
            self.tick,
            self.liquidity,
            self.cardinality,
            self.cardinality_next,
        )
        self.tick, self.liquidity = tick, liquidity

    def grow(self, cardinality_next: int) -> None:
        self.cardinality_next = oracle.grow(
            self.observations, self.cardinality_next, cardinality_next
        )

    def observe(self, seconds_agos: list[int]) -> tuple[list[int], list[int]]:
        return oracle.observe(
            self.observations,
            self.time,
            seconds_agos,
            self.tick,
            self.index,
            self.liquidity,
            self.cardinality,
        )

    def observe_single(self, seconds_ago: int) -> tuple[int, int]:
        tick_cumulatives, seconds_per_liquidity = self.observe([seconds_ago])
        return tick_cumulatives[0], seconds_per_liquidity[0]

    def observation(self, index: int) -> Observation:
        return oracle.observation_at(self.observations, index)


def initialized() -> OracleTest:
    return OracleTest().initialize(time=0, tick=0, liquidity=0)


# ------------------------------------------------------------------ initialize / grow


def test_initialize_sets_index_cardinalities_and_the_first_slot_only() -> None:
    o = OracleTest().initialize(liquidity=1, tick=1, time=1)
    assert (o.index, o.cardinality, o.cardinality_next) == (0, 1, 1)
    assert o.observation(0) == Observation(1, 0, 0, True)
    assert o.observation(1) == Observation()


def test_grow_raises_cardinality_next_and_prepays_slots_without_touching_the_first() -> None:
    o = initialized()
    o.grow(5)
    assert (o.index, o.cardinality, o.cardinality_next) == (0, 1, 5)
    assert o.observation(0) == Observation(0, 0, 0, True)
    assert [o.observation(i) for i in range(1, 5)] == [Observation(1, 0, 0, False)] * 4
    o.grow(3)  # no-op if already that size
    assert (o.index, o.cardinality, o.cardinality_next) == (0, 1, 5)


def test_grow_after_wrap() -> None:
    o = initialized()
    o.grow(2)
    o.update(2, 1, 1)  # index is now 1
    o.update(2, 1, 1)  # index is now 0 again
    assert o.index == 0
    o.grow(3)
    assert (o.index, o.cardinality, o.cardinality_next) == (0, 2, 3)


def test_grow_before_initialize_and_past_uint16_revert() -> None:
    with pytest.raises(PoolError, match="I: "):
        OracleTest().grow(2)
    with pytest.raises(PoolError, match="uint16"):
        initialized().grow(65536)


# ------------------------------------------------------------------ write


def test_write_single_element_array_gets_overwritten() -> None:
    o = initialized()
    o.update(1, 2, 5)
    assert o.index == 0
    assert o.observation(0) == Observation(1, 0, 340282366920938463463374607431768211456, True)
    o.update(5, -1, 8)
    assert o.index == 0
    assert o.observation(0) == Observation(6, 10, 680564733841876926926749214863536422912, True)
    o.update(3, 2, 3)
    assert o.index == 0
    assert o.observation(0) == Observation(9, 7, 808170621437228850725514692650449502208, True)


def test_write_does_nothing_if_time_has_not_changed() -> None:
    o = initialized()
    o.grow(2)
    o.update(1, 3, 2)
    assert o.index == 1
    o.update(0, -5, 9)
    assert o.index == 1


def test_write_writes_an_index_if_time_has_changed() -> None:
    o = initialized()
    o.grow(3)
    o.update(6, 3, 2)
    assert o.index == 1
    o.update(4, -5, 9)
    assert o.index == 2
    assert o.observation(1) == Observation(6, 0, 2041694201525630780780247644590609268736, True)


def test_write_grows_cardinality_when_writing_past() -> None:
    o = initialized()
    o.grow(2)
    o.grow(4)
    assert o.cardinality == 1
    o.update(3, 5, 6)
    assert o.cardinality == 4
    o.update(4, 6, 4)
    assert (o.cardinality, o.index) == (4, 2)
    assert o.observation(2) == Observation(7, 20, 1247702012043441032699040227249816775338, True)


def test_write_wraps_around() -> None:
    o = initialized()
    o.grow(3)
    o.update(3, 1, 2)
    o.update(4, 2, 3)
    o.update(5, 3, 4)
    assert o.index == 0
    assert o.observation(0) == Observation(12, 14, 2268549112806256423089164049545121409706, True)


def test_write_accumulates_liquidity() -> None:
    o = initialized()
    o.grow(4)
    o.update(3, 3, 2)
    o.update(4, -7, 6)
    o.update(5, -2, 4)
    assert o.index == 3
    assert o.observation(1) == Observation(3, 0, 1020847100762815390390123822295304634368, True)
    assert o.observation(2) == Observation(7, 12, 1701411834604692317316873037158841057280, True)
    assert o.observation(3) == Observation(12, -23, 1984980473705474370203018543351981233493, True)
    assert o.observation(4) == Observation(0, 0, 0, False)


# ------------------------------------------------------------------ observe


def test_observe_fails_before_initialize_and_past_the_oldest() -> None:
    with pytest.raises(PoolError, match="I: "):
        OracleTest().observe_single(0)
    o = OracleTest().initialize(liquidity=4, tick=2, time=5)
    with pytest.raises(PoolError, match="OLD"):
        o.observe_single(1)
    o.advance_time(3)
    with pytest.raises(PoolError, match="OLD"):
        o.observe_single(4)


def test_observe_does_not_fail_across_the_uint32_overflow() -> None:
    o = OracleTest().initialize(liquidity=4, tick=2, time=2**32 - 1)
    o.advance_time(2)
    assert o.observe_single(1) == (2, 85070591730234615865843651857942052864)


@pytest.mark.parametrize(
    ("start", "then", "unit"),
    [(MAX_UINT128, 0, 1), (0, MAX_UINT128, 1 << 128), (1, MAX_UINT128, 1 << 128)],
    ids=["max liquidity", "min liquidity", "1 liquidity same as 0"],
)
def test_observe_interpolates_seconds_per_liquidity(start: int, then: int, unit: int) -> None:
    o = OracleTest().initialize(liquidity=start, tick=0, time=0)
    o.grow(2)
    o.update(13, 0, then)
    assert [o.observe_single(ago)[1] for ago in (0, 6, 12, 13)] == [
        13 * unit,
        7 * unit,
        1 * unit,
        0,
    ]


def test_observe_interpolates_across_uint32_seconds_boundaries() -> None:
    o = initialized()
    o.grow(2)
    o.update(2**32 - 6, 0, 0)
    assert o.observe_single(0)[1] == (2**32 - 6) << 128
    o.update(13, 0, 0)
    assert o.observe_single(0)[1] == 7 << 128  # uint160 wrapped
    assert o.observe_single(3)[1] == 4 << 128
    assert o.observe_single(8)[1] == (2**32 - 1) << 128


def test_observe_single_observation() -> None:
    o = OracleTest().initialize(liquidity=4, tick=2, time=5)
    assert o.observe_single(0) == (0, 0)
    o.advance_time(3)
    assert o.observe_single(3) == (0, 0)  # exactly at it
    assert o.observe_single(1) == (4, 170141183460469231731687303715884105728)
    assert o.observe_single(0) == (6, 255211775190703847597530955573826158592)


def two_observations(*, reverse: bool) -> OracleTest:
    o = OracleTest().initialize(liquidity=5, tick=-5, time=5)
    o.grow(2)
    o.update(4, 1, 2)
    if reverse:
        o.update(3, -5, 4)
    return o


def test_observe_two_observations_in_chronological_order() -> None:
    o = two_observations(reverse=False)
    assert o.observe_single(0) == (-20, 272225893536750770770699685945414569164)
    o.advance_time(7)
    assert o.observe_single(0) == (-13, 1463214177760035392892510811956603309260)
    assert o.observe_single(11) == (0, 0)
    assert o.observe_single(9) == (-10, 136112946768375385385349842972707284582)


def test_observe_two_observations_in_reverse_order() -> None:
    o = two_observations(reverse=True)
    assert o.observe_single(0) == (-17, 782649443918158465965761597093066886348)
    o.advance_time(7)
    assert o.observe_single(0) == (-52, 1378143586029800777026667160098661256396)
    assert o.observe_single(10) == (-20, 272225893536750770770699685945414569164)
    assert o.observe_single(9) == (-19, 442367076997220002502386989661298674892)


def test_observe_can_fetch_multiple_observations() -> None:
    o = OracleTest().initialize(time=5, tick=2, liquidity=2**15)
    o.grow(4)
    o.update(13, 6, 2**12)
    o.advance_time(5)
    tick_cumulatives, seconds_per_liquidity = o.observe([0, 3, 8, 13, 15, 18])
    assert tick_cumulatives == [56, 38, 20, 10, 6, 0]
    assert seconds_per_liquidity == [
        550383467004691728624232610897330176,
        301153217795020002454768787094765568,
        103845937170696552570609926584401920,
        51922968585348276285304963292200960,
        31153781151208965771182977975320576,
        0,
    ]


def five_observations(starting_time: int) -> OracleTest:
    o = OracleTest().initialize(liquidity=5, tick=-5, time=starting_time)
    o.grow(5)
    for advance, tick, liquidity in [(3, 1, 2), (2, -6, 4), (4, -2, 4), (1, -2, 9), (3, 4, 2)]:
        o.update(advance, tick, liquidity)
    o.update(6, 6, 7)
    return o


STARTING_TIMES = pytest.mark.parametrize("starting_time", [5, 2**32 - 5])
LATEST = (-21, 2104079302127802832415199655953100107502)
BEFORE_LATEST = (-33, 1593655751746395137220137744805447790318)
OLDEST = (-13, 544451787073501541541399371890829138329)


@STARTING_TIMES
def test_five_observations_latest_and_between(starting_time: int) -> None:
    o = five_observations(starting_time)
    assert (o.index, o.cardinality, o.cardinality_next) == (1, 5, 5)
    assert o.observe_single(0) == LATEST
    assert o.observe_single(3) == BEFORE_LATEST
    assert o.observe_single(14) == OLDEST
    with pytest.raises(PoolError, match="OLD"):
        o.observe_single(15)
    o.advance_time(5)
    assert o.observe_single(5) == LATEST
    assert o.observe_single(0) == (9, 2347138135642758877746181518404363115684)
    assert o.observe_single(8) == BEFORE_LATEST
    assert o.observe_single(19) == OLDEST
    with pytest.raises(PoolError, match="OLD"):
        o.observe_single(20)


@STARTING_TIMES
def test_five_observations_fetch_many_values(starting_time: int) -> None:
    """The spec's snapshot (test/__snapshots__/Oracle.spec.ts.snap), the same for both starts."""
    o = five_observations(starting_time)
    o.advance_time(6)
    assert o.observe_single(20) == OLDEST
    tick_cumulatives, seconds_per_liquidity = o.observe([20, 17, 13, 10, 5, 1, 0])
    assert tick_cumulatives == [-13, -31, -43, -37, -15, 9, 15]
    assert seconds_per_liquidity == [
        544451787073501541541399371890829138329,
        799663562264205389138930327464655296921,
        1045423049484883168306923099498710116305,
        1423514568285925905488450441089563684590,
        2152691068830794041481396028443352709138,
        2347138135642758877746181518404363115684,
        2395749902345750086812377890894615717321,
    ]


@pytest.fixture(scope="module")
def full_oracle() -> OracleTest:
    """The spec's 'full oracle': 65,535 slots, written 65,700 times 13 s apart (wrapped)."""
    o = OracleTest().initialize(liquidity=0, tick=0, time=TEST_POOL_START_TIME)
    o.grow(oracle.MAX_CARDINALITY)
    for i in range(0, 65535, 300):
        for j in range(300):
            o.update(13, -i - j, i + j)
    return o


def test_full_oracle_wraps_at_max_cardinality(full_oracle: OracleTest) -> None:
    assert (full_oracle.cardinality, full_oracle.cardinality_next) == (65535, 65535)
    assert full_oracle.index == 165


@pytest.mark.parametrize(
    ("seconds_ago", "tick_cumulative", "seconds_per_liquidity"),
    [
        (100 * 13, -27970560813, 60465049086512033878831623038233202591033),
        (100 * 13 + 5, -27970232823, 60465023149565257990964350912969670793706),
        (0, -28055903863, 60471787506468701386237800669810720099776),
        (200 * 13, -27885347763, 60458300386499273141628780395875293027404),
        (200 * 13 + 5, -27885020273, 60458274409952896081377821330361274907140),
        (13 * 65534, -175890, 33974356747348039873972993881117400879779),
    ],
    ids=[
        "ordered exact",
        "ordered between",
        "latest",
        "unordered exact",
        "unordered between",
        "oldest",
    ],
)
def test_full_oracle_observe(
    full_oracle: OracleTest, seconds_ago: int, tick_cumulative: int, seconds_per_liquidity: int
) -> None:
    assert full_oracle.observe_single(seconds_ago) == (tick_cumulative, seconds_per_liquidity)


def test_full_oracle_after_time_passes(full_oracle: OracleTest) -> None:
    """The spec's 'after some time passes' cases, on a copy advanced by 5 seconds."""
    o = copy.copy(full_oracle)
    o.observations = full_oracle.observations.copy()
    o.advance_time(5)
    assert o.observe_single(5) == (-28055903863, 60471787506468701386237800669810720099776)
    assert o.observe_single(3) == (-28056035261, 60471797865298117996489508104462919730461)
    assert o.observe_single(13 * 65534 + 5) == (-175890, 33974356747348039873972993881117400879779)
    with pytest.raises(PoolError, match="OLD"):
        o.observe_single(13 * 65534 + 6)


# ------------------------------------------------------------------ properties

updates = st.lists(
    st.tuples(
        st.integers(0, 3_600),
        st.integers(-887272, 887272),
        st.integers(0, MAX_UINT128),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, MASK32),
    cardinality=st.integers(1, 8),
    history=updates,
    wait=st.integers(0, 3_600),
)
def test_observe_now_is_the_counterfactual_of_a_write_now(
    start: int, cardinality: int, history: list[tuple[int, int, int]], wait: int
) -> None:
    o = OracleTest().initialize(time=start, tick=0, liquidity=0)
    o.grow(cardinality)
    for advance, tick, liquidity in history:
        o.update(advance, tick, liquidity)
    o.advance_time(wait)
    now = o.observe_single(0)
    o.update(0, 0, 0)  # write now (a no-op if this block already has one)
    newest = o.observation(o.index)
    assert (newest.tick_cumulative, newest.seconds_per_liquidity_cumulative_x128) == now
    assert newest.block_timestamp == o.time


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, MASK32),
    tick=st.integers(-887272, 887272),
    steps=st.lists(st.tuples(st.integers(1, 600), st.integers(0, MAX_UINT128)), min_size=1),
    data=st.data(),
)
def test_twap_of_a_constant_tick_is_that_tick(
    start: int, tick: int, steps: list[tuple[int, int]], data: st.DataObject
) -> None:
    """Whatever the liquidity does, and across the uint32 wrap, Δ tick_cumulative / Δt = tick."""
    o = OracleTest().initialize(time=start, tick=tick, liquidity=1)
    o.grow(len(steps) + 1)
    for advance, liquidity in steps:
        o.update(advance, tick, liquidity)
    elapsed = sum(advance for advance, _ in steps)
    window = data.draw(st.integers(1, elapsed))
    ago = data.draw(st.integers(0, elapsed - window))
    (late, early), _ = o.observe([ago, ago + window])
    assert (late - early) == tick * window

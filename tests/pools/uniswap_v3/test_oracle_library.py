"""OracleLibrary (sim/pools/uniswap_v3/oracle_library.py) against v3-periphery's
test/OracleLibrary.spec.ts, and the pool's TWAP price built on it."""

from __future__ import annotations

import math

import pytest

from sim.errors import InvalidAmount, PoolError
from sim.pools.uniswap_v3.oracle_library import consult, get_quote_at_tick
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.tick_math import MAX_TICK, MIN_TICK

E18 = 10**18
MAX_UINT160 = 2**160 - 1


class MockObservable:
    """Mirrors v3-periphery's MockObservable: `observe([period, 0])` returns fixed readings."""

    def __init__(self, period: int, tick_cumulatives: list[int], spl: list[int]) -> None:
        self.period, self.tick_cumulatives, self.spl = period, tick_cumulatives, spl

    def observe(self, seconds_agos: list[int]) -> tuple[list[int], list[int]]:
        assert seconds_agos == [self.period, 0]
        return self.tick_cumulatives, self.spl


def harmonic(period: int, spl: list[int]) -> int:
    """The spec's calculateHarmonicAvgLiq."""
    return MAX_UINT160 * period // ((spl[1] - spl[0]) << 32)


def test_consult_reverts_when_the_period_is_0() -> None:
    with pytest.raises(InvalidAmount, match="BP"):
        consult(MockObservable(0, [0, 0], [0, 0]), 0)


@pytest.mark.parametrize(
    ("period", "ticks", "spl", "mean_tick"),
    [
        (3, [12, 12], [10, 20], 0),  # tick 0
        (4, [-10, -12], [10, 15], -1),  # -0.5 rounds to negative infinity
    ],
)
def test_consult(period: int, ticks: list[int], spl: list[int], mean_tick: int) -> None:
    assert consult(MockObservable(period, ticks, spl), period) == (mean_tick, harmonic(period, spl))


def test_consult_truncates_liquidity_to_uint128() -> None:
    assert consult(MockObservable(1, [12, 12], [10, 11]), 1) == (0, MAX_UINT128)


@pytest.mark.parametrize(
    ("tick", "amount", "base_is_token0", "quote"),
    [
        (0, E18, True, E18),
        (0, E18, False, E18),
        (MIN_TICK, MAX_UINT128, True, 1),
        (
            MIN_TICK,
            MAX_UINT128,
            False,
            115783384738768196242144082653949453838306988932806144552194799290216044976282,
        ),
        (
            MAX_TICK,
            MAX_UINT128,
            True,
            115783384785599357996676985412062652720342362943929506828539444553934033845703,
        ),
        (MAX_TICK, MAX_UINT128, False, 1),
    ],
)
def test_get_quote_at_tick(tick: int, amount: int, base_is_token0: bool, quote: int) -> None:
    assert get_quote_at_tick(tick, amount, base_is_token0) == quote


def test_twap_price_resists_a_last_block_push_that_moves_the_spot_price() -> None:
    pool = ConcentratedPool.from_price(
        "ETH/USDC", ("ETH", "USDC"), (18, 6), 3000, 2000.0, block_timestamp=1_700_000_000
    )
    pool.increase_observation_cardinality_next(100)
    pool.mint("lp", -887220, 887220, 10**15)
    for _ in range(60):  # an hour of quiet blocks: swaps that leave the tick where it is
        pool.block_timestamp += 60
        pool.swap_exact_in("USDC", "ETH", 1)
    with pytest.raises(PoolError, match="OLD"):
        pool.twap_price("ETH", "USDC", 3601)
    twap = pool.twap_price("ETH", "USDC", 3600)
    assert twap == pytest.approx(pool.spot_price("ETH", "USDC"), rel=1e-4)  # one tick
    pool.block_timestamp += 12
    pool.swap_exact_in("USDC", "ETH", 20_000_000 * 10**6)  # a flash-funded push
    assert pool.spot_price("ETH", "USDC") > 2 * twap
    pushed = pool.twap_price("ETH", "USDC", 3600)
    assert pushed == pytest.approx(twap, rel=1e-4)  # the push has not been held yet
    pool.block_timestamp += 12
    held = pool.twap_price("ETH", "USDC", 3600)
    # 12 of 3600 seconds at the pushed tick: the mean tick moves by that share of the jump
    jump = math.log(pool.spot_price("ETH", "USDC") / twap, 1.0001)
    assert math.log(held / twap, 1.0001) == pytest.approx(jump * 12 / 3600, abs=1)
    assert pool.twap_price("USDC", "ETH", 3600) == pytest.approx(1 / held, rel=1e-4)

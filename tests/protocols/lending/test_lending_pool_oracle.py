"""Lending oracles read from pools (sim/protocols/lending/pool_oracle.py): the V2 sliding
window against the pair's cumulative-price math on a known sequence, V3 against `observe`,
and a push inside the current block moving a spot feed but not a TWAP."""

from __future__ import annotations

import pytest

from sim.errors import ProtocolError
from sim.pools.uniswap_v2.oracle import Q112, fraction
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.protocols.lending import AssetParams, LendingSpec
from sim.protocols.lending.pool_oracle import SlidingWindowOracle, build, granularity_for
from tests.conftest import make_v2_pool

E18 = 10**18
T0 = 1_700_000_000


def usd(asset: str) -> float:
    return 1.0


def spec(oracle: str, window_s: int = 600) -> LendingSpec:
    return LendingSpec(
        assets={
            "ETH": AssetParams(ltv=0.6, liquidation_threshold=0.7, borrowable=False),
            "USDC": AssetParams(collateral=False),
        },
        oracle=oracle,
        twap_window_s=window_s,
    )


def test_granularity_divides_the_window_in_periods_of_a_block_or_more() -> None:
    assert granularity_for(1800, 12) == 24
    assert granularity_for(600, 12) == 24  # 25-second periods
    assert granularity_for(60, 12) == 5
    assert granularity_for(24, 12) == 2
    with pytest.raises(ProtocolError, match="GRANULARITY"):
        SlidingWindowOracle(600, 1)
    with pytest.raises(ProtocolError, match="EVENLY"):
        SlidingWindowOracle(601, 2)


def test_sliding_window_equals_the_cumulative_price_math_on_a_known_sequence() -> None:
    pair = make_v2_pool(1_000 * E18, 3_000_000 * 10**6)  # ETH/USDC at 3000
    pair.block_timestamp = T0
    pair.sync()
    window = SlidingWindowOracle(120, 2)  # two 60-second periods
    # (seconds since T0, USDC swapped in at that block): the price each second, by hand
    steps = [(12, 0), (24, 50_000), (36, 0), (48, -20), (60, 0), (72, 0), (84, 100_000)]
    prices: list[tuple[int, int]] = []  # (from t, price0 as UQ112x112)
    last = T0
    window.update(pair, T0)
    for dt, usdc in steps:
        t = T0 + dt
        pair.block_timestamp = t
        before = fraction(pair.reserve1, pair.reserve0)
        if usdc > 0:
            pair.swap_exact_in("USDC", "ETH", usdc * 10**6)
        elif usdc < 0:
            pair.swap_exact_in("ETH", "USDC", -usdc * E18)
        prices.append((last, before))
        last = t
        window.update(pair, t)
    now = T0 + 96
    pair.block_timestamp = now
    first = window.first_in_window(now)
    assert now - first.timestamp <= 120
    # the average from the first reading in the window to now, second by second
    end_price = fraction(pair.reserve1, pair.reserve0)
    segments = [*prices, (last, end_price)]
    edges = [*(s for s, _ in segments[1:]), now]
    total = sum(
        p * (max(hi, first.timestamp) - max(lo, first.timestamp))
        for (lo, p), hi in zip(segments, edges, strict=True)
    )
    average = total // (now - first.timestamp)
    assert window.consult(pair, "ETH", E18, now) == (average * E18) >> 112
    assert window.consult(pair, "USDC", 10**6, now) < Q112  # the other direction reads price1


def test_a_push_inside_the_block_moves_pool_spot_not_pool_twap() -> None:
    pair = make_v2_pool(1_000 * E18, 3_000_000 * 10**6)
    pair.block_timestamp = T0
    pools = {"eth_usdc": pair}
    spot = build(spec("pool_spot"), pools, usd, "USDC", 12)
    twap = build(spec("pool_twap", 600), pools, usd, "USDC", 12)
    for k in range(1, 80):  # quiet blocks, the keeper reading each one
        pair.block_timestamp = T0 + 12 * k
        twap.update()
    before = twap("ETH")
    assert before == pytest.approx(3000.0, rel=1e-9)
    pair.block_timestamp += 12
    pair.swap_exact_in("USDC", "ETH", 3_000_000 * 10**6)  # doubles the pool's USDC
    assert spot("ETH") == pytest.approx(12_000.0, rel=0.01)
    assert twap("ETH") == pytest.approx(before, rel=1e-12)  # unchanged in this block
    pair.block_timestamp += 12  # held for one block: 12 of 600 seconds at ~4x
    moved = twap("ETH")
    assert before < moved < before * (1 + 3 * 12 / 600 * 1.05)
    fork = pair.fork()
    fork.block_timestamp += 12
    fork.swap_exact_in("ETH", "USDC", 500 * E18)
    assert spot.read("ETH", {"eth_usdc": fork}) < spot("ETH") / 2  # a what-if on a fork
    assert twap("ETH") == moved  # the fork's trade left the live pair's oracle alone


def test_v3_feed_is_the_pools_observe_twap_and_grows_the_ring() -> None:
    pool = ConcentratedPool.from_price(
        "eth_usdc", ("ETH", "USDC"), (18, 6), 3000, 2000.0, block_timestamp=T0
    )
    pool.mint("lp", -887220, 887220, 10**15)
    feed = build(spec("pool_twap", 600), {"eth_usdc": pool}, usd, "USDC", 12)
    feed.update()
    assert pool.observation_cardinality_next == 600 // 12 + 2
    for _ in range(60):
        pool.block_timestamp += 12
        pool.swap_exact_in("USDC", "ETH", 10**6 * (1 + pool.block_timestamp % 7) * 1000)
    assert feed("ETH") == pool.twap_price("ETH", "USDC", 600)
    pool.block_timestamp += 12
    pool.swap_exact_in("USDC", "ETH", 10**13)  # a push in this block
    assert feed("ETH") == pool.twap_price("ETH", "USDC", 600)
    assert feed("ETH") < pool.spot_price("ETH", "USDC") / 2


def test_pool_twap_refuses_a_pool_without_an_oracle_and_unknown_pools() -> None:
    from tests.conftest import make_stableswap_pool

    curve = make_stableswap_pool()
    s = LendingSpec(
        assets={"T0": AssetParams(ltv=0.5, liquidation_threshold=0.6)},
        oracle="pool_twap",
        oracle_pool="test",
    )
    with pytest.raises(ProtocolError, match="keeps no price oracle"):
        build(s, {"test": curve}, usd, "T1", 12)
    with pytest.raises(ProtocolError, match="not a pool"):
        build(s, {}, usd, "T1", 12)


def test_in_the_block_of_the_keepers_reading_the_twap_is_the_price_it_read() -> None:
    pair = make_v2_pool(1_000 * E18, 3_000_000 * 10**6)
    pair.block_timestamp = T0
    pair.sync()
    feed = build(spec("pool_twap", 600), {"eth_usdc": pair}, usd, "USDC", 12)
    assert feed("ETH") == pytest.approx(3000.0)  # no reading yet (genesis): the spot price
    feed.update()
    pair.swap_exact_in("USDC", "ETH", 3_000_000 * 10**6)  # pushed in the same second
    assert pair.spot_price("ETH", "USDC") > 11_000
    assert feed("ETH") == (fraction(3_000_000 * 10**6, 1_000 * E18) * E18 >> 112) / 10**6

"""Uniswap V2's oracle: the pair's cumulative prices, sync, skim, and the periphery's TWAP.

The worked examples are v2-core's own `UniswapV2Pair.spec.ts` ('price{0,1}CumulativeLast',
'skim'-style transfers) and v2-periphery's `ExampleOracleSimple`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.errors import InvalidAmount
from sim.pools.uniswap_v2.library import UINT112_MAX
from sim.pools.uniswap_v2.oracle import (
    Q112,
    UINT32,
    UINT256,
    CumulativePrices,
    average_price,
    consult,
    fraction,
)
from sim.pools.uniswap_v2.pair import ConstantProductPool

E18 = 10**18
T0 = 1_700_000_000


def encode_price(reserve0: int, reserve1: int) -> tuple[int, int]:
    """v2-core's test helper `encodePrice`."""
    return reserve1 * Q112 // reserve0, reserve0 * Q112 // reserve1


def pair(r0: int = 3 * E18, r1: int = 3 * E18, at: int = T0) -> ConstantProductPool:
    pool = ConstantProductPool("p", ("A", "B"), (18, 18))
    pool.block_timestamp = at
    pool.mint("lp", r0, r1)
    return pool


def test_cumulative_prices_follow_the_v2_core_spec() -> None:
    pool = pair()
    assert pool.block_timestamp_last == T0 and pool.price0_cumulative_last == 0
    pool.block_timestamp = T0 + 1
    pool.sync()
    initial = encode_price(3 * E18, 3 * E18)
    assert (pool.price0_cumulative_last, pool.price1_cumulative_last) == initial
    assert pool.block_timestamp_last == T0 + 1

    pool.transfer_in(3 * E18, 0)  # token0.transfer(pair, swapAmount)
    pool.block_timestamp = T0 + 10
    pool.swap(0, E18, 0, 0)  # "swap to a new price eagerly instead of syncing"
    assert pool.price0_cumulative_last == initial[0] * 10
    assert pool.price1_cumulative_last == initial[1] * 10
    assert pool.get_reserves() == (6 * E18, 2 * E18)

    pool.block_timestamp = T0 + 20
    pool.sync()
    new = encode_price(6 * E18, 2 * E18)
    assert pool.price0_cumulative_last == initial[0] * 10 + new[0] * 10
    assert pool.price1_cumulative_last == initial[1] * 10 + new[1] * 10
    assert pool.block_timestamp_last == T0 + 20


def test_a_second_update_in_the_same_second_adds_nothing() -> None:
    pool = pair()
    pool.block_timestamp = T0 + 12
    pool.swap(0, E18 // 10, E18 // 5, 0)
    after_first = pool.price0_cumulative_last
    pool.swap(0, E18 // 10, E18 // 5, 0)  # moves the price, but no time has passed
    assert pool.price0_cumulative_last == after_first == encode_price(3 * E18, 3 * E18)[0] * 12


def test_an_empty_pair_accumulates_nothing_but_its_timestamp() -> None:
    pool = ConstantProductPool("p", ("A", "B"), (18, 18))
    pool.block_timestamp = T0 + 100
    pool.mint("lp", 5 * E18, E18)  # the first mint sees reserves of zero
    assert pool.price0_cumulative_last == pool.price1_cumulative_last == 0
    assert pool.block_timestamp_last == T0 + 100


def test_skim_pays_out_the_excess_and_leaves_reserves_and_oracle() -> None:
    pool = pair()
    pool.transfer_in(7, 11)
    assert pool.holdings() == {"A": 3 * E18 + 7, "B": 3 * E18 + 11}
    pool.block_timestamp = T0 + 5
    assert pool.skim() == (7, 11)
    assert pool.get_reserves() == (3 * E18, 3 * E18)
    assert pool.block_timestamp_last == T0 and pool.price0_cumulative_last == 0
    assert pool.skim() == (0, 0)


def test_sync_takes_a_donation_into_the_reserves() -> None:
    pool = pair()
    pool.transfer_in(E18, 0)
    pool.block_timestamp = T0 + 4
    pool.sync()
    assert pool.get_reserves() == (4 * E18, 3 * E18)
    assert pool.price0_cumulative_last == encode_price(3 * E18, 3 * E18)[0] * 4
    assert pool.skim() == (0, 0)


def test_a_donation_is_credited_to_the_next_minter_and_burners_share_it() -> None:
    pool = pair()
    pool.transfer_in(3 * E18, 3 * E18)
    minted = pool.mint("late", 0, 0)  # mint counts balanceOf(pair) - reserve
    assert minted == pool.balance_of["lp"] + 1000  # the same deposit as the first LP's
    pool.transfer_in(E18, 0)
    total = pool.total_supply
    a0, a1 = pool.burn("late", minted)
    assert a0 == minted * (6 * E18 + E18) // total and a1 == minted * 6 * E18 // total


def test_the_k_check_counts_transferred_input_one_wei_over_fails() -> None:
    pool = pair()
    pool.transfer_in(E18, 0)
    out = E18 * 9970 * 3 * E18 // (3 * E18 * 10_000 + E18 * 9970)  # getAmountOut
    with pytest.raises(Exception, match="UniswapV2: K"):
        pool.swap(0, out + 1, 0, 0)
    assert pool.holdings()["A"] == 4 * E18  # the revert left the excess where it was
    pool.swap(0, out, 0, 0)
    assert pool.get_reserves() == (4 * E18, 3 * E18 - out)


def test_a_transfer_past_uint112_is_held_and_only_the_next_update_reverts() -> None:
    """An ERC-20 balance is a uint256: the transfer succeeds, sync, mint and burn revert
    with 'UniswapV2: OVERFLOW' changing nothing, and skim pays the excess out (as on chain)."""
    pool = pair()
    big = UINT112_MAX - 3 * E18 + 10**30
    pool.transfer_in(big, 0)
    assert pool.holdings()["A"] == UINT112_MAX + 10**30
    pool.block_timestamp = T0 + 9
    pool.transfer_in(0, E18)  # for the mint
    before = (pool.get_reserves(), pool.total_supply, dict(pool.balance_of), replace(pool.oracle))
    # a small burn pays out too little of the excess to get under the cap
    for call in (pool.sync, lambda: pool.mint("lp", 0, 0), lambda: pool.burn("lp", 1000)):
        with pytest.raises(InvalidAmount, match=r"^UniswapV2: OVERFLOW"):
            call()
        assert (pool.get_reserves(), pool.total_supply, dict(pool.balance_of)) == before[:3]
        assert pool.oracle == before[3] and pool.block_timestamp_last == T0
    assert pool.skim() == (big, E18)
    pool.sync()
    assert pool.get_reserves() == (3 * E18, 3 * E18)


def test_timestamps_wrap_at_2_32_and_sums_at_2_256() -> None:
    prices = CumulativePrices(UINT256 - 1, 0, UINT32 - 2)
    prices.accumulate(E18, E18, UINT32 + 3)  # 5 seconds later, across the wrap
    assert prices.block_timestamp_last == 3
    assert prices.price0_cumulative_last == (UINT256 - 1 + Q112 * 5) % UINT256


def test_current_cumulative_prices_are_the_counterfactual_update() -> None:
    """`UniswapV2OracleLibrary.currentCumulativePrices` equals what a sync now would store."""
    pool = pair(2 * E18, 7 * E18)
    pool.block_timestamp = T0 + 30
    seen = pool.oracle.current(pool.reserve0, pool.reserve1, pool.block_timestamp)
    pool.sync()
    assert seen == (pool.price0_cumulative_last, pool.price1_cumulative_last, T0 + 30)


def test_twap_over_a_window_and_consult() -> None:
    """ExampleOracleSimple: 10 s at 1:1, 20 s at 1:4 → average 0.25*... exactly."""
    pool = pair(4 * E18, 4 * E18)
    start = pool.oracle.current(pool.reserve0, pool.reserve1, T0)
    pool.block_timestamp = T0 + 10
    pool.transfer_in(4 * E18, 0)
    pool.sync()  # 8:4 from now on: 0.5 token1 per token0
    end = pool.oracle.current(pool.reserve0, pool.reserve1, T0 + 30)
    avg = average_price(start[0], end[0], 30)
    assert avg == (Q112 * 10 + (Q112 // 2) * 20) // 30  # (1*10 + 0.5*20) / 30 = 2/3
    assert consult(avg, 3 * E18) == avg * 3 * E18 >> 112
    assert consult(avg, 3 * E18) in (2 * E18 - 1, 2 * E18)
    with pytest.raises(InvalidAmount, match="PERIOD_NOT_ELAPSED"):
        average_price(start[0], end[0], 0)


@given(st.integers(1, 2**112 - 1), st.integers(1, 2**112 - 1), st.integers(1, 2**31))
def test_the_average_of_a_constant_price_is_that_price(r0: int, r1: int, seconds: int) -> None:
    prices = CumulativePrices(block_timestamp_last=0)
    prices.accumulate(r0, r1, seconds)
    assert average_price(0, prices.price0_cumulative_last, seconds) == fraction(r1, r0)
    assert average_price(0, prices.price1_cumulative_last, seconds) == fraction(r0, r1)

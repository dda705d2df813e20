"""UniswapV3Pool.flash (sim/pools/uniswap_v3/flash.py) against v3-core's test/UniswapV3Pool.spec.ts.

The spec's pool: fee 3000, initialised at 1:1 with 2e18 liquidity over all ticks; its `flash`
helper repays amount + mulDivRoundingUp(amount, fee, 1e6) unless told what to pay.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InsufficientLiquidity, PoolError
from sim.pools.uniswap_v3.core import UniswapV3Pool
from sim.pools.uniswap_v3.fixed_point import Q128
from sim.pools.uniswap_v3.tick_math import MIN_SQRT_RATIO
from tests.conftest import encode_price_sqrt

MIN_TICK, MAX_TICK = -887220, 887220
LIQUIDITY = 2 * 10**18


def make_pool(*, liquidity: int = LIQUIDITY) -> UniswapV3Pool:
    pool = UniswapV3Pool("T0/T1", ("T0", "T1"), (18, 18), 3000, block_timestamp=1601906400)
    pool.initialize(encode_price_sqrt(1, 1))
    if liquidity:
        pool.mint("wallet", MIN_TICK, MAX_TICK, liquidity)
    return pool


def state(pool: UniswapV3Pool) -> tuple[object, ...]:
    return (
        pool.balance0,
        pool.balance1,
        pool.fee_growth_global0_x128,
        pool.fee_growth_global1_x128,
        tuple(pool.protocol_fees),
        pool.unlocked,
    )


def growth(paid: int) -> int:
    """What the spec expects: paid x 2**128 / 2e18."""
    return paid * Q128 // LIQUIDITY


def test_flash_fails_if_not_initialized_or_without_liquidity() -> None:
    fresh = UniswapV3Pool("T0/T1", ("T0", "T1"), (18, 18), 3000)
    with pytest.raises(PoolError):
        fresh.flash(100, 200)
    empty = make_pool(liquidity=0)
    for amounts in ((100, 200), (100, 0), (0, 200)):
        with pytest.raises(InsufficientLiquidity, match="L: "):
            empty.flash(*amounts)


def test_flash_fees_and_what_the_pool_gains() -> None:
    pool = make_pool()
    assert pool.flash_fees(1001, 2001) == (4, 7)
    assert pool.flash(1001, 2001) == (4, 7)  # the Flash event's paid0, paid1


def test_flash_calls_back_with_the_fees_while_the_loan_is_out() -> None:
    pool = make_pool()
    balances = pool.balance0, pool.balance1
    seen: list[tuple[int, ...]] = []

    def callback(fee0: int, fee1: int) -> tuple[int, int]:
        seen.append((fee0, fee1, pool.balance0, pool.balance1, pool.unlocked))
        return 1001 + fee0, 2002 + fee1

    assert pool.flash(1001, 2002, callback=callback) == (4, 7)
    assert seen == [(4, 7, balances[0] - 1001, balances[1] - 2002, False)]
    assert (pool.balance0, pool.balance1) == (balances[0] + 4, balances[1] + 7)
    assert pool.unlocked


def test_flash_increases_the_fee_growth() -> None:
    pool = make_pool()
    pool.flash(1001, 2002)
    assert pool.fee_growth_global0_x128 == growth(4)
    assert pool.fee_growth_global1_x128 == growth(7)


def test_flash_can_lend_the_whole_balance_but_not_a_wei_more() -> None:
    pool = make_pool()
    balance0, balance1 = pool.balance0, pool.balance1
    before = state(pool)
    for amounts in ((balance0 + 1, balance1), (balance0, balance1 + 1)):
        with pytest.raises(InsufficientLiquidity, match="TF: "):
            pool.flash(*amounts)
    assert state(pool) == before
    pool.flash(balance0, balance1)
    fee0, fee1 = pool.flash_fees(balance0, balance1)
    assert (pool.balance0, pool.balance1) == (balance0 + fee0, balance1 + fee1)


def test_flash_of_nothing_is_a_no_op() -> None:
    pool = make_pool()
    before = state(pool)
    assert pool.flash(0, 0) == (0, 0)
    assert state(pool) == before


@pytest.mark.parametrize(
    ("amounts", "pay"),
    [
        ((1000, 0), (999, 0)),  # the principal not returned
        ((0, 1000), (0, 999)),
        ((1000, 0), (1002, 0)),  # the fee (3) underpaid by a wei
        ((0, 1000), (0, 1002)),
    ],
)
def test_flash_reverts_when_underpaid_and_leaves_the_pool_unchanged(
    amounts: tuple[int, int], pay: tuple[int, int]
) -> None:
    pool = make_pool()
    before = state(pool)
    with pytest.raises(PoolError, match="F0: " if amounts[0] else "F1: "):
        pool.flash(*amounts, *pay)
    assert state(pool) == before
    pay_exact = tuple(a + 3 if a else 0 for a in amounts)  # 1000 x 0.3%: the loan plus 3
    assert pool.flash(*amounts, *pay_exact) == tuple(3 if a else 0 for a in amounts)


@pytest.mark.parametrize(
    ("donation", "expected_growth"),
    [((567, 0), (567, 0)), ((0, 678), (0, 678)), ((789, 1234), (789, 1234))],
)
def test_flash_accepts_donations_fee_off(
    donation: tuple[int, int], expected_growth: tuple[int, int]
) -> None:
    pool = make_pool()
    assert pool.flash(0, 0, *donation) == donation
    assert pool.fee_growth_global0_x128 == growth(expected_growth[0])
    assert pool.fee_growth_global1_x128 == growth(expected_growth[1])


def test_flash_with_the_protocol_fee_on() -> None:
    pool = make_pool()
    pool.set_fee_protocol(6, 6)
    assert pool.flash(1001, 2001) == (4, 7)
    pool = make_pool()
    pool.set_fee_protocol(6, 6)
    pool.flash(2002, 4004)  # fees 7 and 13: the protocol takes 1/6 of each, rounded down
    assert pool.protocol_fees == [1, 2]
    assert (pool.fee_growth_global0_x128, pool.fee_growth_global1_x128) == (growth(6), growth(11))


@pytest.mark.parametrize(
    ("donation", "protocol", "lp"),
    [
        ((567, 0), (94, 0), (473, 0)),
        ((0, 678), (0, 113), (0, 565)),
        ((789, 1234), (131, 205), (658, 1029)),
    ],
)
def test_flash_donations_with_the_protocol_fee_on(
    donation: tuple[int, int], protocol: tuple[int, int], lp: tuple[int, int]
) -> None:
    pool = make_pool()
    pool.set_fee_protocol(6, 6)
    pool.flash(0, 0, *donation)
    assert tuple(pool.protocol_fees) == protocol
    assert (pool.fee_growth_global0_x128, pool.fee_growth_global1_x128) == tuple(map(growth, lp))


def test_the_pool_is_locked_during_the_callback_and_a_revert_undoes_the_loan() -> None:
    pool = make_pool()
    before = state(pool)

    def reenter(fee0: int, fee1: int) -> tuple[int, int]:
        pool.swap(True, 10**15, MIN_SQRT_RATIO + 1)  # the contract's 'LOK'
        return 0, 0

    with pytest.raises(PoolError, match="LOK"):
        pool.flash(10**18, 0, callback=reenter)
    assert state(pool) == before

    def fail(fee0: int, fee1: int) -> tuple[int, int]:
        raise PoolError("the borrower's trade reverted")

    with pytest.raises(PoolError, match="borrower"):
        pool.flash(10**18, 10**18, callback=fail)
    assert state(pool) == before
    pool.swap(True, 10**15, MIN_SQRT_RATIO + 1)  # unlocked again


@settings(max_examples=100, deadline=None)
@given(
    fee_pips=st.sampled_from([100, 500, 3000, 10000]),
    amount0=st.integers(0, 10**18),
    amount1=st.integers(0, 10**18),
    protocol=st.sampled_from([0, 4, 5, 10]),
)
def test_exact_repayment_passes_and_one_wei_less_fails(
    fee_pips: int, amount0: int, amount1: int, protocol: int
) -> None:
    pool = UniswapV3Pool("T0/T1", ("T0", "T1"), (18, 18), fee_pips)
    pool.initialize(encode_price_sqrt(1, 1))
    pool.mint("wallet", -886800, 886800, LIQUIDITY)  # a multiple of every spacing
    pool.set_fee_protocol(protocol, protocol)
    fee0, fee1 = pool.flash_fees(amount0, amount1)
    assert fee0 * 10**6 >= amount0 * fee_pips > (fee0 - 1) * 10**6 or amount0 == fee0 == 0
    before = state(pool)
    if fee0:
        with pytest.raises(PoolError, match="F0"):
            pool.flash(amount0, amount1, amount0 + fee0 - 1, amount1 + fee1)
    if fee1:
        with pytest.raises(PoolError, match="F1"):
            pool.flash(amount0, amount1, amount0 + fee0, amount1 + fee1 - 1)
    assert state(pool) == before
    assert pool.flash(amount0, amount1) == (fee0, fee1)
    kept0 = fee0 - (fee0 // protocol if protocol else 0)
    assert pool.fee_growth_global0_x128 == kept0 * Q128 // LIQUIDITY
    assert pool.balance0 == before[0] + fee0

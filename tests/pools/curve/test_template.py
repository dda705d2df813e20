"""SwapTemplateBase.vy (sim/pools/curve/template.py): worked examples, typed and atomic reverts, the A
ramp and the D cache."""

from __future__ import annotations

import pytest
from conftest import make_stableswap_pool as make_pool
from conftest import stableswap_state as snapshot

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError, SlippageExceeded
from sim.pools.base import Pool
from sim.pools.curve.newton import A_PRECISION
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.curve.template import FEE_DENOMINATOR, MIN_RAMP_TIME

pytestmark = pytest.mark.usefixtures("stableswap_kernel")
E18 = 10**18


def test_balanced_first_deposit_mints_the_sum_and_virtual_price_is_one() -> None:
    # For x0 == x1 the invariant is exactly D = x0 + x1, so the first mint is the sum.
    pool = make_pool()
    assert pool.total_supply == 2_000_000 * E18
    assert pool.balance_of == {"seed": 2_000_000 * E18}
    assert pool.get_virtual_price() == E18
    assert pool.holdings() == {"T0": 10**24, "T1": 10**24}
    assert pool.kind == "stableswap"
    assert isinstance(pool, Pool)


def test_3pool_decimals_rates_and_first_deposit() -> None:
    pool = make_pool((18, 6, 6), A=2000, fee=1_000_000)
    assert pool.RATES == (10**18, 10**30, 10**30)
    assert pool.PRECISION_MUL == (1, 10**12, 10**12)
    assert pool._xp() == [10**24] * 3
    assert pool.total_supply == 3_000_000 * E18
    assert pool.get_virtual_price() == E18
    # 1 wei of a 6-decimal coin is 1e12 wei of the 18-decimal coin, less the 1 bp fee
    assert pool.get_dy(1, 0, 1) == 999_900_000_000
    # 1 USDC buys 0.9999 USDT minus the -1 wei rounding on 1e18-scaled balances
    assert pool.get_dy(1, 2, 10**6) == 999_899


def test_fee_is_taken_from_the_output_and_admin_share_leaves_balances() -> None:
    no_fee = make_pool(fee=0, whole=(1_000_000, 3_000_000))
    with_fee = make_pool(fee=4_000_000, whole=(1_000_000, 3_000_000))
    dx = 12_345 * E18
    raw = no_fee.get_dy(0, 1, dx)  # xp[j] - y - 1 for 18 decimals
    expected_fee = raw * 4_000_000 // FEE_DENOMINATOR
    before = list(with_fee.balances)
    swap = with_fee.swap_exact_in("T0", "T1", dx)
    assert swap.amount_out == raw - expected_fee
    assert swap.fee == expected_fee
    assert swap.fee_token == "T1"
    admin = expected_fee * 5_000_000_000 // FEE_DENOMINATOR
    assert with_fee.admin_balances == [0, admin]
    assert with_fee.balances == [before[0] + dx, before[1] - swap.amount_out - admin]
    assert with_fee.holdings()["T1"] == before[1] - swap.amount_out
    assert with_fee.withdraw_admin_fees() == [0, admin]
    assert with_fee.admin_balances == [0, 0]


def test_get_dy_equals_exchange_output_and_quote_never_mutates() -> None:
    pool = make_pool((18, 6, 6), A=2000, fee=1_000_000, whole=(2_000_000, 900_000, 1_500_000))
    before = snapshot(pool)
    q = pool.quote_exact_in("T1", "T0", 50_000 * 10**6)
    assert snapshot(pool) == before
    assert pool.exchange(1, 0, 50_000 * 10**6, q) == q


def test_imbalanced_add_liquidity_pays_the_imbalance_fee() -> None:
    pool = make_pool(fee=4_000_000)
    balanced = make_pool(fee=4_000_000)
    one_sided = pool.add_liquidity([100_000 * E18, 0], 0, "alice")
    even = balanced.add_liquidity([50_000 * E18, 50_000 * E18], 0, "alice")
    assert one_sided < even  # same value deposited, the imbalanced one pays
    assert even == 100_000 * E18  # balanced deposit: no fee, exact proportional mint
    assert pool.calc_token_amount([100_000 * E18, 0], True) > 0
    # a fee-free calc_token_amount overstates the fee-paying mint
    fresh = make_pool(fee=4_000_000)
    assert fresh.calc_token_amount([100_000 * E18, 0], True) > one_sided
    assert pool.admin_balances[0] > 0 and pool.admin_balances[1] > 0


def test_remove_liquidity_is_proportional_and_rounds_down() -> None:
    pool = make_pool((18, 6), whole=(1_000_000, 3_000_000))
    supply = pool.total_supply
    burn = supply // 3 + 1
    expected = [b * burn // supply for b in pool.balances]
    assert pool.remove_liquidity(burn, expected, "seed") == expected
    assert pool.total_supply == supply - burn
    assert pool.balance_of["seed"] == supply - burn


def test_remove_liquidity_one_coin_matches_calc_and_charges_admin_fee() -> None:
    pool = make_pool((18, 6, 6), A=2000, fee=1_000_000)
    lp = 10_000 * E18
    quote = pool.calc_withdraw_one_coin(lp, 1)
    dy, dy_fee, supply = pool._calc_withdraw_one_coin(lp, 1)
    assert (quote, supply) == (dy, pool.total_supply)
    before = pool.balances[1]
    assert pool.remove_liquidity_one_coin(lp, 1, quote, "seed") == quote
    assert pool.admin_balances[1] == dy_fee * 5_000_000_000 // FEE_DENOMINATOR
    assert pool.balances[1] == before - quote - pool.admin_balances[1]
    assert 9_990 * 10**6 < quote < 10_000 * 10**6


def test_remove_liquidity_imbalance_burns_one_extra_and_at_least_calc() -> None:
    pool = make_pool((18, 6, 6), A=2000, fee=1_000_000)
    amounts = [1000 * E18, 0, 3000 * 10**6]
    calc = pool.calc_token_amount(amounts, False)
    burned = pool.remove_liquidity_imbalance(amounts, calc * 2, "seed")
    assert burned > calc
    with pytest.raises(SlippageExceeded, match="Slippage screwed you"):
        pool.remove_liquidity_imbalance(amounts, calc, "seed")


def test_reverts_are_typed_and_atomic() -> None:
    pool = make_pool((18, 6, 6))
    before = snapshot(pool)
    q = pool.get_dy(0, 1, E18)
    cases = [
        (SlippageExceeded, "fewer coins than expected", lambda: pool.exchange(0, 1, E18, q + 1)),
        (InvalidAmount, "itself", lambda: pool.exchange(1, 1, E18, 0)),
        (InvalidAmount, "0..2", lambda: pool.exchange(0, 3, E18, 0)),
        (InvalidAmount, "positive", lambda: pool.exchange(0, 1, 0, 0)),
        (InvalidAmount, "positive", lambda: pool.get_dy(0, 1, -5)),
        (InvalidAmount, "not 'X'", lambda: pool.quote_exact_in("X", "T0", 1)),
        (InvalidAmount, "3 amounts", lambda: pool.add_liquidity([1, 2], 0, "a")),
        (InvalidAmount, "negative", lambda: pool.add_liquidity([1, -2, 3], 0, "a")),
        (InvalidAmount, "increase", lambda: pool.add_liquidity([0, 0, 0], 0, "a")),
        (
            SlippageExceeded,
            "Slippage screwed",
            lambda: pool.add_liquidity([E18, 0, 0], 10**30, "a"),
        ),
        (InvalidAmount, "holds 0 LP", lambda: pool.remove_liquidity(1, [0, 0, 0], "nobody")),
        (
            SlippageExceeded,
            "Withdrawal resulted in fewer",
            lambda: pool.remove_liquidity(E18, [10**30, 0, 0], "seed"),
        ),
        (
            SlippageExceeded,
            "Not enough coins",
            lambda: pool.remove_liquidity_one_coin(E18, 0, E18, "seed"),
        ),
        (InvalidAmount, "holds 0 LP", lambda: pool.remove_liquidity_one_coin(E18, 0, 0, "nobody")),
        (InvalidAmount, "out of range", lambda: pool.calc_withdraw_one_coin(E18, 5)),
        (
            InvalidAmount,
            "zero LP",
            lambda: pool.remove_liquidity_imbalance([0, 0, 0], 10**30, "seed"),
        ),
        (
            InsufficientLiquidity,
            "cannot withdraw",
            lambda: pool.remove_liquidity_imbalance([10**30, 0, 0], 10**40, "seed"),
        ),
        (
            InvalidAmount,
            "holds 0 LP",
            lambda: pool.remove_liquidity_imbalance([E18, 0, 0], 10**30, "x"),
        ),
    ]
    for error, message, call in cases:
        with pytest.raises(error, match=message):
            call()
        assert snapshot(pool) == before


def test_floats_never_enter_the_pool_math() -> None:
    pool = make_pool()
    before = snapshot(pool)
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.exchange(0, 1, 1e18, 0)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.get_dy(0, 1, True)
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.add_liquidity([1.5, 2], 0, "a")  # type: ignore[list-item]
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.remove_liquidity_one_coin(1e18, 0, 0, "seed")  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.ramp_A(200.0, 10**9)  # type: ignore[arg-type]
    assert snapshot(pool) == before
    with pytest.raises(PoolError, match="A must be a Python int"):
        StableSwapPool("p", ("A", "B"), (18, 18), 100.0, 0)  # type: ignore[arg-type]
    with pytest.raises(PoolError, match=r"decimals\[1\] must be a Python int"):
        StableSwapPool("p", ("A", "B"), (18, 6.0), 100, 0)  # type: ignore[arg-type]


def test_first_deposit_needs_every_coin_and_empty_pool_reverts() -> None:
    pool = StableSwapPool("p", ("A", "B"), (18, 18), 100, 4_000_000)
    with pytest.raises(InvalidAmount, match="initial deposit requires all coins"):
        pool.add_liquidity([E18, 0], 0, "a")
    with pytest.raises(PoolError, match="empty"):
        pool.get_virtual_price()
    with pytest.raises(PoolError, match="empty"):
        pool.calc_token_amount([E18, E18], True)
    assert pool.arb_amount_in("A", "B", 2.0) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tokens": ("A",), "decimals": (18,)}, "2 to 4 coins"),
        ({"tokens": ("A", "B", "C", "D", "E"), "decimals": (18,) * 5}, "2 to 4 coins"),
        ({"tokens": ("A", "A"), "decimals": (18, 18)}, "distinct"),
        ({"decimals": (18,)}, "need 2 decimals"),
        ({"decimals": (18, 19)}, "decimals must be 0 to 18"),
        ({"A": 0}, "A must be between"),
        ({"A": 10**6}, "A must be between"),
        ({"fee": 5 * 10**9 + 1}, "fee must be"),
        ({"admin_fee": 10**10 + 1}, "admin_fee must be"),
    ],
)
def test_constructor_rejects_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "name": "p",
        "tokens": ("A", "B"),
        "decimals": (18, 18),
        "A": 100,
        "fee": 4_000_000,
    }
    args.update(kwargs)
    with pytest.raises(PoolError, match=message):
        StableSwapPool(**args)  # type: ignore[arg-type]


def contract_A(A0: int, A1: int, t0: int, t1: int, now: int) -> int:
    """SwapTemplateBase.vy _A written out independently, in A_PRECISION units."""
    if now >= t1:
        return A1
    if A1 > A0:
        return A0 + (A1 - A0) * (now - t0) // (t1 - t0)
    return A0 - (A0 - A1) * (now - t0) // (t1 - t0)


@pytest.mark.parametrize(("start", "target"), [(100, 1000), (1000, 100), (7, 63), (500, 51)])
def test_ramp_A_interpolates_like_the_contract(start: int, target: int) -> None:
    pool = make_pool(A=start)
    t0 = 1_700_000_000
    t1 = t0 + 7 * 86400 + 1234
    pool.block_timestamp = t0
    pool.ramp_A(target, t1)
    for now in (t0, t0 + 1, t0 + 3600, t0 + 86400, (t0 + t1) // 2, t1 - 1, t1, t1 + 10**6):
        pool.block_timestamp = now
        expected = contract_A(start * A_PRECISION, target * A_PRECISION, t0, t1, now)
        assert pool.A_precise() == expected
        assert pool.A() == expected // A_PRECISION
    # mid-ramp the swap math uses the interpolated, non-integer A
    pool.block_timestamp = t0 + 100_003
    assert pool.A_precise() % A_PRECISION != 0
    q = pool.get_dy(0, 1, 1000 * E18)
    assert pool.exchange(0, 1, 1000 * E18, 0) == q


def test_ramp_A_rules_and_stop_ramp_A() -> None:
    pool = make_pool(A=100)
    pool.block_timestamp = MIN_RAMP_TIME - 1
    with pytest.raises(PoolError, match="since the last ramp"):
        pool.ramp_A(200, 10 * MIN_RAMP_TIME)
    now = 10 * MIN_RAMP_TIME
    pool.block_timestamp = now
    with pytest.raises(PoolError, match="insufficient time"):
        pool.ramp_A(200, now + MIN_RAMP_TIME - 1)
    with pytest.raises(PoolError, match="factor 10"):
        pool.ramp_A(1001, now + MIN_RAMP_TIME)
    with pytest.raises(PoolError, match="factor 10"):
        pool.ramp_A(9, now + MIN_RAMP_TIME)
    with pytest.raises(PoolError, match="between 1 and"):
        pool.ramp_A(0, now + MIN_RAMP_TIME)
    pool.ramp_A(1000, now + MIN_RAMP_TIME)  # the limits themselves are allowed
    pool.block_timestamp = now + MIN_RAMP_TIME // 4
    frozen = pool.A_precise()
    assert frozen == 100 * A_PRECISION + 900 * A_PRECISION // 4
    pool.stop_ramp_A()
    pool.block_timestamp = now + 10 * MIN_RAMP_TIME
    assert pool.A_precise() == frozen
    # a second ramp must wait MIN_RAMP_TIME after the stop
    pool.block_timestamp = now + MIN_RAMP_TIME // 4 + MIN_RAMP_TIME - 1
    with pytest.raises(PoolError, match="since the last ramp"):
        pool.ramp_A(frozen // A_PRECISION, pool.block_timestamp + MIN_RAMP_TIME)


def test_changing_A_changes_D_and_the_cache_follows() -> None:
    pool = make_pool(A=10, whole=(1_000_000, 5_000_000))
    d_low = pool.get_D(pool._xp(), pool.A_precise())
    q_low = pool.get_dy(0, 1, 100_000 * E18)
    pool.block_timestamp = 10 * MIN_RAMP_TIME
    pool.ramp_A(100, 20 * MIN_RAMP_TIME)
    pool.block_timestamp = 20 * MIN_RAMP_TIME
    d_high = pool.get_D(pool._xp(), pool.A_precise())
    assert d_high > d_low  # an imbalanced pool's D grows with A
    q_high = pool.get_dy(0, 1, 100_000 * E18)
    assert q_high < q_low  # T0 is scarce: on the flatter curve it buys less of T1
    # the cached D of the current state equals a fresh computation
    assert pool._get_D_cached(pool._xp(), pool._A()) == d_high
    pool.balances[0] += E18  # even a direct edit of balances invalidates the cache
    assert pool._get_D_cached(pool._xp(), pool._A()) == pool.get_D(pool._xp(), pool._A())


def test_D_is_carried_between_calls_on_an_unchanged_state() -> None:
    pool = make_pool((18, 6, 6), whole=(1_000_000, 2_000_000, 3_000_000))
    computed: list[list[int]] = []
    real_get_D = pool.get_D

    def counting_get_D(xp: list[int], amp: int) -> int:
        computed.append(list(xp))
        return real_get_D(xp, amp)

    pool.get_D = counting_get_D  # type: ignore[method-assign]
    quote = pool.get_dy(0, 1, 10**21)
    pool.get_dy(0, 2, 10**21)
    pool.calc_withdraw_one_coin(10**21, 2)
    pool.get_virtual_price()
    assert pool.exchange(0, 1, 10**21, quote) == quote
    assert len(computed) == 1  # one D for four views and the exchange on the same state
    pool.get_dy(1, 0, 10**6)
    assert len(computed) == 2  # the exchange changed the balances: a fresh D
    assert computed[1] == pool._xp()

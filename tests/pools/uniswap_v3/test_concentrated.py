"""Uniswap V3 pool: conservation, fee accounting, exactness against closed forms."""

from __future__ import annotations

import copy
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import (
    InsufficientLiquidity,
    InvalidAmount,
    InvariantViolated,
    PoolError,
    SlippageExceeded,
)
from sim.pools.uniswap_v3.core import DEFAULT_TICK_SPACING
from sim.pools.uniswap_v3.fixed_point import Q96
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.safe_cast import MAX_INT256, MAX_UINT128
from sim.pools.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
)
from sim.pools.uniswap_v3.views import (
    nearest_usable_tick,
    price_to_tick,
    ranged_il,
    sqrt_price_x96_from_price,
)

E18 = 10**18
T0, T1 = "T0", "T1"


def make_pool(
    fee_pips: int = 3000, price: float = 1.0, tick_spacing: int | None = None
) -> ConcentratedPool:
    return ConcentratedPool.from_price("T0/T1", (T0, T1), (18, 18), fee_pips, price, tick_spacing)


class Ledger:
    """Wallet balances of everyone trading with one pool (all start at zero)."""

    def __init__(self, pool: ConcentratedPool) -> None:
        self.pool = pool
        self.wallets: dict[str, list[int]] = {}
        self.swap_steps = 0
        self.inflow = [0, 0]  # everything paid into the pool
        self.swaps = 0

    def _wallet(self, who: str) -> list[int]:
        return self.wallets.setdefault(who, [0, 0])

    def mint(self, who: str, lower: int, upper: int, liquidity: int) -> tuple[int, int]:
        amount0, amount1 = self.pool.mint(who, lower, upper, liquidity)
        wallet = self._wallet(who)
        wallet[0] -= amount0
        wallet[1] -= amount1
        self.inflow[0] += amount0
        self.inflow[1] += amount1
        return amount0, amount1

    def collect_all(self, who: str, lower: int, upper: int) -> tuple[int, int]:
        amount0, amount1 = self.pool.collect(who, lower, upper, MAX_UINT128, MAX_UINT128)
        wallet = self._wallet(who)
        wallet[0] += amount0
        wallet[1] += amount1
        return amount0, amount1

    def swap(self, who: str, zero_for_one: bool, amount: int) -> tuple[int, int]:
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        amount0, amount1 = self.pool.swap(zero_for_one, amount, limit)
        self.swap_steps += self.pool.last_swap_steps
        self.inflow[0] += max(amount0, 0)
        self.inflow[1] += max(amount1, 0)
        self.swaps += 1
        wallet = self._wallet(who)
        wallet[0] -= amount0
        wallet[1] -= amount1
        return amount0, amount1

    def totals(self) -> tuple[int, int]:
        """Tokens in all wallets plus the pool: constant (zero) if nothing is created or lost."""
        total0 = sum(w[0] for w in self.wallets.values()) + self.pool.balance0
        total1 = sum(w[1] for w in self.wallets.values()) + self.pool.balance1
        return total0, total1

    def withdraw_everything(self) -> None:
        for (owner, lower, upper), position in list(self.pool.positions.items()):
            if position.liquidity:
                self.pool.burn(owner, lower, upper, position.liquidity)
            self.collect_all(owner, lower, upper)


LADDER = {  # owner -> (tick_lower, tick_upper): overlapping ranges around price 1
    "alice": (-6000, 6000),
    "bob": (-600, 600),
    "carol": (-1200, -120),
    "dave": (120, 1800),
    "erin": (-3000, -1800),
    "frank": (3000, 4800),
}


def ladder_pool(fee_pips: int = 3000) -> tuple[ConcentratedPool, Ledger]:
    pool = make_pool(fee_pips)
    ledger = Ledger(pool)
    for owner, (lower, upper) in LADDER.items():
        ledger.mint(owner, lower, upper, 10**21)
    return pool, ledger


# ---------------------------------------------------------------- construction


@pytest.mark.parametrize(("fee_pips", "spacing"), sorted(DEFAULT_TICK_SPACING.items()))
def test_fee_tiers_have_the_factory_tick_spacings(fee_pips: int, spacing: int) -> None:
    pool = make_pool(fee_pips)
    assert pool.tick_spacing == spacing
    assert pool.fee_bps == fee_pips / 100
    assert pool.kind == "concentrated"


def test_non_standard_fee_needs_a_tick_spacing() -> None:
    with pytest.raises(InvalidAmount, match="tick_spacing"):
        make_pool(2500)
    assert make_pool(2500, tick_spacing=50).tick_spacing == 50
    with pytest.raises(InvalidAmount):
        make_pool(3000, tick_spacing=0)
    with pytest.raises(InvalidAmount):
        make_pool(1_000_000, tick_spacing=1)


def test_initialize_sets_tick_once_and_spot_price_reads_decimals() -> None:
    pool = ConcentratedPool("WETH/USDC", ("WETH", "USDC"), (18, 6), 500)
    with pytest.raises(PoolError, match="initialize"):
        pool.mint("a", -10, 10, 1)
    pool.initialize(sqrt_price_x96_from_price(2000.0, 18, 6))
    assert pool.tick == price_to_tick(2000.0, 18, 6)
    assert pool.spot_price("WETH", "USDC") == pytest.approx(2000.0, rel=1e-12)
    assert pool.spot_price("USDC", "WETH") == pytest.approx(1 / 2000.0, rel=1e-12)
    with pytest.raises(PoolError, match="already"):
        pool.initialize(Q96)


def test_mint_checks_ticks_like_the_contract() -> None:
    pool = make_pool()
    with pytest.raises(InvalidAmount, match="multiples"):
        pool.mint("a", -59, 60, E18)
    with pytest.raises(InvalidAmount, match="below"):
        pool.mint("a", 60, 60, E18)
    with pytest.raises(InvalidAmount, match="within"):
        pool.mint("a", -60, MAX_TICK + 60 - MAX_TICK % 60, E18)
    with pytest.raises(InvalidAmount):
        pool.mint("a", -60, 60, 0)
    assert pool.ticks == {} and pool.positions == {}


# ---------------------------------------------------------------- mint / burn / collect


def test_mint_amounts_depend_on_where_the_price_is_and_round_up() -> None:
    pool = make_pool()
    below = pool.mint("a", 600, 1200, E18)  # range above the price: token0 only
    above = pool.mint("a", -1200, -600, E18)  # range below the price: token1 only
    inside = pool.mint("a", -600, 600, E18)
    assert below[0] > 0 and below[1] == 0
    assert above[0] == 0 and above[1] > 0
    assert inside[0] > 0 and inside[1] > 0
    assert pool.liquidity == E18  # only the in-range position is active
    # burning straight back pays at most what was paid, at most 1 wei less
    burned = pool.burn("a", -600, 600, E18)
    assert inside[0] - 1 <= burned[0] <= inside[0]
    assert inside[1] - 1 <= burned[1] <= inside[1]
    assert pool.collect("a", -600, 600, MAX_UINT128, MAX_UINT128) == burned
    assert pool.liquidity == 0


def test_burn_more_than_owned_reverts_and_changes_nothing() -> None:
    pool, _ = ladder_pool()
    before = copy.deepcopy(pool.__dict__)
    with pytest.raises(InsufficientLiquidity, match="cannot burn"):
        pool.burn("bob", -600, 600, 10**21 + 1)
    with pytest.raises(InvalidAmount, match="no liquidity"):
        pool.burn("nobody", -600, 600, 0)
    assert pool.__dict__ == before


def test_collect_pays_at_most_what_is_owed() -> None:
    pool, _ = ladder_pool()
    owed = pool.burn("bob", -600, 600, 10**20)
    assert pool.collect("bob", -600, 600, 5, 7) == (5, 7)
    assert pool.collect("bob", -600, 600, MAX_UINT128, MAX_UINT128) == (owed[0] - 5, owed[1] - 7)
    assert pool.collect("bob", -600, 600, MAX_UINT128, MAX_UINT128) == (0, 0)


# ---------------------------------------------------------------- swaps


def test_swap_crossing_several_ticks_conserves_tokens_exactly() -> None:
    pool, ledger = ladder_pool()
    ledger.swap("trader", True, 150 * E18)
    assert pool.last_swap_ticks_crossed >= 3
    assert ledger.totals() == (0, 0)
    ledger.swap("trader", False, -200 * E18)  # exact output back up, crossing again
    assert pool.last_swap_ticks_crossed >= 3
    assert ledger.totals() == (0, 0)
    ledger.withdraw_everything()
    assert ledger.totals() == (0, 0)
    # everything owed was paid; only rounding dust (in the pool's favour) remains
    assert 0 <= pool.balance0 <= 20 and 0 <= pool.balance1 <= 20
    assert pool.liquidity == 0 and pool.ticks == {} and pool.initialized_ticks == []
    assert pool.positions == {}


def test_fees_collected_match_fees_charged_within_rounding() -> None:
    pool, _ = ladder_pool()
    charged = [0, 0]
    steps = [0, 0]
    for i in range(12):
        token_in, token_out = (T0, T1) if i % 2 == 0 else (T1, T0)
        swap = pool.swap_exact_in(token_in, token_out, (7 + 5 * i) * E18)
        side = pool.index(swap.fee_token)
        charged[side] += swap.fee
        steps[side] += pool.last_swap_steps
    collected = [0, 0]
    earned: dict[str, tuple[int, int]] = {}
    for owner, (lower, upper) in LADDER.items():
        pool.burn(owner, lower, upper, 0)  # poke: credit fees to tokens_owed
        earned[owner] = pool.collect(owner, lower, upper, MAX_UINT128, MAX_UINT128)
        collected[0] += earned[owner][0]
        collected[1] += earned[owner][1]
    for side in (0, 1):
        assert collected[side] <= charged[side]
        assert charged[side] - collected[side] <= len(LADDER) + steps[side]
    assert earned["frank"] == (0, 0)  # never in range
    assert earned["bob"][0] > 0 and earned["alice"][1] > 0


def test_positions_minted_later_earn_only_from_later_swaps() -> None:
    pool, _ = ladder_pool()
    charged, steps = [0, 0], [0, 0]

    def swap(zero_for_one: bool, amount: int, limit: int | None = None) -> None:
        if limit is None:
            limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        pool.swap(zero_for_one, amount, limit)
        charged[0 if zero_for_one else 1] += pool.last_swap_fee_amount
        steps[0 if zero_for_one else 1] += pool.last_swap_steps

    for i in range(6):  # accrue fees on both tokens
        swap(i % 2 == 1, (5 + 4 * (i % 2)) * E18)
    assert pool.fee_growth_global0_x128 > 0 and pool.fee_growth_global1_x128 > 0
    t = pool.tick - pool.tick % 60 + 60  # a usable tick just above the price
    swap(False, MAX_INT256, get_sqrt_ratio_at_tick(t))  # park the price exactly on it
    assert pool.tick == t
    late = [(t, t + 120), (t - 120, t), (t - 60, t + 60), (t + 60, t + 180), (t - 180, t - 60)]
    for lower, upper in late:
        pool.mint("late", lower, upper, E18)
        pool.burn("late", lower, upper, 0)  # poke
        position = pool.position("late", lower, upper)
        assert (position.tokens_owed0, position.tokens_owed1) == (0, 0), (lower, upper)
    late_charged = charged.copy()
    for i in range(6):  # swaps back and forth across t
        swap(i % 2 == 0, (3 + i) * E18)
    earned, collected = [0, 0], [0, 0]
    everyone = [("late", lower, upper) for lower, upper in late]
    everyone += [(owner, lower, upper) for owner, (lower, upper) in LADDER.items()]
    for owner, lower, upper in everyone:
        pool.burn(owner, lower, upper, 0)
        fees = pool.collect(owner, lower, upper, MAX_UINT128, MAX_UINT128)
        for side in (0, 1):
            collected[side] += fees[side]
            earned[side] += fees[side] if owner == "late" else 0
    for side in (0, 1):
        assert collected[side] <= charged[side]
        assert charged[side] - collected[side] <= len(everyone) + steps[side]
        # 1/1000 of the liquidity, present only for the later swaps: a small share of those
        assert 0 < earned[side] < (charged[side] - late_charged[side]) // 100


def test_protocol_fee_takes_its_share_and_collect_protocol_leaves_one_wei() -> None:
    pool, _ = ladder_pool()
    pool.set_fee_protocol(4, 5)
    swap = pool.swap_exact_in(T0, T1, E18)
    # a quarter of each step's fee, floored per step
    accrued = pool.protocol_fees[0]
    assert swap.fee // 4 - pool.last_swap_steps <= accrued <= swap.fee // 4
    assert accrued > 0 and pool.protocol_fees[1] == 0
    paid = pool.collect_protocol(MAX_UINT128, MAX_UINT128)
    assert paid == (accrued - 1, 0)
    assert pool.protocol_fees == [1, 0]
    with pytest.raises(InvalidAmount):
        pool.set_fee_protocol(3, 0)


def test_full_range_position_matches_constant_product() -> None:
    spacing = 60
    lower, upper = nearest_usable_tick(MIN_TICK, spacing), nearest_usable_tick(MAX_TICK, spacing)
    pool = make_pool(3000)
    liquidity = 10**24
    pool.mint("lp", lower, upper, liquidity)
    sqrt_p = pool.sqrt_price_x96
    x_virtual = Fraction(liquidity * Q96, sqrt_p)
    y_virtual = Fraction(liquidity * sqrt_p, Q96)
    for amount in (10**6, E18, 10**21, 3 * 10**23):
        for zero_for_one in (True, False):
            reserve_in, reserve_out = (
                (x_virtual, y_virtual) if zero_for_one else (y_virtual, x_virtual)
            )
            in_less_fee = amount * (10**6 - 3000) // 10**6
            expected = math.floor(reserve_out * in_less_fee / (reserve_in + in_less_fee))
            token_in, token_out = (T0, T1) if zero_for_one else (T1, T0)
            got = pool.quote_exact_in(token_in, token_out, amount)
            assert 0 <= expected - got <= 2, (amount, zero_for_one, expected, got)


@pytest.mark.parametrize("p1", [0.9, 1.1, 1.2, 0.5, 2.0])
def test_ranged_il_matches_the_simulated_position(p1: float) -> None:
    pool = make_pool(0, tick_spacing=10)  # zero fee: the move itself costs nothing
    lower, upper = -2230, 2230  # about [0.8, 1.25]
    paid0, paid1 = pool.mint("lp", lower, upper, 10**24)
    sqrt_p0 = pool.sqrt_price_x96
    sqrt_p1 = sqrt_price_x96_from_price(p1, 18, 18)
    zero_for_one = sqrt_p1 < sqrt_p0
    pool.swap(zero_for_one, MAX_INT256, sqrt_p1)
    assert pool.sqrt_price_x96 == sqrt_p1
    got0, got1 = pool.burn("lp", lower, upper, 10**24)

    def price(sqrt_x96: int) -> float:
        return float(Fraction(sqrt_x96 * sqrt_x96, 1 << 192))

    p_now, p_start = price(sqrt_p1), price(sqrt_p0)
    simulated = (got0 * p_now + got1) / (paid0 * p_now + paid1) - 1
    closed = ranged_il(
        p_now / p_start,
        price(get_sqrt_ratio_at_tick(lower)) / p_start,
        price(get_sqrt_ratio_at_tick(upper)) / p_start,
    )
    assert simulated == pytest.approx(closed, abs=1e-12)
    assert closed < 0


def test_exact_output_swaps_deliver_exactly_and_match_their_quote() -> None:
    pool, _ = ladder_pool()
    want = 60 * E18
    quoted_in = pool.quote_exact_out(T0, T1, want)
    swap = pool.swap_exact_out(T0, T1, want, max_amount_in=quoted_in)
    assert (swap.amount_in, swap.amount_out) == (quoted_in, want)
    assert pool.last_swap_ticks_crossed >= 1
    # paying the same input exact-in gives at least the output (rounding favours the pool)
    pool2, _ = ladder_pool()
    assert pool2.quote_exact_in(T0, T1, quoted_in) >= want
    assert pool2.quote_exact_in(T0, T1, quoted_in - quoted_in // 10**6) < want
    with pytest.raises(SlippageExceeded):
        pool.swap_exact_out(T1, T0, E18, max_amount_in=E18 // 2)
    with pytest.raises(InsufficientLiquidity):
        pool.quote_exact_out(T1, T0, 10**30)


def test_price_limit_stops_the_swap() -> None:
    pool, _ = ladder_pool()
    limit = get_sqrt_ratio_at_tick(-1000) + 12345
    amount0, amount1 = pool.swap(True, 10**30, limit)
    assert pool.sqrt_price_x96 == limit
    assert pool.tick == -1000
    assert 0 < amount0 < 10**30 and amount1 < 0
    for zero_for_one, bad in [
        (True, limit),  # not below the current price
        (True, MIN_SQRT_RATIO),
        (False, limit - 1),
        (False, MAX_SQRT_RATIO),
    ]:
        with pytest.raises(InvalidAmount, match="price limit"):
            pool.swap(zero_for_one, E18, bad)
    with pytest.raises(InvalidAmount, match="non-zero"):
        pool.swap(True, 0, MIN_SQRT_RATIO + 1)


def test_swap_exact_in_slippage_and_partial_fill_revert_without_changes() -> None:
    pool, _ = ladder_pool()
    before = copy.deepcopy(pool.__dict__)
    out = pool.quote_exact_in(T1, T0, 5 * E18)
    with pytest.raises(SlippageExceeded):
        pool.swap_exact_in(T1, T0, 5 * E18, min_amount_out=out + 1)
    with pytest.raises(InsufficientLiquidity):
        pool.swap_exact_in(T1, T0, 10**30)
    with pytest.raises(InvalidAmount):
        pool.swap_exact_in(T1, T1, E18)
    assert pool.__dict__ == before
    swap = pool.swap_exact_in(T1, T0, 5 * E18, min_amount_out=out)
    assert swap.amount_out == out and swap.fee_token == T1
    assert swap.fee == pytest.approx(5 * E18 * 0.003, abs=5)


def test_quotes_and_arb_never_mutate() -> None:
    pool, _ = ladder_pool()
    before = copy.deepcopy(pool.__dict__)
    pool.quote_exact_in(T0, T1, 150 * E18)
    pool.quote_exact_out(T1, T0, 50 * E18)
    pool.arb_amount_in(T1, T0, 1.3)
    pool.price_impact(T0, T1, E18)
    assert pool.__dict__ == before


@pytest.mark.parametrize(("token_in", "token_out", "reference"), [(T1, T0, 1.05), (T0, T1, 1.08)])
def test_arb_amount_in_moves_the_price_to_the_fee_adjusted_reference(
    token_in: str, token_out: str, reference: float
) -> None:
    pool, _ = ladder_pool()
    amount = pool.arb_amount_in(token_in, token_out, reference)
    assert amount > 0

    def profit(a: int) -> float:
        return pool.quote_exact_in(token_in, token_out, a) * reference - a

    assert profit(amount) > 0
    assert profit(amount) >= profit(amount * 99 // 100)
    assert profit(amount) >= profit(amount * 101 // 100)
    pool.swap_exact_in(token_in, token_out, amount)
    # after the trade the marginal output, net of fee, equals the reference price
    assert pool.spot_price(token_in, token_out) * (1 - 0.003) == pytest.approx(
        1 / reference, rel=1e-9
    )
    assert pool.arb_amount_in(token_in, token_out, reference) == 0


def test_arb_amount_in_is_zero_inside_the_fee_band() -> None:
    pool, _ = ladder_pool()
    assert pool.arb_amount_in(T1, T0, 1.002) == 0  # 0.2% < 0.3% fee
    assert pool.arb_amount_in(T0, T1, 1.002) == 0
    assert pool.arb_amount_in(T0, T1, 0.5) == 0  # wrong direction


# ---------------------------------------------------------------- properties

owners = st.sampled_from(["a", "b", "c"])
ranges = st.sampled_from([(-600, 600), (-1800, -60), (60, 2400), (-887220, 887220), (-120, 0)])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("mint"), owners, ranges, st.integers(10**3, 10**22)),
        st.tuples(st.just("swap"), st.booleans(), st.integers(-(10**21), 10**21)),
        st.tuples(st.just("burn"), owners, ranges, st.integers(1, 4)),
        st.tuples(st.just("collect"), owners, ranges, st.integers(0, 10**19)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(operations)
def test_no_sequence_of_operations_creates_tokens(ops: list[tuple]) -> None:
    pool = make_pool(3000)
    ledger = Ledger(pool)
    ledger.mint("seed", -6000, 6000, 10**20)
    for op in ops:
        before = copy.deepcopy(pool.__dict__)
        try:
            if op[0] == "mint":
                _, owner, (lower, upper), liquidity = op
                ledger.mint(owner, lower, upper, liquidity)
            elif op[0] == "swap":
                _, zero_for_one, amount = op
                if amount != 0:
                    ledger.swap("trader", zero_for_one, amount)
            elif op[0] == "burn":
                _, owner, (lower, upper), divisor = op
                held = pool.position(owner, lower, upper).liquidity
                pool.burn(owner, lower, upper, held // divisor)
            else:
                _, owner, (lower, upper), amount = op
                got = pool.collect(owner, lower, upper, amount, amount)
                ledger.wallets.setdefault(owner, [0, 0])
                ledger.wallets[owner][0] += got[0]
                ledger.wallets[owner][1] += got[1]
        except InvariantViolated:
            raise
        except PoolError:
            assert pool.__dict__ == before  # a revert changes nothing
        assert ledger.totals() == (0, 0)
        assert pool.balance0 >= 0 and pool.balance1 >= 0
    ledger.withdraw_everything()
    assert ledger.totals() == (0, 0)
    # nobody got out more than went in; the pool keeps only rounding dust: a few wei per
    # call and step, plus up to one sqrt-price unit's worth of reserves per swap (prices
    # round in the pool's favour), which near MIN_SQRT_RATIO is reserves / MIN_SQRT_RATIO
    for side, balance in enumerate((pool.balance0, pool.balance1)):
        ulp_worth = ledger.inflow[side] * (ledger.swaps + 1) // MIN_SQRT_RATIO
        assert 0 <= balance <= 4 * len(ops) + 4 + ledger.swap_steps + ulp_worth
    assert pool.liquidity == 0 and pool.positions == {}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**21), st.booleans(), st.sampled_from([100, 500, 3000, 10000]))
def test_round_trips_never_profit(amount: int, start_with_token0: bool, fee_pips: int) -> None:
    pool = make_pool(fee_pips)
    spacing = pool.tick_spacing
    for width in (10, 100, 1000):
        tick = nearest_usable_tick(width * 60, spacing)
        pool.mint("lp", -tick, tick, 10**21)
    token_in, token_out = (T0, T1) if start_with_token0 else (T1, T0)
    try:
        out = pool.swap_exact_in(token_in, token_out, amount).amount_out
        back = pool.swap_exact_in(token_out, token_in, out).amount_out if out else 0
    except InsufficientLiquidity:
        return
    assert back <= amount
    # buying back exactly what was sold costs at least what the first trade paid out
    if amount <= 10**20:
        pool2 = make_pool(fee_pips)
        for width in (10, 100, 1000):
            tick = nearest_usable_tick(width * 60, spacing)
            pool2.mint("lp", -tick, tick, 10**21)
        out2 = pool2.swap_exact_in(token_in, token_out, amount).amount_out
        if out2:
            assert pool2.quote_exact_out(token_out, token_in, amount) >= out2

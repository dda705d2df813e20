"""Tests of sim.protocols.rewards: exact emissions, the MasterChef accumulator, vesting, lock-up, APRs."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.errors import ProtocolError
from sim.protocols.rewards import (
    ACC_PRECISION,
    EmissionSpec,
    MasterChef,
    RewardsSpec,
    cumulative_emission,
    emission_rate_per_day,
    emitted_between,
)

BT = 12  # seconds per block
DAY = 86_400 // BT  # 7200 blocks per day
E18 = 10**18
POOL = "eth_usdc"


def constant(per_day: float = 72.0, **kw: int) -> EmissionSpec:
    # 72 tokens/day at 12 s blocks = 0.01 token = 10**16 wei per block, exactly
    return EmissionSpec(schedule="constant", per_day=per_day, **kw)


def chef_with(spec: EmissionSpec, block: int = 0) -> MasterChef:
    return MasterChef.from_spec(
        RewardsSpec(token="SUSHI", pools={POOL: spec}), block_time_s=BT, decimals=18, block=block
    )


# --------------------------------------------------------------------------- specs


def test_spec_requires_the_parameter_of_its_schedule() -> None:
    with pytest.raises(ValidationError, match="halving_days"):
        EmissionSpec(schedule="halving", per_day=1)
    with pytest.raises(ValidationError, match="half_life_days"):
        EmissionSpec(schedule="exponential", per_day=1)
    with pytest.raises(ValidationError, match="only applies"):
        EmissionSpec(schedule="constant", per_day=1, halving_days=3)
    with pytest.raises(ValidationError, match="end_block"):
        EmissionSpec(schedule="constant", per_day=1, start_block=10, end_block=5)
    with pytest.raises(ValidationError, match="per_dya"):
        EmissionSpec.model_validate({"schedule": "constant", "per_dya": 1})
    ok = RewardsSpec.model_validate(
        {"token": "CAKE", "pools": {"a": {"schedule": "halving", "per_day": 5, "halving_days": 2}}}
    )
    assert ok.pools["a"].halving_days == 2


def test_every_field_is_described() -> None:
    for model in (EmissionSpec, RewardsSpec):
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"


# --------------------------------------------------------------------------- schedules


def test_constant_emission_is_exact() -> None:
    spec = constant()
    assert emitted_between(spec, 0, 1, BT, 18) == 10**16
    assert emitted_between(spec, 0, DAY, BT, 18) == 72 * E18
    # 100 tokens/day is not a whole number of wei per block; the day still sums exactly
    odd = constant(per_day=100)
    assert emitted_between(odd, 0, DAY, BT, 18) == 100 * E18
    assert emitted_between(odd, 0, 1, BT, 18) == 100 * E18 // DAY
    # a decimal per_day is taken as written (0.1, not the nearest binary float)
    assert emitted_between(constant(per_day=0.1), 0, DAY, BT, 18) == E18 // 10


def test_start_and_end_block() -> None:
    spec = constant(start_block=100, end_block=300)
    assert emitted_between(spec, 0, 100, BT, 18) == 0
    assert emitted_between(spec, 0, 101, BT, 18) == 10**16
    assert emitted_between(spec, 0, 10**6, BT, 18) == 200 * 10**16
    assert emitted_between(spec, 299, 300, BT, 18) == 10**16
    assert emitted_between(spec, 300, 10**6, BT, 18) == 0
    with pytest.raises(ProtocolError, match="ends before"):
        emitted_between(spec, 5, 4, BT, 18)


def test_halving_integrates_and_respects_end_block() -> None:
    spec = EmissionSpec(schedule="halving", per_day=100, halving_days=1)
    assert emitted_between(spec, 0, DAY, BT, 18) == 100 * E18
    assert emitted_between(spec, DAY, 2 * DAY, BT, 18) == 50 * E18
    assert emitted_between(spec, 2 * DAY, 3 * DAY, BT, 18) == 25 * E18
    # geometric total 200 tokens, approached from below
    total = emitted_between(spec, 0, 200 * DAY, BT, 18)
    assert 200 * E18 - 10 <= total < 200 * E18
    ended = EmissionSpec(schedule="halving", per_day=100, halving_days=1, end_block=DAY * 5 // 2)
    assert emitted_between(ended, 0, 10**7, BT, 18) == (100 + 50 + 25 // 2) * E18 + E18 // 2
    assert emitted_between(ended, DAY * 5 // 2, 10**7, BT, 18) == 0


def test_halving_matches_a_period_by_period_sum_for_any_number_of_halvings() -> None:
    # 0.75 token/day halving every 0.01 day (72 blocks), in units of 1e-6: the whole
    # schedule pays 2 * 0.75 * 0.01 = 0.015 token = 15_000 units, never quite reached
    spec = EmissionSpec(schedule="halving", per_day=0.75, halving_days=0.01)
    rate = Fraction(750_000 * BT, 86_400)  # units per block
    for t in range(0, 72 * 40, 7):  # the shortcut takes over at 14 halvings (15_000 < 2^14)
        k, tail = divmod(t, 72)
        paid = sum(rate * 72 / 2**j for j in range(k)) + rate / 2**k * tail
        assert cumulative_emission(spec, t, BT, 6) == math.floor(paid), t
    assert cumulative_emission(spec, 10**12, BT, 6) == 14_999
    big = EmissionSpec(schedule="halving", per_day=100, halving_days=1)
    assert cumulative_emission(big, 10**15, BT, 18) == 200 * E18 - 1
    assert cumulative_emission(constant(per_day=0.0), 10**6, BT, 18) == 0


def test_exponential_integrates_and_respects_end_block() -> None:
    per_day, half_life = 100.0, 30.0
    spec = EmissionSpec(schedule="exponential", per_day=per_day, half_life_days=half_life)
    full = per_day * half_life / math.log(2) * E18  # integral of the rate to infinity
    one_half_life = emitted_between(spec, 0, 30 * DAY, BT, 18)
    assert one_half_life == pytest.approx(full / 2, rel=1e-12)
    assert emitted_between(spec, 30 * DAY, 60 * DAY, BT, 18) == pytest.approx(full / 4, rel=1e-12)
    assert emitted_between(spec, 0, 10**9, BT, 18) == pytest.approx(full, rel=1e-12)
    # the rate starts at per_day and halves after one half-life
    first_block = emitted_between(spec, 0, 1, BT, 18)
    assert first_block == pytest.approx(per_day * E18 / DAY, rel=1e-5)
    assert emitted_between(spec, 30 * DAY, 30 * DAY + 1, BT, 18) == pytest.approx(
        first_block / 2, rel=1e-5
    )
    ended = EmissionSpec(
        schedule="exponential", per_day=per_day, half_life_days=half_life, end_block=30 * DAY
    )
    assert emitted_between(ended, 0, 10**9, BT, 18) == one_half_life
    assert emitted_between(ended, 30 * DAY, 10**9, BT, 18) == 0


SCHEDULES = st.sampled_from(
    [
        EmissionSpec(schedule="constant", per_day=123.456),
        EmissionSpec(schedule="halving", per_day=1000, halving_days=0.37, start_block=5),
        EmissionSpec(schedule="halving", per_day=0.75, halving_days=0.01),
        EmissionSpec(schedule="exponential", per_day=77.7, half_life_days=0.51, end_block=40_000),
        EmissionSpec(schedule="exponential", per_day=10**9, half_life_days=700),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    SCHEDULES,
    st.integers(0, 60_000),
    st.integers(0, 60_000),
    st.integers(0, 60_000),
    st.sampled_from([0, 6, 18]),
)
def test_emission_is_additive_and_never_negative(
    spec: EmissionSpec, x: int, y: int, z: int, decimals: int
) -> None:
    a, b, c = sorted((x, y, z))
    ab = emitted_between(spec, a, b, BT, decimals)
    bc = emitted_between(spec, b, c, BT, decimals)
    assert ab >= 0 and bc >= 0
    assert emitted_between(spec, a, c, BT, decimals) == ab + bc
    assert emitted_between(spec, b, b + 1, BT, decimals) >= 0


def test_cumulative_emission_matches_a_block_by_block_sum() -> None:
    spec = EmissionSpec(schedule="exponential", per_day=5, half_life_days=0.1)
    per_block = [emitted_between(spec, n, n + 1, BT, 18) for n in range(3000)]
    assert sum(per_block) == cumulative_emission(spec, 3000, BT, 18)
    assert all(x > y for x, y in zip(per_block[:-100:100], per_block[100::100], strict=True))


def test_emission_rate_per_day_view() -> None:
    halving = EmissionSpec(schedule="halving", per_day=100, halving_days=1, start_block=10)
    assert emission_rate_per_day(halving, 9, BT) == 0.0
    assert emission_rate_per_day(halving, 10, BT) == 100.0
    assert emission_rate_per_day(halving, 10 + DAY, BT) == 50.0
    assert emission_rate_per_day(halving, 10 + 3 * DAY - 1, BT) == 25.0
    assert emission_rate_per_day(halving, 10**12, BT) == 0.0  # underflows, no OverflowError
    expo = EmissionSpec(schedule="exponential", per_day=100, half_life_days=2, end_block=4 * DAY)
    assert emission_rate_per_day(expo, DAY, BT) == pytest.approx(100 / math.sqrt(2))
    assert emission_rate_per_day(expo, 4 * DAY, BT) == 0.0


# --------------------------------------------------------------------------- MasterChef


def test_pro_rata_split_is_exact_for_one_to_three() -> None:
    chef = chef_with(constant())
    chef.deposit(POOL, "a", 1 * E18, 0)
    chef.deposit(POOL, "b", 3 * E18, 0)
    # 100 blocks x 1e16 = 1e18 reward, split 1:3
    assert chef.pending_reward(POOL, "a", 100) == 25 * 10**16
    assert chef.pending_reward(POOL, "b", 100) == 75 * 10**16
    assert chef.harvest(POOL, "a", 100) == 25 * 10**16
    assert chef.harvest(POOL, "b", 100) == 75 * 10**16
    assert chef.harvest(POOL, "a", 100) == 0
    assert chef.pools[POOL].acc_reward_per_share == 25 * 10**10  # 1e18 * 1e12 / 4e18


def test_joiner_is_not_paid_for_earlier_blocks_and_leaver_not_for_later() -> None:
    chef = chef_with(constant())
    chef.deposit(POOL, "a", E18, 0)
    chef.deposit(POOL, "b", E18, 100)  # b joins at block 100
    assert chef.pending_reward(POOL, "b", 100) == 0
    # blocks 100..200 are shared; a alone had 0..100
    assert chef.pending_reward(POOL, "b", 200) == 50 * 10**16
    assert chef.pending_reward(POOL, "a", 200) == 100 * 10**16 + 50 * 10**16
    assert chef.withdraw(POOL, "a", E18, 200) == 150 * 10**16  # a leaves at 200
    assert chef.pending_reward(POOL, "a", 500) == 0
    assert chef.harvest(POOL, "a", 500) == 0
    assert chef.harvest(POOL, "b", 500) == 50 * 10**16 + 300 * 10**16


def test_deposit_pays_pending_like_masterchef() -> None:
    chef = chef_with(constant())
    assert chef.deposit(POOL, "a", E18, 0) == 0
    assert chef.deposit(POOL, "a", E18, 10) == 10 * 10**16  # pays the 10 blocks accrued
    assert chef.deposit(POOL, "a", 0, 20) == 10 * 10**16  # deposit(0) harvests
    assert chef.staked(POOL, "a") == 2 * E18
    assert chef.total_staked(POOL) == 2 * E18


def test_empty_pool_emissions_stay_undistributed() -> None:
    chef = chef_with(constant())
    chef.deposit(POOL, "a", E18, 50)  # nothing staked over blocks 0..50
    chef.withdraw(POOL, "a", E18, 150)
    chef.update_pool(POOL, 200)  # nothing staked over 150..200 either
    acc = chef.accounts()
    assert acc.emitted == 200 * 10**16
    assert acc.undistributed == 100 * 10**16
    assert acc.minted == acc.paid == 100 * 10**16
    assert acc.pending == acc.vesting == acc.dust == 0


def test_rounding_dust_stays_in_the_chef() -> None:
    chef = chef_with(constant())
    chef.deposit(POOL, "a", 1, 0)
    chef.deposit(POOL, "b", 2, 0)
    chef.update_pool(POOL, 1)
    # 1e16 * 1e12 // 3 loses a third of a unit of the accumulator
    assert chef.pools[POOL].acc_reward_per_share == 10**28 // 3
    acc = chef.accounts()
    assert acc.pending == 10**16 // 3 + 2 * 10**16 // 3
    assert acc.dust == 1
    assert acc.paid + acc.pending + acc.dust == acc.minted == 10**16


def test_vesting_releases_linearly() -> None:
    chef = chef_with(constant(vesting_blocks=100))
    chef.deposit(POOL, "a", E18, 0)
    assert chef.withdraw(POOL, "a", E18, 100) == 0  # 1e18 starts vesting at block 100
    assert chef.vesting(POOL, "a") == E18
    assert chef.harvest(POOL, "a", 125) == E18 // 4
    assert chef.harvest(POOL, "a", 150) == E18 // 4
    assert chef.vesting(POOL, "a") == E18 // 2
    assert chef.harvest(POOL, "a", 250) == E18 // 2  # fully vested at 200, not beyond
    assert chef.harvest(POOL, "a", 300) == 0
    acc = chef.accounts()
    assert acc.paid == E18 and acc.vesting == 0


def test_vesting_tranches_are_independent() -> None:
    chef = chef_with(constant(vesting_blocks=100))
    chef.deposit(POOL, "a", E18, 0)
    assert chef.harvest(POOL, "a", 100) == 0  # tranche 1: 1e18 from 100 to 200
    # at 150: tranche 1 is half vested; tranche 2 (5e17) starts now
    assert chef.harvest(POOL, "a", 150) == E18 // 2
    # at 200: tranche 1 done (+5e17), tranche 2 half (+2.5e17), tranche 3 (5e17) starts
    assert chef.harvest(POOL, "a", 200) == E18 // 2 + E18 // 4
    assert chef.vesting(POOL, "a") == E18 // 4 + E18 // 2


def test_lock_up_blocks_withdrawals() -> None:
    chef = chef_with(constant(lock_blocks=100))
    chef.deposit(POOL, "a", E18, 0)
    chef.deposit(POOL, "a", 2 * E18, 50)
    with pytest.raises(ProtocolError, match="locked"):
        chef.withdraw(POOL, "a", 1, 99)
    with pytest.raises(ProtocolError, match="locked"):
        chef.emergency_withdraw(POOL, "a", 120)
    assert chef.withdrawable(POOL, "a", 120) == E18
    assert chef.locked_until(POOL, "a") == 150
    with pytest.raises(ProtocolError, match="locked"):
        chef.withdraw(POOL, "a", E18 + 1, 120)
    chef.withdraw(POOL, "a", E18, 120)
    assert chef.staked(POOL, "a") == 2 * E18
    assert chef.emergency_withdraw(POOL, "a", 150) == 2 * E18


def test_withdraw_reverts() -> None:
    chef = chef_with(constant())
    chef.deposit(POOL, "a", E18, 10)
    with pytest.raises(ProtocolError, match="not good"):
        chef.withdraw(POOL, "a", E18 + 1, 20)
    with pytest.raises(ProtocolError, match="not good"):
        chef.withdraw(POOL, "b", 1, 20)
    with pytest.raises(ProtocolError, match="no reward pool"):
        chef.deposit("nope", "a", 1, 20)
    with pytest.raises(ProtocolError, match=">= 0"):
        chef.deposit(POOL, "a", -1, 20)
    with pytest.raises(ProtocolError, match="before"):
        chef.harvest(POOL, "a", 9)
    with pytest.raises(ProtocolError, match="already exists"):
        chef.add(POOL, constant(), 20)


def test_emergency_withdraw_forfeits_pending() -> None:
    chef = chef_with(constant())
    chef.deposit(POOL, "a", E18, 0)
    chef.deposit(POOL, "b", E18, 0)
    assert chef.emergency_withdraw(POOL, "a", 100) == E18
    assert chef.staked(POOL, "a") == 0
    assert chef.harvest(POOL, "a", 200) == 0
    # b keeps its half of 0..100, then has the pool alone
    assert chef.harvest(POOL, "b", 200) == 50 * 10**16 + 100 * 10**16
    acc = chef.accounts()
    assert acc.forfeited == 50 * 10**16
    assert acc.paid + acc.forfeited == acc.minted == 200 * 10**16


def test_set_emission_cut_takes_effect_at_its_block() -> None:
    chef = chef_with(constant())
    chef.deposit(POOL, "a", E18, 0)
    chef.set_emission(POOL, 36.0, 100)  # halve the rate from block 100
    assert chef.pending_reward(POOL, "a", 100) == 100 * 10**16
    assert chef.pending_reward(POOL, "a", 200) == 100 * 10**16 + 50 * 10**16
    chef.set_emission(POOL, constant(per_day=0.0), 200)  # a full spec: emissions off
    assert chef.harvest(POOL, "a", 1000) == 150 * 10**16
    assert chef.accounts().emitted == 150 * 10**16


def test_set_emission_number_restarts_a_halving_schedule_at_its_block() -> None:
    chef = chef_with(EmissionSpec(schedule="halving", per_day=72, halving_days=1, vesting_blocks=7))
    chef.set_emission(POOL, 144.0, DAY // 2)
    spec = chef.pools[POOL].spec
    assert (spec.per_day, spec.start_block, spec.vesting_blocks) == (144.0, DAY // 2, 7)
    assert chef.accounts().emitted == 36 * E18  # half a day at 72/day, before the change
    chef.update_pool(POOL, DAY // 2 + DAY)
    assert chef.accounts().emitted == 36 * E18 + 144 * E18


# --------------------------------------------------------------------------- conservation

USERS = ("u0", "u1", "u2")
OPS = st.lists(
    st.tuples(
        st.sampled_from(["deposit", "withdraw", "harvest", "emergency", "cut"]),
        st.sampled_from(USERS),
        st.one_of(st.integers(1, 1000), st.integers(1, 10**22)),
        st.integers(0, 60),  # blocks since the previous call
    ),
    max_size=40,
)
CHEF_SPECS = st.sampled_from(
    [
        EmissionSpec(schedule="constant", per_day=123.456),
        EmissionSpec(schedule="halving", per_day=1000, halving_days=0.01, vesting_blocks=30),
        EmissionSpec(schedule="exponential", per_day=7.7, half_life_days=0.02, end_block=1500),
        EmissionSpec(schedule="constant", per_day=1e-12, vesting_blocks=1),
    ]
)


@settings(max_examples=200, deadline=None)
@given(CHEF_SPECS, OPS, st.integers(0, 30))
def test_rewards_paid_match_rewards_emitted(
    spec: EmissionSpec, ops: list[tuple[str, str, int, int]], start: int
) -> None:
    """Every user gets its exact pro-rata share of the blocks it was staked, to bounded dust."""
    chef = chef_with(spec, block=start)
    stake = dict.fromkeys(USERS, 0)
    exact = dict.fromkeys(USERS, Fraction(0))  # exact pro-rata entitlement
    slack = dict.fromkeys(USERS, Fraction(0))  # accumulator truncation: < stake / 1e12 per update
    intervals = dict.fromkeys(USERS, 1)  # stake changes + 1: each may round by < 1 unit
    got = dict.fromkeys(USERS, 0)  # paid to or forfeited by the user
    emitted = undistributed = 0
    block = last = start
    current = spec

    def accrue(to: int) -> None:
        nonlocal emitted, undistributed, last
        reward = emitted_between(current, last, to, BT, 18)
        supply = sum(stake.values())
        emitted += reward
        if supply == 0:
            undistributed += reward
        elif to > last:
            for u in USERS:
                exact[u] += Fraction(reward * stake[u], supply)
                slack[u] += Fraction(stake[u], ACC_PRECISION)
        last = max(last, to)

    # at the end: stop emissions, harvest everyone (starting the last vesting tranches), and
    # harvest again once all of them have vested
    final = [("stop", "", 0, 10_000), ("harvest_all", "", 0, 0), ("harvest_all", "", 0, 10_000)]
    for kind, user, amount, gap in [*ops, *final]:
        block += gap
        accrue(block)
        if kind == "deposit":
            got[user] += chef.deposit(POOL, user, amount, block)
            stake[user] += amount
            intervals[user] += 1
        elif kind == "withdraw":
            amount = min(amount, stake[user])
            got[user] += chef.withdraw(POOL, user, amount, block)
            stake[user] -= amount
            intervals[user] += 1
        elif kind == "harvest":
            got[user] += chef.harvest(POOL, user, block)
        elif kind == "emergency":
            got[user] += chef.pending_reward(POOL, user, block)
            assert chef.emergency_withdraw(POOL, user, block) == stake[user]
            stake[user] = 0
            intervals[user] += 1
        elif kind in ("cut", "stop"):
            per_day = current.per_day / 2 if kind == "cut" else 0.0
            current = current.model_copy(update={"per_day": per_day})
            chef.set_emission(POOL, current, block)
        else:  # harvest_all
            for u in USERS:
                got[u] += chef.harvest(POOL, u, block)

    acc = chef.accounts()
    assert acc.emitted == emitted and acc.undistributed == undistributed
    assert acc.vesting == 0 and acc.pending == 0
    assert acc.minted == sum(exact.values())
    assert acc.paid + acc.forfeited == sum(got.values())
    assert acc.paid + acc.pending + acc.vesting + acc.forfeited + acc.undistributed + acc.dust == (
        acc.emitted
    )
    assert acc.shortfall <= sum(intervals.values())
    for u in USERS:
        assert got[u] < exact[u] + intervals[u], u  # never paid for blocks it was not staked
        assert got[u] + acc.shortfall > exact[u] - slack[u] - intervals[u], u
    assert -sum(intervals.values()) < acc.dust < sum(slack.values()) + sum(intervals.values())

"""Tests for sim.protocols.staking: yield compounding, rebasing balances, queue delay, conservation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.errors import ConservationError, InsufficientBalance, ProtocolError
from sim.protocols.staking import LiquidStaking, StakingSpec

E18 = 10**18
BLOCKS_PER_YEAR = 365 * 24 * 3600 // 12  # 2_628_000


def make(design: str = "reward_bearing", withdrawal: str = "queue", **kw) -> LiquidStaking:
    return LiquidStaking(StakingSpec(design=design, withdrawal=withdrawal, **kw))


def test_spec_validation() -> None:
    with pytest.raises(ValidationError, match="must differ"):
        StakingSpec(underlying="ETH", lst="ETH")
    with pytest.raises(ValidationError):
        StakingSpec(design="elastic")
    with pytest.raises(ValidationError):
        StakingSpec(apr=0.04, typo=1)
    with pytest.raises(ValidationError):
        StakingSpec(queue_delay_blocks=-1)


# ------------------------------------------------------------------ reward-bearing
@pytest.mark.parametrize("chunks", [1, 365])
def test_reward_bearing_rate_compounds_apr_per_block_over_a_year(chunks: int) -> None:
    s = make(apr=0.04)
    units = s.stake("alice", 32 * E18)
    assert units == 32 * E18 and s.exchange_rate() == 1.0
    for _ in range(chunks):
        s.accrue(BLOCKS_PER_YEAR // chunks)
    expected = math.exp(BLOCKS_PER_YEAR * math.log1p(0.04 / BLOCKS_PER_YEAR))
    assert s.exchange_rate() == pytest.approx(expected, rel=1e-12)
    assert s.exchange_rate() == pytest.approx(math.exp(0.04), rel=1e-8)
    assert s.balance_of("alice") == 32 * E18  # units do not change
    assert s.total_supply() == 32 * E18
    assert s.rewards_minted == s.total_pooled - 32 * E18
    s.check()


def test_reward_bearing_new_stakers_get_fewer_units() -> None:
    s = make(apr=0.05)
    s.stake("alice", 10 * E18)
    s.accrue(BLOCKS_PER_YEAR)
    rate = s.exchange_rate()
    shares, pooled = s.total_shares(), s.total_pooled
    units = s.stake("bob", 10 * E18)
    assert units == 10 * E18 * shares // pooled
    assert units == pytest.approx(10 * E18 / rate, rel=1e-12)
    assert units < 10 * E18
    assert s.to_underlying(units) <= 10 * E18
    assert s.to_underlying(units) >= 10 * E18 - 2


# ------------------------------------------------------------------ rebasing
def test_rebasing_balances_grow_at_apr_and_sum_to_pooled() -> None:
    s = make("rebasing", apr=0.035)
    amounts = {"a": 5 * E18, "b": 7 * E18 + 3, "c": 123_456_789}
    for who, amt in amounts.items():
        assert s.stake(who, amt) == amt
    shares_before = {w: s.shares_of(w) for w in amounts}
    for _ in range(12):
        s.accrue(BLOCKS_PER_YEAR // 12)
    growth = math.exp(BLOCKS_PER_YEAR * math.log1p(0.035 / BLOCKS_PER_YEAR))
    for who, amt in amounts.items():
        assert s.balance_of(who) == pytest.approx(amt * growth, rel=1e-9, abs=2)
        assert s.balance_of(who) > amt  # grew with no transfer
        assert s.shares_of(who) == shares_before[who]
    total = sum(s.balance_of(w) for w in amounts)
    assert s.total_supply() - len(amounts) <= total <= s.total_supply()
    assert s.exchange_rate() == 1.0
    assert s.share_price() == pytest.approx(growth, rel=1e-12)
    rebases = [e for e in s.events if e.kind == "rebase"]
    assert sum(e.amount for e in rebases) == s.rewards_minted
    s.check()


def test_rebasing_transfer_moves_shares() -> None:
    s = make("rebasing", apr=0.1)
    s.stake("a", 10 * E18)
    s.accrue(BLOCKS_PER_YEAR)
    bal = s.balance_of("a")
    moved = s.transfer("a", "b", 3 * E18)
    assert moved == 3 * E18 * s.total_shares() // s.total_pooled
    assert 3 * E18 - 1 <= s.balance_of("b") <= 3 * E18
    assert bal - 3 * E18 <= s.balance_of("a") <= bal - 3 * E18 + 1
    with pytest.raises(InsufficientBalance):
        s.transfer("b", "a", 3 * E18 + 1)
    s.transfer("a", "c", s.balance_of("a"))  # whole balance: no dust left behind
    assert s.shares_of("a") == 0
    s.check()


def test_reward_bearing_transfer_moves_units() -> None:
    s = make()
    s.stake("a", 10 * E18)
    s.accrue(1000)
    assert s.transfer("a", "b", 4 * E18) == 4 * E18
    assert (s.balance_of("a"), s.balance_of("b")) == (6 * E18, 4 * E18)
    with pytest.raises(InsufficientBalance):
        s.transfer("a", "b", 6 * E18 + 1)


# ------------------------------------------------------------------ withdrawals
def test_queue_pays_only_after_the_delay() -> None:
    s = make(apr=0.05, queue_delay_blocks=100)
    s.stake("a", 10 * E18)
    s.accrue(50)
    value = s.to_underlying(4 * E18)
    rid = s.request_withdrawal("a", 4 * E18)
    assert s.balance_of("a") == 6 * E18
    with pytest.raises(ProtocolError, match="claimable from block 150"):
        s.claim("a", rid)
    s.accrue(99)
    with pytest.raises(ProtocolError, match="claimable"):
        s.claim("a", rid)
    with pytest.raises(ProtocolError, match="no withdrawal request"):
        s.claim("b", rid)
    held = s.holdings()["ETH"]
    s.accrue(1)
    reward = s.holdings()["ETH"] - held
    assert reward > 0
    assert s.claim("a", rid) == value  # fixed at request: no rewards while queued
    assert s.holdings()["ETH"] == held + reward - value
    with pytest.raises(ProtocolError, match="already claimed"):
        s.claim("a", rid)
    with pytest.raises(ProtocolError, match="use request_withdrawal"):
        s.withdraw_instant("a", 1)
    s.check()


def test_instant_withdrawal() -> None:
    s = make("rebasing", "instant", apr=0.05)
    s.stake("a", 10 * E18)
    s.accrue(BLOCKS_PER_YEAR)
    bal = s.balance_of("a")
    assert s.withdraw_instant("a", E18) == E18
    assert s.withdraw_instant("a", s.balance_of("a")) == bal - E18
    assert s.shares_of("a") == 0
    assert s.holdings()["ETH"] <= 1
    with pytest.raises(ProtocolError, match="use withdraw_instant"):
        s.request_withdrawal("a", 1)
    with pytest.raises(InsufficientBalance):
        s.withdraw_instant("a", 1)
    s.check()


def test_round_trip_without_yield_never_gains() -> None:
    for design in ("rebasing", "reward_bearing"):
        s = make(design, "instant", apr=0.05)
        s.stake("a", 10**18 + 7)
        s.accrue(1234)
        minted = s.stake("b", 999_999_999_999)
        assert s.withdraw_instant("b", minted) <= 999_999_999_999


def test_check_detects_tampering() -> None:
    s = make()
    s.stake("a", E18)
    s.total_pooled += 1  # underlying appearing from nowhere
    with pytest.raises(ConservationError, match="deposits"):
        s.check()


# ------------------------------------------------------------------ property
op = st.tuples(
    st.sampled_from(["stake", "transfer", "withdraw", "accrue", "claim"]),
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["a", "b", "c"]),
    st.integers(min_value=1, max_value=10**22),
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["rebasing", "reward_bearing"]),
    st.sampled_from(["instant", "queue"]),
    st.lists(op, max_size=40),
)
def test_no_sequence_creates_underlying_beyond_yield(
    design: str, withdrawal: str, seq: list
) -> None:
    s = make(design, withdrawal, apr=0.2, queue_delay_blocks=10)
    wallet = {w: 0 for w in "abc"}  # underlying received minus underlying paid in
    rids: dict[str, list[int]] = {w: [] for w in "abc"}
    for kind, x, y, amount in seq:
        try:
            if kind == "stake":
                s.stake(x, amount)
                wallet[x] -= amount
            elif kind == "transfer":
                s.transfer(x, y, min(amount, s.balance_of(x)))
            elif kind == "withdraw":
                lst = min(amount, s.balance_of(x))
                if withdrawal == "instant":
                    wallet[x] += s.withdraw_instant(x, lst)
                else:
                    rids[x].append(s.request_withdrawal(x, lst))
            elif kind == "accrue":
                s.accrue(amount % 5_000)
            elif rids[x]:
                wallet[x] += s.claim(x, rids[x][0])
                rids[x].pop(0)
        except ProtocolError:
            pass
        s.check()
        assert sum(wallet.values()) <= s.rewards_minted
    # everyone exits: the total taken out never exceeds what went in plus the yield
    s.accrue(10)
    for w in "abc":
        if s.balance_of(w):
            if withdrawal == "instant":
                wallet[w] += s.withdraw_instant(w, s.balance_of(w))
            else:
                rids[w].append(s.request_withdrawal(w, s.balance_of(w)))
    s.accrue(10)
    for w in "abc":
        for rid in rids[w]:
            wallet[w] += s.claim(w, rid)
    s.check()
    assert s.total_shares() == 0 and s.pending_withdrawals == 0
    left = s.holdings()["ETH"]
    assert sum(wallet.values()) + left == s.rewards_minted
    assert 0 <= left <= 2 * len(seq) + 6  # rounding dust only


# ------------------------------------------------------------------ validator penalties
@pytest.mark.parametrize("design", ["reward_bearing", "rebasing"])
def test_slash_destroys_a_share_of_the_pooled_underlying(design: str) -> None:
    s = make(design, apr=0.04)
    s.stake("alice", 30 * E18)
    s.stake("bob", 10 * E18)
    s.accrue(1_000)
    pooled, rate = s.total_pooled, s.share_price()
    before = {a: s.to_underlying(s.balance_of(a)) for a in ("alice", "bob")}
    loss = s.slash(0.05)
    assert loss == pooled * 5 // 100  # exact for the decimal 0.05
    assert s.total_pooled == pooled - loss and s.slashed == loss
    assert s.share_price() == pytest.approx(rate * 0.95, rel=1e-15)
    for a, value in before.items():  # every holder loses the same share
        assert s.to_underlying(s.balance_of(a)) == pytest.approx(0.95 * value, rel=1e-12)
    if design == "reward_bearing":
        assert s.exchange_rate() == pytest.approx(rate * 0.95, rel=1e-15)
        assert s.balance_of("alice") == 30 * E18  # units unchanged, their value fell
    else:
        assert s.exchange_rate() == 1.0 and s.balance_of("alice") < 30 * E18
    (burn,) = [e for e in s.events if e.reason == "penalty" and e.token == "ETH"]
    assert burn.kind == "burn" and burn.amount == loss
    s.check()
    with pytest.raises(ProtocolError):
        s.slash(1.0)
    with pytest.raises(ProtocolError):
        s.slash(0.0)


# ------------------------------------------------------------------ previews and rate oracle
@pytest.mark.parametrize("design", ["reward_bearing", "rebasing"])
def test_previews_are_exact(design: str) -> None:
    """`preview_stake` and `preview_redeem` give exactly what `stake` / a redemption does."""
    s = make(design, "instant", apr=0.3)
    s.stake("a", 10**20)
    for k in range(1, 40):
        s.accrue(k * 97)
        amount = 10**18 + k * 7_919_837
        expected = s.preview_stake(amount)
        assert s.stake("a", amount) == expected
        lst = s.balance_of("a") // (k + 3)
        assert s.preview_redeem("a", lst) == s.withdraw_instant("a", lst)
    s.check()


def test_rate_wad_is_the_integer_exchange_rate() -> None:
    s = make("reward_bearing", apr=0.5)
    assert s.rate_wad() == 10**18  # before the first stake
    s.stake("a", 3 * 10**18 + 1)
    s.accrue(1_000_000)
    assert s.rate_wad() == s.underlying_for_shares(10**18)  # wstETH stEthPerToken
    assert s.rate_wad() / 1e18 == pytest.approx(s.exchange_rate(), rel=1e-15)
    assert s.rate_wad() > 10**18
    r = make("rebasing", apr=0.5)
    r.stake("a", 3 * 10**18)
    r.accrue(1_000_000)
    assert r.rate_wad() == 10**18  # the balance itself grows: one unit is one underlying

"""A miner's windows on its candidate farms and the APRs it estimates from them."""

from __future__ import annotations

import pytest
from mining_helpers import mining_model

from agents.mining_watch import APR_CAP, AprEstimate, PoolWindow, trimmed_total
from sim.protocols.lp_staking import emission_per_day
from sim.protocols.rewards import effective_reward_apr, fee_apr, reward_apr


def test_trimmed_volume_ignores_one_burst() -> None:
    steady = [i * 100.0 for i in range(11)]
    burst = steady[:5] + [v + 1e6 for v in steady[5:]]
    assert trimmed_total(steady) == pytest.approx(1000.0)
    assert trimmed_total(burst) == pytest.approx(1000.0)


def test_trimmed_total_of_fewer_than_two_samples_is_zero() -> None:
    assert trimmed_total([]) == 0.0
    assert trimmed_total([5.0]) == 0.0
    assert trimmed_total([5.0, 7.0]) == 2.0  # one step: nothing to trim


def test_a_window_keeps_its_last_samples() -> None:
    w = PoolWindow(3)
    for block, vt in [(10, 4.0), (20, 1.0), (30, 3.0), (40, 2.0)]:
        w.blocks.append(block)
        w.vt.append(vt)
    assert list(w.blocks) == [20, 30, 40]
    assert w.span_days(12.0) == 20 * 12.0 / 86_400
    assert w.median_vt() == 2.0  # of 1, 3, 2
    assert PoolWindow(3).median_vt() == 0.0


def test_an_estimate_lists_its_components_in_order() -> None:
    est = AprEstimate(fee=0.1, reward=2.0, effective_reward=1.0, il=0.05, gas=0.01, net=1.04)
    assert est.as_dict() == {
        "fee": 0.1,
        "reward": 2.0,
        "effective_reward": 1.0,
        "il": 0.05,
        "gas": 0.01,
        "net": 1.04,
    }
    assert list(est.as_dict()) == ["fee", "reward", "effective_reward", "il", "gas", "net"]


def test_the_window_holds_the_samples_of_window_blocks() -> None:
    _, miner = mining_model()
    assert miner.watch.size == 600 // 25 + 1
    assert miner.watch.windows["eth_usdc"].blocks.maxlen == miner.watch.size
    _, small = mining_model(**{"agents.miners.window_blocks": 10})
    assert small.watch.size == 2  # never fewer than two samples


def test_observe_samples_every_candidate() -> None:
    model, miner = mining_model()
    market = model.market
    chef = miner.position.chef
    miner.watch.observe(chef)
    w = miner.watch.windows["eth_usdc"]
    assert list(w.blocks) == [0]
    assert list(w.ratio) == [market.price("ETH") / market.price("USDC")]
    assert list(w.reward_price) == [market.price("FARM")]
    assert list(w.token_price) == [0.0]  # neither ETH nor USDC was launched in the run
    assert list(w.vt) == []  # volume/TVL needs two samples
    model.step()
    miner.watch.observe(chef)
    assert list(w.blocks) == [0, 1]
    assert len(w.vt) == 1


def test_a_fresh_estimate_is_rewards_less_gas() -> None:
    """No samples yet: no fee or IL estimate; the reward APR counts the miner's own capital
    as the only stake, discounted by its expected sell pressure (no price trend yet)."""
    model, miner = mining_model()
    market = model.market
    pool = market.pools["eth_usdc"]
    chef = miner.position.chef
    mine = miner.position.investable_value()
    est = miner.watch.estimate(pool, chef, mine, holding=False)
    assert est.fee == 0.0
    assert est.il == 0.0
    per_day = emission_per_day(market.protocols, "eth_usdc", market.block)
    assert per_day == 40_000
    assert est.reward == min(reward_apr(per_day, market.price("FARM"), mine), APR_CAP)
    assert est.reward < APR_CAP
    assert est.effective_reward == effective_reward_apr(est.reward, 0.5, 0.0)
    gas = market.chain.gas
    harvests = 5.0 * 86_400 / 12 / miner.harvest_blocks
    units = gas.swap * 2 + gas.add_liquidity + gas.stake + gas.remove_liquidity
    units += int(harvests * (gas.stake + gas.swap))
    assert est.gas == market.gas_value(units) / mine * 365 / 5.0
    assert est.net == est.effective_reward - est.gas
    assert miner.estimate(pool) == est


def test_the_fee_estimate_uses_the_trimmed_window_volume() -> None:
    model, miner = mining_model(**{"agents.retail.count": 5})
    market = model.market
    pool = market.pools["eth_usdc"]
    chef = miner.position.chef
    for _ in range(4):
        model.step()
        miner.watch.observe(chef)
    w = miner.watch.windows["eth_usdc"]
    assert w.volume[-1] > w.volume[0]
    tvl = miner.watch.tvl(pool)
    share = model.pool_activity("eth_usdc").lp_fee_share
    expected = fee_apr(trimmed_total(list(w.volume)), w.span_days(12), 0.003, share, tvl + 1e6)
    assert miner.watch.estimate(pool, chef, 1e6, holding=False).fee == expected
    holding = fee_apr(trimmed_total(list(w.volume)), w.span_days(12), 0.003, share, tvl)
    assert miner.watch.estimate(pool, chef, 1e6, holding=True).fee == holding
    assert holding > expected

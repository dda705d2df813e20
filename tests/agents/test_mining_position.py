"""How a miner holds a farm: the zap, deposit and stake, harvest, reward sale, exit, and the
books of each."""

from __future__ import annotations

from mining_helpers import mining_model

from agents.mining_position import funding_tokens
from agents.mining_watch import AprEstimate
from sim.chain.transactions import Call, SwapExactIn, Tx

EST = AprEstimate(fee=0.1, reward=2.0, effective_reward=1.0, il=0.05, gas=0.01, net=1.04)


def test_funding_tokens_are_the_priced_tokens_of_the_candidates() -> None:
    model, _ = mining_model()
    market = model.market
    eth_usdc, farm_eth = market.pools["eth_usdc"], market.pools["farm_eth"]
    assert funding_tokens(market, [eth_usdc], "ETH") == ["ETH", "USDC"]
    assert funding_tokens(market, [farm_eth, eth_usdc], "ETH") == ["ETH", "USDC"]
    market.ref_prices = {}  # nothing priced but the numeraire
    assert funding_tokens(market, [farm_eth], "USDC") == ["USDC"]


def test_the_miner_is_funded_in_equal_value_and_keeps_its_gas_money() -> None:
    model, miner = mining_model()
    market = model.market
    position = miner.position
    assert miner.wallet["USDC"] == market.units("USDC", 150_000 / 2)
    assert position.reserve("ETH") == 5 * 10**17
    assert position.reserve("USDC") == 0
    assert position.spendable("ETH") == miner.wallet["ETH"] - 5 * 10**17
    assert position.spendable("ETH") == market.units("ETH", 150_000 / 2)


def test_a_balanced_wallet_needs_no_zap() -> None:
    model, miner = mining_model()
    assert miner.position.zap(model.market.pools["eth_usdc"], 0) is None


def test_a_zap_swaps_half_the_excess() -> None:
    model, miner = mining_model()
    market = model.market
    pool = market.pools["eth_usdc"]
    market.ledger.burn(miner.name, "USDC", miner.wallet["USDC"])  # all ETH now
    position = miner.position
    excess = market.value("ETH", position.spendable("ETH"))
    swap = position.zap(pool, 7)
    assert isinstance(swap, SwapExactIn)
    amount = market.units("ETH", excess / 2)
    assert swap.tokens == ("ETH", "USDC")
    assert swap.amount_in == amount
    assert swap.amount_out_min == int(pool.quote_exact_in("ETH", "USDC", amount) * 0.99)
    assert swap.deadline_block == 9


def test_deposit_stake_harvest_and_leave_are_booked() -> None:
    model, miner = mining_model()
    market = model.market
    pool = market.pools["eth_usdc"]
    position = miner.position
    chef = position.chef
    model.step()
    shares, paid = position.deposit_and_stake(pool, market.block, EST)
    assert shares > 0 and paid == 0
    assert chef.staked("eth_usdc", miner.name) == shares
    assert position.pools_entered == {"eth_usdc"}
    (row,) = position.entries
    assert row["block"] == 1 and row["pool"] == "eth_usdc"
    assert row["net_apr"] == 1.04 and row["effective_reward_apr"] == 1.0
    assert isinstance(row["value"], float) and row["value"] > 0.99 * 150_000
    for _ in range(10):
        model.step()
    pending = chef.pending_reward("eth_usdc", miner.name, market.block)
    got = position.harvest(pool, market.block)
    assert got == pending > 0
    assert position.reward_received == got == miner.reward_received
    assert position.sell_owed == int(got * 0.8)
    assert miner.wallet["FARM"] == got
    out = position.unstake_and_withdraw(pool, market.block, "news exploit", EST)
    assert out["ETH"] > 0 and out["USDC"] > 0
    assert chef.staked("eth_usdc", miner.name) == 0
    assert position.value() == 0.0
    (exit_row,) = position.exits
    assert exit_row["reason"] == "news exploit" and exit_row["signal"] == "news"
    assert miner.exits is position.exits and miner.entries is position.entries


def test_time_staked_accrues_only_while_farming() -> None:
    model, miner = mining_model()
    market = model.market
    position = miner.position
    position.deposit_and_stake(market.pools["eth_usdc"], 0, EST)
    value = position.value()
    position.accrue(25, farming=False)
    assert position.staked_value_days == 0.0 and position.last_accrual == 25
    position.accrue(50, farming=True)
    assert position.staked_value_days == value * (25 * 12 / 86_400)


def test_rewards_owed_are_sold_when_worth_the_gas() -> None:
    model, miner = mining_model()
    market = model.market
    position = miner.position
    assert position.reward_sale(0) is None  # nothing owed
    market.ledger.mint(miner.name, "FARM", 10_000 * 10**18)
    position.sell_owed = 8_000 * 10**18
    position.sell_owed = 1  # a wei of FARM does not pay for a swap
    assert position.reward_sale(0) is None
    position.sell_owed = 8_000 * 10**18
    model.step()
    sale = position.reward_sale(market.block)
    assert isinstance(sale, Call)
    assert sale.touches == (market.pools["farm_eth"],)
    market.chain.submit(Tx(miner.name, sale, 0.0, "reward_sell"))
    model.step()
    assert miner.wallet["FARM"] == 2_000 * 10**18
    assert position.reward_sold == 8_000 * 10**18
    assert position.sell_owed == 0
    assert position.reward_proceeds > 0
    assert position.reward_value() == position.reward_proceeds  # none from the chef

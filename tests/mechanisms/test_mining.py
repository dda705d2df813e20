"""Liquidity mining in a model run: rewards conserve, nobody is paid for time out of the pool,
miners react to what they observe, and the public staking/lock/concentration views behave."""

from __future__ import annotations

import pytest

from agents.mining_lp import MiningLP
from sim.errors import ProtocolError
from sim.model.model import MarketModel
from sim.protocols.launches import holder_concentration, lock_lp, locked_lp_share
from sim.protocols.lp_staking import free_lp_shares, stake_lp, unstake_lp
from sim.report.summary import summarize
from sim.scenario.scenario import load_scenario

SMALL = {
    "agents.retail.count": 10,
    "agents.miners.count": 12,
    "agents.miners.window_blocks": 300,
    "output.record_every": 50,
}


def _model(blocks: int, **overrides: object) -> MarketModel:
    sc = load_scenario("liquidity_mining", {**SMALL, **overrides}, blocks=blocks)
    return MarketModel(sc)


@pytest.fixture(scope="module")
def tracked() -> tuple[MarketModel, dict[str, float], dict[str, int]]:
    """A short run stepped by hand: each miner's entitlement block by block, from the stakes."""
    model = _model(2_000)
    chef = model.market.protocols.chef
    assert chef is not None
    info = chef.pools["eth_usdc"]
    entitled: dict[str, float] = {}
    staked_blocks: dict[str, int] = {}
    emitted = info.emitted
    stakes: dict[str, int] = {}
    for _ in range(model.spec.scenario.blocks):
        model.step()
        delta = info.emitted - emitted  # emission over [b-1, b), split by the stakes held then
        emitted = info.emitted
        total = sum(stakes.values())
        if total and delta:
            for user, s in stakes.items():
                entitled[user] = entitled.get(user, 0.0) + delta * s / total
        stakes = {u: x.amount for u, x in info.users.items() if x.amount}
        for u in stakes:
            staked_blocks[u] = staked_blocks.get(u, 0) + 1
    return model, entitled, staked_blocks


def test_rewards_distributed_equal_rewards_emitted(tracked) -> None:  # type: ignore[no-untyped-def]
    model, _, _ = tracked
    model.check()  # the ledger: every FARM minted (genesis, emissions) is somewhere
    chef = model.market.protocols.chef
    model.market.protocols.sync_rewards(model.market.block)
    acc = chef.accounts()
    assert acc.emitted > 0 and acc.paid > 0
    assert (
        acc.paid + acc.vesting + acc.pending + acc.forfeited + acc.undistributed + acc.dust
        == acc.emitted
    )
    assert 0 <= acc.dust < 10**9  # rounding: below a billionth of a FARM
    miners = [a for a in model.market_agents if isinstance(a, MiningLP)]
    # what the chef paid is exactly what reached miners' wallets
    assert sum(a.reward_received for a in miners) == acc.paid
    # and nobody else ever received FARM from the chef
    ledger = model.market.ledger
    team = next(a for a in model.market_agents if a.kind == "token_developer")
    assert ledger.supply("FARM") == 10_000_000 * 10**18 + acc.minted
    others = [a for a in model.market_agents if a.kind in ("liquidity_provider", "noise_trader")]
    assert all(ledger.wallet(a.name)["FARM"] == 0 for a in others)
    assert team.wallet["FARM"] == 10_000_000 * 10**18 - team.seeded["FARM"]


def test_no_agent_is_paid_for_time_out_of_the_pool(tracked) -> None:  # type: ignore[no-untyped-def]
    model, entitled, staked_blocks = tracked
    chef = model.market.protocols.chef
    block = model.market.block
    miners = [a for a in model.market_agents if isinstance(a, MiningLP)]
    assert any(a.exits for a in miners) or any(a.entries for a in miners)
    for a in miners:
        received = a.reward_received + chef.pending_reward("eth_usdc", a.name, block)
        received += chef.vesting("eth_usdc", a.name)
        if a.name not in staked_blocks:
            assert received == 0, a.name
            continue
        # the per-block pro-rata entitlement, to rounding (< 1e-9 of what it earned)
        assert received == pytest.approx(entitled[a.name], rel=1e-9, abs=10**6), a.name


def test_miners_leave_when_emissions_are_cut() -> None:
    model = _model(
        1_400,
        **{"events.emission_cut.at_day": 900 * 12 / 86_400, "events.emission_cut.value": 0},
    )
    miners = [a for a in model.market_agents if isinstance(a, MiningLP)]
    for _ in range(890):
        model.step()
    inside = [a for a in miners if a.state == "in"]
    assert inside, "some miners farm before the cut"
    for _ in range(510):
        model.step()
    assert all(a.state != "in" for a in inside)
    reasons = {str(e["signal"]) for a in inside for e in a.exits}
    assert "emissions cut" in reasons
    s = summarize(model)
    assert s["mining"]["pools"]["eth_usdc"]["miners_end"] == 0
    assert s["mining"]["exit_reasons"]["emissions cut"] >= 1
    ts = model.datacollector.get_model_vars_dataframe()
    assert {"rewards.FARM.price", "rewards.eth_usdc.headline_apr_pct"} <= set(ts.columns)
    assert ts["rewards.eth_usdc.emission_per_day"].iloc[-1] == 0
    model.check()


def test_staking_views_and_reverts() -> None:
    model = _model(10)
    market = model.market
    protocols = market.protocols
    pool = market.pools["eth_usdc"]
    lp = next(a for a in model.market_agents if a.kind == "liquidity_provider")
    shares = pool.balance_of[lp.name]
    assert free_lp_shares(protocols, pool, lp.name, 0) == shares
    lock_lp(protocols, "eth_usdc", lp.name, shares // 2, until_block=100)
    assert locked_lp_share(protocols, pool, 0) == pytest.approx(shares // 2 / pool.total_supply)
    assert locked_lp_share(protocols, pool, 0, until=100) == 0.0  # expired by then
    free = free_lp_shares(protocols, pool, lp.name, 0)
    assert free == shares - shares // 2
    with pytest.raises(ProtocolError):
        stake_lp(protocols, pool, lp.name, free + 1, 0)
    stake_lp(protocols, pool, lp.name, free, 0)
    assert free_lp_shares(protocols, pool, lp.name, 0) == 0
    for _ in range(5):
        model.step()
    paid = unstake_lp(protocols, pool, lp.name, free, market.block)
    assert paid > 0 and lp.wallet["FARM"] == paid
    model.check()
    # FARM: the team holds 98.5% of the supply in its wallet; the pool (a contract) is no holder
    assert holder_concentration(market.ledger, "FARM") == pytest.approx(0.985, rel=1e-3)
    team = next(a for a in model.market_agents if a.kind == "token_developer")
    assert holder_concentration(market.ledger, "FARM", exclude=(team.name,)) < 0.01

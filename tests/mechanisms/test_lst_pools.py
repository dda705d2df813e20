"""LSTs in StableSwap pools: rate oracles (reward-bearing), rebasing balances, mint/redeem arbitrage.

* A reward-bearing LST's pool reads its exchange rate (stableswap-ng `_stored_rates`): the
  integer math is the ng contract's, the pool prices the LST at the rate when balanced, and
  no "depeg" appears from the rate drifting away from a 1:1 peg.
* A rebasing LST (stETH design): every holder's balance grows with the share price, through
  explicit ledger mints (wallets) and venue mints (pools: to the LPs; lending: to suppliers).
* `lst_arbitrageur`: stake-and-sell at a premium, buy-and-redeem at a discount.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from lending_cases import BASE, E18
from lending_cases import STETH_DEPEG_EMODE as EMODE

from agents.lst_arbitrageur import LstArbitrageur
from agents.lst_looper import LstLooper
from agents.panic_seller import PanicSeller
from sim.chain.transactions import SwapExactIn, Tx
from sim.cli.main import main
from sim.errors import PoolError, ProtocolError, ScenarioError
from sim.model.model import MarketModel
from sim.pools.curve.rate_oracle import RateOracle
from sim.pools.curve.stableswap import StableSwapPool
from sim.runs.runner import run
from sim.scenario.scenario import load_scenario

FEE = 4_000_000  # 4 bps


def pool_with(rate: int | None, amounts: list[int], fee: int = FEE) -> StableSwapPool:
    pool = StableSwapPool("p", ("LST", "ETH"), (18, 18), A=100, fee=fee)
    if rate is not None:
        pool.set_rate_oracle(0, RateOracle("lido", lambda: rate))
    pool.add_liquidity(amounts, 0, "lp")
    return pool


# ------------------------------------------------------------------ rate oracles: pool math


def test_an_oracle_rate_of_one_changes_no_integer() -> None:
    plain = pool_with(None, [1_000 * E18, 1_300 * E18])
    oracled = pool_with(10**18, [1_000 * E18, 1_300 * E18])
    for p in (plain, oracled):
        p.exchange(0, 1, 77 * E18 + 3, 0)
        p.exchange(1, 0, 123 * E18 + 5, 0)
        p.add_liquidity([5 * E18, 1], 0, "x")
        p.remove_liquidity_imbalance([E18, 2 * E18], 10**30, "lp")
        p.remove_liquidity_one_coin(10 * E18, 0, 0, "lp")
    assert oracled.balances == plain.balances
    assert oracled.admin_balances == plain.admin_balances
    assert oracled.total_supply == plain.total_supply
    assert oracled.get_virtual_price() == plain.get_virtual_price()


def test_an_oracle_rate_scales_the_coin_exactly() -> None:
    """Rate 2: the pool holding (x, y) has the invariant of a plain pool holding (2x, y), and
    every output in the rated coin is the plain pool's divided by 2, rounded down, as the ng
    contract's `* PRECISION // rates[i]` gives."""
    x, y = 600 * E18 + 17, 1_500 * E18 + 3
    rated = pool_with(2 * 10**18, [x, y])
    plain = pool_with(None, [2 * x, y])
    assert rated.RATES == (2 * 10**18, 10**18)
    assert rated.total_supply == plain.total_supply
    assert rated.get_virtual_price() == plain.get_virtual_price()
    for dx in (10**6, 3 * E18 + 1, 400 * E18):
        assert rated.get_dy(0, 1, dx) == plain.get_dy(0, 1, 2 * dx)
        assert rated.get_dy(1, 0, dx) == plain.get_dy(1, 0, dx) // 2
    for lp in (E18, 77 * E18 + 9):
        assert rated.calc_withdraw_one_coin(lp, 0) == plain.calc_withdraw_one_coin(lp, 0) // 2
        assert rated.calc_withdraw_one_coin(lp, 1) == plain.calc_withdraw_one_coin(lp, 1)
        assert rated.calc_token_amount([lp, 0], True) == plain.calc_token_amount([2 * lp, 0], True)
    # the same trade on both: the rated pool pays (and keeps as admin fee) half, rounded down
    dy = rated.exchange(1, 0, 50 * E18, 0)
    assert dy == plain.exchange(1, 0, 50 * E18, 0) // 2
    assert rated.balances[1] == plain.balances[1]


def test_a_balanced_rated_pool_prices_the_lst_at_its_rate() -> None:
    rate = 1_087_654_321_012_345_678
    pool = pool_with(rate, [1_000_000 * E18, 1_000_000 * rate])
    assert pool.spot_price("LST", "ETH") == pytest.approx(rate / 1e18, rel=1e-12)
    assert pool.spot_price("ETH", "LST") == pytest.approx(1e18 / rate, rel=1e-12)
    # an arbitrageur valuing the LST at its rate finds nothing inside the fee band ...
    assert pool.arb_amount_in("ETH", "LST", rate / 1e18) == 0
    assert pool.arb_amount_in("LST", "ETH", 1e18 / rate) == 0
    # ... and at 1% more it buys until the marginal cost after fee reaches its value
    amount = pool.arb_amount_in("ETH", "LST", rate / 1e18 * 1.01)
    assert amount > 0
    pool.exchange(1, 0, amount, 0)
    price = pool.spot_price("LST", "ETH") / (1 - FEE / 1e10)  # its cost after the fee
    assert price == pytest.approx(rate / 1e18 * 1.01, rel=1e-5)  # profit is flat there


def test_rates_are_read_at_every_call_and_the_D_cache_follows() -> None:
    rate = [10**18]
    pool = StableSwapPool("p", ("LST", "ETH"), (18, 18), A=100, fee=FEE)
    pool.set_rate_oracle(0, RateOracle("lido", lambda: rate[0]))
    pool.add_liquidity([1_000 * E18, 1_000 * E18], 0, "lp")
    q1, vp1 = pool.get_dy(0, 1, E18), pool.get_virtual_price()
    rate[0] = 1_050_000_000_000_000_000
    q2, vp2 = pool.get_dy(0, 1, E18), pool.get_virtual_price()
    assert q2 > q1 and vp2 > vp1  # the LST is worth more ETH, so is each LP share
    fresh = StableSwapPool("q", ("LST", "ETH"), (18, 18), A=100, fee=FEE)
    fresh.set_rate_oracle(0, RateOracle("lido", lambda: rate[0]))
    fresh.add_liquidity([1_000 * E18, 1_000 * E18], 0, "lp")  # same balances, new rate
    assert q2 == fresh.get_dy(0, 1, E18)
    assert pool._d_rates == pool.RATES == (rate[0], 10**18)
    assert pool._d_value == pool.get_D(pool._xp(), pool._A())


def test_a_copied_pool_state_keeps_its_oracle_and_an_unconnected_one_reverts() -> None:
    pool = pool_with(10**18, [E18, E18])
    (oracle, _) = pool.rate_oracles
    assert copy.deepcopy(vars(pool))["rate_oracles"][0] is oracle
    if hasattr(pool, "snapshot"):
        pool.exchange(0, 1, 10**17, 0)
        snap = pool.snapshot()
        pool.restore(snap)
        assert pool.rate_oracles[0] is oracle
    loose = StableSwapPool("p", ("LST", "ETH"), (18, 18), A=100, fee=FEE)
    loose.set_rate_oracle(0, RateOracle("lido"))
    with pytest.raises(PoolError, match="not connected"):
        loose.add_liquidity([E18, E18], 0, "lp")


# ------------------------------------------------------------------ rate oracles: scenarios


def test_looping_yield_shows_no_fake_depeg() -> None:
    """12.5 days: the exchange rate grows 0.12%, and the pool follows it (the only discount
    is the xp imbalance the growth leaves, inside the 1 bp fee band)."""
    result = run("scenarios/looping_yield.toml", blocks=3_000, out=None)
    st = result.summary["staking"]["wstETH"]
    assert st["exchange_rate_end"] > 1.001
    assert st["max_discount_pct"] < 0.01
    assert st["market_rate_end"] == pytest.approx(st["exchange_rate_end"], abs=1e-4)


def _raw(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = raw
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return raw


def test_rate_oracles_and_rebasing_tokens_are_checked_at_load() -> None:
    with pytest.raises(ScenarioError, match=r"rate_oracles\.stETH.*no \[staking\.rocket\]"):
        load_scenario(_raw(pools__steth_eth__rate_oracles={"stETH": "rocket"}))
    raw = _raw(pools__steth_eth__rate_oracles={"ETH": "lido"})
    with pytest.raises(ScenarioError, match="issues 'stETH', not 'ETH'"):
        load_scenario(raw)
    raw = _raw(
        staking__lido__design="rebasing",
        pools__steth_eth={"kind": "constant_product", "tokens": ["stETH", "ETH"]},
    )
    with pytest.raises(ScenarioError, match="only be held by stableswap pools"):
        load_scenario(raw)
    raw = _raw(staking__lido__design="rebasing", lending__aave__assets__stETH__borrowable=True)
    with pytest.raises(ScenarioError, match="cannot be borrowed"):
        load_scenario(raw)


# ------------------------------------------------------------------ rebasing LSTs


def _rebasing(apr: float = 0.5, check: bool = True, **changes: Any) -> MarketModel:
    raw = _raw(staking__lido__design="rebasing", staking__lido__apr=apr, **changes)
    raw["agents"]["holders"] = {"kind": "panic_seller", "count": 3, "lst": "stETH"}
    raw["agents"]["loopers"]["reaction_probability"] = 0.0
    return MarketModel(load_scenario(raw), check_every_block=check)


def test_rebasing_balances_grow_with_the_share_price_everywhere() -> None:
    """Wallets, the pool's LPs and the lending market's suppliers all get the rebase, each
    balance times the share price's growth (to a wei per block), every unit minted
    explicitly: the ledger balances after every block."""
    model = _rebasing()
    market = model.market
    lido = market.protocols.staking["stETH"]
    pool = market.pools["steth_eth"]
    lm = market.protocols.lending["aave"]
    model.step()  # the loopers loop
    (looper,) = [a for a in model.market_agents if isinstance(a, LstLooper)]
    holders = [
        a for a in model.market_agents if isinstance(a, PanicSeller) and a.cohort == "holders"
    ]
    price0 = lido.share_price()
    wallets0 = {a.name: a.wallet["stETH"] for a in holders}
    pool0, vp0 = pool.holdings()["stETH"], pool.get_virtual_price()
    col0 = looper.collateral()
    assert lido.exchange_rate() == 1.0 and all(wallets0.values()) and col0 > 0
    blocks = 50
    for _ in range(blocks):
        model.step()
    growth = lido.share_price() / price0
    assert growth > 1 + 0.5 / 365 / 7_200 * blocks * 0.99  # 50 blocks at 50% APR
    for a in holders:
        assert a.wallet["stETH"] == pytest.approx(wallets0[a.name] * growth, rel=1e-12)
        assert wallets0[a.name] * growth - a.wallet["stETH"] <= blocks + 1
    assert pool.holdings()["stETH"] == pytest.approx(pool0 * growth, rel=1e-12)
    assert pool.get_virtual_price() > vp0  # the LPs got the pool's rebase
    assert looper.collateral() == pytest.approx(col0 * growth, rel=1e-12)
    assert lm.totals("stETH").dust >= 0
    model.check()
    market.protocols.check()  # the ledger's stETH never exceeds what Lido backs
    dust = market.protocols.rebase_dust("stETH")
    assert 0 <= dust <= (len(market.ledger.wallets) + 2) * (blocks + 1)
    assert market.protocols.rebased["stETH"] > 0
    # everything can be redeemed: the last holder is paid in full
    for a in holders:
        rid = market.protocols.request_withdrawal(a.name, "stETH", a.wallet["stETH"])
        assert rid > 0
    market.protocols.check()


def test_a_penalty_shrinks_every_rebasing_balance_at_once() -> None:
    """A 10% slash on a rebasing LST: balances fall 10% in the event's block, before any
    transaction, and a looper at 4.5x (LT 85%) is liquidated as with a reward-bearing LST."""
    model = _rebasing(
        check=False,
        apr=0.04,
        lending__aave__oracle="exchange_rate",
        agents__loopers__target_leverage=4.5,
        agents__liquidators__sell=False,
        events={"penalty": {"kind": "slash", "at_block": 10, "lst": "stETH", "fraction": 0.1}},
    )
    market = model.market
    for _ in range(9):
        model.step()
    (looper,) = [a for a in model.market_agents if isinstance(a, LstLooper)]
    col, pool_held = looper.collateral(), market.pools["steth_eth"].holdings()["stETH"]
    burned = market.ledger.burned.get("stETH", 0)
    model.step()
    # token conservation (the pool invariants' watch would flag the LPs' share of the loss:
    # a negative rebase lowers a pool's virtual price with its coin rates unchanged)
    market.ledger.check(market.block)
    assert market.protocols.liquidations  # liquidated in the same block
    rec = market.protocols.liquidations[0]
    # the borrower lost the seizure and the protocol fee (to the treasury)
    assert looper.collateral() + rec.seized + rec.protocol_fee == pytest.approx(col * 0.9, rel=1e-4)
    assert market.pools["steth_eth"].holdings()["stETH"] == pytest.approx(pool_held * 0.9, rel=1e-4)
    assert market.ledger.burned["stETH"] - burned > 0  # the shrinkage was booked as burns
    for _ in range(5):
        model.step()
        market.ledger.check(market.block)
    market.protocols.check()


def test_rebasing_steth_depeg_runs_from_the_cli(tmp_path: Path) -> None:
    """The rebasing variant of steth_depeg (`--set staking.lido.design=rebasing`): the same
    cascade, with conservation checked after every block."""
    code = main(
        [
            "run",
            "steth_depeg",
            "--set",
            "staking.lido.design=rebasing",
            *[
                f for k, v in EMODE.items() for f in ("--set", f"{k}={v}")
            ],  # loops a depeg can reach
            "--blocks",
            "1700",
            "--seed",
            "3",
            "--check",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    (folder,) = (tmp_path / "steth_depeg").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["staking"]["stETH"]["exchange_rate_end"] == 1.0
    assert summary["staking"]["stETH"]["max_discount_pct"] > 5
    assert summary["lending"]["aave"]["liquidations"] > 0


# ------------------------------------------------------------------ mint/redeem arbitrage


def _arb_model(withdrawal: str = "instant", delay: int = 600, **arb: Any) -> MarketModel:
    raw = _raw(
        staking__lido__withdrawal=withdrawal,
        staking__lido__queue_delay_blocks=delay,
        pools__steth_eth__rate_oracles={"stETH": "lido"},
        pools__steth_eth__fee_bps=4,
    )
    raw["staking"]["lido"]["apr"] = 0.5  # the rate moves visibly
    raw["agents"] = {
        "pool_lps": raw["agents"]["pool_lps"],
        "arbs": {"kind": "lst_arbitrageur", "count": 1, "lst": "stETH", "capital": 20_000} | arb,
    }
    return MarketModel(load_scenario(raw), check_every_block=True)


def _trade(model: MarketModel, who: str, token_in: str, amount: int) -> None:
    market = model.market
    market.ledger.mint(who, "ETH", amount)
    if token_in == "stETH":
        amount = market.protocols.stake(who, "stETH", amount)
    pool = market.pools["steth_eth"]
    out = "ETH" if token_in == "stETH" else "stETH"
    action = SwapExactIn((pool,), (token_in, out), amount, 0, market.block + 1, 0)
    market.chain.submit(Tx(who, action, 0.0, "whale"))


def _ratio(model: MarketModel) -> float:
    lido = model.market.protocols.staking["stETH"]
    return model.market.pools["steth_eth"].spot_price("stETH", "ETH") / lido.exchange_rate()


def test_a_premium_is_staked_and_sold_away() -> None:
    model = _arb_model()
    for _ in range(5):
        model.step()
    (arb,) = [a for a in model.market_agents if isinstance(a, LstArbitrageur)]
    _trade(model, "whale", "ETH", 4_000 * E18)  # a buyer lifts stETH above its rate
    model.step()
    assert _ratio(model) > 1.005
    deposited = model.market.protocols.staking["stETH"].deposited
    model.step()  # the arbitrageur stakes and sells in the next block
    assert arb.trades["mint"] >= 1 and arb.profit > 0
    assert model.market.protocols.staking["stETH"].deposited - deposited == arb.staked
    fee = FEE / 1e10
    assert 1.0 < _ratio(model) <= 1 / (1 - fee) + 1e-6  # back inside the fee band
    assert arb.wallet["stETH"] == 0  # it sold everything it minted
    model.check()
    model.market.protocols.check()


def test_a_discount_is_bought_and_redeemed_at_once() -> None:
    model = _arb_model()
    for _ in range(5):
        model.step()
    (arb,) = [a for a in model.market_agents if isinstance(a, LstArbitrageur)]
    eth0 = arb.wallet["ETH"]
    _trade(model, "whale", "stETH", 4_000 * E18)
    model.step()
    assert _ratio(model) < 0.995
    model.step()
    assert arb.trades["redeem"] >= 1 and arb.wallet["stETH"] == 0
    assert 1 - FEE / 1e10 - 1e-6 <= _ratio(model) < 1.0
    assert arb.wallet["ETH"] > eth0  # a profit, at once (gas is free here)
    model.check()
    model.market.protocols.check()


def test_through_the_queue_a_discount_must_beat_the_hurdle() -> None:
    """A two-hour queue and a 600% required APR: the hurdle is 0.137%. A discount inside it
    is left alone; a deeper one is bought down to about hurdle + fee and claimed 600 blocks
    later."""
    model = _arb_model("queue", required_apr=6.0)
    (arb,) = [a for a in model.market_agents if isinstance(a, LstArbitrageur)]
    assert arb.hurdle == pytest.approx(6.0 * 600 * 12 / (365 * 86_400), rel=1e-9)
    for _ in range(5):
        model.step()
    _trade(model, "whale", "stETH", 500 * E18)  # a small discount: inside the hurdle
    model.step()
    model.step()
    assert 1 - _ratio(model) < arb.hurdle + FEE / 1e10
    assert 1 - _ratio(model) > 0.0004
    assert arb.trades["redeem"] == 0
    _trade(model, "whale", "stETH", 3_000 * E18)
    model.step()
    model.step()
    assert arb.trades["redeem"] == 1 and arb.requests
    gap = 1 - _ratio(model)
    assert arb.hurdle < gap <= arb.hurdle + FEE / 1e10 + 1e-5
    lido = model.market.protocols.staking["stETH"]
    first = arb.requests[0]
    ready = lido.requests[first].ready_block
    assert ready in (lido.block + 599, lido.block + 600)
    while lido.block < ready:  # the ETH comes back only after the queue's delay
        assert not lido.requests[first].claimed
        model.step()
    for _ in range(3):
        model.step()
    # claimed as soon as ready, and only then (later, smaller trades keep joining the queue)
    reqs = [lido.requests[r] for r in arb.requests]
    assert all(r.claimed for r in reqs if r.ready_block <= lido.block - 2)
    assert not any(r.claimed for r in reqs if r.ready_block > lido.block)
    assert lido.requests[first].claimed
    assert arb.claimed == sum(r.amount for r in reqs if r.claimed)
    assert arb.profit > 0 and arb.value() > arb.initial_value
    model.check()
    model.market.protocols.check()


def test_an_arbitrage_that_no_longer_pays_reverts_untouched() -> None:
    model = _arb_model()
    model.step()
    (arb,) = [a for a in model.market_agents if isinstance(a, LstArbitrageur)]
    market = model.market
    pool = market.pools["steth_eth"]
    lido = market.protocols.staking["stETH"]
    before = (dict(arb.wallet), list(pool.balances), lido.total_pooled, lido.total_shares())
    with pytest.raises(ProtocolError, match="no longer pays"):
        arb.execute_mint(arb.name, 100 * E18, 101 * E18)
    with pytest.raises(ProtocolError, match="no longer pays"):
        arb.execute_redeem(arb.name, 100 * E18, 101 * E18)
    assert before == (dict(arb.wallet), list(pool.balances), lido.total_pooled, lido.total_shares())


def test_impermanent_loss_of_a_rate_oracle_pool_follows_the_rate_not_the_price() -> None:
    """The LST's price grows with its exchange rate; a pool scaled by that rate needs no
    rebalancing for it, so its LPs have no impermanent loss (on the unscaled curve a 10%
    price move would cost StableSwap LPs several percent)."""
    from sim.report.summary import pool_il

    model = MarketModel(load_scenario("looping_yield"))
    staking = model.market.protocols.staking["wstETH"]
    staking.accrue(int(3 * 365 * 86_400 / model.block_time_s))  # 3 years at 3.5%: +11%
    pool = model.market.pools["wsteth_eth"]
    assert 1.10 < pool.spot_price("wstETH", "ETH") < 1.12  # the pool price tracks the rate
    il = pool_il(model, "wsteth_eth")["impermanent_loss_pct"]
    assert il == pytest.approx(0.0, abs=1e-6)


def test_lvr_is_left_undefined_where_a_token_has_no_reference_price() -> None:
    from sim.runs.runner import run

    summary = run("rug_pull", blocks=300, out=None).summary
    assert summary["pools"]["scam_eth"]["lvr"] is None
    assert summary["pools"]["eth_usdc"]["lvr"] is not None

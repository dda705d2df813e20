"""The steth_depeg scenario: exits and panic deepen an LST discount, liquidations feed back into it.

At its own June 2022 parameters (threshold 81%, loops up to 3.2x) the depeg liquidates nobody;
the feedback is measured on its e-mode variant (LTV 90%, threshold 93%, loops at 5-8.5x), where
the same depeg reaches the loopers (docs/depeg.md)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from lending_cases import BASE
from lending_cases import STETH_DEPEG_EMODE as EMODE

from agents.panic_seller import PanicSeller
from sim.model.model import MarketModel
from sim.runs.runner import run
from sim.scenario.scenario import load_scenario

SCENARIO = "scenarios/steth_depeg.toml"
BLOCKS = 2_600  # the large LP leaves at block 300; the depeg and liquidations follow
SEEDS = (1, 2, 3, 4)


def _depeg(seed: int, liquidators: bool, after: int | None = None) -> tuple[float, float, int, int]:
    """(lowest LST/ETH pool rate, its mean from block `after` on, liquidations, first
    liquidation block) of a short run."""
    result = run(
        SCENARIO,
        seed=seed,
        blocks=BLOCKS,
        overrides={**EMODE, "output.record_every": 5, "agents.liquidators.active": liquidators},
        out=None,
    )
    ts = result.timeseries
    lending = result.summary["lending"]["aave"]
    rate = ts["staking.stETH.market_rate"]
    first = lending["first_liquidation_block"]
    start = after if after is not None else (first or 0)
    assert ts["lending.aave.bad_debt"].iloc[-1] == 0  # the TWAP oracle: no bad debt
    return (
        float(rate.min()),
        float(rate[ts["block"] >= start].mean()),
        lending["liquidations"],
        first,
    )


def test_liquidations_deepen_the_depeg_across_seeds() -> None:
    """Same seeds, liquidator cohort active vs inactive (`agents.liquidators.active=false`:
    the agents exist and draw nothing, so everything else sees the same random numbers).

    From the first liquidation on, the pool price is lower on average with liquidators
    selling, and its lowest point is deeper: on average over the seeds and in at least three
    of the four. (Not in every one: panic sellers keep selling until the discount reaches
    their own capitulation threshold and dip buyers buy from theirs, so without liquidators
    the price can reach the same floor later.)"""
    low_gaps, path_gaps = [], []
    for seed in SEEDS:
        low, path, n, first = _depeg(seed, True)
        low0, path0, n0, _ = _depeg(seed, False, after=first)
        assert n0 == 0
        assert n > 0, f"seed {seed}: no liquidation happened"
        path_gaps.append(path0 - path)
        low_gaps.append(low0 - low)
    assert sum(1 for g in path_gaps if g > 0) >= len(SEEDS) - 1, (path_gaps, low_gaps)
    assert sum(1 for g in low_gaps if g > 0) >= len(SEEDS) - 1, (path_gaps, low_gaps)
    assert sum(low_gaps) / len(low_gaps) > 0.001, (path_gaps, low_gaps)  # 0.1 point deeper
    assert sum(path_gaps) / len(path_gaps) > 0.001, (path_gaps, low_gaps)


def test_depeg_run_conserves_every_token() -> None:
    """Checked after every block, through the panic and the first liquidations."""
    sc = load_scenario(SCENARIO, EMODE, seed=3, blocks=1_700)
    model = MarketModel(sc, check_every_block=True)
    for _ in range(1_700):
        model.step()
    model.check()
    for st in model.market.protocols.staking.values():
        st.check()
    assert model.market.protocols.liquidations  # seed 3 liquidates before block 1,700
    # the discount is real: the pool trades the LST below its exchange rate
    rate = model.market.protocols.staking["stETH"].exchange_rate()
    assert model.market.price("stETH") < rate * 0.95


def _holders(**spec: Any) -> MarketModel:
    raw = copy.deepcopy(BASE)
    raw["agents"] = {
        "pool_lps": raw["agents"]["pool_lps"],
        "holders": {"kind": "panic_seller", "count": 4, "lst": "stETH", "capital": 500, **spec},
    }
    raw["staking"]["lido"]["queue_delay_blocks"] = 20
    raw["events"] = {"fear": {"kind": "news", "at_block": 10, "flag": "fear"}}
    return MarketModel(load_scenario(raw))


def test_news_makes_listeners_sell_into_the_pool() -> None:
    model = _holders(news_flags=["fear"], sells_per_day=7_200 * 2, sell_size=20)
    pool = model.market.pools["steth_eth"]
    for _ in range(9):
        model.step()
    assert pool.spot_price("stETH", "ETH") == pytest.approx(1.0, abs=1e-9)
    for _ in range(30):
        model.step()
    holders = [
        a for a in model.market_agents if isinstance(a, PanicSeller) and a.cohort == "holders"
    ]
    assert all(a.panicked_at is not None and a.panicked_at >= 10 for a in holders)
    assert pool.spot_price("stETH", "ETH") < 0.999
    assert sum(a.report()["lst_sold"] for a in holders) > 0
    model.check()


def test_calm_exits_use_the_queue_when_the_discount_is_small() -> None:
    model = _holders(exits_per_year=1e6, queue_discount_bps=20)
    for _ in range(40):
        model.step()
    holders = [
        a for a in model.market_agents if isinstance(a, PanicSeller) and a.cohort == "holders"
    ]
    for a in holders:
        assert a.queued > 0 and a.wallet["stETH"] == 0
        # claimed after the 20-block queue: the underlying came back at the exchange rate
        assert a.claimed > 0 and a.pending_underlying() == 0
    assert model.market.pools["steth_eth"].spot_price("stETH", "ETH") == pytest.approx(1.0)
    model.check()
    model.market.protocols.staking["stETH"].check()


def test_a_validator_penalty_is_a_depeg_trigger() -> None:
    """A scheduled `slash` event lowers the LST's exchange rate; with an exchange-rate oracle
    the looper is liquidated once the rate falls below LTV_used / LT of what it was (4.5x at
    LT 85%: 0.915), and the destroyed ETH is booked as a burn, so conservation holds."""
    raw = copy.deepcopy(BASE)
    raw["lending"]["aave"]["oracle"] = "exchange_rate"
    raw["agents"]["loopers"]["target_leverage"] = 4.5
    raw["agents"]["liquidators"]["sell"] = False  # the liquidator keeps what it seizes
    raw["events"] = {"penalty": {"kind": "slash", "at_block": 10, "lst": "stETH", "fraction": 0.1}}
    model = MarketModel(load_scenario(raw), check_every_block=True)
    lido = model.market.protocols.staking["stETH"]
    for _ in range(9):
        model.step()
    assert not model.market.protocols.liquidations
    rate = lido.exchange_rate()
    model.step()
    assert lido.exchange_rate() == pytest.approx(rate * 0.9, rel=1e-6)
    assert lido.slashed > 0
    assert model.market.ledger.burned["ETH"] >= lido.slashed
    for _ in range(3):
        model.step()
    (first, *_) = model.market.protocols.liquidations
    assert first.block >= 10  # the event fires before the block's transactions
    model.check()
    lido.check()
    raw["events"]["penalty"]["fraction"] = 0.05  # 0.95 > 0.915: nobody is liquidatable
    model = MarketModel(load_scenario(raw))
    for _ in range(15):
        model.step()
    assert not model.market.protocols.liquidations


def test_dip_budget_comes_back_when_a_buy_does_not_go_through() -> None:
    model = MarketModel(load_scenario("steth_depeg"))
    model.run_for(3)
    buyer = next(a for a in model.market_agents if a.cohort == "dip_buyers")
    budget = buyer.buy_budget
    buyer._buy(20.0)  # 20 ETH of stETH, submitted ...
    assert buyer.buy_budget < budget
    buyer._reconcile()  # ... but a full block left it pending: withdrawn, budget back
    assert buyer.buy_budget == budget and buyer.bought == 0
    assert model.market.chain.pending_from(buyer.name) == []
    buyer._buy(20.0)
    model.market.chain.build_block()  # this one executes
    buyer._reconcile()
    assert buyer.buy_budget == budget - 20 * 10**18 and buyer.bought == 20 * 10**18

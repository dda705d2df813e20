"""A miner's exit signals: each fires on its own condition, and not just short of it."""

from __future__ import annotations

from mining_helpers import mining_model

from agents.mining_signals import ExitSignals
from agents.mining_watch import PoolWindow
from sim.market.market import Market
from sim.pools.base import Pool
from sim.protocols.lp_staking import emission_per_day


def _setup() -> tuple[Market, Pool, ExitSignals, PoolWindow]:
    model, miner = mining_model()
    market = model.market
    pool = market.pools["eth_usdc"]
    window = PoolWindow(25)
    window.token_price.append(0.0)
    return market, pool, ExitSignals(market, miner.spec), window


def test_no_signal_in_a_quiet_market() -> None:
    _, pool, signals, window = _setup()
    assert signals.check(pool, window, holding=True) is None


def test_news_flags_make_miners_leave() -> None:
    market, pool, signals, window = _setup()
    market.news.add("hack")  # not one of exit_news
    assert signals.check(pool, window, holding=True) is None
    market.news.add("rug:USDC")
    assert signals.check(pool, window, holding=True) == "news rug:USDC"
    market.news.add("exploit")
    assert signals.check(pool, window, holding=True) == "news exploit"


def test_a_crash_of_the_pools_token() -> None:
    """crash_exit = 0.3: the last price below 70% of the window's top is a crash."""
    _, pool, signals, window = _setup()
    window.token_price.extend([2.0, 1.4])
    assert signals.check(pool, window, holding=False) is None
    window.token_price.append(1.3999)
    assert signals.check(pool, window, holding=False) == "token price crash"


def test_an_emission_cut() -> None:
    """emission_cut_exit = 0.3: the rate now below 70% of the last one seen is a cut."""
    market, pool, signals, window = _setup()
    per_day = emission_per_day(market.protocols, "eth_usdc", market.block)
    signals.last_emission = per_day / 0.7 * 0.999
    assert signals.check(pool, window, holding=True) is None
    assert signals.last_emission == per_day
    signals.last_emission = per_day / 0.7 * 1.001
    assert signals.check(pool, window, holding=True) == "emissions cut"
    assert signals.last_emission == per_day  # the cut is news once


def test_volume_drying_up_in_the_pool_it_holds() -> None:
    """volume_drop_exit = 0.2: the median of the last 8 steps below 20% of that at entry."""
    market, pool, signals, window = _setup()
    window.vt.extend([10.0] * 9)
    signals.entered(pool, window, market.block)
    assert signals.entry_vt == 10.0
    window.vt.extend([1.0] * 4 + [2.5] * 4)  # median (the 4th of 8): 1.0 < 2.0
    assert signals.check(pool, window, holding=True) == "volume/TVL fell"
    assert signals.check(pool, window, holding=False) is None  # a pool it does not hold
    window.vt.extend([2.0] * 5)  # median 2.0: not below
    assert signals.check(pool, window, holding=True) is None
    signals.left()
    assert signals.entry_vt == 0.0

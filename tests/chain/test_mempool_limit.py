"""The pending backlog has a ceiling (`[chain] mempool_max_txs`), as real mempools do.

* Beyond it the cheapest transactions are evicted: lowest priority fee first, the latest
  arrival first among equal fees; each is reported as dropped (no gas paid) and its sender
  reads `status == "dropped"`.
* In a market where demand exceeds the block gas limit for good, the backlog stays at the
  ceiling, every token is conserved, and summary.json counts the evictions; a run that never
  reaches the ceiling has no `mempool_evicted` key at all.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from sim.chain.chain import EVICTED, MEMPOOL_MAX_TXS, Chain, ChainSpec
from sim.chain.gas import GasUnits
from sim.chain.ledger import Ledger
from sim.chain.transactions import Receipt, SwapExactIn, Tx
from sim.model.model import MarketModel
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.report.summary import summarize
from sim.scenario.scenario import load_scenario

E18 = 10**18
Log = list[tuple[str, Receipt | None, str, int]]


def small_chain(limit_txs: int, ordering: str = "priority_fee") -> tuple[Chain, Any, Log]:
    """A chain whose blocks hold two 120k-gas swaps and whose mempool keeps `limit_txs`."""
    ledger = Ledger({"ETH": 18, "USDC": 6})
    gas = GasUnits(lending=200_000, liquidation=200_000)  # every kind fits a 250k block
    spec = ChainSpec(ordering=ordering, block_gas_limit=250_000, gas=gas, mempool_max_txs=limit_txs)
    chain = Chain(spec, ledger, np.random.default_rng(1), 12.0)
    log: Log = []
    chain.on_receipt = lambda tx, receipt, reason, paid: log.append(
        (tx.label, receipt, reason, paid)
    )
    pool = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6), fee_bps=30)
    ledger.mint("genesis", "ETH", 1_000 * E18)
    ledger.mint("genesis", "USDC", 3_000_000 * 10**6)
    ledger.wallets["genesis"]["ETH"] -= 1_000 * E18
    ledger.wallets["genesis"]["USDC"] -= 3_000_000 * 10**6
    pool.mint("genesis", 1_000 * E18, 3_000_000 * 10**6)
    ledger.add_venue("cp", pool.holdings)
    for who in "abcdefgh":
        ledger.mint(who, "ETH", 10 * E18)  # gas money
        ledger.mint(who, "USDC", 100_000 * 10**6)
    return chain, pool, log


def swap(chain: Chain, pool: Any, who: str, tip: float) -> Tx:
    action = SwapExactIn((pool,), ("USDC", "ETH"), 1_000 * 10**6, 0, 10**6, chain.gas.swap)
    return chain.submit(Tx(who, action, tip, who))


def test_default_is_geths_pool_size_and_bounds_are_validated() -> None:
    assert ChainSpec().mempool_max_txs == MEMPOOL_MAX_TXS == 5_120
    for bad in (0, -1, 10**7):
        with pytest.raises(ValidationError):
            ChainSpec(mempool_max_txs=bad)


@pytest.mark.parametrize("ordering", ["priority_fee", "fifo", "random"])
def test_the_cheapest_are_evicted_latest_first_and_told(ordering: str) -> None:
    """Eight swaps, room for two in the block and four in the mempool: two are evicted,
    h (tip 0.5), then the later of the two at 1.0 (g, after f). Whichever two the builder
    took, eviction looks at fees and arrival only."""
    chain, pool, log = small_chain(limit_txs=4, ordering=ordering)
    chain.new_block()
    tips = {"a": 9.0, "b": 8.0, "c": 3.0, "d": 2.0, "e": 2.0, "f": 1.0, "g": 1.0, "h": 0.5}
    txs = {who: swap(chain, pool, who, tip) for who, tip in tips.items()}
    chain.build_block()
    included = {label for label, receipt, _, paid in log if paid >= 0}
    evicted = [label for label, _, reason, paid in log if reason == EVICTED]
    assert len(included) == 2 and chain.backlog == 4 and len(chain.mempool) == 4
    if ordering == "priority_fee":
        assert included == {"a", "b"}
        assert evicted == ["g", "h"]  # reported in arrival order
        assert [tx.sender for tx in chain.mempool] == ["c", "d", "e", "f"]
    pending = {tx.sender for tx in chain.mempool}
    # whatever the builder took, the ones evicted are the cheapest of those left, latest first
    left = sorted(pending | set(evicted), key=lambda w: (-tips[w], w))
    assert set(evicted) == set(left[4:])
    assert all(txs[w].status == "dropped" for w in evicted)
    assert all(paid == -1 for label, _, reason, paid in log if label in evicted)
    assert chain.evicted_count == 2 and chain.tx_count == 2
    chain.ledger.check(1)


def test_no_eviction_below_the_ceiling() -> None:
    chain, pool, log = small_chain(limit_txs=6)
    chain.new_block()
    for who in "abcdefgh":
        swap(chain, pool, who, 1.0)
    chain.build_block()
    assert chain.evicted_count == 0 and chain.backlog == 6
    assert all(reason != EVICTED for _, _, reason, _ in log)


def test_an_overloaded_market_keeps_its_backlog_at_the_ceiling(raw: dict[str, Any]) -> None:
    """Room for 3 swaps a block against ~30 wanted: the backlog stops at 20, tokens are
    conserved every block, evictions are counted in summary.json and per agent."""
    raw["chain"].update(block_gas_limit=400_000, mempool_max_txs=20)
    raw["agents"]["retail"].update(count=30, trades_per_block=1.0)
    model = MarketModel(load_scenario(raw), check_every_block=True)
    chain = model.market.chain
    for _ in range(15):
        model.step()
        assert len(chain.mempool) <= 20
    assert chain.backlog == 20 and chain.evicted_count > 100
    summary = summarize(model)
    assert summary["mempool_evicted"] == chain.evicted_count
    per_agent = sum(model.metrics.agent(a.name).dropped for a in model.market_agents)
    assert per_agent == chain.evicted_count
    model.check()


def test_a_run_under_the_ceiling_reports_no_evictions(raw: dict[str, Any]) -> None:
    model = MarketModel(load_scenario(raw))
    for _ in range(20):
        model.step()
    assert "mempool_evicted" not in summarize(model)

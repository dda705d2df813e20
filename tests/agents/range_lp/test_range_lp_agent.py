"""The range LP's transactions: entering, moving and exiting pay gas, and a newer intent replaces a pending one."""

from __future__ import annotations

import pytest
from range_lp_cases import (
    DEEP,
    agent,
    build,
    lp,
    pool_of,
    push_price,
    report,
)

from sim.chain.transactions import Receipt, Tx


def test_every_rebalance_pays_gas_from_the_wallet() -> None:
    base_fee = 20.0
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=1)}, base_fee=base_fee)
    narrow = agent(model, "narrow")
    gas = model.market.chain.gas
    rows: list[tuple[str, int, float]] = []
    hook = model.market.chain.on_receipt

    def spy(tx: Tx, r: Receipt | None, reason: str, paid: int) -> None:
        if tx.sender == narrow.name:
            rows.append((r.kind if r else "reverted", paid, model.market.price("ETH")))
        assert hook is not None
        hook(tx, r, reason, paid)

    model.market.chain.on_receipt = spy
    for factor in (1.03, 0.96, 1.025):
        push_price(model, factor)
        model.run_for(2)
    assert narrow.position.rebalances == 3 and len(rows) == 3
    per_move = gas.remove_liquidity + narrow.spec.collect_gas_units + gas.add_liquidity
    for kind, paid, _ in rows:
        units = per_move + (gas.swap if kind == "swap" else 0)
        assert paid == int(units * base_fee * 10**9)
    assert any(kind == "swap" for kind, _, _ in rows)
    paid = sum(p / 1e18 * eth for _, p, eth in rows)
    assert model.metrics.agent(narrow.name).gas_cost == pytest.approx(paid)
    assert report(narrow)["range_lp_gas"] == pytest.approx(paid)
    # the fixed band never moves and never pays
    assert model.metrics.agent(agent(model, "full").name).gas_cost == 0


def test_a_later_entry_mints_by_transaction_and_pays_gas() -> None:
    model = build({"full": DEEP, "late": lp("fixed_band", band_pct=3, enter_block=10)}, base_fee=10)
    late = agent(model, "late")
    assert not late.position.entered and late.position.liquidity == 0
    model.run_for(9)
    assert not late.position.entered
    model.run_for(1)
    assert late.position.entered and late.position.entry_block == 10 and late.position.in_range()
    pool = pool_of(model)
    assert (
        pool.position(late.name, late.position.tick_lower, late.position.tick_upper).liquidity
        == late.position.liquidity
    )
    gas = model.market.chain.gas
    wei = (gas.add_liquidity + gas.swap) * 10 * 10**9
    assert model.metrics.agent(late.name).gas_cost == pytest.approx(wei / 1e18 * 3000)
    model.check()


def test_a_newer_intent_replaces_a_pending_one() -> None:
    """A transaction left out of a full block is replaced, not duplicated, by the next one."""
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=1, recentre_every=1000)})
    narrow = agent(model, "narrow")
    model.run_for(5)
    push_price(model, 1.03)
    assert not narrow.position.in_range()
    narrow.act()
    narrow.act()  # as if the first re-centre were still pending from the last block
    assert len(model.market.chain.pending_from(narrow.name)) == 1
    model.run_for(1)  # its own act() in this block replaces the pending one again
    assert narrow.position.rebalances == 1 and narrow.position.in_range()
    assert model.metrics.agent(narrow.name).reverts == 0
    model.check()

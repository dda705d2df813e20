"""Tests for sim.chain.ordering: the builder's three ordering rules and the bundle auction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.chain.ordering import order_block
from sim.chain.transactions import Bundle, ChainContext, Receipt, Tx
from sim.pools.base import Pool


class Noop:
    """An action that does nothing (ordering never executes it)."""

    gas_units = 21_000

    def execute(self, chain: ChainContext, sender: str) -> Receipt:
        return Receipt("noop")

    def pools(self) -> Sequence[Pool]:
        return ()


def tx(name: str, tip: float, seq: int) -> Tx:
    return Tx(name, Noop(), tip, label=name, seq=seq)


def names(txs: list[Tx]) -> list[str]:
    return [t.label for t in txs]


def pending() -> list[Tx]:
    return [tx("a", 1.0, 0), tx("b", 3.0, 1), tx("c", 1.0, 2), tx("d", 2.0, 3)]


def test_priority_fee_sorts_by_tip_and_keeps_arrival_order_on_ties() -> None:
    txs, winners = order_block(pending(), [], "priority_fee", np.random.default_rng(0))
    assert names(txs) == ["b", "d", "a", "c"]
    assert winners == {}


def test_the_highest_bid_per_target_wins_the_bundle_auction() -> None:
    txs = pending()
    target = txs[0]
    low = Bundle(target, [tx("f1", 5.0, 4)], [tx("b1", 0.0, 5)], "s1")
    high = Bundle(target, [tx("f2", 0.0, 6)], [tx("b2", 7.0, 7)], "s2")
    tie = Bundle(target, [tx("f3", 7.0, 8)], [], "s3")  # equal bid: the first one stays
    ordered, winners = order_block(txs, [low, high, tie], "priority_fee", np.random.default_rng(0))
    assert winners == {0: high}
    assert names(ordered) == ["b", "d", "a", "c"]  # legs run with their target, not on their own
    assert high.bid_gwei == 7.0 and low.bid_gwei == 5.0


def test_fifo_and_random_split_bundles_into_plain_transactions() -> None:
    txs = pending()
    bundle = Bundle(txs[2], [tx("front", 9.0, 4)], [tx("back", 0.0, 5)], "s")
    ordered, winners = order_block(txs, [bundle], "fifo", np.random.default_rng(0))
    assert names(ordered) == ["a", "b", "c", "d", "front", "back"] and winners == {}
    shuffled, winners = order_block(pending(), [bundle], "random", np.random.default_rng(0))
    expected = np.random.default_rng(0).permutation(6)
    plain = pending() + bundle.before + bundle.after
    assert names(shuffled) == [plain[i].label for i in expected] and winners == {}


def test_random_draws_one_permutation_even_for_an_empty_block() -> None:
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    assert order_block([], [], "random", rng) == ([], {})
    twin.permutation(0)
    assert rng.random() == twin.random()

"""The block builder's ordering rules: which pending transaction runs first.

* `priority_fee`: highest priority fee first, ties by arrival (a stable sort); searcher
  bundles are honoured, the highest bid per target winning.
* `random`: a uniform shuffle from the chain's generator; bundles split into plain transactions.
* `fifo`: arrival order; bundles split into plain transactions.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Literal

import numpy as np

from sim.chain.transactions import Bundle, Tx

__all__ = ["Ordering", "order_block"]

Ordering = Literal["priority_fee", "random", "fifo"]


def order_block(
    txs: list[Tx], bundles: list[Bundle], rule: Ordering, rng: np.random.Generator
) -> tuple[list[Tx], dict[int, Bundle]]:
    """The block's transactions in execution order, and the winning bundle per target `seq`.

    `txs` may be reordered in place. Only `priority_fee` keeps bundles (an empty dict
    otherwise); `random` draws one permutation from `rng` every block, even an empty one.
    """
    if rule == "priority_fee":
        winners: dict[int, Bundle] = {}
        for b in bundles:
            best = winners.get(b.target.seq)
            if best is None or b.bid_gwei > best.bid_gwei:
                winners[b.target.seq] = b
        if len(txs) > 1:  # highest tip first; ties keep arrival order (the sort is stable)
            txs.sort(key=_tip, reverse=True)
        return txs, winners
    for b in bundles:
        txs.extend(b.before)
        txs.extend(b.after)
    if rule == "random":
        order = rng.permutation(len(txs))
        txs = [txs[i] for i in order]
    else:
        txs.sort(key=_arrival_key)
    return txs, {}


_tip = attrgetter("priority_fee_gwei")


def _arrival_key(tx: Tx) -> int:
    return tx.seq

"""The chain: a mempool and a block builder bound to the ledger, where intents become transactions.

Each block: agents `submit` transactions (and searchers `submit_bundle`s that
wrap a pending victim); `build_block` orders the mempool by the scenario's rule
(`sim.chain.ordering`) and executes transactions in that order until the next one would
exceed the block gas limit. The rest stay pending for later blocks: still visible to
searchers, ordered again with the new arrivals (ties by arrival), and a swap
whose deadline has passed by the time it is included reverts and pays gas. A
transaction that reverts (slippage, deadline, balance) changes nothing but still
pays gas (`sim.chain.gas`). An agent sees its own pending transactions with
`pending_from` and withdraws them with `cancel` (a same-nonce replacement on chain).

Under `priority_fee` ordering searcher bundles are honoured: front-run, victim and
back-run execute back to back, the highest bid per victim wins, and a bundle that would
revert is dropped whole. A bundle takes the gas of all its legs; one that does not fit is
dropped (bundles are for one block) and its target stays pending. A transaction that needs
more gas than a whole block holds can never be included: it is dropped (reported like one
that cannot pay its gas).

The backlog has a ceiling, as real mempools do (geth keeps 5,120 executable transactions by
default): after a block, at most `mempool_max_txs` stay pending. Beyond it the cheapest are
evicted (lowest priority fee; among equal fees the latest arrival, as geth refuses an
underpriced newcomer to a full pool), each reported as dropped so its sender sees
`status == "dropped"` and may resubmit. What transactions, bundles and receipts are:
`sim.chain.transactions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from pydantic import Field, model_validator

from sim.chain.gas import BUILDER, BaseFee, GasUnits, charge_gas
from sim.chain.ledger import Ledger
from sim.chain.ordering import Ordering, order_block
from sim.chain.transactions import Bundle, Receipt, Tx, quote_alone
from sim.config import Spec
from sim.errors import InvalidAmount, PoolError, ProtocolError
from sim.units import GWEI

__all__ = [
    "EVICTED",
    "GENESIS_TIMESTAMP",
    "MEMPOOL_MAX_TXS",
    "BundleHook",
    "Chain",
    "ChainSpec",
    "ReceiptHook",
]

GENESIS_TIMESTAMP = 1_700_000_000
"""Unix time of block 0: contracts that read block.timestamp see a chain that has been running
(Curve's ramp_A, for instance, refuses to start within a day of the pool's creation at t = 0)."""


MEMPOOL_MAX_TXS = 5_120
"""Default ceiling of the pending backlog: geth's txpool.globalslots."""

EVICTED = "mempool full: evicted (lowest priority fee)"
"""The reason reported for a transaction the full mempool evicted."""


class ChainSpec(Spec):
    """Block building and gas."""

    ordering: Ordering = Field(
        "priority_fee", description="how the builder orders a block's transactions"
    )
    native_token: str = Field("ETH", description="token gas is paid in (must be in [tokens])")
    base_fee_gwei: float = Field(
        0.0, ge=0, le=100_000, description="long-run base fee level, gwei per gas unit"
    )
    base_fee_volatility: float = Field(
        0.0,
        ge=0,
        le=10,
        description="daily log-volatility of the base fee around its level (0 = constant)",
    )
    base_fee_half_life_hours: float = Field(
        6.0, gt=0, description="how fast the base fee reverts to its level, hours"
    )
    gas: GasUnits = Field(default_factory=GasUnits, description="gas units per transaction kind")
    block_gas_limit: int = Field(
        30_000_000,
        ge=21_000,
        le=10**10,
        description=(
            "gas a block holds (30,000,000 = mainnet): the builder includes transactions in its "
            "order until the next one would exceed it; the rest stay pending for later blocks, "
            "and a swap whose deadline passes meanwhile reverts, paying gas. At least the gas "
            "of every transaction kind in [chain.gas]"
        ),
    )
    mempool_max_txs: int = Field(
        MEMPOOL_MAX_TXS,
        ge=1,
        le=1_000_000,
        description=(
            "most transactions left pending after a block (geth's txpool holds 5,120): beyond "
            "it the lowest priority fees are evicted, the latest arrival first among equal "
            "fees, and reported as dropped (summary.json mempool_evicted, events.csv)"
        ),
    )

    @model_validator(mode="after")
    def _every_kind_fits(self) -> ChainSpec:
        kind, units = max(self.gas.model_dump().items(), key=lambda item: item[1])
        if units > self.block_gas_limit:
            raise ValueError(
                f"block_gas_limit {self.block_gas_limit} is below the gas of one {kind} "
                f"transaction ({units}): such a transaction could never be included"
            )
        return self


ReceiptHook = Callable[[Tx, Receipt | None, str, int], None]
"""Called per included transaction: (tx, receipt or None if reverted, revert reason, gas paid)."""

BundleHook = Callable[[Bundle, list[Receipt], int], None]
"""Called per executed bundle: (bundle, receipts in order, target's output had it run alone)."""


class Chain:
    """The mempool and the block builder, bound to the ledger and the pools."""

    def __init__(
        self,
        spec: ChainSpec,
        ledger: Ledger,
        rng: np.random.Generator,
        block_time_s: float,
        on_receipt: ReceiptHook | None = None,
    ) -> None:
        self.spec = spec
        self.ledger = ledger
        self.rng = rng
        self.block = 0
        self.block_time_s = block_time_s
        self.base_fee = BaseFee(
            spec.base_fee_gwei,
            spec.base_fee_volatility,
            spec.base_fee_half_life_hours,
            block_time_s,
            rng,
        )
        self.native = spec.native_token
        self.gas = spec.gas
        self.on_receipt = on_receipt
        self.on_bundle: BundleHook | None = None
        self.mempool: list[Tx] = []
        self.bundles: list[Bundle] = []
        self._seq = 0
        # gas of everything in `mempool` and `bundles`: when it fits one block (the normal
        # case) the builder needs no per-transaction gas accounting
        self._pending_gas = 0
        self._bundle_gas = 0
        self.gas_used = 0  # by the last block built
        self.backlog = 0  # transactions the last block built left pending
        self.tx_count = 0
        self.revert_count = 0
        self.evicted_count = 0  # transactions the full mempool evicted
        ledger.wallet(BUILDER)

    @property
    def timestamp(self) -> int:
        """block.timestamp of the current block."""
        return GENESIS_TIMESTAMP + int(self.block * self.block_time_s)

    @property
    def base_fee_gwei(self) -> float:
        return self.base_fee.gwei

    def gas_cost_wei(self, gas_units: int, priority_fee_gwei: float) -> int:
        """Native-token cost of `gas_units` at the current base fee plus a priority fee."""
        return int(gas_units * (self.base_fee.gwei + priority_fee_gwei) * GWEI)

    def submit(self, tx: Tx) -> Tx:
        """Add a transaction to the public mempool."""
        tx.seq = self._seq
        self._seq += 1
        tx.block = self.block
        self.mempool.append(tx)
        self._pending_gas += tx.action.gas_units
        return tx

    def submit_bundle(self, bundle: Bundle) -> None:
        """Add a searcher bundle around a pending transaction (valid for this block only)."""
        for tx in bundle.before + bundle.after:
            tx.seq = self._seq
            self._seq += 1
            tx.block = self.block
            self._bundle_gas += tx.action.gas_units
        self.bundles.append(bundle)

    def pending(self) -> list[Tx]:
        """What searchers see: the public mempool, this block's arrivals and any left over
        from earlier blocks that did not fit."""
        return self.mempool

    def pending_from(self, sender: str, label: str | None = None) -> list[Tx]:
        """`sender`'s transactions still in the mempool (those with `label`, if given)."""
        return [
            tx
            for tx in self.mempool
            if tx.sender == sender and (label is None or tx.label == label)
        ]

    def cancel(self, txs: Iterable[Tx]) -> int:
        """Withdraw pending transactions; returns how many were still pending.

        On chain an account replaces a pending transaction by sending another with the
        same nonce and a higher fee; here the replacement is simply the agent's next
        submission, and the withdrawn transaction costs nothing. A bundle around a
        withdrawn transaction can no longer be included.
        """
        drop = {id(tx) for tx in txs}
        if not drop:
            return 0
        kept = [tx for tx in self.mempool if id(tx) not in drop]
        removed = len(self.mempool) - len(kept)
        if removed:
            for tx in self.mempool:
                if id(tx) in drop:
                    tx.status = "cancelled"
            self.mempool = kept
            self._pending_gas = sum(tx.action.gas_units for tx in kept)
        return removed

    def new_block(self) -> None:
        """Advance the block number and the base fee."""
        self.block += 1
        self.base_fee.advance()

    def build_block(self) -> None:
        """Order the mempool by the scenario's rule and execute it until the block is full."""
        txs, bundles = self.mempool, self.bundles
        fits = self._pending_gas + self._bundle_gas <= self.spec.block_gas_limit
        self.mempool, self.bundles = [], []
        self._pending_gas = self._bundle_gas = 0
        txs, winners = order_block(txs, bundles, self.spec.ordering, self.rng)
        if not fits:
            self._fill(txs, winners)
            return
        used = 0
        for tx in txs:
            b = winners.get(tx.seq) if winners else None
            if b is None:
                used += self._execute(tx)
            else:
                used += self._execute_bundle(b)
        self.gas_used, self.backlog = used, 0

    def _fill(self, txs: list[Tx], winners: dict[int, Bundle]) -> None:
        """Execute ordered `txs` (bundles in `winners` by target) until the next one does not
        fit the block; leave the rest pending, in order, ahead of later arrivals."""
        limit = self.spec.block_gas_limit
        used = 0
        left: list[Tx] = []
        for i, tx in enumerate(txs):
            b = winners.get(tx.seq) if winners else None
            need = tx.action.gas_units
            if b is not None:
                legs = need + sum(t.action.gas_units for t in b.before + b.after)
                if legs > limit:
                    b = None  # a bundle larger than a block: only its target can be included
                else:
                    need = legs
            if need > limit:
                self._report(tx, None, "needs more gas than a block holds: transaction dropped", -1)
                continue
            if used + need > limit:
                left = txs[i:]
                break
            used += self._execute(tx) if b is None else self._execute_bundle(b)
        if len(left) > self.spec.mempool_max_txs:
            left = self._evict(left)
        self.gas_used, self.backlog = used, len(left)
        if left:
            self.mempool[:0] = left
            self._pending_gas += sum(tx.action.gas_units for tx in left)

    def _evict(self, left: list[Tx]) -> list[Tx]:
        """`left` without its cheapest transactions beyond `mempool_max_txs` (lowest priority
        fee first, then the latest arrival), each reported as dropped, in arrival order."""
        excess = len(left) - self.spec.mempool_max_txs
        evicted = sorted(left, key=_eviction_key)[:excess]
        gone = {tx.seq for tx in evicted}
        for tx in sorted(evicted, key=_arrival):
            self._report(tx, None, EVICTED, -1)
        self.evicted_count += excess
        return [tx for tx in left if tx.seq not in gone]

    def _execute(self, tx: Tx) -> int:
        """Include one transaction; returns the gas it used (0 if it was dropped)."""
        action = tx.action
        gwei = self.base_fee.gwei + tx.priority_fee_gwei
        if gwei:  # gas is free when both the base fee and the tip are zero
            max_cost = int(action.gas_units * gwei * GWEI)
            if max_cost and self.ledger.wallets[tx.sender].get(self.native, 0) < max_cost:
                self._report(tx, None, "cannot pay gas: transaction dropped", -1)
                return 0
        try:
            receipt = action.execute(self, tx.sender)
        except (PoolError, ProtocolError) as err:
            self._report(tx, None, str(err), self._charge(tx, self.gas.revert))
            return self.gas.revert
        paid = self._charge(tx, action.gas_units) if gwei else 0
        self.tx_count += 1
        tx.status = "ok"
        if self.on_receipt is not None:
            self.on_receipt(tx, receipt, "", paid)
        return action.gas_units

    def _charge(self, tx: Tx, gas_units: int) -> int:
        """Burn the base fee and pay the priority fee to the builder; returns wei paid."""
        return charge_gas(
            self.ledger, tx.sender, self.native, gas_units, self.base_fee.gwei, tx.priority_fee_gwei
        )

    def _report(self, tx: Tx, receipt: Receipt | None, reason: str, paid: int) -> None:
        tx.status = "dropped" if paid < 0 else "reverted" if receipt is None else "ok"
        if paid >= 0:
            self.tx_count += 1
            if receipt is None:
                self.revert_count += 1
        if self.on_receipt is not None:
            self.on_receipt(tx, receipt, reason, paid)

    def _execute_bundle(self, b: Bundle) -> int:
        """Run `before + [target] + after` atomically; if any leg would revert, run the target
        alone. Returns the gas used."""
        seq = [*b.before, b.target, *b.after]
        pools = {id(p): p for tx in seq for p in tx.action.pools()}
        senders = {tx.sender for tx in seq}
        pool_state = [(p, p.snapshot()) for p in pools.values()]
        wallets = {s: dict(self.ledger.wallets[s]) for s in senders}
        alone = quote_alone(b.target.action)
        receipts: list[Receipt] = []
        for tx in seq:
            cost = self.gas_cost_wei(tx.action.gas_units, tx.priority_fee_gwei)
            if self.ledger.wallets[tx.sender].get(self.native, 0) < cost:
                receipts = []
                break
            try:
                receipts.append(tx.action.execute(self, tx.sender))
            except (PoolError, ProtocolError, InvalidAmount):
                receipts = []
                break
        if len(receipts) != len(seq):
            for p, state in pool_state:
                p.restore(state)
            for s, w in wallets.items():
                self.ledger.wallets[s].clear()
                self.ledger.wallets[s].update(w)
            return self._execute(b.target)
        used = 0
        for tx, receipt in zip(seq, receipts, strict=True):
            paid = self._charge(tx, tx.action.gas_units)
            self._report(tx, receipt, "", paid)
            used += tx.action.gas_units
        if self.on_bundle is not None:
            self.on_bundle(b, receipts, alone)
        return used


def _eviction_key(tx: Tx) -> tuple[float, int]:
    """Evicted first: the lowest priority fee, then the latest arrival (`seq` is unique)."""
    return (tx.priority_fee_gwei, -tx.seq)


def _arrival(tx: Tx) -> int:
    return tx.seq

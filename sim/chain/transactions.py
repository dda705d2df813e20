"""Transactions and receipts: what agents submit to the mempool and what the chain hands back.

A `Tx` carries an `Action` (a `SwapExactIn` along a path of pools, or a generic `Call`); a
searcher's `Bundle` wraps a pending transaction; executing an action returns a `Receipt`.
Actions see the chain through `ChainContext` only (block, time, ledger, gas prices), so this
module does not depend on the block builder that executes them (`sim.chain.chain`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sim.errors import InsufficientBalance, PoolError, SlippageExceeded

if TYPE_CHECKING:
    from sim.chain.gas import GasUnits
    from sim.chain.ledger import Ledger
    from sim.pools.base import Pool, Swap

__all__ = [
    "Action",
    "Bundle",
    "Call",
    "ChainContext",
    "Receipt",
    "SwapExactIn",
    "Tx",
    "quote_alone",
    "swap_receipt",
]


class ChainContext(Protocol):
    """The chain as an executing action sees it (`sim.chain.chain.Chain` is one)."""

    block: int
    ledger: Ledger
    native: str
    gas: GasUnits

    @property
    def timestamp(self) -> int: ...

    @property
    def base_fee_gwei(self) -> float: ...

    def gas_cost_wei(self, gas_units: int, priority_fee_gwei: float) -> int: ...


class Action(Protocol):
    """Something a transaction does; raises a `PoolError`/`ProtocolError` to revert."""

    gas_units: int

    def execute(self, chain: ChainContext, sender: str) -> Receipt: ...

    def pools(self) -> Sequence[Pool]: ...


@dataclass(slots=True)
class Tx:
    """A signed intent waiting in the mempool."""

    sender: str
    action: Action
    priority_fee_gwei: float
    label: str = ""
    seq: int = 0
    block: int = 0  # block in which it was submitted (set by `Chain.submit`)
    status: str = "pending"  # then: ok | reverted | dropped | cancelled (the sender's receipt)


@dataclass(slots=True)
class Bundle:
    """A searcher's `before + [target] + after` package, executed atomically or not at all."""

    target: Tx
    before: list[Tx]
    after: list[Tx]
    searcher: str

    @property
    def bid_gwei(self) -> float:
        return max((t.priority_fee_gwei for t in self.before + self.after), default=0.0)


class Receipt:
    """What an executed action did, from the sender's point of view.

    For swaps, `hops` holds each pool's `Swap` (fees included) along `route`;
    `spot_before`/`spot_after` optionally record a pool price around a custom action.
    A plain slotted class: one is made per transaction, twice as fast as a dataclass.
    """

    __slots__ = (
        "amount_in",
        "amount_out",
        "detail",
        "hops",
        "kind",
        "pool",
        "route",
        "spot_after",
        "spot_before",
        "token_in",
        "token_out",
    )

    def __init__(
        self,
        kind: str,
        pool: str = "",
        token_in: str = "",
        token_out: str = "",
        amount_in: int = 0,
        amount_out: int = 0,
        spot_before: float = 0.0,
        spot_after: float = 0.0,
        hops: list[Swap] | None = None,
        route: tuple[Pool, ...] = (),
        detail: dict[str, object] | None = None,
    ) -> None:
        self.kind = kind
        self.pool = pool
        self.token_in = token_in
        self.token_out = token_out
        self.amount_in = amount_in
        self.amount_out = amount_out
        self.spot_before = spot_before
        self.spot_after = spot_after
        self.hops: list[Swap] = [] if hops is None else hops
        self.route = route
        self.detail: dict[str, object] = {} if detail is None else detail

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"Receipt({fields})"


@dataclass(slots=True)
class SwapExactIn:
    """Swap an exact input along a path of pools, reverting below `amount_out_min` or after `deadline`."""

    path: tuple[Pool, ...]
    tokens: tuple[str, ...]  # len(path) + 1 tokens: tokens[0] in, tokens[-1] out
    amount_in: int
    amount_out_min: int
    deadline_block: int
    gas_units: int

    def pools(self) -> Sequence[Pool]:
        return self.path

    def execute(self, chain: ChainContext, sender: str) -> Receipt:
        if chain.block > self.deadline_block:
            raise SlippageExceeded(
                f"transaction expired: deadline block {self.deadline_block}, now {chain.block}"
            )
        wallet = chain.ledger.wallets[sender]
        t_in, t_out = self.tokens[0], self.tokens[-1]
        if wallet[t_in] < self.amount_in:
            raise InsufficientBalance(
                f"{sender} holds {wallet[t_in]} {t_in}, cannot swap {self.amount_in}"
            )
        first = self.path[0]
        if len(self.path) == 1:
            swap = first.swap_exact_in(t_in, t_out, self.amount_in, self.amount_out_min)
            out = swap.amount_out
            hops = [swap]
        else:
            # quote the whole route first so that a failing hop reverts before any state changes
            amount = self.amount_in
            for pool, a, b in zip(self.path, self.tokens, self.tokens[1:], strict=False):
                amount = pool.quote_exact_in(a, b, amount)
            if amount < self.amount_out_min:
                raise SlippageExceeded(
                    f"route output {amount} {t_out} below minimum {self.amount_out_min}"
                )
            amount, hops = self.amount_in, []
            for pool, a, b in zip(self.path, self.tokens, self.tokens[1:], strict=False):
                hops.append(pool.swap_exact_in(a, b, amount))
                amount = hops[-1].amount_out
            out = amount
        wallet[t_in] -= self.amount_in
        wallet[t_out] += out
        name = first.name if len(self.path) == 1 else ">".join(p.name for p in self.path)
        # positional: the hot path (kind, pool, in, out, amounts, no spot prices, hops, route)
        return Receipt("swap", name, t_in, t_out, self.amount_in, out, 0.0, 0.0, hops, self.path)


def swap_receipt(
    pool: Pool, swaps: list[Swap], spot_before: float, detail: dict[str, object] | None = None
) -> Receipt:
    """The receipt of swaps a custom action made in one pool (same direction), with the pool's
    price before and after, for actions that trade inside a larger transaction."""
    first = swaps[0]
    return Receipt(
        "swap",
        pool.name,
        first.token_in,
        first.token_out,
        sum(s.amount_in for s in swaps),
        sum(s.amount_out for s in swaps),
        spot_before,
        pool.spot_price(first.token_in, first.token_out),
        swaps,
        (pool,) * len(swaps),
        detail,
    )


@dataclass(slots=True)
class Call:
    """A generic contract call (lending, staking, liquidity...): `fn(chain, sender) -> Receipt`."""

    fn: Callable[[ChainContext, str], Receipt]
    gas_units: int
    touches: tuple[Pool, ...] = ()

    def pools(self) -> Sequence[Pool]:
        return self.touches

    def execute(self, chain: ChainContext, sender: str) -> Receipt:
        return self.fn(chain, sender)


def quote_alone(action: Action) -> int:
    """Output the target swap would get on the current state (0 if not a quotable swap)."""
    if not isinstance(action, SwapExactIn):
        return 0
    amount = action.amount_in
    try:
        for pool, a, b in zip(action.path, action.tokens, action.tokens[1:], strict=False):
            amount = pool.quote_exact_in(a, b, amount)
    except PoolError:
        return 0
    return amount

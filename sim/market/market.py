"""The world agents act in, without Mesa: tokens, wallets, pools, chain and reference prices.

Agents read it through public methods only (`pools`, `price`, `value`,
`units`, `chain.submit`). The Mesa model owns one `Market` and steps it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from sim.chain.chain import Chain
from sim.chain.ledger import Ledger
from sim.errors import EmptyPool
from sim.pools.base import Pool
from sim.protocols.hub import Protocols


@dataclass(slots=True)
class Market:
    """Shared state of one simulated market."""

    numeraire: str
    decimals: dict[str, int]
    ledger: Ledger
    chain: Chain
    pools: dict[str, Pool]
    ref_prices: Mapping[str, float]
    protocols: Protocols
    price_pools: dict[str, tuple[Pool, str]] = field(default_factory=dict)
    news: set[str] = field(default_factory=set)
    scale: dict[str, int] = field(default_factory=dict)
    marks: Mapping[str, float] | None = None
    """While set (`marked_at`), the prices of tokens without a reference price: reports value
    agents at these marks (sim.market.marks) instead of pool spot prices."""
    last_pool_prices: dict[str, float] = field(default_factory=dict)
    """The last price each pool-priced token showed: a feed reading a drained pool goes stale."""

    def __post_init__(self) -> None:
        self.scale = {t: 10**d for t, d in self.decimals.items()}
        # staking protocols reach the pools: rate oracles, rebases of a rebasing LST
        self.protocols.attach_pools(self.pools)

    @property
    def block(self) -> int:
        return self.chain.block

    def price(self, token: str) -> float:
        """Reference price of one whole `token` in the numeraire.

        Tokens with a price process use it; the numeraire is 1; any other token
        (an LST, a freshly launched token) is worth what its pool says, or said last once the
        pool is empty.
        """
        if token == self.numeraire:
            return 1.0
        p = self.ref_prices.get(token)
        if p is not None:
            return p
        if self.marks is not None and token in self.marks:
            return self.marks[token]
        via = self.price_pools.get(token)
        if via is None:
            return 0.0
        pool, quote = via
        try:
            p = pool.spot_price(token, quote) * self.price(quote)
        except EmptyPool:  # every LP left: the price stays where the pool last showed it
            if token in self.last_pool_prices:
                return self.last_pool_prices[token]
            raise
        self.last_pool_prices[token] = p
        return p

    @contextmanager
    def marked_at(self, marks: Mapping[str, float]) -> Iterator[None]:
        """Value tokens without a reference price at `marks` inside the block (for reports)."""
        saved, self.marks = self.marks, marks
        try:
            yield
        finally:
            self.marks = saved

    def value(self, token: str, amount: int) -> float:
        """Numeraire value of `amount` smallest units of `token`."""
        if not amount:
            return 0.0
        p = self.ref_prices.get(token)
        if p is None:  # the numeraire inline: every swap values it
            p = 1.0 if token == self.numeraire else self.price(token)
        return amount / self.scale[token] * p

    def units(self, token: str, value: float) -> int:
        """Smallest units of `token` worth `value` in the numeraire (0 if it has no price)."""
        p = self.ref_prices.get(token)
        if p is None:
            p = 1.0 if token == self.numeraire else self.price(token)
        if p <= 0:
            return 0
        return int(value / p * self.scale[token])

    def wallet_value(self, wallet: Mapping[str, int]) -> float:
        """Marked-to-market value of a wallet in the numeraire."""
        return sum(self.value(t, a) for t, a in wallet.items() if a)

    def pools_with(self, a: str, b: str) -> list[Pool]:
        """Pools that trade both `a` and `b` directly."""
        return [p for p in self.pools.values() if a in p.tokens and b in p.tokens]

    def gas_value(self, gas_units: int, priority_fee_gwei: float = 0.0) -> float:
        """Numeraire cost of `gas_units` at the current base fee plus a priority fee."""
        wei = self.chain.gas_cost_wei(gas_units, priority_fee_gwei)
        return self.value(self.chain.native, wei) if wei else 0.0

    def priority_fee_for(self, gas_units: int, value: float) -> float:
        """Priority fee (gwei) that makes `gas_units` cost `value` numeraire on top of the base fee."""
        p = self.price(self.chain.native)
        if p <= 0 or gas_units <= 0 or value <= 0:
            return 0.0
        return value / p * 10 ** self.decimals[self.chain.native] / gas_units / 10**9

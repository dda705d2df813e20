"""The `hedged` range LP's short perpetual: its margin, its size and when it is re-sized.

A position in range is long token0. The agent posts `perp.margin_fraction` of its capital
as collateral on the market's perp venue (`sim.protocols.perp`) and shorts
`perp.hedge_ratio` times its token0 exposure (below 1 keeps a directional long bias),
capped by the initial margin; every `perp.hedge_every` blocks it re-sizes the short when it
drifted by more than `perp.hedge_tolerance`. The venue settles the account each block when
the agent acts (variation margin, funding, liquidation) and pays its equity back on exit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from agents.range_lp.spec import PerpSpec
from sim.protocols.perp import PerpVenue


class Hedge:
    """One agent's account on the perp venue and the policy that sizes it."""

    def __init__(self, venue: PerpVenue, holder: str, spec: PerpSpec) -> None:
        self.venue = venue
        self.holder = holder
        self.spec = spec
        self.account = venue.open(holder, spec.terms())
        self.orders = 0
        self.last_block = 0

    def post_margin(
        self, capital: float, wallet: Mapping[str, int], gas_floor: Mapping[str, int], mark: float
    ) -> None:
        """Move the margin share of the capital to the venue (once, on entry)."""
        if self.account.deposited:
            return
        token = self.venue.token
        units = min(
            self.venue.units(capital * self.spec.margin_fraction),
            wallet[token] - gas_floor.get(token, 0),
        )
        if units <= 0:
            return
        self.venue.deposit(self.holder, units, mark)

    def active(self) -> bool:
        """Whether the account can still trade (not liquidated, some collateral left)."""
        return not self.account.liquidations and self.account.collateral > 0

    def target(self, exposure0: float) -> float:
        """The short wanted against `exposure0` whole token0 held."""
        return -self.spec.hedge_ratio * exposure0

    def resize(self, target: float, mark: float, block: int) -> float:
        """A perp order to `target` at `mark`; returns the new size."""
        size = self.venue.trade(self.holder, target, mark)
        self.orders += 1
        self.last_block = block
        return size

    def due(self, block: int, exposure0: Callable[[], float], mark: float) -> bool:
        """Whether the short is checked this block and is off its target by too much."""
        if not self.active() or block - self.last_block < self.spec.hedge_every:
            return False
        want = self.target(exposure0())
        cap = self.account.max_size(mark)
        want = math.copysign(min(abs(want), cap), want)
        return abs(want - self.account.size) > self.spec.hedge_tolerance * abs(want)

    def settle(self, mark: float, dt_years: float) -> None:
        """The venue's settlement of this block (variation margin, funding, liquidation)."""
        self.venue.settle(self.holder, mark, dt_years)

    def close(self) -> None:
        self.venue.close(self.holder)

    def snapshot(self) -> tuple[Any, int, int]:
        return self.venue.snapshot(self.holder), self.orders, self.last_block

    def restore(self, snapshot: tuple[Any, int, int]) -> None:
        venue, self.orders, self.last_block = snapshot
        self.venue.restore(self.holder, venue)

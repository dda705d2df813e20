"""A range LP's position as a record, and the books it reports its moves to (an interface).

Agents sit below the model, which keeps every set of books; so an agent holding a
concentrated-liquidity position gets its books from the model (`BooksKeeper`, implemented
by `MarketModel`; the books themselves are `sim.model.position_books.RangeLPBooks`) and
talks to them only through `PositionBooks`. The position itself (`BandPosition`) is plain
data: the agent writes it, its books and the reports read it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Protocol, runtime_checkable

import mesa

from sim.market.market import Market
from sim.pools.base import Swap
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.protocols.perp import PerpPosition

__all__ = ["BandPosition", "BooksKeeper", "PositionBooks", "books_keeper", "pair_value"]


@dataclass(slots=True)
class BandPosition:
    """One holder's position in a concentrated pool, and the record of what it did with it."""

    pool: ConcentratedPool
    holder: str
    capital: float = 0.0  # numeraire it was funded with (gas reserve apart)
    tick_lower: int = 0
    tick_upper: int = 0
    liquidity: int = 0
    entry_price: float = 0.0  # pool price at the current band's mint
    deployed_block: int = 0  # block of the current band's mint
    entered: bool = False
    exited: bool = False
    entry_block: int = 0
    rebalances: int = 0  # band moves
    swaps_done: int = 0  # rebalancing swaps
    swaps_capped: int = 0  # rebalancing swaps cut short by the slippage tolerance
    postponed: int = 0  # blocks a due move waited for the pool
    mint_share_sum: float = 0.0  # sum over mints of the share of the inventory minted
    mint_share_min: float = 1.0  # the lowest such share
    blocks_deployed: int = 0
    blocks_in_range: int = 0

    def in_range(self) -> bool:
        return self.liquidity > 0 and self.tick_lower <= self.pool.tick < self.tick_upper

    def amounts(self) -> tuple[int, int]:
        """The position's principal now (raw token0, token1)."""
        if not self.liquidity:
            return 0, 0
        return self.pool.position_amounts(self.holder, self.tick_lower, self.tick_upper)

    def uncollected_fees(self) -> tuple[int, int]:
        """Fees the position has earned and not collected, from the pool's fee growth (raw)."""
        if not self.liquidity:
            return 0, 0
        return self.pool.fees_owed(self.holder, self.tick_lower, self.tick_upper)

    def copy(self) -> BandPosition:
        """A copy for `restore` (a reverted transaction)."""
        return copy.copy(self)

    def restore(self, saved: BandPosition) -> None:
        """Put every field back as in `saved`, in place (the books hold this object)."""
        for f in fields(BandPosition):
            setattr(self, f.name, getattr(saved, f.name))


def pair_value(market: Market, tokens: tuple[str, str], amount0: float, amount1: float) -> float:
    """Numeraire value of raw amounts of a pool's two tokens (floats truncated to units)."""
    return market.value(tokens[0], int(amount0)) + market.value(tokens[1], int(amount1))


class PositionBooks(Protocol):
    """What a range LP tells its books, at the moment it happens."""

    def fund(self, funded: Mapping[str, int]) -> None:
        """The tokens it was funded with (what holding means); starts the price marks."""
        ...

    def on_block(self) -> None:
        """Once a block, before the LP acts: book what the block's prices and trades did."""
        ...

    def on_burn(self, principal: tuple[int, int], collected: tuple[int, int]) -> None:
        """The whole position was burned and collected (before the record is cleared)."""
        ...

    def on_mint(self, minted: tuple[int, int]) -> None:
        """A band was minted with these raw amounts (after the record holds it)."""
        ...

    def on_swap(self, swap: Swap) -> None:
        """One of its rebalancing swaps executed."""
        ...

    def snapshot(self) -> Any:
        """What a reverted transaction puts back (`restore`)."""
        ...

    def restore(self, snapshot: Any) -> None: ...

    def value(self) -> float:
        """Everything the LP owns (wallet, position with fees, perp equity), numeraire."""
        ...


@runtime_checkable
class BooksKeeper(Protocol):
    """The model, as the keeper of every set of books."""

    def position_books(
        self, position: BandPosition, *, cohort: str, strategy: str, perp: PerpPosition | None
    ) -> PositionBooks:
        """Open the books of `position` (a cohort's label, its perp account if hedged)."""
        ...


def books_keeper(model: mesa.Model) -> BooksKeeper:
    """`model` as the keeper of books (a range LP's model must be one)."""
    if not isinstance(model, BooksKeeper):
        raise TypeError(f"{type(model).__name__} keeps no position books (BooksKeeper)")
    return model

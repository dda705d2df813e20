"""Exact copies of a Uniswap V3 pool's records: for the fork a searcher trades on and the snapshot a revert restores.

A V3 pool's scalars are immutable ints, but its `ticks` and `positions` map to mutable
records (`TickInfo`, `PositionInfo`) that swaps (a crossing rewrites a tick's fee growth
outside) and mint/burn/collect change in place. A fork needs its own records; a snapshot
keeps the record objects and their field values, so that a restore puts back the same
objects with the same values (references held elsewhere stay valid).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from operator import attrgetter, is_
from typing import Any, TypeVar

from sim.pools.uniswap_v3.position import PositionInfo
from sim.pools.uniswap_v3.tick import TickInfo

K = TypeVar("K", bound=Hashable)

TICK_FIELDS = (
    "liquidity_gross",
    "liquidity_net",
    "fee_growth_outside0_x128",
    "fee_growth_outside1_x128",
    "initialized",
    "tick_cumulative_outside",
    "seconds_per_liquidity_outside_x128",
    "seconds_outside",
)
POSITION_FIELDS = (
    "liquidity",
    "fee_growth_inside0_last_x128",
    "fee_growth_inside1_last_x128",
    "tokens_owed0",
    "tokens_owed1",
)
#: Each record's field values as a tuple, read in C.
tick_state: Callable[[TickInfo], tuple[Any, ...]] = attrgetter(*TICK_FIELDS)
position_state: Callable[[PositionInfo], tuple[Any, ...]] = attrgetter(*POSITION_FIELDS)


def copy_ticks(ticks: dict[int, TickInfo]) -> dict[int, TickInfo]:
    """The same mapping with a new record for every tick (same order)."""
    return {t: TickInfo(*tick_state(info)) for t, info in ticks.items()}


def copy_positions(
    positions: dict[tuple[str, int, int], PositionInfo],
) -> dict[tuple[str, int, int], PositionInfo]:
    """The same mapping with a new record for every position (same order)."""
    return {key: PositionInfo(*position_state(info)) for key, info in positions.items()}


def save_records[K: Hashable](
    records: dict[K, Any], read: Callable[[Any], tuple[Any, ...]]
) -> tuple[dict[K, Any], list[tuple[Any, ...]]]:
    """The mapping (its keys and record objects) and each record's field values, for
    `restore_records`."""
    return records.copy(), list(map(read, records.values()))


def restore_records[K: Hashable](
    live: dict[K, Any],
    saved: dict[K, Any],
    values: list[tuple[Any, ...]],
    read: Callable[[Any], tuple[Any, ...]],
    fields: tuple[str, ...],
) -> None:
    """Refill `live` with the `saved` mapping (same keys, order and record objects) and
    write back each record's saved field `values` where they changed."""
    if (
        len(live) != len(saved)
        or list(live) != list(saved)
        or not all(map(is_, live.values(), saved.values()))
    ):
        live.clear()
        live.update(saved)
    now = list(map(read, saved.values()))
    if now != values:
        for record, current, old in zip(saved.values(), now, values, strict=True):
            if current != old:
                for name, value in zip(fields, old, strict=True):
                    setattr(record, name, value)

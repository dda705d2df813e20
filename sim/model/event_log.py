"""The event log (events.csv): one row per transaction the chain saw, and per scheduled event.

The books (`sim.model.books`) decide what goes in a row; this module knows the columns,
how a transaction, a swap or a note becomes a row, and how rows reach the file (streamed
through a large buffer, or kept in memory when a run writes no folder).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from sim.chain.transactions import Receipt, Tx

EVENT_COLUMNS = (
    "block",
    "tx_index",
    "sender",
    "label",
    "kind",
    "status",
    "pool",
    "token_in",
    "amount_in",
    "token_out",
    "amount_out",
    "value_in",
    "value_out",
    "fee_value",
    "slippage_bps",
    "gas_cost",
    "priority_fee_gwei",
    "note",
)
"""Columns of events.csv (amounts in whole tokens, values in the numeraire)."""

Row = tuple[Any, ...]


class EventLog:
    """Transactions as rows, streamed to a CSV file (or kept in memory when no path is given)."""

    def __init__(self, path: Path | None, enabled: bool = True) -> None:
        self.enabled = enabled
        self.rows: list[Row] = []
        self.count = 0
        self._file: TextIO | None = None
        self._writer: Any = None
        if enabled and path is not None:
            self._file = path.open("w", newline="", buffering=1 << 20)
            self._writer = csv.writer(self._file, lineterminator="\n")
            self._writer.writerow(EVENT_COLUMNS)

    def write(self, row: Row) -> None:
        if not self.enabled:
            return
        self.count += 1
        if self._writer is not None:
            self._writer.writerow(row)
        else:
            self.rows.append(row)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def iter_events(path: Path) -> Iterator[dict[str, str]]:
    """Rows of an events.csv, lazily."""
    with path.open(newline="") as f:
        yield from csv.DictReader(f)


def csv_number(x: float) -> str:
    """Compact, deterministic float text for CSV (12 significant digits)."""
    return f"{x:.12g}"


def swap_row(
    block: int,
    tx_index: int,
    tx: Tx,
    r: Receipt,
    decimals: Mapping[str, int],
    status: str,
    note: str,
    gas_cost: float,
    value_in: float,
    value_out: float,
    fee_value: float,
    slippage: float | None,
) -> Row:
    """A swap: tokens and whole-token amounts in and out, their values, fee and slippage."""
    return (
        block,
        tx_index,
        tx.sender,
        tx.label,
        "swap",
        status,
        r.pool,
        r.token_in,
        csv_number(r.amount_in / 10 ** decimals[r.token_in]),
        r.token_out,
        csv_number(r.amount_out / 10 ** decimals[r.token_out]),
        csv_number(value_in),
        csv_number(value_out),
        csv_number(fee_value),
        csv_number(slippage) if slippage is not None else "",
        csv_number(gas_cost),
        csv_number(tx.priority_fee_gwei),
        note,
    )


def action_row(
    block: int, tx_index: int, tx: Tx, r: Receipt | None, status: str, note: str, gas_cost: float
) -> Row:
    """Any other transaction (or one that reverted or was dropped): its kind, pool and detail.

    Without a receipt the kind is the action's class name and the pool its route.
    """
    kind = r.kind if r is not None else type(tx.action).__name__.lower()
    pool = r.pool if r is not None else ">".join(p.name for p in tx.action.pools())
    detail = ";".join(f"{k}={v}" for k, v in (r.detail.items() if r else ()))
    return (
        block,
        tx_index,
        tx.sender,
        tx.label,
        kind,
        status,
        pool,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        csv_number(gas_cost),
        csv_number(tx.priority_fee_gwei),
        note or detail,
    )


def note_row(block: int, tx_index: int, name: str, what: str) -> Row:
    """A scheduled event or an agent's note: not a transaction (sender 'scenario')."""
    return (block, tx_index, "scenario", name, "event", "ok", *("",) * 11, what)

"""Replaying historical prices from a CSV file (columns timestamp, asset, price).

Reading is strict: a missing column, an unparsable timestamp or price, a non-positive price
or an empty asset is a `ScenarioError` naming the file and the row, never quoting the file (it
may be any file a stranger's scenario names). Which files may be read, and how much of them, is
`sim.input_files`.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from sim.config import Spec
from sim.errors import ScenarioError
from sim.input_files import InputRoots, confine, read_input

__all__ = [
    "MAX_CSV_BYTES",
    "CsvReplay",
    "PriceSeries",
    "load_price_csv",
    "replay_series",
    "resolve_csv_path",
]

COLUMNS = ("timestamp", "asset", "price")


class CsvReplay(Spec):
    """Replay historical prices from a CSV (columns timestamp, asset, price).

    Block b has time first_timestamp_in_file + b * block_time_s and takes the
    last observation at or before it. Past the last row the last price is held
    and `ReferencePrices.exhausted` names the asset.
    """

    process: Literal["csv"] = "csv"
    path: str = Field(
        min_length=1,
        description="CSV file inside the scenario file's folder (relative to it), at most "
        "100 MB; a file elsewhere needs `--allow-path DIR` naming its folder",
    )
    asset: str | None = Field(
        default=None,
        min_length=1,
        description="Value of the file's `asset` column to replay (default: this asset's name).",
    )


@dataclass(frozen=True)
class PriceSeries:
    """One asset's rows of a CSV: seconds since the file's first timestamp, and prices."""

    rel_times: np.ndarray
    prices: np.ndarray
    last_rel_time: float

    def prices_at(self, seconds: np.ndarray) -> np.ndarray:
        """The last price at or before each time (seconds since the file's first timestamp);
        times before this asset's first row take its first price."""
        idx = np.searchsorted(self.rel_times, seconds, side="right") - 1
        return self.prices[np.maximum(idx, 0)]


MAX_CSV_BYTES = 100_000_000
"""The largest price CSV read (100 MB, about 3.5 million rows of unix time, asset, price);
larger files are refused unread."""


def resolve_csv_path(path: str, base_dir: str | Path | None, allowed: Sequence[Path] = ()) -> Path:
    """The CSV file `path` names, resolved against the scenario's folder and confined to it (or
    to an `allowed` folder): see `sim.input_files`."""
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    return confine(path, InputRoots(base, tuple(allowed)))


def replay_series(spec: CsvReplay, asset: str, roots: InputRoots) -> PriceSeries:
    """The series `spec` replays for `asset`: the file confined to `roots`, size-checked, parsed
    (once per file version per process), and the asset's rows found. Errors never quote the file.
    """
    path = confine(spec.path, roots)
    table = _cached_table(path)
    key = spec.asset or asset
    if key not in table:
        raise ScenarioError(
            f"price CSV {str(path)!r} has no rows whose asset column is {key!r} "
            f"({len(table)} other asset value(s); `asset` picks which one to replay)"
        )
    series = table[key]
    if series.rel_times[0] > 0:
        raise ScenarioError(
            f"price CSV {str(path)!r}: asset {key!r} has no price at the file's first timestamp, "
            "where the replay starts"
        )
    return series


def _cached_table(path: Path) -> dict[str, PriceSeries]:
    """`load_price_csv`, remembered per file version: validating a scenario and building its
    model (or a sweep's runs in one worker) read a file once."""
    try:
        info = os.stat(path)
    except OSError:
        return load_price_csv(path)  # the reader names the problem
    return _table_of_version(path, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _table_of_version(path: Path, *version: int) -> dict[str, PriceSeries]:
    return load_price_csv(path)


def _parse_timestamp(text: str) -> float:
    """Unix seconds from unix seconds or ISO-8601 text (naive times are UTC)."""
    try:
        value = float(text)
    except ValueError:
        when = datetime.fromisoformat(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp()
    if not math.isfinite(value):
        raise ValueError("timestamp is not finite")
    return value


def load_price_csv(path: Path) -> dict[str, PriceSeries]:
    """Parse a price CSV (at most `MAX_CSV_BYTES`) into per-asset series on the file's clock.

    Rows may come in any order; rows with equal timestamps keep file order so the last one wins
    under last-observation-carried-forward. Errors name the row and column, never a cell.
    """
    name = str(path)
    data = read_input(path, MAX_CSV_BYTES, "price CSV")
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    rows: dict[str, tuple[list[float], list[float]]] = {}
    try:
        header = next(reader)
    except StopIteration:
        raise ScenarioError(f"price CSV {name!r} is empty (no header row)") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ScenarioError(f"price CSV {name!r}: row 1: {_unreadable(exc)}") from None
    columns = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise ScenarioError(
            f"price CSV {name!r}: the header row lacks column(s) {', '.join(missing)}; "
            f"expected columns {', '.join(COLUMNS)} (in any order and case)"
        )
    it, ia, ip = (columns.index(c) for c in COLUMNS)
    width = max(it, ia, ip) + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ScenarioError(
                f"price CSV {name!r}: row {reader.line_num}: {_unreadable(exc)}"
            ) from None
        if not any(cell.strip() for cell in row):
            continue
        where = f"price CSV {name!r}: row {reader.line_num}"
        if len(row) < width:
            raise ScenarioError(f"{where}: expected at least {width} fields, got {len(row)}")
        ts_text, asset, price_text = row[it].strip(), row[ia].strip(), row[ip].strip()
        try:
            ts = _parse_timestamp(ts_text)
        except (ValueError, OverflowError):
            raise ScenarioError(
                f"{where}: the timestamp is neither ISO-8601 nor unix seconds"
            ) from None
        try:
            price = float(price_text)
        except ValueError:
            raise ScenarioError(f"{where}: the price is not a number") from None
        if not (math.isfinite(price) and price > 0):
            raise ScenarioError(f"{where}: the price must be positive and finite")
        if not asset:
            raise ScenarioError(f"{where}: empty asset")
        times, prices = rows.setdefault(asset, ([], []))
        times.append(ts)
        prices.append(price)
    if not rows:
        raise ScenarioError(f"price CSV {name!r} has a header but no data rows")
    t0 = min(min(times) for times, _ in rows.values())
    out: dict[str, PriceSeries] = {}
    for asset, (times, prices) in rows.items():
        t = np.asarray(times) - t0
        order = np.argsort(t, kind="stable")
        rel, px = t[order], np.asarray(prices)[order]
        rel.flags.writeable = px.flags.writeable = False  # shared by every model reading the file
        out[asset] = PriceSeries(rel, px, float(rel[-1]))
    return out


def _unreadable(exc: Exception) -> str:
    """What is wrong with a row, in our words: codec messages quote the offending bytes."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return f"not CSV ({exc})"  # the csv module's own messages are fixed texts, no cell content

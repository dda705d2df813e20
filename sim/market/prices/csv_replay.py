"""Replaying historical prices from a CSV file (columns timestamp, asset, price).

Reading is strict: a missing column, an unparsable timestamp or price, a non-positive price
or an empty asset is a `ScenarioError` naming the file and the row.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from sim.config import Spec
from sim.errors import ScenarioError

__all__ = ["CsvReplay", "PriceSeries", "load_price_csv", "resolve_csv_path"]


class CsvReplay(Spec):
    """Replay historical prices from a CSV (columns timestamp, asset, price).

    Block b has time first_timestamp_in_file + b * block_time_s and takes the
    last observation at or before it. Past the last row the last price is held
    and `ReferencePrices.exhausted` names the asset.
    """

    process: Literal["csv"] = "csv"
    path: str = Field(
        min_length=1,
        description="CSV file, relative to the scenario file's directory (or absolute).",
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


def resolve_csv_path(path: str, base_dir: str | Path | None) -> Path:
    """Resolve a CSV path against the scenario's directory; it must be an existing regular file.

    Absolute paths and paths leaving `base_dir` (``..``) are allowed, but only
    as plain files: devices, FIFOs and directories are rejected, and the file
    is only ever parsed as CSV text.
    """
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = Path(base_dir if base_dir is not None else ".") / p
    if not p.exists():
        raise ScenarioError(f"price CSV {str(p)!r} does not exist")
    if not p.is_file():
        raise ScenarioError(f"price CSV {str(p)!r} is not a regular file")
    return p


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
    """Parse a price CSV into per-asset series on the file's common clock.

    Rows may come in any order; rows with equal timestamps keep file order so
    the last one wins under last-observation-carried-forward.
    """
    name = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ScenarioError(f"price CSV {name!r} cannot be read: {exc}") from exc
    rows: dict[str, tuple[list[float], list[float]]] = {}
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise ScenarioError(f"price CSV {name!r} is empty (no header row)") from None
        except (csv.Error, UnicodeDecodeError, OSError) as exc:
            raise ScenarioError(f"price CSV {name!r}: row 1: {exc}") from exc
        columns = [h.strip().lower() for h in header]
        missing = [c for c in ("timestamp", "asset", "price") if c not in columns]
        if missing:
            raise ScenarioError(
                f"price CSV {name!r}: missing column(s) {', '.join(missing)} "
                f"(header has: {', '.join(columns) or 'nothing'})"
            )
        it, ia, ip = (columns.index(c) for c in ("timestamp", "asset", "price"))
        width = max(it, ia, ip) + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError, OSError) as exc:
                raise ScenarioError(f"price CSV {name!r}: row {reader.line_num}: {exc}") from exc
            if not any(cell.strip() for cell in row):
                continue
            where = f"price CSV {name!r}: row {reader.line_num}"
            if len(row) < width:
                raise ScenarioError(f"{where}: expected at least {width} fields, got {len(row)}")
            ts_text, asset, price_text = row[it].strip(), row[ia].strip(), row[ip].strip()
            try:
                ts = _parse_timestamp(ts_text)
            except ValueError:
                raise ScenarioError(
                    f"{where}: cannot parse timestamp {ts_text!r} (ISO-8601 or unix seconds)"
                ) from None
            try:
                price = float(price_text)
            except ValueError:
                raise ScenarioError(f"{where}: cannot parse price {price_text!r}") from None
            if not (math.isfinite(price) and price > 0):
                raise ScenarioError(f"{where}: price must be positive and finite, got {price_text}")
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
        rel = t[order]
        out[asset] = PriceSeries(rel, np.asarray(prices)[order], float(rel[-1]))
    return out

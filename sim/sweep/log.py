"""The durable log of a sweep, results.jsonl: one JSON line per finished run, on disk before the
next run is counted. Results, resume and retries are all read back from it.

A line torn by a killed process is ignored (and cut off before new rows are appended); when a run
appears more than once (a retried failure), its latest row wins.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from sim.errors import UserInputError
from sim.runs import strict_json
from sim.sweep.plan import Plan


class RunLog:
    """results.jsonl: one JSON line per finished run, flushed and fsynced as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._f = path.open("a", encoding="utf-8")
        try:
            import fcntl
        except ImportError:  # not on Windows: no guard against two writers
            return
        try:
            fcntl.flock(self._f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._f.close()
            raise UserInputError(
                f"{path.parent}: another ammsim process is running this sweep"
            ) from None

    def write(self, row: Mapping[str, Any]) -> None:
        self._f.write(strict_json.dumps(row, separators=(",", ":"), default=_jsonable) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    return str(x)


@dataclass
class LogIndex:
    """Where each run's latest row is in results.jsonl (-1: not run) and whether it failed."""

    offsets: np.ndarray
    failed: np.ndarray

    def done(self, retry_failed: bool = False) -> np.ndarray:
        ok = self.offsets >= 0
        return ok & ~self.failed if retry_failed else ok


def index_log(path: Path, plan: Plan, repair: bool = False) -> LogIndex:
    """Read results.jsonl once; a torn last line (a killed process) is ignored, and cut off
    when `repair` so new rows append cleanly. Later rows of the same run win."""
    offsets = np.full(plan.runs, -1, dtype=np.int64)
    failed = np.zeros(plan.runs, dtype=bool)
    if not path.exists():
        return LogIndex(offsets, failed)
    good_end = 0
    with path.open("rb") as f:
        pos = 0
        for line in f:
            start, pos = pos, pos + len(line)
            if not line.endswith(b"\n"):
                break
            try:
                row = json.loads(line)
                config, rep = int(row["config"]), int(row["replicate"])
            except (ValueError, KeyError, TypeError):
                good_end = pos  # a bad complete line: skip it
                continue
            good_end = pos
            if 0 <= config < len(plan.configs) and 0 <= rep < plan.seeds:
                run = config * plan.seeds + rep
                offsets[run] = start
                failed[run] = row.get("status") != "ok"
    if repair and good_end < path.stat().st_size:
        with path.open("r+b") as f:
            f.truncate(good_end)
    return LogIndex(offsets, failed)


def row_at(f: IO[bytes], offset: int) -> dict[str, Any]:
    """The row at `offset` of an open results.jsonl."""
    f.seek(offset)
    return json.loads(f.readline())

"""Run folders written atomically: build under a hidden temporary name, rename when complete.

A run that dies half-way leaves `outputs/<scenario>/.<run-id>.partial/` with an
`INCOMPLETE` marker, never a folder that looks finished; finished folders are
never touched again. While its run lives, the folder is locked (flock), so that
`ammsim clean` removes only the partial folders of runs that are over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from sim.errors import UserInputError

try:
    import fcntl
except ImportError:  # Windows: no lock, so `ammsim clean` cannot tell a live run's folder
    fcntl = None  # type: ignore[assignment]

SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
PARTIAL = ".*.partial"
"""The name pattern of an unfinished run folder (`.<run-id>.partial`)."""
MARKER = "INCOMPLETE"


def safe_name(name: str) -> str:
    """A scenario name usable as one folder name: no separators, no dots-only, no hidden files."""
    cleaned = SAFE.sub("_", name).strip("._") or "scenario"
    return cleaned[:64]


class RunFolder:
    """A run's folder under construction; `finish()` makes it visible under its final name."""

    def __init__(self, out: Path, scenario_name: str, seed: int, replicate: int | None) -> None:
        parent = out / safe_name(scenario_name)
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UserInputError(f"cannot create output folder {parent}: {err.strerror}") from None
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        base = f"{stamp}-seed{seed}" + (f"-r{replicate}" if replicate is not None else "")
        run_id, k = base, 1
        while (parent / run_id).exists() or (parent / f".{run_id}.partial").exists():
            k += 1
            run_id = f"{base}-{k}"
        self.run_id = run_id
        self.final = parent / run_id
        self.path = parent / f".{run_id}.partial"
        self.path.mkdir()
        (self.path / MARKER).write_text("this run has not finished (or it crashed)\n")
        self._lock: int | None = None
        self.finished = False
        if fcntl is not None:  # the folder itself, locked while the run lives (see in_use)
            self._lock = os.open(self.path, os.O_RDONLY)
            fcntl.flock(self._lock, fcntl.LOCK_EX)

    def file(self, name: str) -> Path:
        return self.path / name

    def write_text(self, name: str, text: str) -> None:
        """Write a file inside the (still hidden) folder via a temporary file and a rename."""
        target = self.path / name
        tmp = target.with_name(f".{name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, target)

    def write_json(self, name: str, data: Any) -> None:
        self.write_text(name, json.dumps(data, indent=2, sort_keys=False, default=_jsonable) + "\n")

    def fail(self, error: BaseException) -> bool:
        """Leave the folder marked incomplete, with the reason; the run is over (unlocked).
        False when the folder had already been finished (an interrupt just after the rename)."""
        if self.finished:
            return False
        what = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        try:
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            (self.path / MARKER).write_text(f"run {what}: {reason}\n")
        finally:
            self._unlock()
        return True

    def finish(self) -> Path:
        """Remove the marker, fsync, and rename into place atomically (still locked, so that
        `ammsim clean` never takes the folder for a leftover in between)."""
        (self.path / MARKER).unlink()
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(self.path, self.final)
        self.path, self.finished = self.final, True
        self._unlock()
        return self.final

    def discard(self) -> None:
        self._unlock()
        shutil.rmtree(self.path, ignore_errors=True)

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def partial_folders(out: Path) -> list[Path]:
    """The unfinished run folders under `out` (an outputs folder, or one scenario's folder)."""
    found = [*out.glob(PARTIAL), *out.glob(f"*/{PARTIAL}")]
    return sorted(p for p in found if p.is_dir() and not p.is_symlink())


def in_use(folder: Path) -> bool:
    """Whether a live run still writes this partial folder (it holds the folder's lock)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False  # gone meanwhile
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    return False


def why_partial(folder: Path) -> str:
    """The first line of the folder's marker (why the run did not finish)."""
    try:
        with open(folder / MARKER, encoding="utf-8", errors="replace") as f:
            return f.readline(200).strip()
    except OSError:
        return "no INCOMPLETE marker"


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")

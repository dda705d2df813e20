"""Run folders written atomically: build under a hidden temporary name, rename when complete.

A run that dies half-way leaves `outputs/<scenario>/.<run-id>.partial/` with an
`INCOMPLETE` marker, never a folder that looks finished; finished folders are
never touched again.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any

from sim.errors import UserInputError
from sim.runs import strict_json

SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


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
        (self.path / "INCOMPLETE").write_text("this run has not finished (or it crashed)\n")

    def file(self, name: str) -> Path:
        return self.path / name

    def write_text(self, name: str, text: str) -> None:
        """Write a file inside the (still hidden) folder via a temporary file and a rename."""
        target = self.path / name
        tmp = target.with_name(f".{name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, target)

    def write_json(self, name: str, data: Any) -> None:
        self.write_text(name, strict_json.dumps(data, indent=2, sort_keys=False) + "\n")

    def fail(self, error: BaseException) -> None:
        """Leave the folder marked incomplete, with the reason."""
        (self.path / "INCOMPLETE").write_text(f"run failed: {type(error).__name__}: {error}\n")

    def finish(self) -> Path:
        """Remove the marker, fsync, and rename into place atomically."""
        (self.path / "INCOMPLETE").unlink()
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(self.path, self.final)
        self.path = self.final
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

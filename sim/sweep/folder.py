"""A sweep's folder, `<out>/<scenario>/sweep-<UTC time>/`, and its plan file sweep.json.

The plan is written (atomically) before the first run, so that every folder that holds a run
can be resumed; a new folder whose engine never started is removed again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

from sim.errors import UserInputError
from sim.runs.folder import safe_name
from sim.sweep.plan import Plan


def new_folder(out: str | Path, name: str) -> Path:
    """`<out>/<scenario>/sweep-<UTC stamp>/` (a suffix when that already exists)."""
    parent = Path(out) / safe_name(name)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        k = 1
        while True:
            path = parent / (f"sweep-{stamp}" + (f"-{k}" if k > 1 else ""))
            try:
                path.mkdir()
                return path
            except FileExistsError:
                k += 1
    except OSError as err:
        raise UserInputError(f"cannot create sweep folder under {parent}: {err.strerror}") from None


def discard_if_unstarted(folder: Path) -> None:
    """Remove a new sweep folder that holds no run yet (its engine never started, say)."""
    log = folder / "results.jsonl"
    if log.exists() and log.stat().st_size:
        return
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        folder.parent.rmdir()  # the scenario's folder too, if nothing else is in it


def write_plan(folder: Path, plan: Plan) -> None:
    """sweep.json, written atomically."""
    _atomic_write(folder / "sweep.json", json.dumps(plan.to_json(), indent=1, default=str) + "\n")


def read_plan(folder: str | Path) -> Plan:
    """The plan of a sweep folder."""
    path = Path(folder) / "sweep.json"
    if not path.is_file():
        raise UserInputError(f"{folder}: not a sweep folder (no sweep.json)")
    try:
        return Plan.from_json(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as err:
        raise UserInputError(f"{path}: unreadable sweep plan: {err}") from None


def _atomic_write(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then move it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def leftover_files(out: Path, min_age_s: float = 60.0) -> list[Path]:
    """Temporary files killed sweeps left in their folders under `out` (`.sweep.json.tmp`,
    `.results.csv.tmp`, ...), except in a sweep still running (its results.jsonl is locked) and
    those written in the last `min_age_s` (a sweep writing its tables)."""
    folders = [*out.glob("sweep-*"), *out.glob("*/sweep-*")]
    now = time.time()
    found = []
    for folder in folders:
        if not folder.is_dir() or folder.is_symlink() or _running(folder):
            continue
        for tmp in folder.glob(".*.tmp"):
            if tmp.is_file() and now - tmp.lstat().st_mtime >= min_age_s:
                found.append(tmp)
    return sorted(found)


def _running(folder: Path) -> bool:
    """Whether an ammsim process holds this sweep's log (see log.RunLog)."""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        fd = os.open(folder / "results.jsonl", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False

"""A worker's lifeline to the sweep process: it dies with the sweep, however the sweep dies.

A sweep killed with SIGKILL whose own parent has not yet reaped it is a zombie: `os.kill(pid, 0)`
still succeeds, so a watchdog that only asks "does the pid exist?" keeps the workers alive, and
with them the forkserver and the resource tracker (they hold each other's pipes, and the caller's
stdout and stderr). So a worker watches the sweep's identity (pid and start time, from /proc),
treats a zombie as dead, and also exits when its own parent changes (it was reparented). On Linux
it asks the kernel, too, to SIGKILL it when its parent (the forkserver) dies.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process gets when its parent thread dies."""
SIGKILL = 9

Identity = tuple[int, str | None]
"""A process: its pid and its start time in clock ticks since boot (None where /proc is absent)."""


def identity(pid: int) -> Identity:
    """`pid` with its start time, so that a reused pid is not taken for the same process."""
    stat = _stat(pid)
    return pid, stat[19] if stat else None


def alive(who: Identity) -> bool:
    """Whether the process is still running: not gone, not a zombie, not a newer process that
    reuses its pid."""
    pid, started = who
    stat = _stat(pid)
    if stat is None and started is not None:
        return False  # /proc knew it; it is gone
    if stat is not None:
        return stat[0] not in ("Z", "X", "x") and (started is None or stat[19] == started)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return True


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux); False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch(owner: Identity, parent: int, every_s: float = 0.2) -> None:
    """Start a daemon thread that ends this process as soon as `owner` is not alive or this
    process's parent is no longer `parent` (it died and this process was reparented)."""
    threading.Thread(target=_watch, args=(owner, parent, every_s), daemon=True).start()


def _watch(owner: Identity, parent: int, every_s: float) -> None:
    while True:
        if os.getppid() != parent or not alive(owner):
            os._exit(1)
        time.sleep(every_s)


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat from the state on (state is [0], start time [19])."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()

"""Ctrl-C and SIGTERM end a command the same way: an exception that unwinds it, so a run marks its
partial folder and a sweep stops its workers, and one message saying what was left where.

SIGTERM (what `kill`, systemd and job schedulers send) becomes `Terminated`, a KeyboardInterrupt,
so every `except KeyboardInterrupt` cleanup applies to it too. Exit codes follow the shell's
convention, 128 + the signal: 130 for Ctrl-C, 143 for SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread where it arrived."""


def catch_sigterm() -> Callable[[], None]:
    """Turn SIGTERM into `Terminated` (main thread, default handler only); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return lambda: None  # someone (a test runner, an embedding program) handles it already
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    return lambda: signal.signal(signal.SIGTERM, previous)


def exit_code(err: KeyboardInterrupt) -> int:
    """128 + the signal that stopped the command."""
    return 128 + (signal.SIGTERM if isinstance(err, Terminated) else signal.SIGINT)


def message(err: KeyboardInterrupt) -> str:
    """`interrupted` or `terminated`, and where an unfinished run folder was left."""
    what = "terminated" if isinstance(err, Terminated) else "interrupted"
    folder: Path | None = getattr(err, "run_folder", None)
    if folder is None:
        return what
    return (
        f"{what}: the unfinished run is in {folder}/\n"
        f"  remove it (and other leftovers) with: ammsim clean --outputs {folder.parent.parent} --yes"
    )


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signal.Signals(signum).name)

"""Files a scenario names (a price CSV): confined to folders the user chose, read with a size cap.

Scenario files are shared between teachers and students: they are data from strangers. A path in
one must not read `/etc/passwd` or `~/.ssh/…`, so every file a scenario names

* resolves inside the scenario file's own folder, the bundled scenarios' folder, or a folder
  the user named on the command line (`--allow-path DIR`); `~` is not expanded, and `..` or a
  symbolic link may not lead out of those folders;
* is a regular file (no device, FIFO, directory, nor anything under /proc, /sys or /dev);
* is read whole, at most `limit` bytes, checked before reading.

Errors name the path and what is wrong, never what the file holds.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ScenarioError

__all__ = ["ALLOW_FLAG", "InputRoots", "confine", "read_input"]

ALLOW_FLAG = "--allow-path"
"""The command-line flag that names one more folder scenario files may read from."""

_PSEUDO = (Path("/proc"), Path("/sys"), Path("/dev"))
"""Kernel file systems: their "regular" files are live views (the environment, memory)."""


@dataclass(frozen=True)
class InputRoots:
    """Where the files a scenario names may come from.

    `base` is the folder relative paths start from (the scenario file's); `allowed` are further
    folders (the bundled scenarios', and each `--allow-path DIR`).
    """

    base: Path
    allowed: tuple[Path, ...] = ()

    def folders(self) -> list[Path]:
        """Every folder a file may be inside, resolved (symbolic links followed)."""
        return [Path(os.path.realpath(p)) for p in (self.base, *self.allowed)]


def confine(text: str, roots: InputRoots) -> Path:
    """The file `text` names (relative to `roots.base`), resolved; it must lie inside one of the
    roots' folders. Raises ScenarioError saying how to allow it otherwise."""
    if not text or "\x00" in text:
        raise ScenarioError("is not a usable file path")
    if text.startswith("~"):
        raise ScenarioError(
            f"{text!r}: '~' is not expanded in scenario files; give the path relative to the "
            f"scenario's folder ({roots.base})"
        )
    given = Path(text)
    try:
        real = Path(os.path.realpath(given if given.is_absolute() else roots.base / given))
    except (OSError, ValueError) as err:
        raise ScenarioError(f"{text!r}: not a usable file path ({type(err).__name__})") from None
    if any(real.is_relative_to(p) for p in _PSEUDO):
        raise ScenarioError(f"{text!r} resolves to {real}: kernel files are never read")
    if not any(real.is_relative_to(folder) for folder in roots.folders()):
        shown = "" if str(real) == text else f" resolves to {real}, which"
        raise ScenarioError(
            f"{text!r}{shown} is outside the scenario's folder ({roots.base}); scenario files may "
            f"only read files inside it. To read this one, pass {ALLOW_FLAG} {real.parent}"
        )
    return real


def read_input(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file at `path` (a `confine`d path), refused when over `limit`."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(f"{what} {str(path)!r} does not exist") from None
    except (OSError, ValueError) as err:
        raise ScenarioError(f"{what} {str(path)!r} cannot be read: {_reason(err)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(f"{what} {str(path)!r} is not a regular file")
    _check_size(path, info.st_size, limit, what)
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, open does not hang
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as err:
        raise ScenarioError(f"{what} {str(path)!r} cannot be read: {_reason(err)}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScenarioError(f"{what} {str(path)!r} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as err:
        raise ScenarioError(f"{what} {str(path)!r} cannot be read: {_reason(err)}") from None
    finally:
        os.close(fd)
    _check_size(path, len(data), limit, what)  # it grew while we read
    return data


def _check_size(path: Path, size: int, limit: int, what: str) -> None:
    if size > limit:
        raise ScenarioError(
            f"{what} {str(path)!r} is larger than {limit:,} bytes (the most ammsim reads)"
        )


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or type(err).__name__

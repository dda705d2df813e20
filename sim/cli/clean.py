"""`ammsim clean`: list, and with --yes remove, what interrupted runs and sweeps left behind.

Leftovers are the hidden `.<run-id>.partial` folders of runs that did not finish (killed,
interrupted, failed) and the temporary `.*.tmp` files of killed sweeps. Finished run folders,
sweep folders and their results are never touched (a sweep folder with missing runs is resumed,
not cleaned). A partial folder whose run is still going (its marker is locked) is kept.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
from pathlib import Path

from sim.cli.exits import EXIT_OK
from sim.errors import UserInputError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `clean` subcommand."""
    p = sub.add_parser(
        "clean",
        help="list (and with --yes remove) unfinished run folders and sweep leftovers",
        description="List the .partial folders of runs that did not finish and the temporary "
        "files of killed sweeps under an outputs folder; --yes removes them. Finished runs and "
        "sweep results are never touched; a run still going is kept.",
    )
    p.add_argument(
        "--outputs",
        "--out",
        dest="outputs",
        default="outputs",
        metavar="DIR",
        help="outputs folder (or one scenario's folder) to look in (default: outputs)",
    )
    p.add_argument("--yes", action="store_true", help="remove what is listed")
    p.set_defaults(handler=cmd_clean)


def cmd_clean(args: argparse.Namespace) -> int:
    from sim.runs.folder import in_use, partial_folders, why_partial
    from sim.sweep.folder import leftover_files

    out = Path(args.outputs)
    if not out.is_dir():
        raise UserInputError(f"--outputs {out}: no such folder")
    partial = partial_folders(out)
    live = [p for p in partial if in_use(p)]
    found = [p for p in partial if p not in live] + leftover_files(out)
    for path in live:
        print(f"  {path}/  (kept: its run is still going)")
    if not found:
        print(f"no leftovers under {out}/")
        return EXIT_OK
    total = 0
    for path in found:
        size = _size(path)
        total += size
        why = f"  {why_partial(path)}" if path.is_dir() else ""
        print(f"  {path}{'/' if path.is_dir() else ''}  {_human(size)}{why}")
    what = f"{len(found)} leftover(s), {_human(total)}"
    if not args.yes:
        print(f"{what}; remove them with: ammsim clean --outputs {out} --yes")
        return EXIT_OK
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    print(f"removed {what}")
    return EXIT_OK


def _size(path: Path) -> int:
    """Bytes in a file, or in a folder's files (links not followed)."""
    if not path.is_dir():
        return path.lstat().st_size
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # removed meanwhile
                total += (Path(root) / name).lstat().st_size
    return total


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"

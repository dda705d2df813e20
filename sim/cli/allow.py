"""`--allow-path DIR`: the one way to let a scenario read files outside its own folder.

Every command that loads a scenario takes it (run, validate, sweep, viz); the folders come only
from the command line, never from a file (see `sim.input_files`).
"""

from __future__ import annotations

import argparse

from sim.input_files import ALLOW_FLAG

HELP = "a folder the scenario may read files from (price CSVs), besides its own folder (repeatable)"


def add_allow_flag(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable `--allow-path DIR` flag to a command that loads a scenario."""
    parser.add_argument(
        ALLOW_FLAG, dest="allow_path", action="append", default=[], metavar="DIR", help=HELP
    )

"""`ammsim calc`: not built yet."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `calc` subcommand (placeholder until it is built)."""

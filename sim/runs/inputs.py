"""Copies of the files a scenario names, kept in its run folder so the folder reruns anywhere.

A run folder's `scenario.toml` reproduces the run (`ammsim run outputs/.../scenario.toml`): each
file the scenario read (a price CSV) is copied to `inputs/<name>` and the saved scenario points
there, relative to the folder, whatever path the original used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from sim.input_files import confine, read_input
from sim.market.prices.csv_replay import MAX_CSV_BYTES
from sim.scenario.inputs import file_fields
from sim.scenario.schema import Scenario

__all__ = ["INPUTS", "copy_inputs"]

INPUTS = "inputs"
"""Sub-folder of a run folder holding the copied input files."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def copy_inputs(folder: Path, sc: Scenario) -> dict[str, str]:
    """Copy every file `sc` names into `folder/inputs/`; returns dotted field -> the path the
    saved scenario.toml gives it (relative to the folder). One copy per file, however many
    fields name it; names are made unique."""
    saved: dict[str, str] = {}
    copies: dict[Path, str] = {}
    for dotted, text in file_fields(sc).items():
        source = confine(text, sc.input_roots)
        if source not in copies:
            name = _unique(_UNSAFE.sub("_", source.name).strip("._") or "input", copies.values())
            target = folder / INPUTS / name
            target.parent.mkdir(exist_ok=True)
            tmp = target.with_name(f".{name}.tmp")
            tmp.write_bytes(read_input(source, MAX_CSV_BYTES, "input file"))
            os.replace(tmp, target)
            copies[source] = name
        saved[dotted] = f"{INPUTS}/{copies[source]}"
    return saved


def _unique(name: str, taken: Iterable[str]) -> str:
    names = set(taken)
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    k, candidate = 1, name
    while candidate in names:
        k += 1
        candidate = f"{stem}-{k}{dot}{ext}"
    return candidate

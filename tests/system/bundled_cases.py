"""Hostile variations of every bundled scenario, for tests/system/test_fuzz_bundled.py.

The case space: every numeric field of every bundled scenario (found by walking its TOML, not
listed by hand) times a set of extreme values, each given either in an edited file or as a
`--set` override; plus broken TOML text, unknown keys, references to names that do not exist,
and required fields dropped. `sample(n, seed)` draws a reproducible sample of it.
"""

from __future__ import annotations

import copy
import random
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BUNDLED = {p.stem: p for p in sorted(SCENARIOS.glob("*.toml"))}

EXTREMES: dict[str, Any] = {
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "-1": -1,
    "0": 0,
    "1e308": 1e308,
    str(2**64 + 1): 2**64 + 1,
    "1e-308": 1e-308,
    "0.5": 0.5,
}
"""Each extreme value as `--set` text and as the value written into a file."""

NAMED_TABLES = ("tokens", "pools", "agents", "lending", "staking", "prices")
"""Tables whose keys other fields refer to by name (a missing reference names none of them)."""

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Case:
    """One hostile input: a scenario, how it is changed, and the field the change is in."""

    scenario: str
    how: str  # "file" (edited file), "set" (--set override), "text" (raw TOML text)
    field: str  # the dotted field changed ("" for a text mutation)
    value: Any = None  # the new value ("file"), or the --set text ("set")
    text: str | None = None  # the whole file ("text")
    drop: bool = False  # "file": delete the field instead of setting it
    shown: str = ""  # what the field is set to, for the test's name

    def label(self) -> str:
        shown = (self.shown or repr(self.value))[:40]
        return f"{self.scenario}:{self.how}:{self.field or '-'}={shown}{' (drop)' * self.drop}"


def raw(name: str) -> dict[str, Any]:
    return tomllib.loads(BUNDLED[name].read_text(encoding="utf-8"))


def walk(node: Any, prefix: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every (path, value) below `node`; list elements get an integer path part."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k), v
            yield from walk(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*prefix, i), v
            yield from walk(v, (*prefix, i))


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def dotted(path: Path_) -> str:
    """The dotted field a path is in (a list element counts as its list)."""
    keys = [str(k) for k in path if not isinstance(k, int)]
    return ".".join(keys)


def edited(data: dict[str, Any], path: Path_, value: Any, drop: bool = False) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    for k in path[:-1]:
        node = node[k]
    if drop:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def _set_text(value: Any) -> str:
    return tomli_w.dumps({"v": value}).removeprefix("v = ").strip()


def numeric_cases(name: str) -> Iterator[Case]:
    """Every numeric field x every extreme value, in a file and (where a path can say it) --set."""
    data = raw(name)
    for path, v in walk(data):
        if not is_number(v):
            continue
        field = dotted(path)
        for text, value in EXTREMES.items():
            yield Case(name, "file", field, edited(data, path, value), shown=text)
            settable = all(isinstance(k, int) or "." not in k for k in path)
            if not settable:
                continue  # a key with dots in it (a sweep.grid path): only a file can say it
            if isinstance(path[-1], int):  # a list element: --set the whole list
                parent = path[:-1]
                lst = list(_get(data, parent))
                lst[path[-1]] = value
                yield Case(name, "set", dotted(parent), _set_text(lst))
            else:
                yield Case(name, "set", field, text)


def _get(node: Any, path: Path_) -> Any:
    for k in path:
        node = node[k]
    return node


def structural_cases(name: str) -> Iterator[Case]:
    """Unknown keys, missing references, dropped fields and broken TOML text."""
    data = raw(name)
    names = {n for t in NAMED_TABLES for n in data.get(t, {})}
    text = BUNDLED[name].read_text(encoding="utf-8")
    for path, v in walk(data):
        if any(isinstance(k, int) for k in path):
            continue
        field = dotted(path)
        if isinstance(v, dict):
            yield Case(
                name, "file", f"{field}.bogus_key", edited(data, (*path, "bogus_key"), 1), shown="1"
            )
        if isinstance(v, str) and v in names:  # a reference: point it at nothing
            yield Case(name, "file", field, edited(data, path, "missing_name"), shown="missing")
            yield Case(name, "set", field, '"missing_name"')
        if isinstance(v, list) and v and all(isinstance(x, str) and x in names for x in v):
            missing = edited(data, path, [*v[:-1], "missing_name"])
            yield Case(name, "file", field, missing, shown="[..., missing]")
            twice = edited(data, path, [v[0], v[0]])
            yield Case(name, "file", field, twice, shown=f"[{v[0]}, {v[0]}]")  # a duplicate
        if len(path) >= 2 and not isinstance(v, dict):
            yield Case(name, "file", field, edited(data, path, None, drop=True), drop=True)
    lines = text.splitlines(keepends=True)
    headers = [ln for ln in lines if re.match(r"^\[[^\]]+\]\s*$", ln)]
    keyed = [ln for ln in lines if re.match(r"^[A-Za-z_]+\s*=", ln)]
    for i in range(0, len(text), max(1, len(text) // 12)):
        yield Case(name, "text", "", text=text[:i] + "= [{\n" + text[i:])  # junk inserted
        yield Case(name, "text", "", text=text[:i])  # truncated
    for ln in headers[:6]:
        yield Case(name, "text", "", text=text + "\n" + ln)  # a table defined twice
    for ln in keyed[:6]:
        yield Case(name, "text", "", text=text.replace(ln, ln + ln, 1))  # a key defined twice
    yield Case(name, "text", "", text=text + "\nn = " + "9" * 5000 + "\n")  # > 4,300 digits


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for name in BUNDLED:
        cases.extend(numeric_cases(name))
        cases.extend(structural_cases(name))
    return cases


def sample(n: int, seed: int = 2025) -> list[Case]:
    """A reproducible sample of `n` cases (all of them when `n` is at least their number)."""
    cases = all_cases()
    if n >= len(cases):
        return cases
    return random.Random(seed).sample(cases, n)

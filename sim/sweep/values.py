"""Command-line values of a sweep: `--grid PATH=V1,V2,...`, `--range PATH=LO:HI`, `--sample lhs:N`.

Values are read as TOML (the way `--set` reads them), so `5`, `0.8`, `"fifo"` and `[1, 2]` mean
what they mean in a scenario file.
"""

from __future__ import annotations

import math
from typing import Any

from sim.errors import UserInputError
from sim.scenario.paths import parse_value
from sim.scenario.renamed import canonical


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """`PATH=V1,V2,...` -> (path, values); values read as TOML (`[1, 2]` lists stay whole)."""
    path, sep, values = text.partition("=")
    path, values = path.strip(), values.strip()
    if not sep or not path or not values:
        raise UserInputError(
            f"--grid expects PATH=V1,V2,... (e.g. pools.eth_usdc.fee_bps=5,30,100), got {text!r}"
        )
    path = canonical(path)
    whole = parse_value(f"[{values}]")
    if isinstance(whole, list):
        return path, whole
    return path, [parse_value(v.strip()) for v in split_top(values)]


def split_top(text: str) -> list[str]:
    """Split on commas outside brackets and braces (empty parts dropped)."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [s for s in (x.strip() for x in out) if s]


def parse_range(text: str) -> tuple[str, list[float]]:
    """`PATH=LO:HI` -> (path, [lo, hi])."""
    path, sep, rest = text.partition("=")
    lo_s, sep2, hi_s = rest.partition(":")
    lo, hi = parse_value(lo_s.strip()), parse_value(hi_s.strip())
    if not (sep and sep2 and path.strip()) or not all(is_number(x) for x in (lo, hi)):
        raise UserInputError(
            f"--range expects PATH=LO:HI with numbers (e.g. prices.ETH.sigma=0.2:1.5), got {text!r}"
        )
    return path.strip(), [lo, hi]


def parse_sample(text: str) -> tuple[str, int]:
    """`lhs:64` / `random:64` -> (method, n)."""
    method, _, n = text.partition(":")
    if method not in ("lhs", "random") or not n.isdigit() or int(n) < 1:
        raise UserInputError(f"--sample expects lhs:N or random:N with N >= 1, got {text!r}")
    return method, int(n)


def is_number(x: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)

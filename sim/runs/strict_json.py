"""Strict JSON for every file ammsim writes: a number that is not finite is written as null, with why.

JSON has no Infinity or NaN; Python's `json` writes them anyway, and strict readers (browsers, jq,
other languages) then reject the whole file. `dumps` replaces each non-finite number with `null`
and lists it, by dotted key, in a top-level `"not_finite"` table (`{"pools.x.fee_apr_pct": "+inf:
..."}`); it then encodes with `allow_nan=False`, so no non-finite value can slip through again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

NOT_FINITE = "not_finite"
"""The top-level key listing each value written as null because it was not finite, and why."""


def reason(x: float) -> str:
    """Why a value cannot be a JSON number."""
    if math.isnan(x):
        return "NaN: undefined (e.g. 0/0, or inf - inf)"
    sign = "+" if x > 0 else "-"
    return f"{sign}inf: beyond the largest float (e.g. a rate annualised over a near-zero time)"


def finite(data: Any) -> tuple[Any, dict[str, str]]:
    """`data` with every non-finite float replaced by None (numpy scalars as Python numbers), and
    the dotted key of each replaced value with its reason."""
    notes: dict[str, str] = {}

    def walk(x: Any, path: str) -> Any:
        if isinstance(x, np.generic):
            x = x.item()
        if isinstance(x, float):
            if math.isfinite(x):
                return x
            notes[path or "(value)"] = reason(x)
            return None
        if isinstance(x, Mapping):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(x)]
        return x

    return walk(data, ""), notes


def dumps(data: Any, *, default: Any = None, **kwargs: Any) -> str:
    """`json.dumps` that never writes Infinity or NaN: each becomes null, listed under
    `NOT_FINITE` when `data` is a table (`finite`)."""
    clean, notes = finite(data)
    if notes and isinstance(clean, dict):
        clean[NOT_FINITE] = {**clean.get(NOT_FINITE, {}), **notes}
    return json.dumps(clean, allow_nan=False, default=default or jsonable, **kwargs)


def jsonable(x: Any) -> Any:
    """Values `json` cannot encode itself: numpy scalars and arrays, paths; else a TypeError."""
    if isinstance(x, np.ndarray):
        return finite(x.tolist())[0]
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")

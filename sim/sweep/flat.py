"""Nested dicts as one level of dotted keys: how a run's summary becomes columns of a results
row (`pools.eth_usdc.fees`), and how `ammsim compare` names metrics and scenario fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts -> one level with dotted keys (`pools.eth_usdc.fees`)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def matches(path: str, pattern: str) -> bool:
    """Whether a dotted path matches a pattern whose `*` parts match any one part."""
    parts, want = path.split("."), pattern.split(".")
    return len(parts) == len(want) and all(w in ("*", p) for p, w in zip(parts, want, strict=True))

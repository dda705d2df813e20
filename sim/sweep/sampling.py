"""Sampled configurations: points over `[low, high]` ranges, plain random or Latin hypercube.

Points come from their own stream of the base seed, `SeedSequence(seed, spawn_key=(SAMPLE_KEY,))`,
which no replicate uses: the same flags sample the same points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.errors import UserInputError

SAMPLE_KEY = 1_000_000
"""Sample points are drawn from SeedSequence(base seed, spawn_key=(SAMPLE_KEY,)): no replicate
(k < 1,000,000) uses that stream."""


def sample_unit(method: str, n: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """`n` points in [0, 1)^dims: plain uniform ('random') or a Latin hypercube ('lhs'), where
    each dimension's n equal strata hold exactly one point each."""
    if method == "random":
        return rng.random((n, dims))
    if method != "lhs":
        raise UserInputError(f"unknown sample method {method!r}; use lhs or random")
    u = np.empty((n, dims))
    for j in range(dims):
        u[:, j] = (rng.permutation(n) + rng.random(n)) / n
    return u


def sample_points(
    method: str,
    n: int,
    ranges: Mapping[str, Sequence[float]],
    seed: int,
    integer: Mapping[str, bool] | None = None,
) -> list[dict[str, Any]]:
    """Sampled parameter values over `ranges` (integer fields rounded and kept in range)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SAMPLE_KEY,)))
    paths = list(ranges)
    u = sample_unit(method, n, len(paths), rng)
    points = []
    for row in u:
        point: dict[str, Any] = {}
        for j, path in enumerate(paths):
            lo, hi = float(ranges[path][0]), float(ranges[path][1])
            v = lo + float(row[j]) * (hi - lo)
            if integer and integer.get(path):
                point[path] = int(min(max(round(v), math.ceil(lo)), math.floor(hi)))
            else:
                point[path] = v
        points.append(point)
    return points

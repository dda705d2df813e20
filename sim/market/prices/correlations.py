"""Correlation of the diffusive shocks of several assets (not of jumps or regimes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from sim.config import Spec

__all__ = ["Correlations"]


class Correlations(Spec):
    """Correlation of the diffusive shocks of assets (not of jumps or regimes).

    Either pairs, written as a bare table ``{"ETH:BTC" = 0.8}`` (unlisted pairs
    are 0), or ``assets`` plus a full symmetric ``matrix`` with unit diagonal.
    """

    pairs: dict[str, float] = Field(
        default_factory=dict,
        description='Correlation per pair, keyed "A:B"; each in [-1, 1]; unlisted pairs are 0.',
    )
    assets: list[str] | None = Field(
        default=None, description="Asset order of `matrix` (required with `matrix`)."
    )
    matrix: list[list[float]] | None = Field(
        default=None, description="Full correlation matrix (symmetric, unit diagonal)."
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_pairs(cls, data: Any) -> Any:
        """Accept a bare ``{"A:B": rho}`` table as `pairs`."""
        if isinstance(data, Mapping) and data and not {"pairs", "assets", "matrix"} & set(data):
            return {"pairs": dict(data)}
        return data

    @model_validator(mode="after")
    def _check(self) -> Correlations:
        seen: dict[frozenset[str], float] = {}
        for key, rho in self.pairs.items():
            parts = key.split(":")
            if len(parts) != 2 or not all(p.strip() for p in parts):
                raise ValueError(f"correlation key {key!r} must look like 'A:B'")
            a, b = (p.strip() for p in parts)
            if a == b:
                raise ValueError(f"correlation key {key!r} pairs an asset with itself")
            if not -1 <= rho <= 1:
                raise ValueError(f"correlation {key!r} = {rho} is outside [-1, 1]")
            pair = frozenset((a, b))
            if pair in seen and seen[pair] != rho:
                raise ValueError(f"correlation for {a}/{b} is given twice with different values")
            seen[pair] = rho
        if (self.assets is None) != (self.matrix is None):
            raise ValueError("`assets` and `matrix` must be given together")
        if self.matrix is not None and self.assets is not None:
            if self.pairs:
                raise ValueError("give either `pairs` or `assets` + `matrix`, not both")
            n = len(self.assets)
            if len(set(self.assets)) != n:
                raise ValueError("`assets` has duplicates")
            m = np.asarray(self.matrix, dtype=float)
            if m.shape != (n, n):
                raise ValueError(f"`matrix` must be {n}x{n} to match `assets`")
            if not np.allclose(m, m.T, atol=1e-12):
                raise ValueError("`matrix` must be symmetric")
            if not np.allclose(np.diag(m), 1.0, atol=1e-12):
                raise ValueError("`matrix` must have 1.0 on the diagonal")
            if np.any(np.abs(m) > 1):
                raise ValueError("`matrix` entries must lie in [-1, 1]")
        return self

    def named(self) -> set[str]:
        """Every asset the correlations mention."""
        if self.assets is not None:
            return set(self.assets)
        return {p.strip() for key in self.pairs for p in key.split(":")}

    def matrix_for(self, names: Sequence[str]) -> np.ndarray:
        """Correlation matrix in the order of `names` (assets not mentioned are uncorrelated)."""
        index = {n: i for i, n in enumerate(names)}
        out = np.eye(len(names))
        if self.assets is not None and self.matrix is not None:
            for i, a in enumerate(self.assets):
                for j, b in enumerate(self.assets):
                    if a in index and b in index:
                        out[index[a], index[b]] = self.matrix[i][j]
            return out
        for key, rho in self.pairs.items():
            a, b = (p.strip() for p in key.split(":"))
            if a in index and b in index:
                out[index[a], index[b]] = out[index[b], index[a]] = rho
        return out

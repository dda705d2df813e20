"""A pegged asset (stablecoin, LST): Ornstein-Uhlenbeck on log(price / peg), discretised exactly.

The AR(1) recursion is vectorised per chunk, so a peg's path is chunk-independent only up
to floating-point rounding (~1e-12 relative).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field

from sim.config import Spec

__all__ = ["Peg", "ar1", "peg_log_path"]


class Peg(Spec):
    """A pegged asset (stablecoin, LST): Ornstein-Uhlenbeck on log(price / peg).

    Discretised exactly, so any block time is valid. A shock moves the level and
    the process then reverts toward the peg with the configured half-life.
    """

    process: Literal["peg"] = "peg"
    peg: float = Field(default=1.0, ge=1e-12, le=1e12, description="Peg level in numeraire units.")
    start: float | None = Field(
        default=None,
        ge=1e-12,
        le=1e12,
        description="Price at block 0 in numeraire units (default: the peg).",
    )
    sigma: float = Field(
        default=0.05,
        ge=0,
        le=20,
        description="Annualised volatility of the log deviation from the peg (innovations).",
    )
    half_life_days: float = Field(
        default=1.0,
        gt=0,
        le=36_500,
        description="Days for a deviation from the peg to halve on average.",
    )

    @property
    def initial(self) -> float:
        """Price at block 0: `start`, or the peg when unset."""
        return self.peg if self.start is None else self.start


def ar1(x0: float, phi: float, eps: np.ndarray) -> np.ndarray:
    """x[k+1] = phi * x[k] + eps[k] for k = 0..n-1, vectorised; returns x[1..n].

    Uses x[k] = phi^k (x0 + sum_j eps[j] phi^-(j+1)) over sub-blocks short
    enough that phi^-len stays below e^300.
    """
    n = eps.size
    out = np.empty(n)
    if n == 0:
        return out
    decay = -math.log(phi) if phi > 0 else math.inf
    if decay > 40:  # phi < 4e-18: the past is below rounding of a fresh innovation
        out[:] = eps
        out[0] += phi * x0
        return out
    step = n if decay == 0 else max(1, min(n, int(300 / decay)))
    powers = np.exp(-decay * np.arange(1, step + 1))
    pos, x = 0, x0
    while pos < n:
        e = eps[pos : pos + step]
        pw = powers[: e.size]
        out[pos : pos + e.size] = pw * (x + np.cumsum(e / pw))
        x = float(out[pos + e.size - 1])
        pos += e.size
    return out


def peg_log_path(spec: Peg, dt: float, x0: float, z: np.ndarray) -> np.ndarray:
    """Log prices of the next len(z) blocks from the log price `x0`, driven by the normals `z`.

    Mean reversion ``theta = ln 2 / half-life``; per block the deviation from the peg keeps
    ``exp(-theta dt)`` of itself and gains an innovation of the exact OU variance.
    """
    theta = math.log(2) / (spec.half_life_days / 365)
    phi = math.exp(-theta * dt)
    scale = spec.sigma * math.sqrt(-math.expm1(-2 * theta * dt) / (2 * theta))
    log_peg = math.log(spec.peg)
    return log_peg + ar1(x0 - log_peg, phi, scale * z)

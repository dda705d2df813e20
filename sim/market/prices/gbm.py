"""Geometric Brownian motion and Merton jump-diffusion: the log price as a random walk.

Both draw one standard normal per block (`z`); jump-diffusion adds one uniform (the jump
count, by inverting the Poisson CDF) and one normal (the jump size) per block. The shared
`START`, `SIGMA` and `DRIFT` fields are reused by the regime-switching process.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field

from sim.config import Spec

__all__ = [
    "DRIFT",
    "GBM",
    "PRICE_RANGE",
    "SIGMA",
    "START",
    "JumpDiffusion",
    "gbm_increments",
    "poisson_counts",
]

PRICE_RANGE = (1e-12, 1e12)
"""Prices a reference price may take, in the numeraire: the start, and (checked) after shocks."""
START = Field(
    ge=PRICE_RANGE[0],
    le=PRICE_RANGE[1],
    description="Price at block 0, in units of the numeraire (e.g. USDC).",
)
SIGMA = Field(
    default=0.5,
    ge=0,
    le=20,
    description="Annualised volatility of the log price (0.5 = 50%/sqrt(year)).",
)
DRIFT = Field(
    default=0.0,
    ge=-10,
    le=10,
    description="Annualised expected return: E[price(t)] = start * exp(drift * t_years).",
)


class GBM(Spec):
    """Geometric Brownian motion: the default model of a freely traded asset."""

    process: Literal["gbm"] = "gbm"
    start: float = START
    sigma: float = SIGMA
    drift: float = DRIFT


class JumpDiffusion(Spec):
    """Merton jump-diffusion: GBM plus Poisson jumps of log-normal size (crash risk).

    The drift is compensated for the jumps, so E[price] still grows at `drift`.
    """

    process: Literal["jump_diffusion"] = "jump_diffusion"
    start: float = START
    sigma: float = SIGMA
    drift: float = DRIFT
    jump_rate_per_year: float = Field(
        default=12.0, ge=0, le=10_000, description="Expected number of jumps per year."
    )
    jump_mean: float = Field(
        default=-0.02, ge=-2, le=2, description="Mean of the log jump size (-0.1 = about -9.5%)."
    )
    jump_std: float = Field(default=0.05, ge=0, le=2, description="Std-dev of the log jump size.")


def poisson_counts(u: np.ndarray, lam: float) -> np.ndarray:
    """Poisson(lam) counts by inverting the CDF at uniforms `u`.

    Inversion (rather than rng.poisson) makes the count a pure function of one
    uniform per block, so a rate change can be replayed on the same draws.
    """
    if lam <= 0:
        return np.zeros(u.shape, dtype=np.int64)
    kmax = int(lam + 12 * math.sqrt(lam) + 20)
    k = np.arange(kmax + 1)
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, kmax + 1)))))
    cdf = np.cumsum(np.exp(-lam + k * math.log(lam) - log_fact))
    return np.minimum(np.searchsorted(cdf, u, side="right"), kmax)


def gbm_increments(
    spec: GBM | JumpDiffusion,
    dt: float,
    z: np.ndarray,
    jump_u: np.ndarray | None = None,
    jump_z: np.ndarray | None = None,
) -> np.ndarray:
    """Per-block log-price increments from the normals `z` (and, with jumps, `jump_u`, `jump_z`).

    Ito-corrected drift ``(drift - sigma^2 / 2) dt``; jump-diffusion compensates the drift by
    ``rate * (E[e^J] - 1)`` so that E[price] still grows at `drift`.
    """
    mu = spec.drift - 0.5 * spec.sigma**2
    inc_parts = spec.sigma * math.sqrt(dt) * z
    if isinstance(spec, JumpDiffusion):
        if jump_u is None or jump_z is None:
            raise ValueError("a jump-diffusion needs its jump uniforms and normals")
        kappa = math.expm1(spec.jump_mean + 0.5 * spec.jump_std**2)
        mu -= spec.jump_rate_per_year * kappa
        counts = poisson_counts(jump_u, spec.jump_rate_per_year * dt)
        inc_parts = inc_parts + (counts * spec.jump_mean + np.sqrt(counts) * spec.jump_std * jump_z)
    return mu * dt + inc_parts

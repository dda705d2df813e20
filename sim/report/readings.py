"""Small readers the summary sections share: a recorded time-series column, a finite number."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.model import MarketModel


def recorded(model: MarketModel, column: str) -> list[float]:
    """Finite recorded values of a time-series column (empty if absent)."""
    return [v for v in model.datacollector.model_vars.get(column, []) if math.isfinite(v)]


def finite(x: float) -> float | None:
    """`x`, or None when it is nan or infinite (JSON has no such numbers)."""
    return x if math.isfinite(x) else None

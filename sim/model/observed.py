"""What the time-series reporters read of a running model, as a `Protocol`.

`MarketModel` provides it. The reporters are typed against this rather than the model
class, so that `sim.model.model`, which builds the reporters, is not imported back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agents.base import MarketAgent
from sim.market.market import Market
from sim.model.books import Books


class Observed(Protocol):
    """A model as its reporters see it."""

    @property
    def time(self) -> float:
        """Mesa's clock: one unit is one block."""
        ...

    @property
    def block_time_s(self) -> float: ...

    @property
    def market(self) -> Market: ...

    @property
    def metrics(self) -> Books:
        """The books of the run."""
        ...

    @property
    def market_agents(self) -> Sequence[MarketAgent]: ...

    @property
    def price_assets(self) -> list[str]:
        """Assets with a reference price process."""
        ...

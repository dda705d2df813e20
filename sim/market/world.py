"""What an agent sees of the model it lives in: a small typed interface.

Agents sit below the model in the layers (they must not import it), yet they need a few of
its services: the market, the clock, the seeded generator, a line in the event log. The
model provides them by implementing `World`; agents reach them only through it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import mesa
import numpy as np

from sim.market.market import Market


class PoolActivity(Protocol):
    """What anyone can read off a pool's past trades (on-chain history)."""

    @property
    def volume(self) -> float:
        """Cumulative swap volume, in the numeraire."""
        ...

    @property
    def lp_fee_share(self) -> float:
        """Fraction of swap fees that accrues to LPs (the rest to the protocol)."""
        ...


@runtime_checkable
class World(Protocol):
    """The model as its agents see it."""

    @property
    def market(self) -> Market:
        """Ledger, chain, pools, reference prices and protocols."""
        ...

    @property
    def rng(self) -> np.random.Generator:
        """The model's seeded generator: every random draw comes from it."""
        ...

    @property
    def block_time_s(self) -> float:
        """Seconds per block."""
        ...

    def note(self, name: str, what: str) -> None:
        """Write a line that is not a transaction to the event log (a rug, an exit)."""
        ...

    def pool_activity(self, pool: str) -> PoolActivity:
        """The trading history of `pool` so far."""
        ...

    def regime(self, asset: str) -> str:
        """Current regime ("calm" or "volatile") of a regime-switching reference price."""
        ...


def world_of(model: mesa.Model) -> World:
    """`model` as a `World` (every agent's model must be one)."""
    kind = type(model)
    if kind not in _WORLDS:  # a Protocol isinstance check is slow: once per class
        if not isinstance(model, World):
            raise TypeError(f"{kind.__name__} does not provide what agents need (World)")
        _WORLDS.add(kind)
    return model  # type: ignore[return-value]


_WORLDS: set[type] = set()
"""Model classes found to be `World`s."""

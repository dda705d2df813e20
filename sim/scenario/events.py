"""Scheduled events as a scenario declares them: `[events.<name>]` tables, typed and checked.

Each event has `at_block` or `at_day` and a `kind`: a price shock, a parameter change (a fee, a
volatility, the base fee, a reward emission), an A ramp on a StableSwap pool, a news flag agents
can read, a cohort of agents arriving or leaving, or a validator penalty (slashing) that lowers a
liquid-staking token's exchange rate. This module is data only: what an event does to a running
model is `sim.model.events.apply`; whether its names refer to something is checked with the rest
of the scenario's references (`sim.scenario.references`).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config import Spec
from sim.pools.curve.template import MAX_A

SETTABLE_PATTERNS = (
    "prices.<asset>.<param>",
    "pools.<pool>.fee_bps",
    "chain.base_fee_gwei",
    "rewards.pools.<pool>.per_day",
)
"""The dotted paths a `set` event may change mid-run; `<...>` is a name of the scenario's own
(`sim.scenario.paths.settable` says whether a path matches one)."""


NEVER = 2**62
"""A block later than any run reaches (`scenario.blocks` is at most 50 million)."""


class _When(Spec):
    at_block: int | None = Field(None, ge=0, le=50_000_000, description="block the event fires at")
    at_day: float | None = Field(
        None, ge=0, le=1_000_000, description="simulated day the event fires at"
    )

    @model_validator(mode="after")
    def _one_time(self) -> _When:
        if (self.at_block is None) == (self.at_day is None):
            raise ValueError("give exactly one of at_block or at_day")
        return self

    def block(self, block_time_s: float) -> int:
        """The block the event fires at (past `NEVER`: a block no run reaches)."""
        if self.at_block is not None:
            return min(self.at_block, NEVER)
        at = (self.at_day or 0.0) * 86_400 / block_time_s
        return math.ceil(at) if at < NEVER else NEVER


class PriceShock(_When):
    """The reference price of `asset` jumps by `factor` and moves on from there."""

    kind: Literal["price_shock"]
    asset: str = Field(description="priced token")
    factor: float = Field(gt=0, le=1e6, description="multiplier, e.g. 0.7 for a 30% drop")


class SetParam(_When):
    """Change a scenario parameter mid-run, addressed by its dotted path."""

    kind: Literal["set"]
    path: str = Field(description=f"one of {', '.join(SETTABLE_PATTERNS)}")
    value: float | int | str = Field(description="the new value")


class RampA(_When):
    """Start ramping a StableSwap pool's A to `future_A` over `duration_days` (Curve's ramp_A)."""

    kind: Literal["ramp_A"]
    pool: str = Field(description="a stableswap pool")
    future_A: int = Field(ge=1, lt=MAX_A, description="A at the end of the ramp")
    duration_days: float = Field(
        1.0, ge=1.0, le=36_500, description="Curve requires at least one day"
    )


class News(_When):
    """Raise (or clear) a named news flag that agents may react to."""

    kind: Literal["news"]
    flag: str = Field(min_length=1, description="e.g. 'depeg_fear', 'exploit'")
    on: bool = Field(True, description="raise (true) or clear (false) the flag")


class Cohort(_When):
    """A cohort of agents starts (active = true) or stops (false) acting."""

    kind: Literal["agents"]
    cohort: str = Field(description="an agent cohort of the scenario")
    active: bool = Field(True, description="start (true) or stop (false) acting")


class Slash(_When):
    """A validator penalty: the liquid-staking protocol of `lst` loses `fraction` of its staked
    underlying, so the LST's exchange rate (its redemption value) falls by that share."""

    kind: Literal["slash"]
    lst: str = Field(description="the liquid-staking token (an LST of [staking])")
    fraction: float = Field(gt=0, lt=1, description="share of the staked underlying lost")


EventSpec = Annotated[
    PriceShock | SetParam | RampA | News | Cohort | Slash, Field(discriminator="kind")
]

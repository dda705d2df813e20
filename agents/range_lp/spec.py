"""What a scenario says about a cohort of range LPs: `[agents.<name>]` with `kind = "range_lp"`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from agents.base import AgentSpec
from sim.config import Amount, Spec
from sim.protocols.perp import PERP_COUNTERPARTY, PerpTerms

StrategyName = Literal[
    "full_range", "fixed_band", "vol_band", "narrow_recentre", "event_recentre", "hedged"
]
"""The strategies a cohort can follow (`agents.range_lp.strategies.STRATEGIES`)."""


class PerpSpec(Spec):
    """The short perpetual of the `hedged` strategy, and the venue's rules."""

    funding_rate_annual: float = Field(
        0.10,
        ge=-10,
        le=10,
        description="funding rate a year on the notional; positive: longs pay shorts",
    )
    initial_margin: float = Field(
        0.10, gt=0, le=1, description="collateral needed to open, fraction of the notional"
    )
    maintenance_margin: float = Field(
        0.05, gt=0, le=1, description="liquidation when collateral falls below this x notional"
    )
    liquidation_fee: float = Field(
        0.01, ge=0, le=0.5, description="share of the notional the venue keeps on liquidation"
    )
    margin_fraction: float = Field(
        0.2, ge=0, lt=1, description="share of the agent's capital posted as collateral"
    )
    hedge_ratio: float = Field(
        1.0, ge=0, le=3, description="short size / the LP's token0 exposure (< 1: long bias)"
    )
    hedge_every: int = Field(100, ge=1, description="blocks between checks of the hedge size")
    hedge_tolerance: float = Field(
        0.1, ge=0, le=10, description="re-size when off target by more than this fraction"
    )
    gas_units: int = Field(0, ge=0, description="gas of a perp order (0: an off-chain venue)")
    counterparty: float = Field(
        100_000_000.0,
        ge=0,
        description=f"numeraire minted into the `{PERP_COUNTERPARTY}` wallet per hedged cohort",
    )

    @model_validator(mode="after")
    def _margins(self) -> PerpSpec:
        if self.maintenance_margin > self.initial_margin:
            raise ValueError("maintenance_margin must not exceed initial_margin")
        return self

    def terms(self) -> PerpTerms:
        """The venue's rules for an account opened under this spec."""
        return PerpTerms(
            self.funding_rate_annual,
            self.initial_margin,
            self.maintenance_margin,
            self.liquidation_fee,
        )


class RangeLPSpec(AgentSpec):
    """A cohort of concentrated-liquidity providers following one band strategy."""

    kind: Literal["range_lp"]
    pool: str = Field(description="a `concentrated` pool")
    strategy: StrategyName = Field(
        description="how the band is chosen and moved (see docs/v3_strategies.md)"
    )
    capital: Amount = Field(100_000.0, description="capital per provider, numeraire")
    enter_block: int = Field(
        0, ge=0, le=50_000_000, description="block of the first mint (0 = genesis)"
    )
    exit_block: int | None = Field(
        None, ge=1, le=50_000_000, description="block to withdraw everything, if any"
    )
    band_pct: float = Field(
        10.0, gt=0, lt=100, description="half-width of the band, % of the price (not vol_band)"
    )
    recentre_every: int | None = Field(
        None,
        ge=1,
        le=50_000_000,
        description="narrow_recentre / vol_band: also re-centre every N blocks",
    )
    confirm_blocks: int = Field(
        10,
        ge=1,
        le=50_000_000,
        description="event_recentre / hedged: blocks outside the band before moving",
    )
    vol_lookback_blocks: int = Field(
        300,
        ge=3,
        le=50_000_000,
        description="vol_band: blocks of reference prices for high, low and sigma",
    )
    vol_alpha: float = Field(2.0, ge=0, le=20, description="vol_band: sigmas added on each side")
    vol_horizon_blocks: int | None = Field(
        None,
        ge=1,
        le=50_000_000,
        description="vol_band: horizon T of the sigma*sqrt(T) margin (default lookback)",
    )
    vol_prior: float = Field(
        0.8, ge=0, le=20, description="vol_band: annualised sigma assumed before any history"
    )
    min_swap_pct: float = Field(
        1.0,
        ge=0,
        le=100,
        description="swap to the band's ratio only when the excess is above this % of the value",
    )
    swap_slippage_bps: float = Field(
        30.0,
        ge=0,
        le=10_000,
        description="rebalancing swap: worst price vs the reference, beyond the pool fee, bps",
    )
    min_deploy_pct: float = Field(
        95.0,
        ge=0,
        le=100,
        description="a move that would put less of its inventory into the band (its swap does "
        "not fill within swap_slippage_bps) waits for the pool",
    )
    max_wait_blocks: int = Field(
        25,
        ge=0,
        le=50_000_000,
        description="blocks a move waits for the pool before deploying what it can, if the pool "
        "is too thin for its swap (a pool off the reference price is always waited for)",
    )
    collect_gas_units: int = Field(
        50_000, ge=0, le=10_000_000_000, description="gas of the collect call"
    )
    perp: PerpSpec = Field(default_factory=PerpSpec, description="the hedge (strategy hedged)")

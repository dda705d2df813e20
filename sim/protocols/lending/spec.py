"""The configuration of a lending market: its reserves' risk parameters and rate curves.

Fractions as a scenario writes them (0.825, 0.04); the market turns them into basis points
and RAY exactly (`sim.protocols.wad_ray_math.to_bps`, `to_ray`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config import Spec

__all__ = ["AssetParams", "EModeCategory", "LendingSpec", "RateCurve"]


class RateCurve(Spec):
    """Aave's kinked variable borrow rate curve (`DefaultReserveInterestRateStrategy`)."""

    base_rate: float = Field(
        0.0, ge=0, le=10, description="Borrow rate at 0% utilization (annualised fraction)."
    )
    slope1: float = Field(
        0.04,
        ge=0,
        le=10,
        description="Rate added between 0 and the kink (annualised fraction at the kink).",
    )
    kink: float = Field(
        0.8,
        gt=0,
        lt=1,
        description="Optimal utilization where slope2 starts (fraction of supplied liquidity).",
    )
    slope2: float = Field(
        0.75,
        ge=0,
        le=100,
        description="Rate added between the kink and 100% utilization (annualised fraction).",
    )
    reserve_factor: float = Field(
        0.1, ge=0, lt=1, description="Share of borrow interest paid to the treasury (fraction)."
    )


class AssetParams(Spec):
    """Risk parameters of one reserve (Aave's `ReserveConfiguration`)."""

    ltv: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Max borrow value per unit of collateral value (fraction; Aave 'LTV').",
    )
    liquidation_threshold: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Collateral weight in the health factor (fraction); HF < 1 is liquidatable.",
    )
    liquidation_bonus: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Extra collateral a liquidator seizes per unit repaid (fraction, 0.05 = 5%).",
    )
    liquidation_protocol_fee: float = Field(
        0.1,
        ge=0,
        le=1,
        description=(
            "Share of the liquidation bonus paid to the treasury instead of the liquidator "
            "(fraction; Aave v3 'liquidationProtocolFee', 0.1 = 10% of the bonus)."
        ),
    )
    borrowable: bool = Field(True, description="Whether the asset can be borrowed.")
    collateral: bool = Field(
        True, description="Whether supplies of this asset count as collateral."
    )
    rate: RateCurve = Field(default_factory=RateCurve, description="Interest rate curve.")
    supply_cap: float | None = Field(
        None, gt=0, le=1e15, description="Max total supply in whole tokens (None: uncapped)."
    )

    @model_validator(mode="after")
    def _risk_params(self) -> AssetParams:
        if self.collateral:
            ltv, lt, bonus = self.ltv, self.liquidation_threshold, self.liquidation_bonus
            if not ltv < lt:
                raise ValueError(
                    f"ltv ({ltv}) must be below liquidation_threshold ({lt}); "
                    "set collateral = false for an asset that is only borrowed"
                )
            if (1 + bonus) * lt >= 1:
                raise ValueError(
                    f"(1 + liquidation_bonus) * liquidation_threshold = {(1 + bonus) * lt:.4f} "
                    "must be < 1, or a liquidation at HF just below 1 cannot pay its bonus"
                )
        return self


class EModeCategory(Spec):
    """An efficiency-mode category (Aave v3.2+ `DataTypes.EModeCategory`): correlated assets
    (ETH and its LSTs) lent against each other at a higher LTV and threshold, a lower bonus."""

    ltv: float = Field(gt=0, lt=1, description="LTV of the category's collateral (fraction).")
    liquidation_threshold: float = Field(
        gt=0, lt=1, description="Liquidation threshold of the category's collateral (fraction)."
    )
    liquidation_bonus: float = Field(
        ge=0, le=1, description="Liquidation bonus of the category's collateral (fraction)."
    )
    collateral: list[str] = Field(
        min_length=1,
        description="Assets whose collateral gets these parameters (collateralBitmap).",
    )
    borrowable: list[str] = Field(
        min_length=1, description="Assets an account in the category may borrow (borrowableBitmap)."
    )

    @model_validator(mode="after")
    def _risk_params(self) -> EModeCategory:
        ltv, lt, bonus = self.ltv, self.liquidation_threshold, self.liquidation_bonus
        if not ltv <= lt:
            raise ValueError(f"ltv ({ltv}) must not exceed liquidation_threshold ({lt})")
        if (1 + bonus) * lt >= 1:
            raise ValueError(
                f"(1 + liquidation_bonus) * liquidation_threshold = {(1 + bonus) * lt:.4f} "
                "must be < 1 (PoolConfigurator.setEModeCategory)"
            )
        return self


class LendingSpec(Spec):
    """A lending market: its reserves, e-mode categories, liquidation rules and its oracle."""

    assets: dict[str, AssetParams] = Field(min_length=1, description="Reserves by token symbol.")
    emode: dict[str, EModeCategory] = Field(
        default_factory=dict,
        description="Efficiency-mode categories by name; an account enters at most one.",
    )
    close_factor: float = Field(
        0.5,
        gt=0,
        le=1,
        description=(
            "Share of a large position's total debt one liquidation may repay while its health "
            "factor is above 0.95 (Aave v3's DEFAULT_LIQUIDATION_CLOSE_FACTOR); below 0.95, "
            "or for a reserve under min_base_max_close_factor_threshold, the whole debt."
        ),
    )
    min_base_max_close_factor_threshold: float = Field(
        2_000.0,
        ge=0,
        description=(
            "Value in the numeraire (v3: $2,000) below which a reserve's collateral or debt is "
            "liquidated whole; a partial liquidation must leave half of it (MIN_LEFTOVER_BASE) "
            "of both. Convert through a price in a non-USD numeraire."
        ),
    )
    oracle: Literal["pool", "exchange_rate", "twap", "reference", "pool_spot", "pool_twap"] = Field(
        "exchange_rate",
        description=(
            "Collateral price source the model provides: pool (the market price: the reference "
            "price, or a pool's spot for a token without one), the LST's redemption exchange "
            "rate, twap (a mean of that market price over twap_blocks), reference (the price "
            "process only), pool_spot (oracle_pool's reserve ratio now) or pool_twap "
            "(oracle_pool's own on-chain oracle averaged over twap_window_s)."
        ),
    )
    oracle_pool: str | None = Field(
        None,
        description=(
            "Pool read by pool_spot / pool_twap (default: each asset's first pool); it prices "
            "the tokens it trades in its other token."
        ),
    )
    twap_window_s: int = Field(
        1800, ge=24, le=31_536_000, description="TWAP window in seconds (oracle = 'pool_twap')."
    )
    twap_blocks: int = Field(
        30, ge=1, le=50_000_000, description="TWAP window in blocks (oracle = 'twap')."
    )

    @model_validator(mode="after")
    def _emode_assets(self) -> LendingSpec:
        for name, cat in self.emode.items():
            for field_name, assets in (
                ("collateral", cat.collateral),
                ("borrowable", cat.borrowable),
            ):
                unknown = [a for a in assets if a not in self.assets]
                if unknown:
                    raise ValueError(
                        f"emode.{name}.{field_name}: {', '.join(unknown)} is not a reserve "
                        f"(reserves: {', '.join(self.assets)})"
                    )
        return self

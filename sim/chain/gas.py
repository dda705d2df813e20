"""Gas: the units each kind of transaction burns, the exogenous base fee, and who is paid.

Gas is paid in the chain's native token: the base fee is burned (EIP-1559), the priority
fee goes to the block builder (`BUILDER`). Prices are in gwei per gas unit, costs in wei.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from sim.chain.ledger import Ledger
from sim.config import Spec
from sim.units import GWEI, SECONDS_PER_DAY

__all__ = ["BUILDER", "BaseFee", "GasUnits", "charge_gas"]

BUILDER = "block_builder"
"""The wallet that receives every priority fee."""


class GasUnits(Spec):
    """Gas used by each kind of transaction (typical mainnet figures)."""

    swap: int = Field(
        120_000, ge=0, le=10_000_000_000, description="single-hop swap through a router, gas units"
    )
    extra_hop: int = Field(
        60_000, ge=0, le=10_000_000_000, description="each additional hop of a multi-hop swap"
    )
    add_liquidity: int = Field(
        150_000, ge=0, le=10_000_000_000, description="deposit into a pool, gas units"
    )
    remove_liquidity: int = Field(
        130_000, ge=0, le=10_000_000_000, description="withdraw from a pool, gas units"
    )
    lending: int = Field(
        250_000, ge=0, le=10_000_000_000, description="supply/borrow/repay on a lending market"
    )
    liquidation: int = Field(
        400_000, ge=0, le=10_000_000_000, description="a liquidation call, gas units"
    )
    stake: int = Field(
        90_000, ge=0, le=10_000_000_000, description="stake into a liquid-staking protocol"
    )
    revert: int = Field(
        45_000, ge=0, le=10_000_000_000, description="gas burned by a transaction that reverts"
    )


class BaseFee:
    """Exogenous base fee: a mean-reverting log process around the scenario's level, drawn in chunks."""

    def __init__(
        self,
        level_gwei: float,
        daily_volatility: float,
        half_life_hours: float,
        block_time_s: float,
        rng: np.random.Generator,
    ) -> None:
        self.level = level_gwei
        self.gwei = level_gwei
        blocks_per_day = SECONDS_PER_DAY / block_time_s
        self._sigma = daily_volatility / math.sqrt(blocks_per_day)
        half_life_blocks = half_life_hours * 3600 / block_time_s
        self._keep = 0.5 ** (1 / half_life_blocks)
        self._log_dev = 0.0
        self._rng = rng
        self._noise: list[float] = []

    def advance(self) -> float:
        if self._sigma == 0.0 or self.level == 0.0:
            return self.gwei
        if not self._noise:
            self._noise = (self._sigma * self._rng.standard_normal(4096)).tolist()
        self._log_dev = self._keep * self._log_dev + self._noise.pop()
        self.gwei = self.level * math.exp(self._log_dev)
        return self.gwei


def charge_gas(
    ledger: Ledger,
    sender: str,
    native: str,
    gas_units: int,
    base_fee_gwei: float,
    priority_fee_gwei: float,
) -> int:
    """Burn the base fee and pay the priority fee to the builder; returns wei paid.

    A sender short of the full cost pays what it holds, base fee first.
    """
    base = int(gas_units * base_fee_gwei * GWEI)
    tip = int(gas_units * priority_fee_gwei * GWEI)
    if base + tip == 0:
        return 0
    wallet = ledger.wallets[sender]
    have = wallet.get(native, 0)
    base = min(base, have)
    tip = min(tip, have - base)
    ledger.burn(sender, native, base, "gas")
    ledger.transfer(sender, BUILDER, native, tip)
    return base + tip

"""Scenario configuration of pools, and the factory that turns it into pool objects.

Kept apart from `sim/pools/` so the contract math stays free of pydantic.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config import Spec
from sim.pools.base import Pool
from sim.pools.curve.template import MAX_A


def _distinct(tokens: list[str]) -> list[str]:
    if len(set(tokens)) != len(tokens):
        raise ValueError(f"a pool's tokens must be distinct, got {tokens}")
    return tokens


class ConstantProductSpec(Spec):
    """A Uniswap V2-style x*y=k pair."""

    kind: Literal["constant_product"]
    tokens: list[str] = Field(min_length=2, max_length=2, description="the pair, [token0, token1]")
    fee_bps: int = Field(30, ge=0, le=9_999, description="swap fee on the input, basis points")
    protocol_fee: bool = Field(
        False, description="V2 feeTo switch: 1/6 of fee growth minted to the protocol"
    )

    _tokens = field_validator("tokens")(_distinct)


class StableSwapSpec(Spec):
    """A Curve plain pool (2 to 4 coins), optionally with rate oracles (stableswap-ng)."""

    kind: Literal["stableswap"]
    tokens: list[str] = Field(min_length=2, max_length=4, description="the coins, in index order")
    A: int = Field(100, ge=1, lt=MAX_A, description="amplification coefficient (contract A)")
    fee_bps: float = Field(4.0, ge=0, le=500, description="swap fee on the output, basis points")
    admin_fee: float = Field(0.5, ge=0, le=1, description="share of the fee kept by the admin")
    rate_oracles: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "coin -> [staking] protocol name: the pool scales that coin by the protocol's "
            "exchange rate, read at every call (stableswap-ng rate oracle, as in wstETH/ETH "
            "or rETH/ETH pools), so a reward-bearing LST trades at its rate when balanced"
        ),
    )

    _tokens = field_validator("tokens")(_distinct)

    @model_validator(mode="after")
    def _oracle_coins(self) -> StableSwapSpec:
        for coin in self.rate_oracles:
            if coin not in self.tokens:
                raise ValueError(
                    f"rate_oracles names {coin!r}, which is not one of the pool's tokens "
                    f"{self.tokens}"
                )
        return self


class ConcentratedSpec(Spec):
    """A Uniswap V3-style concentrated-liquidity pool."""

    kind: Literal["concentrated"]
    tokens: list[str] = Field(min_length=2, max_length=2, description="the pair, [token0, token1]")
    fee_bps: float = Field(30, description="fee tier: 1, 5, 30 or 100 basis points")
    tick_spacing: int | None = Field(
        None, ge=1, le=16_384, description="tick spacing (default: the fee tier's)"
    )

    _tokens = field_validator("tokens")(_distinct)

    @field_validator("fee_bps")
    @classmethod
    def _tier(cls, v: float) -> float:
        if v not in (1, 5, 30, 100):
            raise ValueError(f"fee tier must be one of 1, 5, 30, 100 bps, got {v}")
        return v


PoolSpec = Annotated[
    ConstantProductSpec | StableSwapSpec | ConcentratedSpec, Field(discriminator="kind")
]


def build_pool(
    name: str, spec: PoolSpec, decimals: dict[str, int], initial_price: float | None = None
) -> Pool:
    """Create an empty pool from its spec (concentrated pools are initialised at `initial_price`)."""
    decs = tuple(decimals[t] for t in spec.tokens)
    match spec:
        case ConstantProductSpec():
            from sim.pools.uniswap_v2.pair import ConstantProductPool

            return ConstantProductPool(
                name,
                (spec.tokens[0], spec.tokens[1]),
                (decs[0], decs[1]),
                fee_bps=spec.fee_bps,
                fee_to="protocol" if spec.protocol_fee else None,
            )
        case StableSwapSpec():
            from sim.pools.curve.rate_oracle import RateOracle
            from sim.pools.curve.stableswap import StableSwapPool

            pool = StableSwapPool(
                name,
                tuple(spec.tokens),
                decs,
                A=spec.A,
                fee=round(spec.fee_bps * 1_000_000),
                admin_fee=round(spec.admin_fee * 10**10),
            )
            # declared here, connected to the staking protocol by `Protocols.add_staking`
            for coin, source in spec.rate_oracles.items():
                pool.set_rate_oracle(spec.tokens.index(coin), RateOracle(source))
            return pool
        case ConcentratedSpec():
            from sim.chain.chain import GENESIS_TIMESTAMP
            from sim.pools.uniswap_v3.pool import ConcentratedPool

            return ConcentratedPool.from_price(  # type: ignore[attr-defined]
                name,
                (spec.tokens[0], spec.tokens[1]),
                (decs[0], decs[1]),
                fee_pips=round(spec.fee_bps * 100),
                tick_spacing=spec.tick_spacing,
                price=initial_price or 1.0,
                block_timestamp=GENESIS_TIMESTAMP,  # the oracle's first observation: block 0
            )
    raise TypeError(f"unknown pool spec {spec!r}")

"""The configuration of a liquid-staking protocol and the records it keeps (events, requests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from sim.config import Spec

__all__ = ["StakingEvent", "StakingSpec", "WithdrawalRequest"]


class StakingSpec(Spec):
    """A liquid-staking protocol: its yield, token design and withdrawal route."""

    apr: float = Field(
        0.035,
        ge=0,
        le=1,
        description="Annual staking yield (nominal APR as a fraction, compounded per block).",
    )
    design: Literal["rebasing", "reward_bearing"] = Field(
        "reward_bearing",
        description="rebasing: balances grow (stETH); reward_bearing: the rate grows (wstETH).",
    )
    withdrawal: Literal["instant", "queue"] = Field(
        "queue", description="instant redemption, or Lido-style request then claim."
    )
    queue_delay_blocks: int = Field(
        7_200, ge=0, le=50_000_000, description="Blocks between a withdrawal request and its claim."
    )
    underlying: str = Field("ETH", min_length=1, description="Staked token symbol.")
    lst: str = Field("wstETH", min_length=1, description="Liquid staking token symbol.")

    @model_validator(mode="after")
    def _distinct_tokens(self) -> StakingSpec:
        if self.underlying == self.lst:
            raise ValueError(f"underlying and lst must differ (both {self.lst!r})")
        return self


@dataclass(frozen=True, slots=True)
class StakingEvent:
    """A supply change: a mint or burn of the LST or underlying, or a rebase of the LST.

    `amount` is in the token's balance units (for a rebasing LST: underlying-denominated
    balance; for a reward-bearing LST: units); `shares` is the change in shares (0 for
    the underlying). `account` is None for changes that belong to no holder.
    """

    kind: Literal["mint", "burn", "rebase"]
    token: str
    amount: int
    shares: int
    account: str | None
    reason: Literal["stake", "withdraw", "request", "reward", "penalty"]
    block: int


@dataclass(frozen=True, slots=True)
class WithdrawalRequest:
    """A queued withdrawal (Lido `WithdrawalRequestStatus`); `amount` of underlying is fixed."""

    request_id: int
    account: str
    amount: int
    ready_block: int
    claimed: bool = False

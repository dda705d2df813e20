"""Liquidity mining: emission schedules, a SushiSwap MasterChef that pays them out, APR views.

`emissions` integrates each pool's schedule exactly in integers; `masterchef` accrues it per
staked share and pays it to stakers (with optional vesting and lock-up); `apr` holds the
float views agents reason with.
"""

from __future__ import annotations

from sim.protocols.rewards.apr import effective_reward_apr, fee_apr, reward_apr
from sim.protocols.rewards.emissions import (
    EmissionSpec,
    RewardsSpec,
    cumulative_emission,
    emission_rate_per_day,
    emitted_between,
)
from sim.protocols.rewards.masterchef import ACC_PRECISION, MasterChef, RewardAccounts

__all__ = [
    "ACC_PRECISION",
    "EmissionSpec",
    "MasterChef",
    "RewardAccounts",
    "RewardsSpec",
    "cumulative_emission",
    "effective_reward_apr",
    "emission_rate_per_day",
    "emitted_between",
    "fee_apr",
    "reward_apr",
]

"""LP shares staked in the market's MasterChef: what an LP may move, stake and unstake.

Staked LP shares stay in the holder's `balance_of` of the pool (so swap-fee attribution in
the model's books keeps working) and are booked in the chef; agents' liquidity code withdraws
only `free_lp_shares`, i.e. neither staked nor locked (`sim.protocols.launches`). Rewards the
chef pays on a deposit or withdrawal go straight to the holder's wallet.
"""

from __future__ import annotations

from sim.errors import ProtocolError
from sim.pools.base import Pool
from sim.protocols.hub import Protocols
from sim.protocols.launches import locked_lp
from sim.protocols.rewards import emission_rate_per_day

__all__ = ["emission_per_day", "free_lp_shares", "stake_lp", "staked_lp", "unstake_lp"]


def staked_lp(protocols: Protocols, pool: str, holder: str) -> int:
    """LP shares `holder` has staked in the chef's `pool` (0 without a chef or such a pool)."""
    chef = protocols.chef
    if chef is None or pool not in chef.pools:
        return 0
    return chef.staked(pool, holder)


def free_lp_shares(protocols: Protocols, pool: Pool, holder: str, block: int) -> int:
    """LP shares of `holder` that may be withdrawn or staked now: held − staked − locked."""
    held = pool.balance_of.get(holder, 0)  # type: ignore[attr-defined]
    return max(
        0,
        held
        - staked_lp(protocols, pool.name, holder)
        - locked_lp(protocols, pool.name, holder, block),
    )


def stake_lp(protocols: Protocols, pool: Pool, holder: str, shares: int, block: int) -> int:
    """Stake `shares` free LP tokens in the chef's pool of the same name; returns reward paid.

    As MasterChef.deposit: pending rewards are paid to the holder's wallet first.
    """
    chef = protocols.chef
    if chef is None:
        raise ProtocolError("stake_lp: this market has no [rewards]")
    if shares < 0 or shares > free_lp_shares(protocols, pool, holder, block):
        raise ProtocolError(
            f"stake_lp: {holder} has {free_lp_shares(protocols, pool, holder, block)} free LP "
            f"shares of {pool.name}, asked {shares}"
        )
    protocols.sync_rewards(block)
    paid = chef.deposit(pool.name, holder, shares, block)
    _credit(protocols, holder, paid)
    return paid


def unstake_lp(protocols: Protocols, pool: Pool, holder: str, shares: int, block: int) -> int:
    """Unstake `shares` LP tokens from the chef (reverts in a lock-up); returns reward paid."""
    chef = protocols.chef
    if chef is None:
        raise ProtocolError("unstake_lp: this market has no [rewards]")
    protocols.sync_rewards(block)
    paid = chef.withdraw(pool.name, holder, shares, block)
    _credit(protocols, holder, paid)
    return paid


def _credit(protocols: Protocols, holder: str, paid: int) -> None:
    chef = protocols.chef
    if paid and chef is not None:
        wallet = protocols.ledger.wallet(holder)
        wallet[chef.token] = wallet.get(chef.token, 0) + paid


def emission_per_day(protocols: Protocols, pool: str, block: int) -> float:
    """Whole reward tokens the chef emits per day to `pool` at `block` (0 if none)."""
    chef = protocols.chef
    if chef is None or pool not in chef.pools:
        return 0.0
    return emission_rate_per_day(chef.pools[pool].spec, block, chef.block_time_s)

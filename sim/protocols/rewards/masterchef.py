"""SushiSwap's MasterChef: the accumulator that pays each pool's emissions out to its stakers.

`acc_reward_per_share` (MasterChef's `accSushiPerShare`, scaled by 1e12) and `reward_debt`
per user, one staking pool per reward pool name, plus optional linear vesting of harvested
rewards and an optional lock-up of deposits. Pure integer arithmetic (no Mesa, no agents).

Where this differs from the contract:

* No `allocPoint`: each pool has its own `EmissionSpec` instead of a share of one
  `sushiPerBlock`; no 10% dev mint; no bonus multiplier.
* The staked total is the chef's own bookkeeping, not `lpToken.balanceOf(chef)`
  (a donation cannot dilute the accumulator).
* `emergency_withdraw` calls `update_pool` first, so a leaver's share of the elapsed
  blocks is forfeited instead of being handed to the remaining stakers.
* Vesting (`vesting_blocks`) and lock-up (`lock_blocks`) are not in MasterChef: they model
  farms that vest harvests linearly and liquidity locks (e.g. before a rug pull); their
  arithmetic is `sim.protocols.rewards.vesting`.

Accounting. When a pool has no stake, MasterChef skips the mint: those blocks' emissions
are never minted and nobody can claim them. Here they are counted in `undistributed`, so

    paid + vesting + pending + forfeited + undistributed + dust == emitted

where `emitted` is what the schedules emitted over the blocks the pools have been
updated across, `minted = emitted - undistributed` is what the chef received, and
`dust` is what integer rounding left in the chef (a few wei: below
`total_staked / 1e12 + 1` per update, plus at most one per user settlement).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from sim.errors import ProtocolError
from sim.protocols.rewards.emissions import EmissionSpec, RewardsSpec, emitted_between
from sim.protocols.rewards.vesting import Lot, Tranche, fully_unlocked_at, take_unlocked, unlocked

__all__ = ["ACC_PRECISION", "MasterChef", "RewardAccounts"]

ACC_PRECISION = 10**12
"""Scale of `acc_reward_per_share`, as MasterChef's `accSushiPerShare` (1e12)."""


@dataclass(slots=True)
class _UserInfo:
    """MasterChef.UserInfo (`amount`, `rewardDebt`) plus lock-up lots and vesting tranches."""

    amount: int = 0
    reward_debt: int = 0
    lots: list[Lot] = field(default_factory=list)  # oldest first
    tranches: list[Tranche] = field(default_factory=list)


@dataclass(slots=True)
class _PoolInfo:
    """MasterChef.PoolInfo (`accSushiPerShare`, `lastRewardBlock`) plus the staked total."""

    spec: EmissionSpec
    last_reward_block: int
    acc_reward_per_share: int = 0
    total_staked: int = 0
    emitted: int = 0
    undistributed: int = 0
    users: dict[str, _UserInfo] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RewardAccounts:
    """Where every emitted reward unit is, in smallest units, as of each pool's last update.

    `paid + vesting + pending + forfeited + undistributed + dust == emitted`; `minted` is
    `emitted - undistributed`; `shortfall` is what the chef owed but could not pay
    (MasterChef.safeSushiTransfer), already excluded from `pending`.
    """

    emitted: int
    undistributed: int
    minted: int
    paid: int
    vesting: int
    pending: int
    forfeited: int
    shortfall: int
    dust: int


class MasterChef:
    """SushiSwap's MasterChef over named pools: stake shares, accrue rewards per share, harvest.

    Amounts are integers: staked shares in the staked token's smallest unit, rewards in the
    reward token's. The caller moves staked tokens and rewards between wallets; the chef
    only keeps its books and says what it pays. Blocks must not go backwards.
    """

    def __init__(self, token: str, *, block_time_s: float, decimals: int) -> None:
        if block_time_s <= 0:
            raise ProtocolError(f"block_time_s must be > 0, got {block_time_s}")
        if decimals < 0:
            raise ProtocolError(f"decimals must be >= 0, got {decimals}")
        self.token = token
        self.block_time_s = block_time_s
        self.decimals = decimals
        self.pools: dict[str, _PoolInfo] = {}
        self.last_block = 0
        self.total_paid = 0
        self.total_vesting = 0
        self.total_forfeited = 0
        self.total_shortfall = 0

    @classmethod
    def from_spec(
        cls, spec: RewardsSpec, *, block_time_s: float, decimals: int, block: int = 0
    ) -> MasterChef:
        """A chef with every pool of `spec` added at `block`."""
        chef = cls(spec.token, block_time_s=block_time_s, decimals=decimals)
        for name, emission in spec.pools.items():
            chef.add(name, emission, block)
        return chef

    # ---------------------------------------------------------------- bookkeeping helpers

    def _tick(self, block: int) -> None:
        self._check_block(block)
        self.last_block = block

    def _check_block(self, block: int) -> None:
        if block < self.last_block:
            raise ProtocolError(f"block {block} is before the chef's last block {self.last_block}")

    def _pool(self, pool: str) -> _PoolInfo:
        try:
            return self.pools[pool]
        except KeyError:
            raise ProtocolError(
                f"no reward pool {pool!r} (have: {', '.join(self.pools)})"
            ) from None

    @property
    def total_emitted(self) -> int:
        """Reward units the schedules emitted over the blocks every pool was updated across."""
        return sum(p.emitted for p in self.pools.values())

    @property
    def undistributed(self) -> int:
        """Emissions of blocks with nothing staked: never minted (as in MasterChef) nor payable."""
        return sum(p.undistributed for p in self.pools.values())

    @property
    def total_minted(self) -> int:
        """Reward units minted to the chef: `total_emitted - undistributed`."""
        return self.total_emitted - self.undistributed

    @property
    def balance(self) -> int:
        """Reward units the chef holds: minted minus paid out (vesting tranches included)."""
        return self.total_minted - self.total_paid

    def _safe_reward_transfer(self, amount: int) -> int:
        """Mirrors MasterChef.safeSushiTransfer: pay at most what the chef holds uncommitted."""
        free = self.balance - self.total_vesting
        paid = min(amount, max(free, 0))
        self.total_shortfall += amount - paid
        return paid

    def _accrued(self, info: _PoolInfo, block: int) -> tuple[int, int]:
        """(reward, acc_reward_per_share) if the pool were updated at `block`."""
        if block <= info.last_reward_block:
            return 0, info.acc_reward_per_share
        reward = emitted_between(
            info.spec, info.last_reward_block, block, self.block_time_s, self.decimals
        )
        if info.total_staked == 0:
            return reward, info.acc_reward_per_share
        return reward, info.acc_reward_per_share + reward * ACC_PRECISION // info.total_staked

    @staticmethod
    def _pending(user: _UserInfo, acc_reward_per_share: int) -> int:
        return user.amount * acc_reward_per_share // ACC_PRECISION - user.reward_debt

    def _settle(self, info: _PoolInfo, user: _UserInfo, block: int) -> int:
        """Pay the user's pending reward (or start a vesting tranche); return what is paid now."""
        pending = self._pending(user, info.acc_reward_per_share)
        paid = 0
        if pending > 0:
            amount = self._safe_reward_transfer(pending)
            if info.spec.vesting_blocks == 0:
                paid += amount
            elif amount > 0:
                user.tranches.append(Tranche(amount, block, info.spec.vesting_blocks))
                self.total_vesting += amount
        for tranche in user.tranches:
            release = tranche.vested(block) - tranche.released
            tranche.released += release
            paid += release
            self.total_vesting -= release
        user.tranches = [t for t in user.tranches if t.released < t.amount]
        self.total_paid += paid
        return paid

    # ---------------------------------------------------------------- contract methods

    def add(self, pool: str, emission: EmissionSpec, block: int) -> None:
        """Mirrors MasterChef.add: register a pool with its own emission schedule from `block`."""
        self._tick(block)
        if pool in self.pools:
            raise ProtocolError(f"reward pool {pool!r} already exists")
        self.pools[pool] = _PoolInfo(spec=emission, last_reward_block=block)

    def set_emission(self, pool: str, emission: EmissionSpec | float, block: int) -> None:
        """Mirrors MasterChef.set (with update): accrue at the old rate up to `block`, then switch.

        An `EmissionSpec` replaces the schedule as written (its blocks are absolute). A number
        is a new `per_day`: the same kind of schedule restarts from that rate at `block`
        (halvings and decay count from there), keeping end, vesting and lock-up.
        """
        info = self._pool(pool)
        self.update_pool(pool, block)
        if not isinstance(emission, EmissionSpec):
            end = info.spec.end_block
            start = block if end is None else min(block, end)
            try:
                emission = EmissionSpec.model_validate(
                    info.spec.model_dump() | {"per_day": emission, "start_block": start}
                )
            except ValidationError as exc:
                raise ProtocolError(f"set_emission({pool!r}): {exc}") from None
        info.spec = emission

    def update_pool(self, pool: str, block: int) -> None:
        """Mirrors MasterChef.updatePool: mint the elapsed emission and grow the accumulator."""
        self._tick(block)
        info = self._pool(pool)
        if block <= info.last_reward_block:
            return
        reward, acc = self._accrued(info, block)
        info.emitted += reward
        if info.total_staked == 0:
            info.undistributed += reward  # MasterChef mints nothing for these blocks
        info.acc_reward_per_share = acc
        info.last_reward_block = block

    def mass_update_pools(self, block: int) -> None:
        """Mirrors MasterChef.massUpdatePools."""
        for pool in self.pools:
            self.update_pool(pool, block)

    def pending_reward(self, pool: str, user: str, block: int) -> int:
        """Mirrors MasterChef.pendingSushi: reward accrued and not yet harvested; never mutates."""
        self._check_block(block)
        info = self._pool(pool)
        u = info.users.get(user)
        if u is None:
            return 0
        return self._pending(u, self._accrued(info, block)[1])

    def deposit(self, pool: str, user: str, amount: int, block: int) -> int:
        """Mirrors MasterChef.deposit: pay pending rewards, then stake `amount` more shares.

        Returns the reward paid now (after vesting). `amount = 0` only harvests, as on-chain.
        With `lock_blocks`, these shares cannot be withdrawn before `block + lock_blocks`.
        """
        if amount < 0:
            raise ProtocolError(f"deposit: amount must be >= 0, got {amount}")
        info = self._pool(pool)
        self.update_pool(pool, block)
        u = info.users.setdefault(user, _UserInfo())
        paid = self._settle(info, u, block)
        if amount > 0:
            u.amount += amount
            info.total_staked += amount
            u.lots.append([amount, block + info.spec.lock_blocks])
        u.reward_debt = u.amount * info.acc_reward_per_share // ACC_PRECISION
        return paid

    def withdraw(self, pool: str, user: str, amount: int, block: int) -> int:
        """Mirrors MasterChef.withdraw: pay pending rewards, then unstake `amount` shares.

        Returns the reward paid now (after vesting). Reverts if the user has fewer shares,
        or if fewer than `amount` of them are out of their lock-up at `block`.
        """
        info = self._pool(pool)
        u = info.users.get(user, _UserInfo())
        if not 0 <= amount <= u.amount:
            raise ProtocolError(
                f"withdraw: not good ({user} has {u.amount} staked, asked {amount})"
            )
        unlocked = self.withdrawable(pool, user, block)
        if amount > unlocked:
            raise ProtocolError(
                f"withdraw: locked ({user} can withdraw {unlocked} of {u.amount} at block {block};"
                f" next unlock at block {self.locked_until(pool, user)})"
            )
        self.update_pool(pool, block)
        paid = self._settle(info, u, block)
        u.lots = take_unlocked(u.lots, amount, block)
        u.amount -= amount
        info.total_staked -= amount
        u.reward_debt = u.amount * info.acc_reward_per_share // ACC_PRECISION
        return paid

    def harvest(self, pool: str, user: str, block: int) -> int:
        """Mirrors MasterChefV2.harvest: pay pending rewards without touching the stake.

        Returns what is claimable now: with vesting, the harvest starts a new linear
        tranche and only the vested parts of earlier tranches are paid; the rest stays.
        """
        info = self._pool(pool)
        self.update_pool(pool, block)
        u = info.users.get(user)
        if u is None:
            return 0
        paid = self._settle(info, u, block)
        u.reward_debt = u.amount * info.acc_reward_per_share // ACC_PRECISION
        return paid

    def emergency_withdraw(self, pool: str, user: str, block: int) -> int:
        """Mirrors MasterChef.emergencyWithdraw: unstake everything and forfeit pending rewards.

        Returns the number of shares withdrawn. Unlike the contract, the pool is updated
        first (see the module docstring). Vesting tranches already harvested are kept.
        Reverts while any of the stake is in its lock-up.
        """
        info = self._pool(pool)
        u = info.users.get(user)
        if u is not None and self.withdrawable(pool, user, block) < u.amount:
            raise ProtocolError(
                f"emergencyWithdraw: locked until block {self.locked_until(pool, user)}"
            )
        self.update_pool(pool, block)
        if u is None:
            return 0
        self.total_forfeited += self._pending(u, info.acc_reward_per_share)
        amount = u.amount
        info.total_staked -= amount
        u.amount = 0
        u.reward_debt = 0
        u.lots.clear()
        return amount

    # ---------------------------------------------------------------- lock-up and views

    def staked(self, pool: str, user: str) -> int:
        """Shares `user` has staked in `pool`."""
        u = self._pool(pool).users.get(user)
        return 0 if u is None else u.amount

    def total_staked(self, pool: str) -> int:
        """Shares staked in `pool` by everyone."""
        return self._pool(pool).total_staked

    def withdrawable(self, pool: str, user: str, block: int) -> int:
        """Shares of `user` out of their lock-up at `block`."""
        u = self._pool(pool).users.get(user)
        return 0 if u is None else unlocked(u.lots, block)

    def locked_until(self, pool: str, user: str) -> int | None:
        """First block at which all the user's shares are withdrawable (None if nothing staked)."""
        u = self._pool(pool).users.get(user)
        return None if u is None else fully_unlocked_at(u.lots)

    def vesting(self, pool: str, user: str) -> int:
        """Harvested rewards of `user` not yet released (still held by the chef)."""
        u = self._pool(pool).users.get(user)
        return 0 if u is None else sum(t.amount - t.released for t in u.tranches)

    def accounts(self) -> RewardAccounts:
        """Where every emitted unit is, as of each pool's last update (see `RewardAccounts`)."""
        emitted, undistributed = self.total_emitted, self.undistributed
        pending = sum(
            self._pending(u, info.acc_reward_per_share)
            for info in self.pools.values()
            for u in info.users.values()
        )
        dust = (
            emitted
            - undistributed
            - self.total_paid
            - self.total_vesting
            - pending
            - self.total_forfeited
        )
        return RewardAccounts(
            emitted=emitted,
            undistributed=undistributed,
            minted=emitted - undistributed,
            paid=self.total_paid,
            vesting=self.total_vesting,
            pending=pending,
            forfeited=self.total_forfeited,
            shortfall=self.total_shortfall,
            dust=dust,
        )

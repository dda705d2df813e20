"""Liquidity mining: emission schedules and a SushiSwap MasterChef that pays them out to stakers.

Two pieces, both pure integer arithmetic (no Mesa, no agents):

* **Emission schedules** (`EmissionSpec`): a per-pool reward stream that is constant,
  halves every `halving_days`, or decays exponentially with `half_life_days`. The
  schedule is integrated exactly: `cumulative_emission(spec, n)` is the floor of the
  exact integral of the emission rate over `[start_block, n)`, in the reward token's
  smallest unit, and is non-decreasing in `n`. The per-block emission is its integer
  difference, so `emitted_between(a, c) == emitted_between(a, b) + emitted_between(b, c)`
  for every `a <= b <= c`, and the total never drifts from the schedule.
* **`MasterChef`**: the accumulator of SushiSwap's MasterChef (`accSushiPerShare`, scaled
  by 1e12, `rewardDebt` per user), one staking pool per reward pool name, plus optional
  linear vesting of harvested rewards and an optional lock-up of deposits.

Where this differs from the contract:

* No `allocPoint`: each pool has its own `EmissionSpec` instead of a share of one
  `sushiPerBlock`; no 10% dev mint; no bonus multiplier.
* The staked total is the chef's own bookkeeping, not `lpToken.balanceOf(chef)`
  (a donation cannot dilute the accumulator).
* `emergency_withdraw` calls `update_pool` first, so a leaver's share of the elapsed
  blocks is forfeited instead of being handed to the remaining stakers.
* Vesting (`vesting_blocks`) and lock-up (`lock_blocks`) are not in MasterChef: they model
  farms that vest harvests linearly and liquidity locks (e.g. before a rug pull).

Accounting. When a pool has no stake, MasterChef skips the mint: those blocks' emissions
are never minted and nobody can claim them. Here they are counted in `undistributed`, so

    paid + vesting + pending + forfeited + undistributed + dust == emitted

where `emitted` is what the schedules emitted over the blocks the pools have been
updated across, `minted = emitted - undistributed` is what the chef received, and
`dust` is what integer rounding left in the chef (a few wei: below
`total_staked / 1e12 + 1` per update, plus at most one per user settlement).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Context, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from sim.config import Spec
from sim.errors import ProtocolError
from sim.units import SECONDS_PER_DAY

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

ACC_PRECISION = 10**12
"""Scale of `acc_reward_per_share`, as MasterChef's `accSushiPerShare` (1e12)."""

# 60 significant digits: far below one wei for any realistic total; every operation is
# correctly rounded, hence monotone, so the cumulative exponential emission never decreases.
_DEC = Context(prec=60)
_LN2 = _DEC.ln(Decimal(2))


# --------------------------------------------------------------------------- configuration


class EmissionSpec(Spec):
    """One pool's reward emission schedule, plus the farm's vesting and lock-up rules."""

    schedule: Literal["constant", "halving", "exponential"] = Field(
        description="constant rate; halve every `halving_days`; or exponential decay "
        "with `half_life_days`"
    )
    per_day: float = Field(
        ge=0, description="initial emission, whole reward tokens per day (at start_block)"
    )
    halving_days: float | None = Field(
        default=None, gt=0, description="days between halvings (schedule = 'halving' only)"
    )
    half_life_days: float | None = Field(
        default=None,
        gt=0,
        description="days for the emission rate to halve (schedule = 'exponential' only)",
    )
    start_block: int = Field(default=0, ge=0, description="block number where emission starts")
    end_block: int | None = Field(
        default=None,
        ge=0,
        description="block number where emission stops (exclusive); none = never",
    )
    vesting_blocks: int = Field(
        default=0,
        ge=0,
        description="harvested rewards vest linearly over this many blocks; 0 = none",
    )
    lock_blocks: int = Field(
        default=0,
        ge=0,
        description="each deposit cannot be withdrawn for this many blocks "
        "(a liquidity lock); 0 = none",
    )

    @model_validator(mode="after")
    def _consistent(self) -> EmissionSpec:
        needs = {"halving": "halving_days", "exponential": "half_life_days"}
        for schedule, name in needs.items():
            given = getattr(self, name) is not None
            if schedule == self.schedule and not given:
                raise ValueError(f"schedule = {schedule!r} needs {name}")
            if schedule != self.schedule and given:
                raise ValueError(f"{name} only applies to schedule = {schedule!r}")
        if self.end_block is not None and self.end_block < self.start_block:
            raise ValueError(
                f"end_block ({self.end_block}) must be >= start_block ({self.start_block})"
            )
        return self


class RewardsSpec(Spec):
    """Liquidity mining of one reward token: an emission schedule per pool."""

    token: str = Field(min_length=1, description="symbol of the reward token (e.g. 'SUSHI')")
    pools: dict[str, EmissionSpec] = Field(
        default_factory=dict, description="pool name -> emission schedule of the reward token"
    )


# --------------------------------------------------------------------------- schedules


def _exact(x: float) -> Fraction:
    """The decimal a config number was written as (0.1 -> 1/10, not the nearest binary float)."""
    return Fraction(repr(x))


def _rate_per_block(spec: EmissionSpec, block_time_s: float, decimals: int) -> Fraction:
    """Initial emission in smallest units per block, exact."""
    return _exact(spec.per_day) * 10**decimals * _exact(block_time_s) / SECONDS_PER_DAY


def _blocks(days: float, block_time_s: float) -> Fraction:
    """Number of blocks (exact, possibly fractional) in `days` days."""
    return _exact(days) * SECONDS_PER_DAY / _exact(block_time_s)


@lru_cache(maxsize=256)
def _exponential_constants(
    spec: EmissionSpec, block_time_s: float, decimals: int
) -> tuple[Decimal, Decimal]:
    """(total, decay per block): C(t) = total * (1 - exp(-decay * t)), rate(0) = per-block rate."""
    if spec.half_life_days is None:  # the validator guarantees it; this keeps the types honest
        raise ProtocolError("exponential schedule without half_life_days")
    rate = _rate_per_block(spec, block_time_s, decimals)
    half_life = _blocks(spec.half_life_days, block_time_s)
    decay = _DEC.divide(_DEC.multiply(_LN2, half_life.denominator), half_life.numerator)
    total = _DEC.divide(_DEC.divide(rate.numerator, rate.denominator), decay)
    return total, decay


@lru_cache(maxsize=65_536)
def cumulative_emission(spec: EmissionSpec, block: int, block_time_s: float, decimals: int) -> int:
    """Reward units emitted over `[start_block, block)`: the floor of the schedule's exact integral.

    Non-decreasing in `block`; constant before `start_block` (0) and from `end_block` on.
    `block_time_s` converts days to blocks; `decimals` scales whole tokens to smallest units.
    """
    if block_time_s <= 0:
        raise ProtocolError(f"block_time_s must be > 0, got {block_time_s}")
    if spec.end_block is not None:
        block = min(block, spec.end_block)
    t = block - spec.start_block
    if t <= 0 or spec.per_day == 0:
        return 0
    rate = _rate_per_block(spec, block_time_s, decimals)
    match spec.schedule:
        case "constant":
            return math.floor(rate * t)
        case "halving":
            period = _blocks(spec.halving_days or 0.0, block_time_s)
            k = math.floor(t / period)
            limit = 2 * rate * period  # the sum of all periods; every prefix is strictly below
            if k >= limit.numerator.bit_length():  # so 2^k > limit.numerator
                # what is left, <= limit / 2^k <= 1 / limit.denominator, cannot move the floor
                # (cheap, and keeps 2^k small when t spans millions of halvings)
                return math.floor(limit) if limit.denominator > 1 else limit.numerator - 1
            # k full periods pay rate * period * (1 + 1/2 + ... + 1/2^(k-1)), then the tail.
            scale = Fraction(1, 2**k)
            return math.floor(rate * (2 * period * (1 - scale) + scale * (t - k * period)))
        case "exponential":
            total, decay = _exponential_constants(spec, block_time_s, decimals)
            left = _DEC.exp(_DEC.minus(_DEC.multiply(decay, t)))
            return int(_DEC.multiply(total, _DEC.subtract(1, left)).to_integral_value(ROUND_FLOOR))
    raise ProtocolError(f"unknown emission schedule {spec.schedule!r}")


def emitted_between(
    spec: EmissionSpec, block_a: int, block_b: int, block_time_s: float, decimals: int
) -> int:
    """Exact reward units emitted over blocks `[block_a, block_b)` (smallest units).

    The difference of `cumulative_emission`, so consecutive intervals add up exactly.
    """
    if block_b < block_a:
        raise ProtocolError(f"interval ends before it starts: [{block_a}, {block_b})")
    return cumulative_emission(spec, block_b, block_time_s, decimals) - cumulative_emission(
        spec, block_a, block_time_s, decimals
    )


def emission_rate_per_day(spec: EmissionSpec, block: int, block_time_s: float) -> float:
    """Float view for agents and reports: emission rate at `block`, whole tokens per day."""
    if block < spec.start_block or (spec.end_block is not None and block >= spec.end_block):
        return 0.0
    days = (block - spec.start_block) * block_time_s / SECONDS_PER_DAY
    match spec.schedule:
        case "constant":
            return spec.per_day
        case "halving":
            return math.ldexp(spec.per_day, -math.floor(days / (spec.halving_days or 1.0)))
        case "exponential":
            return spec.per_day * 2 ** (-days / (spec.half_life_days or 1.0))
    raise ProtocolError(f"unknown emission schedule {spec.schedule!r}")


# --------------------------------------------------------------------------- float helpers


def _non_negative(**values: float) -> None:
    for name, value in values.items():
        if not value >= 0:
            raise ProtocolError(f"{name} must be >= 0, got {value}")


def reward_apr(per_day_tokens: float, reward_price: float, tvl: float) -> float:
    """Reward APR = tokens emitted per day × reward price / pool TVL × 365 (a fraction: 0.2 = 20%).

    `reward_price` and `tvl` in the same numeraire. An empty pool (tvl = 0) with
    emissions has an infinite APR.
    """
    _non_negative(per_day_tokens=per_day_tokens, reward_price=reward_price, tvl=tvl)
    yearly = per_day_tokens * reward_price * 365
    if tvl == 0:
        return math.inf if yearly > 0 else 0.0
    return yearly / tvl


def effective_reward_apr(apr: float, sell_pressure: float, price_drop: float) -> float:
    """Effective reward APR = apr × (1 − sell-pressure rate) × (1 − price-drop rate).

    `sell_pressure` and `price_drop` are fractions in [0, 1] (0.3 = 30%).
    """
    for name, rate in (("sell_pressure", sell_pressure), ("price_drop", price_drop)):
        if not 0 <= rate <= 1:
            raise ProtocolError(f"{name} must be a fraction in [0, 1], got {rate}")
    return apr * (1 - sell_pressure) * (1 - price_drop)


def fee_apr(volume: float, days: float, fee_rate: float, lp_share: float, tvl: float) -> float:
    """Fee APR = volume over `days` × fee rate × LP share of the fee / TVL × 365 / days.

    `fee_rate` as a fraction (0.003 = 30 bps); `lp_share` is the fraction of the fee left
    to LPs after the protocol's cut; `volume` and `tvl` in the same numeraire.
    """
    _non_negative(volume=volume, fee_rate=fee_rate, lp_share=lp_share, tvl=tvl)
    if not days > 0:
        raise ProtocolError(f"days must be > 0, got {days}")
    yearly = volume * fee_rate * lp_share * 365 / days
    if tvl == 0:
        return math.inf if yearly > 0 else 0.0
    return yearly / tvl


# --------------------------------------------------------------------------- MasterChef


@dataclass(slots=True)
class _Tranche:
    """One harvest, vesting linearly over `duration` blocks from `start`."""

    amount: int
    start: int
    duration: int
    released: int = 0

    def vested(self, block: int) -> int:
        elapsed = min(max(block - self.start, 0), self.duration)
        return self.amount * elapsed // self.duration


@dataclass(slots=True)
class _UserInfo:
    """MasterChef.UserInfo (`amount`, `rewardDebt`) plus lock-up lots and vesting tranches."""

    amount: int = 0
    reward_debt: int = 0
    lots: list[list[int]] = field(default_factory=list)  # [amount, unlock_block], oldest first
    tranches: list[_Tranche] = field(default_factory=list)


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
                user.tranches.append(_Tranche(amount, block, info.spec.vesting_blocks))
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
        self._take_unlocked(u, amount, block)
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

    @staticmethod
    def _take_unlocked(u: _UserInfo, amount: int, block: int) -> None:
        for lot in u.lots:
            if amount == 0:
                break
            if lot[1] <= block:
                take = min(lot[0], amount)
                lot[0] -= take
                amount -= take
        u.lots = [lot for lot in u.lots if lot[0] > 0]

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
        return 0 if u is None else sum(amount for amount, unlock in u.lots if unlock <= block)

    def locked_until(self, pool: str, user: str) -> int | None:
        """First block at which all the user's shares are withdrawable (None if nothing staked)."""
        u = self._pool(pool).users.get(user)
        if u is None or not u.lots:
            return None
        return max(unlock for _, unlock in u.lots)

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

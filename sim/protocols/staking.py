"""Liquid staking: a Lido-style pool of staked underlying (ETH) and its liquid staking token (LST).

Both designs share one book, Lido's shares (`StETH.sol`): the protocol holds
`total_pooled` underlying and `total_shares` shares, and each account holds shares.
One share is worth ``total_pooled / total_shares`` underlying. What differs is
what the token's *balance* means:

* **rebasing** (stETH): a balance is an amount of underlying,
  ``shares * total_pooled // total_shares`` (`getPooledEthByShares`). Rewards raise
  `total_pooled`, so **every holder's integer balance grows without any transfer**
  (a rebase); `exchange_rate()` stays 1.0. `transfer` converts the amount to shares
  (`getSharesByPooledEth`, rounding down) and moves shares. Because balances are
  derived, a conservation checker must count a rebasing LST in **shares**
  (`shares_of`, `total_shares`, the `shares` field of every event): the sum of
  all shares equals `total_shares` exactly, while the sum of balances equals
  `total_supply()` (= `total_pooled`) only to within one wei per holder.
* **reward-bearing** (wstETH, rETH, cbETH): a balance is a number of units (= shares);
  it changes only by stake, transfer and withdrawal, and `exchange_rate()` (underlying
  per unit) grows instead. A ledger can hold it as an ordinary integer token; `rate_wad`
  is the integer rate a pool's rate oracle reads (wstETH `stEthPerToken`).

In a simulated market (`sim.protocols.hub`) every LST in circulation belongs to one omnibus
account here; for the rebasing design `Protocols` passes each change of the share price
on to every holder's integer balance (explicit mints and burns).

Yield: `accrue(blocks)` compounds `total_pooled` per block at ``apr / blocks_per_year``
(a nominal APR compounded every block, so one year gives ``(1 + apr/N)^N``). That
yield is **new underlying created by the consensus layer**, not moved from anyone:
it is recorded as a ``mint`` event of the underlying (reason ``"reward"``, no
account) so that a ledger can add it to the underlying's supply
(`Ledger.minted_to_venue`). For the rebasing design a ``rebase`` event also records
the growth of the LST's total supply.

Penalties: `slash(fraction)` is a validator penalty (slashing, or an offline/exit loss): the
pooled underlying shrinks by that share, so every share, and the exchange rate of a
reward-bearing LST, loses it. The lost underlying is destroyed: a ``burn`` event of the
underlying (reason ``"penalty"``) for `Ledger.burned_in_venue`. Requests already in the
withdrawal queue keep their fixed amount.

Withdrawals: ``instant`` pays underlying at once (`withdraw_instant`); ``queue``
mirrors Lido's `WithdrawalQueue`: `request_withdrawal` burns the LST at today's
rate (the request earns no further rewards) and `claim` pays it after
`queue_delay_blocks`. The pool's clock advances only through `accrue`.

Rounding always favours the remaining holders: shares minted round down, shares
burned for an amount round up, payouts round down. The caller moves the underlying
between wallets and the protocol; `holdings` reports what the protocol holds (pooled
plus requested-but-unclaimed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from sim.config import Spec
from sim.errors import ConservationError, InsufficientBalance, ProtocolError
from sim.units import RAY, SECONDS_PER_YEAR, WAD

__all__ = [
    "LiquidStaking",
    "StakingEvent",
    "StakingSpec",
    "WithdrawalRequest",
    "ray_pow",
]


def ray_pow(x: int, n: int) -> int:
    """Aave v1 `WadRayMath.rayPow`: x^n for a RAY `x`, by squaring, each product rounded half up."""
    z = x if n % 2 else RAY
    n //= 2
    while n:
        x = (x * x + RAY // 2) // RAY
        if n % 2:
            z = (z * x + RAY // 2) // RAY
        n //= 2
    return z


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
        7_200, ge=0, description="Blocks between a withdrawal request and its claim."
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


class LiquidStaking:
    """Lido `Lido.sol`/`StETH.sol` (rebasing) or `WstETH.sol`-like (reward-bearing) accounting."""

    def __init__(self, spec: StakingSpec, seconds_per_block: int = 12) -> None:
        if seconds_per_block <= 0 or int(seconds_per_block) != seconds_per_block:
            raise ValueError(f"seconds_per_block must be a positive integer: {seconds_per_block}")
        self.spec = spec
        self.underlying = spec.underlying
        self.lst = spec.lst
        self.rebasing = spec.design == "rebasing"
        self.blocks_per_year = SECONDS_PER_YEAR // int(seconds_per_block)
        self.rate_per_block_ray = int(Decimal(repr(spec.apr)) * RAY) // self.blocks_per_year
        self.block = 0
        self.total_pooled = 0
        self._total_shares = 0
        self.shares: dict[str, int] = {}
        self.requests: dict[int, WithdrawalRequest] = {}
        self.pending_withdrawals = 0
        """Underlying owed to unclaimed requests (held by the protocol, not pooled)."""
        self.events: list[StakingEvent] = []
        self.deposited = 0
        """Cumulative underlying received by `stake`."""
        self.paid_out = 0
        """Cumulative underlying paid by `withdraw_instant` and `claim`."""
        self.rewards_minted = 0
        """Cumulative underlying created by `accrue`."""
        self.slashed = 0
        """Cumulative underlying destroyed by `slash`."""

    # ------------------------------------------------------------------ conversions
    def shares_for_underlying(self, amount: int) -> int:
        """Lido `getSharesByPooledEth`: shares worth `amount` underlying, rounded down."""
        if self.total_pooled == 0:
            return amount
        return amount * self._total_shares // self.total_pooled

    def underlying_for_shares(self, shares: int) -> int:
        """Lido `getPooledEthByShares`: underlying worth `shares`, rounded down."""
        if self._total_shares == 0:
            return shares
        return shares * self.total_pooled // self._total_shares

    def to_underlying(self, lst_amount: int) -> int:
        """Underlying redeemable for `lst_amount` of the LST (balance units), rounded down."""
        return lst_amount if self.rebasing else self.underlying_for_shares(lst_amount)

    def to_lst(self, underlying_amount: int) -> int:
        """LST balance units worth `underlying_amount` at the current rate, rounded down."""
        return underlying_amount if self.rebasing else self.shares_for_underlying(underlying_amount)

    def rate_wad(self) -> int:
        """Underlying per LST balance unit, scaled by 1e18, rounded down (the integer a rate
        oracle reports: wstETH `stEthPerToken` = `getPooledEthByShares(1e18)`); exactly
        1e18 for a rebasing LST, whose balance unit is the underlying."""
        if self.rebasing:
            return WAD
        return self.underlying_for_shares(WAD)

    def preview_stake(self, amount: int) -> int:
        """LST balance `stake(amount)` would mint now (exact; no state change)."""
        self._check_amount(amount, "stake")
        shares = amount if self._total_shares == 0 else self.shares_for_underlying(amount)
        if not self.rebasing or shares == 0:
            return shares
        return shares * (self.total_pooled + amount) // (self._total_shares + shares)

    def preview_redeem(self, account: str, lst_amount: int) -> int:
        """Underlying `withdraw_instant`/`request_withdrawal` of `lst_amount` would pay `account`."""
        self._check_amount(lst_amount, "withdrawal")
        shares = self._lst_to_shares_up(account, lst_amount)
        payout = self.underlying_for_shares(shares)
        return min(payout, lst_amount) if self.rebasing else payout

    def _lst_to_shares_up(self, account: str, lst_amount: int) -> int:
        """Shares to burn for `lst_amount` of `account`'s LST, rounded up (all for its balance)."""
        have = self.shares.get(account, 0)
        balance = self.balance_of(account)
        if lst_amount > balance:
            raise InsufficientBalance(
                f"{account} holds {balance} {self.lst}, cannot redeem {lst_amount}"
            )
        if not self.rebasing:
            return lst_amount
        if lst_amount == balance:
            return have
        return min(-(-lst_amount * self._total_shares // self.total_pooled), have)

    @staticmethod
    def _check_amount(amount: int, what: str) -> None:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ProtocolError(f"{what} amount must be an integer in smallest units: {amount!r}")
        if amount <= 0:
            raise ProtocolError(f"{what} amount must be positive: {amount}")

    def _event(
        self,
        kind: Literal["mint", "burn", "rebase"],
        token: str,
        amount: int,
        shares: int,
        account: str | None,
        reason: Literal["stake", "withdraw", "request", "reward", "penalty"],
    ) -> None:
        self.events.append(StakingEvent(kind, token, amount, shares, account, reason, self.block))

    def _burn_shares(self, account: str, shares: int) -> None:
        left = self.shares.get(account, 0) - shares
        if left:
            self.shares[account] = left
        else:
            self.shares.pop(account, None)
        self._total_shares -= shares

    # ------------------------------------------------------------------ actions
    def stake(self, account: str, amount: int) -> int:
        """Lido `submit`: the caller moved `amount` underlying in; returns LST units minted.

        Mints `shares_for_underlying(amount)` shares (1:1 for the first stake). The
        returned amount is the LST balance created: for rebasing its underlying value
        (at most `amount`), for reward-bearing the units.
        """
        self._check_amount(amount, "stake")
        shares = amount if self._total_shares == 0 else self.shares_for_underlying(amount)
        if shares == 0:
            raise ProtocolError(f"stake of {amount} is worth less than one share")
        self.shares[account] = self.shares.get(account, 0) + shares
        self._total_shares += shares
        self.total_pooled += amount
        self.deposited += amount
        minted = self.underlying_for_shares(shares) if self.rebasing else shares
        self._event("mint", self.lst, minted, shares, account, "stake")
        return minted

    def withdraw_instant(self, account: str, lst_amount: int) -> int:
        """Redeem `lst_amount` LST at once; returns the underlying the caller pays `account`."""
        if self.spec.withdrawal != "instant":
            raise ProtocolError("this protocol has a withdrawal queue: use request_withdrawal")
        payout, shares = self._redeem(account, lst_amount)
        self.paid_out += payout
        self._event("burn", self.lst, lst_amount, shares, account, "withdraw")
        return payout

    def request_withdrawal(self, account: str, lst_amount: int) -> int:
        """Lido `WithdrawalQueue.requestWithdrawals`: burn LST now, claim later; returns the id.

        The underlying owed is fixed at today's rate and earns no further rewards.
        """
        if self.spec.withdrawal != "queue":
            raise ProtocolError("this protocol redeems instantly: use withdraw_instant")
        payout, shares = self._redeem(account, lst_amount)
        self.pending_withdrawals += payout
        rid = len(self.requests) + 1
        self.requests[rid] = WithdrawalRequest(
            rid, account, payout, self.block + self.spec.queue_delay_blocks
        )
        self._event("burn", self.lst, lst_amount, shares, account, "request")
        return rid

    def claim(self, account: str, request_id: int) -> int:
        """Lido `WithdrawalQueue.claimWithdrawal`: returns the underlying owed to `account`."""
        req = self.requests.get(request_id)
        if req is None or req.account != account:
            raise ProtocolError(f"{account} has no withdrawal request {request_id}")
        if req.claimed:
            raise ProtocolError(f"withdrawal request {request_id} was already claimed")
        if self.block < req.ready_block:
            raise ProtocolError(
                f"withdrawal request {request_id} is claimable from block {req.ready_block} "
                f"(now {self.block})"
            )
        self.requests[request_id] = WithdrawalRequest(
            req.request_id, req.account, req.amount, req.ready_block, claimed=True
        )
        self.pending_withdrawals -= req.amount
        self.paid_out += req.amount
        return req.amount

    def _redeem(self, account: str, lst_amount: int) -> tuple[int, int]:
        """Burn the shares behind `lst_amount`; returns (underlying out of the pool, shares)."""
        self._check_amount(lst_amount, "withdrawal")
        shares = self._lst_to_shares_up(account, lst_amount)
        payout = self.underlying_for_shares(shares)
        if self.rebasing:
            payout = min(payout, lst_amount)
        if payout == 0:
            raise ProtocolError(f"{lst_amount} {self.lst} redeems for nothing")
        self._burn_shares(account, shares)
        self.total_pooled -= payout
        return payout, shares

    def transfer(self, sender: str, recipient: str, amount: int) -> int:
        """ERC-20 `transfer` of `amount` LST; returns the shares moved.

        Rebasing: moves `shares_for_underlying(amount)` shares (Lido `_transfer`; the
        recipient may get 1 wei less than `amount`), or all of the sender's shares when
        `amount` is its whole balance. Reward-bearing: moves `amount` units.
        """
        self._check_amount(amount, "transfer")
        balance = self.balance_of(sender)
        if amount > balance:
            raise InsufficientBalance(f"{sender} holds {balance} {self.lst}, cannot send {amount}")
        if not self.rebasing:
            shares = amount
        elif amount == balance:
            shares = self.shares.get(sender, 0)
        else:
            shares = self.shares_for_underlying(amount)
        return self.transfer_shares(sender, recipient, shares)

    def transfer_shares(self, sender: str, recipient: str, shares: int) -> int:
        """Lido `transferShares`: move `shares` shares; returns them."""
        if shares < 0:
            raise ProtocolError(f"cannot transfer negative shares: {shares}")
        have = self.shares.get(sender, 0)
        if shares > have:
            raise InsufficientBalance(f"{sender} holds {have} shares, cannot send {shares}")
        if shares == 0 or sender == recipient:
            return shares
        self._burn_shares(sender, shares)
        self._total_shares += shares
        self.shares[recipient] = self.shares.get(recipient, 0) + shares
        return shares

    def accrue(self, blocks: int = 1) -> int:
        """Advance `blocks` blocks, compounding the pool per block; returns the reward minted.

        ``total_pooled *= (1 + apr/blocks_per_year) ** blocks`` (RAY `ray_pow`, rounded
        down). The reward is new underlying: a ``mint`` event of the underlying, plus a
        ``rebase`` event of the LST for the rebasing design. Nothing accrues while no
        shares exist.
        """
        if not isinstance(blocks, int) or blocks < 0:
            raise ProtocolError(f"blocks must be a non-negative integer: {blocks!r}")
        self.block += blocks
        if blocks == 0 or self._total_shares == 0 or self.rate_per_block_ray == 0:
            return 0
        factor = ray_pow(RAY + self.rate_per_block_ray, blocks)
        new_pooled = self.total_pooled * factor // RAY
        reward = new_pooled - self.total_pooled
        if reward:
            self.total_pooled = new_pooled
            self.rewards_minted += reward
            self._event("mint", self.underlying, reward, 0, None, "reward")
            if self.rebasing:
                self._event("rebase", self.lst, reward, 0, None, "reward")
        return reward

    def slash(self, fraction: float) -> int:
        """A validator penalty: the pooled underlying loses `fraction` (0 < fraction < 1).

        Returns the underlying destroyed (rounded down, exact for the decimal `fraction` was
        written as, to 1e-18). Every share loses the same share of its value: the exchange
        rate of a reward-bearing LST falls, and every rebasing balance shrinks.
        """
        if not 0 < fraction < 1:
            raise ProtocolError(f"slash fraction must be in (0, 1): {fraction!r}")
        loss = int(self.total_pooled * Decimal(repr(fraction)))
        if loss:
            self.total_pooled -= loss
            self.slashed += loss
            self._event("burn", self.underlying, loss, 0, None, "penalty")
            if self.rebasing:
                self._event("rebase", self.lst, -loss, 0, None, "penalty")
        return loss

    # ------------------------------------------------------------------ views
    def balance_of(self, account: str) -> int:
        """LST balance: rebasing, underlying value of the shares (grows by itself); else units."""
        shares = self.shares.get(account, 0)
        return self.underlying_for_shares(shares) if self.rebasing else shares

    def shares_of(self, account: str) -> int:
        """Shares held by `account` (the invariant unit for both designs)."""
        return self.shares.get(account, 0)

    def total_shares(self) -> int:
        """All shares in existence; equals the sum of `shares_of` over accounts exactly."""
        return self._total_shares

    def total_supply(self) -> int:
        """LST total supply: rebasing, total pooled underlying (Lido `totalSupply`); else units."""
        return self.total_pooled if self.rebasing else self._total_shares

    def exchange_rate(self) -> float:
        """Underlying per LST balance unit: 1.0 for rebasing; pooled / units for reward-bearing."""
        if self.rebasing:
            return 1.0
        return self.share_price()

    def share_price(self) -> float:
        """Underlying per share (both designs; 1.0 before the first stake)."""
        if self._total_shares == 0:
            return 1.0
        return self.total_pooled / self._total_shares

    def holdings(self) -> dict[str, int]:
        """Underlying the protocol holds: pooled stake plus requests not yet claimed."""
        return {self.underlying: self.total_pooled + self.pending_withdrawals}

    def check(self) -> None:
        """Raise `ConservationError` unless the books balance.

        Shares: the sum over accounts equals `total_shares`. Underlying: holdings equal
        deposited + rewards minted - paid out - slashed. Events: LST mints - burns (in shares)
        equal `total_shares`; underlying reward mints equal `rewards_minted`, penalty burns
        `slashed`.
        """
        if sum(self.shares.values()) != self._total_shares:
            raise ConservationError(
                f"{self.lst} shares: accounts hold {sum(self.shares.values())}, "
                f"total is {self._total_shares}"
            )
        held = self.holdings()[self.underlying]
        expected = self.deposited + self.rewards_minted - self.paid_out - self.slashed
        if held != expected:
            raise ConservationError(
                f"{self.underlying} in staking: holds {held}, deposits + rewards - payouts "
                f"- penalties = {expected}"
            )
        net_shares = sum(
            e.shares if e.kind == "mint" else -e.shares
            for e in self.events
            if e.token == self.lst and e.kind != "rebase"
        )
        if net_shares != self._total_shares:
            raise ConservationError(
                f"{self.lst} events mint - burn = {net_shares} shares, total is "
                f"{self._total_shares}"
            )
        rewards = sum(
            e.amount for e in self.events if e.token == self.underlying and e.kind == "mint"
        )
        if rewards != self.rewards_minted:
            raise ConservationError(
                f"reward events sum to {rewards}, rewards minted {self.rewards_minted}"
            )
        penalties = sum(
            e.amount for e in self.events if e.token == self.underlying and e.kind == "burn"
        )
        if penalties != self.slashed:
            raise ConservationError(
                f"penalty events sum to {penalties}, underlying slashed {self.slashed}"
            )

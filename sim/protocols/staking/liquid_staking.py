"""`LiquidStaking`: Lido's share accounting (`Lido.sol`/`StETH.sol`, `WstETH.sol`, `WithdrawalQueue`).

One book of shares for both token designs (see the package docstring); this module keeps it:
stakes mint shares, redemptions burn them, `accrue` compounds the pooled underlying per block
and `slash` destroys part of it, and every change of supply is recorded as a `StakingEvent`
for the conservation ledger. Rounding always favours the remaining holders: shares minted
round down, shares burned for an amount round up, payouts round down. The caller moves the
underlying between wallets and the protocol; `holdings` reports what the protocol holds
(pooled plus requested-but-unclaimed).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from sim.errors import ConservationError, InsufficientBalance, ProtocolError
from sim.protocols.staking.spec import StakingEvent, StakingSpec, WithdrawalRequest
from sim.protocols.validation import check_amount, check_blocks, check_seconds_per_block
from sim.protocols.wad_ray_math import ray_pow, to_ray
from sim.units import RAY, SECONDS_PER_YEAR, WAD

__all__ = ["LiquidStaking"]


class LiquidStaking:
    """Lido `Lido.sol`/`StETH.sol` (rebasing) or `WstETH.sol`-like (reward-bearing) accounting."""

    def __init__(self, spec: StakingSpec, seconds_per_block: int = 12) -> None:
        seconds = check_seconds_per_block(seconds_per_block)
        self.spec = spec
        self.underlying = spec.underlying
        self.lst = spec.lst
        self.rebasing = spec.design == "rebasing"
        self.blocks_per_year = SECONDS_PER_YEAR // seconds
        self.rate_per_block_ray = to_ray(spec.apr) // self.blocks_per_year
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
        check_amount(amount, "stake")
        shares = amount if self._total_shares == 0 else self.shares_for_underlying(amount)
        if not self.rebasing or shares == 0:
            return shares
        return shares * (self.total_pooled + amount) // (self._total_shares + shares)

    def preview_redeem(self, account: str, lst_amount: int) -> int:
        """Underlying `withdraw_instant`/`request_withdrawal` of `lst_amount` would pay `account`."""
        check_amount(lst_amount, "withdrawal")
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
        check_amount(amount, "stake")
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
        check_amount(lst_amount, "withdrawal")
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
        check_amount(amount, "transfer")
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
        check_blocks(blocks)
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

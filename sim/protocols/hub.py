"""Protocols beside the pools: liquid staking, lending markets and liquidity-mining rewards.

This module wires the pure protocol classes (`sim.protocols.staking`, `sim.protocols.lending`,
`sim.protocols.rewards`) into a market: it registers their holdings with the ledger,
gives lending markets their oracle, accrues yield and interest every block, and
books supply created inside a protocol (staking rewards, reward emissions) as
explicit mints. It also keeps the market's `Launchpad` (`sim.protocols.launches`).

Token flows go through small methods here (`stake`, `supply`, `borrow`,
`liquidate`, ...) that move ledger wallets and protocol books together, so
agents never touch either directly; LP staking in the chef is `sim.protocols.lp_staking`.

Liquid staking tokens are held in wallets, pools and lending markets as ordinary
integer tokens; the staking protocol books every LST in circulation to one omnibus
account (`CIRCULATING`).

* **Reward-bearing** (wstETH, rETH): a balance never changes by itself; the exchange
  rate grows. A StableSwap pool declared with ``rate_oracles = { <lst> = "<staking
  name>" }`` reads that rate (`LiquidStaking.rate_wad`) at every call, as stableswap-ng
  pools of wstETH/rETH do, so a balanced pool prices the LST at its exchange rate.
* **Rebasing** (stETH): the exchange rate is 1 and every holder's balance grows: each
  block, after the yield accrues (and right after a penalty, `slash`), every balance of
  the LST follows the share price (`sim.protocols.rebasing`). Stakes and redemptions in
  between move the share price only by their own rounding, which is left to the protocol
  (`rebase_dust`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sim.chain.ledger import Ledger
from sim.errors import ConservationError, ProtocolError
from sim.pools.base import Pool
from sim.protocols.feeds import market_feed
from sim.protocols.launches import Launchpad
from sim.protocols.lending import LendingMarket, LendingSpec
from sim.protocols.lending.pool_oracle import PoolPriceOracle
from sim.protocols.rebasing import RebaseIndex, refuse_untracked_holders, sync_rebase
from sim.protocols.rewards import MasterChef, RewardsSpec
from sim.protocols.staking import LiquidStaking, StakingSpec
from sim.protocols.validation import require_balance

__all__ = ["CIRCULATING", "LiquidationRecord", "PriceFn", "Protocols"]

CIRCULATING = "circulating"
"""The staking protocol's single account for every LST unit held outside it."""

PriceFn = Callable[[str], float]


class Venue(Protocol):
    """A protocol kept in its own module (the perp venue) that `Protocols.check` checks."""

    def check(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LiquidationRecord:
    """One executed liquidation, as `Protocols.liquidate` booked it (token units)."""

    block: int
    market: str
    liquidator: str
    borrower: str
    debt_asset: str
    collateral: str
    repaid: int
    seized: int
    protocol_fee: int = 0
    """Collateral paid to the treasury (Aave v3's liquidation protocol fee)."""


@dataclass
class Protocols:
    """Every non-pool protocol of a market, and the per-block work they need."""

    ledger: Ledger
    staking: dict[str, LiquidStaking] = field(default_factory=dict)  # by LST symbol
    lending: dict[str, LendingMarket] = field(default_factory=dict)  # by market name
    chef: MasterChef | None = None
    _twap: dict[str, deque[float]] = field(default_factory=dict)
    _chef_minted: int = 0
    liquidations: list[LiquidationRecord] = field(default_factory=list)
    """Every liquidation executed through `liquidate`, in order."""
    pools: dict[str, Pool] = field(default_factory=dict)
    """The market's pools (`attach_pools`): rate oracles and rebases reach them."""
    staking_by_name: dict[str, LiquidStaking] = field(default_factory=dict)
    """Staking protocols by their scenario name (`[staking.<name>]`)."""
    _rebase_index: RebaseIndex = field(default_factory=dict)
    """Per rebasing LST: (total pooled, total shares) its balances were last rebased to."""
    rebased: dict[str, int] = field(default_factory=dict)
    """Per rebasing LST: net balance units created by rebases (negative after penalties)."""
    launchpad: Launchpad = field(default_factory=Launchpad)
    """Token launches and LP locks made in this market (`sim.protocols.launches`)."""
    venues: dict[str, Venue] = field(default_factory=dict)
    request_owners: dict[str, dict[int, str]] = field(default_factory=dict)
    """Who queued each withdrawal request, per LST (the protocol books them as circulating)."""
    """Other protocols by name (`sim.protocols.perp` registers its venue): checked by `check`."""
    pool_oracles: list[PoolPriceOracle] = field(default_factory=list)
    """Lending feeds read from pools (`pool_spot`, `pool_twap`): their keepers run each block."""

    # ---- construction --------------------------------------------------------------------

    def attach_pools(self, pools: dict[str, Pool]) -> None:
        """Share the market's pools (the same dict) and connect their rate oracles."""
        self.pools = pools
        self._connect_oracles()
        for protocol in self.staking.values():
            if protocol.rebasing:
                refuse_untracked_holders(self.pools.values(), protocol.lst)

    def add_staking(self, name: str, spec: StakingSpec, block_time_s: float) -> LiquidStaking:
        protocol = LiquidStaking(spec, seconds_per_block=max(1, round(block_time_s)))
        self.staking[spec.lst] = protocol
        self.staking_by_name[name] = protocol
        self.ledger.add_venue(f"staking:{name}", protocol.holdings)
        if protocol.rebasing:
            refuse_untracked_holders(self.pools.values(), spec.lst)
            self._rebase_index[spec.lst] = (0, 0)
            self.rebased[spec.lst] = 0
        self._connect_oracles()
        return protocol

    def _connect_oracles(self) -> None:
        """Point every declared pool rate oracle at its staking protocol's `rate_wad`."""
        for pool in self.pools.values():
            for k, oracle in enumerate(getattr(pool, "rate_oracles", ())):
                if oracle is None or oracle.fn is not None:
                    continue
                protocol = self.staking_by_name.get(oracle.source)
                if protocol is None:
                    continue  # not added yet; `add_staking` connects it
                if protocol.lst != pool.tokens[k]:
                    raise ProtocolError(
                        f"pool {pool.name!r}: the rate oracle of {pool.tokens[k]} reads "
                        f"staking.{oracle.source}, whose token is {protocol.lst}"
                    )
                oracle.fn = protocol.rate_wad

    def add_lending(
        self,
        name: str,
        spec: LendingSpec,
        decimals: dict[str, int],
        price: PriceFn,
        block_time_s: float,
        numeraire: str = "",
    ) -> LendingMarket:
        oracle = market_feed(
            spec, price, self.staking, self._twap, self.pools, numeraire, block_time_s
        )
        if isinstance(oracle, PoolPriceOracle):
            self.pool_oracles.append(oracle)  # its keeper runs each block (`on_block`)
        market = LendingMarket(
            spec, decimals, oracle, seconds_per_block=max(1, round(block_time_s))
        )
        self.lending[name] = market
        self.ledger.add_venue(f"lending:{name}", market.holdings)
        return market

    def add_rewards(self, spec: RewardsSpec, block_time_s: float, decimals: int) -> MasterChef:
        self.chef = MasterChef.from_spec(spec, block_time_s=block_time_s, decimals=decimals)
        self.ledger.add_venue("rewards", self._chef_holdings)
        return self.chef

    def _chef_holdings(self) -> dict[str, int]:
        chef = self.chef
        return {chef.token: chef.balance} if chef else {}

    # ---- each block --------------------------------------------------------------------------

    def on_block(self, block: int, price: PriceFn) -> None:
        """Accrue staking yield (rebasing LSTs: every balance grows) and lending interest,
        sample TWAPs, book reward emissions."""
        for lst in self.staking.values():
            minted = lst.accrue(1)
            if minted:
                self.ledger.minted_to_venue(lst.spec.underlying, minted, "staking yield")
            if lst.rebasing:
                self._sync_rebase(lst)
        for market in self.lending.values():
            market.accrue(1)
        for asset, hist in self._twap.items():
            hist.append(price(asset))
        for feed in self.pool_oracles:
            feed.update()
        self.sync_rewards(block)

    def sync_rewards(self, block: int) -> None:
        """Emissions the chef has taken in since the last sync become explicit mints."""
        chef = self.chef
        if chef is None:
            return
        chef.mass_update_pools(block)
        delta = chef.total_minted - self._chef_minted
        if delta:
            self.ledger.minted_to_venue(chef.token, delta, "reward emissions")
            self._chef_minted = chef.total_minted

    # ---- rebasing LSTs ---------------------------------------------------------------------

    def _sync_rebase(self, protocol: LiquidStaking) -> int:
        """Rebase every holder of a rebasing LST to the protocol's share price (`rebasing`)."""
        return sync_rebase(
            protocol,
            self._rebase_index,
            self.rebased,
            self.ledger,
            self.pools.values(),
            self.lending.values(),
        )

    def _settled(self, protocol: LiquidStaking) -> None:
        """Before a stake or redemption: pending rebases are paid first."""
        if protocol.rebasing:
            self._sync_rebase(protocol)

    def _reindex(self, protocol: LiquidStaking) -> None:
        """After a stake or redemption: its own rounding is not a rebase (left to the protocol)."""
        if protocol.rebasing:
            self._rebase_index[protocol.lst] = (protocol.total_pooled, protocol.total_shares())

    def rebase_dust(self, lst: str) -> int:
        """LST the protocol backs but nobody holds: its supply minus the ledger's (>= 0)."""
        protocol = self.staking[lst]
        return protocol.total_supply() - self.ledger.supply(lst)

    def slash(self, lst: str, fraction: float) -> int:
        """A validator penalty on `lst`'s protocol: the lost underlying is booked as a burn, and
        a rebasing LST's balances shrink with it at once. Returns the underlying destroyed."""
        protocol = self.staking[lst]
        loss = protocol.slash(fraction)
        self.ledger.burned_in_venue(protocol.spec.underlying, loss, "slashing")
        if protocol.rebasing:
            self._sync_rebase(protocol)
        return loss

    def check(self) -> None:
        """Raise `ConservationError` unless each LST in circulation is backed by its protocol:
        the ledger's supply equals the protocol's (reward-bearing) or is at most it (rebasing:
        the difference is flooring dust), and each protocol's own books balance."""
        for lst, protocol in self.staking.items():
            protocol.check()
            dust = self.rebase_dust(lst)
            if dust < 0 or (dust and not protocol.rebasing):
                raise ConservationError(
                    f"{lst}: the ledger holds {self.ledger.supply(lst)} units, the protocol "
                    f"backs {protocol.total_supply()}"
                )
        for venue in self.venues.values():
            venue.check()

    # ---- token flows (wallet and protocol books move together) ---------------------------------

    def preview_stake(self, lst: str, amount: int) -> int:
        """LST `stake` would mint for `amount` underlying now (exact, no state change)."""
        return self.staking[lst].preview_stake(amount)

    def preview_redeem(self, lst: str, amount: int) -> int:
        """Underlying a redemption of `amount` LST would pay now (exact, no state change)."""
        return self.staking[lst].preview_redeem(CIRCULATING, amount)

    def stake(self, holder: str, lst: str, amount: int) -> int:
        """Stake `amount` underlying from `holder`'s wallet; returns LST units received."""
        protocol = self.staking[lst]
        underlying = protocol.spec.underlying
        wallet = self.ledger.wallet(holder)
        require_balance(wallet, holder, underlying, amount)
        self._settled(protocol)
        minted = protocol.stake(CIRCULATING, amount)
        self._reindex(protocol)
        wallet[underlying] -= amount
        self.ledger.mint(holder, lst, minted, "staking")
        return minted

    def unstake_instant(self, holder: str, lst: str, amount: int) -> int:
        """Redeem `amount` LST at the exchange rate now (instant-withdrawal protocols)."""
        protocol = self.staking[lst]
        wallet = self.ledger.wallet(holder)
        require_balance(wallet, holder, lst, amount)
        self._settled(protocol)
        require_balance(wallet, holder, lst, amount)  # a penalty rebase may have shrunk it
        paid = protocol.withdraw_instant(CIRCULATING, amount)
        self._reindex(protocol)
        self.ledger.burn(holder, lst, amount, "redemptions")
        wallet[protocol.spec.underlying] += paid
        return paid

    def request_withdrawal(self, holder: str, lst: str, amount: int) -> int:
        """Queue `amount` LST for redemption; returns the request id to `claim` later."""
        protocol = self.staking[lst]
        wallet = self.ledger.wallet(holder)
        require_balance(wallet, holder, lst, amount)
        self._settled(protocol)
        require_balance(wallet, holder, lst, amount)
        request = protocol.request_withdrawal(CIRCULATING, amount)
        self._reindex(protocol)
        self.ledger.burn(holder, lst, amount, "redemptions")
        self.request_owners.setdefault(lst, {})[request] = holder
        return request

    def queued_for(self, holder: str, lst: str) -> int:
        """Underlying `holder`'s unclaimed withdrawal requests of `lst` are owed."""
        requests = self.staking[lst].requests
        return sum(
            requests[r].amount
            for r, owner in self.request_owners.get(lst, {}).items()
            if owner == holder and not requests[r].claimed
        )

    def claim(self, holder: str, lst: str, request: int) -> int:
        """Claim a finished withdrawal request; returns underlying received."""
        protocol = self.staking[lst]
        paid = protocol.claim(CIRCULATING, request)
        wallet = self.ledger.wallet(holder)
        wallet[protocol.spec.underlying] += paid
        return paid

    def supply(self, market: str, holder: str, asset: str, amount: int) -> None:
        wallet = self.ledger.wallet(holder)
        require_balance(wallet, holder, asset, amount)
        self.lending[market].supply(holder, asset, amount)
        wallet[asset] -= amount

    def withdraw(self, market: str, holder: str, asset: str, amount: int) -> int:
        paid = self.lending[market].withdraw(holder, asset, amount)
        self.ledger.wallet(holder)[asset] += paid
        return paid

    def borrow(self, market: str, holder: str, asset: str, amount: int) -> None:
        self.lending[market].borrow(holder, asset, amount)
        self.ledger.wallet(holder)[asset] += amount

    def repay(self, market: str, holder: str, asset: str, amount: int) -> int:
        wallet = self.ledger.wallet(holder)
        lm = self.lending[market]
        due = min(amount, lm.debt(holder, asset), wallet.get(asset, 0))
        if due <= 0:
            return 0
        repaid = lm.repay(holder, asset, due)
        wallet[asset] -= repaid
        return repaid

    def liquidate(
        self,
        market: str,
        liquidator: str,
        borrower: str,
        debt_asset: str,
        collateral: str,
        amount: int,
        block: int = -1,
    ) -> tuple[int, int]:
        """Repay up to `amount` of `borrower`'s debt from `liquidator`'s wallet, seize collateral.

        Booked in `liquidations` (with `block`, the chain block of the call).
        """
        lm = self.lending[market]
        wallet = self.ledger.wallet(liquidator)
        quote = lm.quote_liquidation(borrower, debt_asset, collateral, amount)
        require_balance(wallet, liquidator, debt_asset, quote.repaid)
        done = lm.liquidate(liquidator, borrower, debt_asset, collateral, amount)
        wallet[debt_asset] -= done.repaid
        wallet[collateral] = wallet.get(collateral, 0) + done.seized
        args = (block, market, liquidator, borrower, debt_asset, collateral, done.repaid)
        self.liquidations.append(LiquidationRecord(*args, done.seized, done.protocol_fee))
        return done.repaid, done.seized

    def harvest(self, pool: str, holder: str, block: int) -> int:
        """Pay `holder`'s vested rewards from the chef into its wallet."""
        chef = self.chef
        if chef is None:
            return 0
        self.sync_rewards(block)
        paid = chef.harvest(pool, holder, block)
        if paid:
            wallet = self.ledger.wallet(holder)
            wallet[chef.token] = wallet.get(chef.token, 0) + paid
        return paid

"""Protocols beside the pools: liquid staking, lending markets and liquidity-mining rewards.

This module wires the pure protocol classes (`sim.protocols.staking`, `sim.protocols.lending`,
`sim.protocols.rewards`) into a market: it registers their holdings with the ledger,
gives lending markets their oracle, accrues yield and interest every block, and
books supply created inside a protocol (staking rewards, reward emissions) as
explicit mints.

Token flows go through small functions here (`stake`, `supply`, `borrow`,
`liquidate`, ...) that move ledger wallets and protocol books together, so
agents never touch either directly.

Liquid staking tokens are held in wallets, pools and lending markets as ordinary
integer tokens; the staking protocol books every LST in circulation to one omnibus
account (`CIRCULATING`).

* **Reward-bearing** (wstETH, rETH): a balance never changes by itself; the exchange
  rate grows. A StableSwap pool declared with ``rate_oracles = { <lst> = "<staking
  name>" }`` reads that rate (`LiquidStaking.rate_wad`) at every call, as stableswap-ng
  pools of wstETH/rETH do, so a balanced pool prices the LST at its exchange rate.
* **Rebasing** (stETH): the exchange rate is 1 and every holder's balance grows. Each
  block, after the yield accrues (and right after a penalty, `slash`), `_sync_rebase`
  multiplies every balance of the LST by the growth of the share price, Lido's
  ``balance = shares * total_pooled / total_shares``, rounded down per holder: wallets
  (an explicit ledger `mint`, or `burn` for a penalty, per holder), StableSwap pools (the
  pool's whole token balance rebases and the change goes to its LPs, admin fees aside:
  stableswap-ng `_balances()` for rebasing coins, as in Curve's stETH/ETH pool) and
  lending markets (cash and every supplier's balance: `LendingMarket.rebase`), the last
  two booked with `Ledger.minted_to_venue` / `burned_in_venue`. Flooring leaves the
  protocol a little more underlying than the LST in circulation (`rebase_dust`, a few wei
  per holder per block, never negative). Stakes and redemptions in between move the
  share price only by their own rounding, which is left to the protocol too. Other pool
  kinds cannot hold a rebasing LST (Uniswap pairs would need `sync`/`skim`; wrap it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sim.chain.ledger import Ledger
from sim.errors import ConservationError, InsufficientBalance, ProtocolError
from sim.pools.base import Pool
from sim.pools.curve.stableswap import StableSwapPool
from sim.protocols.lending import LendingMarket, LendingSpec
from sim.protocols.rewards import MasterChef, RewardsSpec, emission_rate_per_day
from sim.protocols.staking import LiquidStaking, StakingSpec

CIRCULATING = "circulating"
"""The staking protocol's single account for every LST unit held outside it."""

PriceFn = Callable[[str], float]


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
    _rebase_index: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per rebasing LST: (total pooled, total shares) its balances were last rebased to."""
    rebased: dict[str, int] = field(default_factory=dict)
    """Per rebasing LST: net balance units created by rebases (negative after penalties)."""

    # ---- construction --------------------------------------------------------------------

    def attach_pools(self, pools: dict[str, Pool]) -> None:
        """Share the market's pools (the same dict) and connect their rate oracles."""
        self.pools = pools
        self._connect_oracles()
        for protocol in self.staking.values():
            if protocol.rebasing:
                self._rebase_holders(protocol.lst)

    def add_staking(self, name: str, spec: StakingSpec, block_time_s: float) -> LiquidStaking:
        protocol = LiquidStaking(spec, seconds_per_block=max(1, round(block_time_s)))
        self.staking[spec.lst] = protocol
        self.staking_by_name[name] = protocol
        self.ledger.add_venue(f"staking:{name}", protocol.holdings)
        if protocol.rebasing:
            self._rebase_holders(spec.lst)
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

    def _rebase_holders(self, lst: str) -> None:
        """Refuse pools that cannot hold a rebasing LST (balances they do not track)."""
        for pool in self.pools.values():
            if lst in pool.tokens and not hasattr(pool, "admin_balances"):
                raise ProtocolError(
                    f"pool {pool.name!r} ({pool.kind}) cannot hold the rebasing {lst}: only "
                    "StableSwap pools follow a rebase (wrap it, as wstETH wraps stETH)"
                )

    def add_lending(
        self,
        name: str,
        spec: LendingSpec,
        decimals: dict[str, int],
        price: PriceFn,
        block_time_s: float,
    ) -> LendingMarket:
        oracle = self._oracle(spec, price)
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

    def _oracle(self, spec: LendingSpec, price: PriceFn) -> PriceFn:
        """The price feed the market reads: pool price, LST exchange rate, or a pool TWAP."""
        if spec.oracle == "pool":
            return price
        if spec.oracle == "exchange_rate":

            def by_rate(asset: str) -> float:
                lst = self.staking.get(asset)
                if lst is None:
                    return price(asset)
                return lst.exchange_rate() * price(lst.spec.underlying)

            return by_rate
        window = spec.twap_blocks

        def twap(asset: str) -> float:
            hist = self._twap.get(asset)
            if not hist:
                return price(asset)
            return sum(hist) / len(hist)

        for asset in spec.assets:
            self._twap.setdefault(asset, deque(maxlen=window))
        return twap

    # ---- each block --------------------------------------------------------------------------

    def on_block(self, block: int, price: PriceFn) -> None:
        """Accrue staking yield (rebasing LSTs: every balance grows) and lending interest,
        sample TWAPs, book reward emissions."""
        for lst in self.staking.values():
            minted = lst.accrue(1)
            if minted:
                self.ledger.minted_to_venue(lst.spec.underlying, minted)
            if lst.rebasing:
                self._sync_rebase(lst)
        for market in self.lending.values():
            market.accrue(1)
        for asset, hist in self._twap.items():
            hist.append(price(asset))
        self.sync_rewards(block)

    def sync_rewards(self, block: int) -> None:
        """Emissions the chef has taken in since the last sync become explicit mints."""
        chef = self.chef
        if chef is None:
            return
        chef.mass_update_pools(block)
        delta = chef.total_minted - self._chef_minted
        if delta:
            self.ledger.minted_to_venue(chef.token, delta)
            self._chef_minted = chef.total_minted

    # ---- rebasing LSTs ---------------------------------------------------------------------

    def _sync_rebase(self, protocol: LiquidStaking) -> int:
        """Rebase every holder of a rebasing LST to the protocol's share price; returns the net
        change of balances (booked as explicit mints and burns)."""
        lst = protocol.lst
        p0, s0 = self._rebase_index[lst]
        p1, s1 = protocol.total_pooled, protocol.total_shares()
        if (p1, s1) == (p0, s0):
            return 0
        self._rebase_index[lst] = (p1, s1)
        if not (p0 and s0 and p1 and s1):
            return 0
        num, den = p1 * s0, s1 * p0  # the share price's growth, (p1 / s1) / (p0 / s0)
        if num == den:
            return 0
        ledger, total = self.ledger, 0
        for holder, wallet in ledger.wallets.items():
            balance = wallet.get(lst, 0)
            if balance:
                change = balance * num // den - balance
                if change > 0:
                    ledger.mint(holder, lst, change)
                elif change < 0:
                    ledger.burn(holder, lst, -change)
                total += change
        for pool in self.pools.values():
            if lst in pool.tokens:
                if not isinstance(pool, StableSwapPool):  # the scenario loader refuses this
                    raise ProtocolError(f"pool {pool.name!r} cannot hold rebasing {lst}")
                change = pool.rebase(pool.tokens.index(lst), num, den)
                self._book_venue_change(lst, change)
                total += change
        for market in self.lending.values():
            if lst in market.reserves:
                change = market.rebase(lst, num, den)
                self._book_venue_change(lst, change)
                total += change
        self.rebased[lst] += total
        return total

    def _book_venue_change(self, token: str, change: int) -> None:
        if change > 0:
            self.ledger.minted_to_venue(token, change)
        elif change < 0:
            self.ledger.burned_in_venue(token, -change)

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
        self.ledger.burned_in_venue(protocol.spec.underlying, loss)
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
        _require(wallet, holder, underlying, amount)
        self._settled(protocol)
        minted = protocol.stake(CIRCULATING, amount)
        self._reindex(protocol)
        wallet[underlying] -= amount
        self.ledger.minted[lst] = self.ledger.minted.get(lst, 0) + minted
        wallet[lst] = wallet.get(lst, 0) + minted
        return minted

    def unstake_instant(self, holder: str, lst: str, amount: int) -> int:
        """Redeem `amount` LST at the exchange rate now (instant-withdrawal protocols)."""
        protocol = self.staking[lst]
        wallet = self.ledger.wallet(holder)
        _require(wallet, holder, lst, amount)
        self._settled(protocol)
        _require(wallet, holder, lst, amount)  # a penalty rebase may have shrunk it
        paid = protocol.withdraw_instant(CIRCULATING, amount)
        self._reindex(protocol)
        self.ledger.burn(holder, lst, amount)
        wallet[protocol.spec.underlying] += paid
        return paid

    def request_withdrawal(self, holder: str, lst: str, amount: int) -> int:
        """Queue `amount` LST for redemption; returns the request id to `claim` later."""
        protocol = self.staking[lst]
        wallet = self.ledger.wallet(holder)
        _require(wallet, holder, lst, amount)
        self._settled(protocol)
        _require(wallet, holder, lst, amount)
        request = protocol.request_withdrawal(CIRCULATING, amount)
        self._reindex(protocol)
        self.ledger.burn(holder, lst, amount)
        return request

    def claim(self, holder: str, lst: str, request: int) -> int:
        """Claim a finished withdrawal request; returns underlying received."""
        protocol = self.staking[lst]
        paid = protocol.claim(CIRCULATING, request)
        wallet = self.ledger.wallet(holder)
        wallet[protocol.spec.underlying] += paid
        return paid

    def supply(self, market: str, holder: str, asset: str, amount: int) -> None:
        wallet = self.ledger.wallet(holder)
        _require(wallet, holder, asset, amount)
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
        repay, _ = lm.quote_liquidation(borrower, debt_asset, collateral, amount)
        _require(wallet, liquidator, debt_asset, repay)
        repaid, seized = lm.liquidate(liquidator, borrower, debt_asset, collateral, amount)
        wallet[debt_asset] -= repaid
        wallet[collateral] = wallet.get(collateral, 0) + seized
        self.liquidations.append(
            LiquidationRecord(
                block, market, liquidator, borrower, debt_asset, collateral, repaid, seized
            )
        )
        return repaid, seized

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


def _require(wallet: dict[str, int], holder: str, token: str, amount: int) -> None:
    if amount < 0 or amount > wallet.get(token, 0):
        raise InsufficientBalance(f"{holder} holds {wallet.get(token, 0)} {token}, needs {amount}")


# ---- liquidity mining with LP shares, token launches, public views (issue 6) ----------------
#
# Staked LP shares stay in the holder's `balance_of` of the pool (so swap-fee attribution in
# `sim.model.metrics` keeps working) and are booked in the chef; agents' liquidity code withdraws
# only `free_lp_shares`, i.e. neither staked nor locked. Locks model a liquidity locker
# (Unicrypt / Team Finance): a public record that some LP shares cannot move before a block.


@dataclass(frozen=True, slots=True)
class TokenLaunch:
    """A token launched inside the run, as a block explorer shows it (public facts only)."""

    token: str
    deployer: str
    pool: str
    block: int
    mint_authority: bool


@dataclass(frozen=True, slots=True)
class LpLock:
    """LP shares of `holder` in `pool` that cannot be withdrawn before `until_block`."""

    pool: str
    holder: str
    shares: int
    until_block: int


def _registry(protocols: Protocols, name: str) -> list:  # type: ignore[type-arg]
    """Per-market lists kept on the `Protocols` object (created on first use)."""
    got = protocols.__dict__.get(name)
    if got is None:
        got = protocols.__dict__[name] = []
    return got


def register_launch(protocols: Protocols, launch: TokenLaunch) -> None:
    """Record a token launch (the deployer's contract is public: who, which pool, mint rights)."""
    _registry(protocols, "_launches").append(launch)


def launches(protocols: Protocols) -> list[TokenLaunch]:
    """Every token launched in the run, in order."""
    return list(_registry(protocols, "_launches"))


def launch_of(protocols: Protocols, token: str) -> TokenLaunch | None:
    """The launch record of `token`, if it was launched in the run."""
    return next((x for x in _registry(protocols, "_launches") if x.token == token), None)


def lock_lp(protocols: Protocols, pool: str, holder: str, shares: int, until_block: int) -> None:
    """Lock `shares` LP tokens of `holder` in `pool` until `until_block` (a public locker)."""
    if shares < 0:
        raise ProtocolError(f"lock_lp: shares must be >= 0, got {shares}")
    _registry(protocols, "_lp_locks").append(LpLock(pool, holder, shares, until_block))


def locked_lp(protocols: Protocols, pool: str, holder: str | None, block: int) -> int:
    """LP shares of `pool` (of `holder`, or of everyone) still locked at `block`."""
    return sum(
        lk.shares
        for lk in _registry(protocols, "_lp_locks")
        if lk.pool == pool and (holder is None or lk.holder == holder) and lk.until_block > block
    )


def locked_lp_share(
    protocols: Protocols, pool: Pool, block: int, until: int | None = None
) -> float:
    """Share of `pool`'s LP supply locked at `block` (and, given `until`, still locked then)."""
    supply = pool.lp_supply()
    if not supply:
        return 0.0
    at = block if until is None else max(block, until)
    return locked_lp(protocols, pool.name, None, at) / supply


def staked_lp(protocols: Protocols, pool: str, holder: str) -> int:
    """LP shares `holder` has staked in the chef's `pool` (0 without a chef or such a pool)."""
    chef = protocols.chef
    if chef is None or pool not in chef.pools:
        return 0
    return chef.staked(pool, holder)


def free_lp_shares(protocols: Protocols, pool: Pool, holder: str, block: int) -> int:
    """LP shares of `holder` that may be withdrawn or staked now: held − staked − locked."""
    held = pool.lp_shares(holder)
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


def holder_concentration(ledger: Ledger, token: str, exclude: tuple[str, ...] = ()) -> float:
    """Share of `token`'s supply in its largest wallet (a block explorer's 'top holder %').

    Contracts (pools, the chef, lending markets) are venues, not wallets, so they never count
    as holders; `exclude` drops further addresses (e.g. a burn address).
    """
    supply = ledger.supply(token)
    if supply <= 0:
        return 0.0
    top = max(
        (w.get(token, 0) for h, w in ledger.wallets.items() if h not in exclude),
        default=0,
    )
    return top / supply

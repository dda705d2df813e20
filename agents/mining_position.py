"""How a liquidity miner holds a farm: the moves in and out, and the books of its entries,
exits and rewards.

The miner (`agents.mining_lp`) decides when; this says how. Entering is a zap (a swap toward
equal value of the pool's two tokens) and then one call that deposits and stakes; leaving
is one call that unstakes and withdraws. Rewards the chef pays (on every stake, unstake and
harvest) are booked as received, and `sell_fraction` of each payment is owed for sale into
the reward token's pool. The books give the realised reward APR: rewards' value over the
time-weighted value staked.
"""

from __future__ import annotations

from collections.abc import Callable

from agents.mining_watch import AprEstimate
from sim.chain.chain import Chain
from sim.chain.transactions import Call, Receipt, SwapExactIn
from sim.errors import PoolError, ProtocolError
from sim.market.market import Market
from sim.market.world import World
from sim.pools.base import Pool
from sim.pools.liquidity import deposit, withdraw
from sim.protocols.lp_staking import free_lp_shares, stake_lp, unstake_lp
from sim.protocols.rewards import MasterChef


def funding_tokens(market: Market, candidates: list[Pool], fund_token: str) -> list[str]:
    """Priced tokens of the candidate pools (a launched token must be bought: zapped into)."""
    out = []
    for pool in candidates:
        for t in pool.tokens:
            priced = t == market.numeraire or t in market.ref_prices
            if priced and t not in out:
                out.append(t)
    return out or [fund_token]


class FarmPosition:
    """One miner's wallet, LP shares and staked shares across its candidate pools."""

    def __init__(
        self,
        world: World,
        holder: str,
        candidates: list[Pool],
        *,
        fund_token: str,
        gas_reserve: float,
        slippage_bps: float,
        sell_fraction: float,
    ) -> None:
        self.world = world
        self.market = world.market
        self.holder = holder
        self.wallet = self.market.ledger.wallet(holder)
        self.candidates = candidates
        self.fund_token = fund_token
        self.gas_reserve = gas_reserve
        self.keep = 1 - slippage_bps / 10_000
        """amount_out_min = quote × keep."""
        self.sell_fraction = sell_fraction
        self.reward_received = 0
        """Reward units paid to the wallet by the chef."""
        self.reward_sold = 0
        self.reward_proceeds = 0.0
        self.sell_owed = 0
        """Reward units still to sell."""
        self.staked_value_days = 0.0
        """Time-weighted value staked (for the realised reward APR)."""
        self.last_accrual = 0
        self.entries: list[dict[str, object]] = []
        self.exits: list[dict[str, object]] = []
        self.pools_entered: set[str] = set()

    @property
    def chef(self) -> MasterChef:
        """The market's MasterChef (a mining_lp cohort requires [rewards])."""
        chef = self.market.protocols.chef
        if chef is None:
            raise ProtocolError(f"{self.holder}: mining needs a [rewards] table")
        return chef

    # ---- what it holds -----------------------------------------------------------------------

    def reserve(self, token: str) -> int:
        """Units never deposited: the gas money, if `token` is the native token."""
        if token != self.market.chain.native:
            return 0
        return int(self.gas_reserve * self.market.scale[token])

    def spendable(self, token: str) -> int:
        return max(0, self.wallet.get(token, 0) - self.reserve(token))

    def investable_value(self) -> float:
        """Value of what it could put into a pool now (pool tokens and the funding token)."""
        tokens = {self.fund_token, *(t for p in self.candidates for t in p.tokens)}
        tokens.discard(self.chef.token)
        return sum(self.market.value(t, self.spendable(t)) for t in tokens)

    def value(self) -> float:
        """Value of its claims on every pool it holds LP shares of (staked shares included)."""
        total = 0.0
        for pool in self.candidates:
            shares = pool.lp_shares(self.holder)
            if shares:
                total += sum(self.market.value(t, a) for t, a in pool.claim(shares).items())
        return total

    def reward_value(self) -> float:
        """Rewards realised so far: sale proceeds plus unsold rewards at today's price."""
        unsold = max(0, self.reward_received - self.reward_sold)
        return self.reward_proceeds + self.market.value(self.chef.token, unsold)

    # ---- moves -------------------------------------------------------------------------------

    def zap(self, pool: Pool, block: int) -> SwapExactIn | None:
        """The swap toward equal value of the pool's two tokens (None when about balanced);
        a `PoolError` when the pool cannot quote it."""
        market = self.market
        a, b = pool.tokens[0], pool.tokens[1]
        va, vb = market.value(a, self.spendable(a)), market.value(b, self.spendable(b))
        if abs(va - vb) <= 0.02 * (va + vb):
            return None
        t_in, t_out, excess = (a, b, va - vb) if va > vb else (b, a, vb - va)
        amount = min(market.units(t_in, excess / 2), self.spendable(t_in))
        if amount <= 0:
            return None
        out = pool.quote_exact_in(t_in, t_out, amount)
        return SwapExactIn(
            path=(pool,),
            tokens=(t_in, t_out),
            amount_in=amount,
            amount_out_min=int(out * self.keep),
            deadline_block=block + 2,
            gas_units=market.chain.gas.swap,
        )

    def deposit_and_stake(self, pool: Pool, block: int, est: AprEstimate) -> tuple[int, int]:
        """Deposit everything spendable of the pool's tokens and stake the shares (inside a
        transaction), booked with the estimate that made it enter: (shares, reward paid)."""
        market = self.market
        amounts = {t: self.spendable(t) for t in pool.tokens}
        if any(v <= 0 for v in amounts.values()):
            raise ProtocolError(f"{self.holder}: nothing to deposit into {pool.name}")
        before = {t: self.wallet[t] for t in pool.tokens}
        deposit(pool, self.holder, self.wallet, amounts)
        shares = free_lp_shares(market.protocols, pool, self.holder, block)
        paid = stake_lp(market.protocols, pool, self.holder, shares, block)
        self._paid(paid)
        self.last_accrual = block
        self.pools_entered.add(pool.name)
        used = {t: before[t] - self.wallet[t] for t in pool.tokens}
        value = sum(market.value(t, u) for t, u in used.items())
        row: dict[str, object] = {
            "block": block,
            "pool": pool.name,
            "value": value,
            **{f"{k}_apr": v for k, v in est.as_dict().items()},
        }
        self.entries.append(row)
        self.world.note(
            "lp_enter",
            f"{self.holder} enters {pool.name} with ${value:,.0f} (expected net APR "
            f"{est.net:.1%}: fees {est.fee:.1%}, rewards "
            f"{est.effective_reward:.1%} of {est.reward:.1%} headline, "
            f"IL {est.il:.1%}, gas {est.gas:.1%})",
        )
        return shares, paid

    def unstake_and_withdraw(
        self, pool: Pool, block: int, reason: str, est: AprEstimate
    ) -> dict[str, int]:
        """Unstake and withdraw every share (inside a transaction), booked with why it left;
        returns the amounts withdrawn."""
        market = self.market
        staked = self.chef.staked(pool.name, self.holder)
        paid = unstake_lp(market.protocols, pool, self.holder, staked, block) if staked else 0
        self._paid(paid)
        shares = free_lp_shares(market.protocols, pool, self.holder, block)
        out = withdraw(pool, self.holder, self.wallet, shares) if shares else {}
        value = sum(market.value(t, a) for t, a in out.items())
        signal = reason.split(" (")[0]
        if signal.startswith("news"):
            signal = "news"
        self.exits.append(
            {
                "block": block,
                "pool": pool.name,
                "value": value,
                "reason": reason,
                "signal": signal,
            }
        )
        self.world.note(
            "lp_exit",
            f"{self.holder} leaves {pool.name} with ${value:,.0f}: {reason} (net APR "
            f"{est.net:.1%}, headline reward APR {est.reward:.1%})",
        )
        return out

    def harvest(self, pool: Pool, block: int) -> int:
        """Harvest the chef's pending reward (inside a transaction); returns it."""
        paid = self.market.protocols.harvest(pool.name, self.holder, block)
        self._paid(paid)
        return paid

    def reward_sale(self, block: int) -> Call | None:
        """The call that sells what is owed of harvested rewards into the reward token's pool
        (None when nothing is owed, no pool trades it, or the sale is not worth its gas)."""
        market = self.market
        token = self.chef.token
        amount = min(self.sell_owed, self.wallet.get(token, 0))
        pools = [
            p for p in market.pools.values() if token in p.tokens and self.fund_token in p.tokens
        ]
        if amount <= 0 or not pools:
            return None
        pool = pools[0]
        try:
            out = pool.quote_exact_in(token, self.fund_token, amount)
        except PoolError:
            return None
        if market.value(self.fund_token, out) < 2 * market.gas_value(market.chain.gas.swap):
            return None  # not worth the gas yet
        swap = SwapExactIn(
            path=(pool,),
            tokens=(token, self.fund_token),
            amount_in=amount,
            amount_out_min=int(out * self.keep),
            deadline_block=block + 2,
            gas_units=market.chain.gas.swap,
        )
        return Call(self._seller(swap, amount), swap.gas_units, (pool,))

    def _seller(self, swap: SwapExactIn, amount: int) -> Callable[[Chain, str], Receipt]:
        def sell_rewards(chain: Chain, sender: str) -> Receipt:
            receipt = swap.execute(chain, sender)
            self.sell_owed = max(0, self.sell_owed - amount)
            self.reward_sold += amount
            self.reward_proceeds += self.market.value(receipt.token_out, receipt.amount_out)
            return receipt

        return sell_rewards

    # ---- books -------------------------------------------------------------------------------

    def _paid(self, paid: int) -> None:
        self.reward_received += paid
        self.sell_owed += int(paid * self.sell_fraction)

    def accrue(self, block: int, farming: bool) -> None:
        """Add the value staked since the last accrual, if `farming`."""
        if farming:
            days = (block - self.last_accrual) * self.world.block_time_s / 86_400
            self.staked_value_days += self.value() * days
        self.last_accrual = block

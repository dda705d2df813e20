"""Liquidity miners: LPs who enter, stay in or leave farms on what they observe, and stake in the chef.

Every `decide_every` blocks a miner samples, for each candidate pool, public state it can
see: the pool's cumulative volume (`model.metrics.pools[p].volume_usd`), its TVL, the share
of its LP supply staked in the chef, the chef's emission rate, the reward token's price, and
the pool's price ratio. From rolling windows of those samples it estimates, per pool:

* fee APR = volume over the window × fee × LP share / TVL (with its own capital added) × 365/days;
* reward APR = emission per day × reward price × 365 / staked TVL (its capital added),
  made effective as `apr × (1 − expected sell pressure) × (1 − expected price drop)`, the drop
  extrapolated over its horizon from the reward price's recent trend;
* IL ≈ σ²/8 a year for constant product, σ the realised volatility of the pair's ratio;
* gas: entering, harvesting every `harvest_days`, and leaving, over its horizon, per capital.

A miner enters the best pool when net APR beats its hurdle (cautious miners skip pools
whose launched token fails `due_diligence`), and leaves when net APR falls below
`stay_ratio` × hurdle or on a signal: volume/TVL falling, an emission cut, gas above
income, a pegged pair off its peg, the pool's token crashing, or a news flag (`exit_news`,
`rug:<TOKEN>`). It harvests every `harvest_days` (when the reward beats gas) and sells
`sell_fraction` of what it harvested into the reward token's pool.

Entering takes two transactions: a swap that balances its wallet to the pool's two tokens
(a zap), then one call that deposits and stakes. Leaving is one call (unstake + withdraw).
"""

from __future__ import annotations

import math
from collections import deque
from itertools import pairwise
from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import MarketAgent
from agents.token_buyer import Caution, due_diligence
from sim.chain.chain import Chain
from sim.chain.transactions import Call, Receipt, SwapExactIn, Tx
from sim.config import Dist, sample
from sim.errors import PoolError, ProtocolError
from sim.market.prices import realised_vol
from sim.pools.base import Pool
from sim.pools.liquidity import claim, deposit, lp_shares, lp_supply, withdraw
from sim.protocols.launches import launch_of
from sim.protocols.lp_staking import emission_per_day, free_lp_shares, stake_lp, unstake_lp
from sim.protocols.rewards import MasterChef, effective_reward_apr, fee_apr, reward_apr

APR_CAP = 100.0
"""Estimates are capped at 10,000% a year (an empty farm's APR is infinite)."""

TRIM = 0.2
"""Share of the largest per-step volumes dropped from the fee estimate (zaps, whales)."""


def trimmed_total(cumulative: list[float]) -> float:
    """Volume over the window from cumulative samples, the largest `TRIM` of steps replaced
    by the mean of the rest (a one-off burst, e.g. other miners' zaps, is not a fee stream)."""
    steps = sorted(b - a for a, b in pairwise(cumulative))
    if not steps:
        return 0.0
    keep = steps[: max(1, len(steps) - int(len(steps) * TRIM))]
    return sum(keep) / len(keep) * len(steps)


class MiningLPSpec(Caution):
    """A cohort of liquidity miners choosing among reward pools."""

    kind: Literal["mining_lp"]
    pools: list[str] = Field(min_length=1, description="candidate pools (each in [rewards.pools])")
    capital_usd: Dist = Field(100_000.0, description="capital per miner, numeraire")
    fund_token: str | None = Field(
        None,
        description="token rewards are sold for (default: the chain's native token); capital is "
        "held in equal value of every priced token of the candidate pools",
    )
    confirm_steps: int = Field(
        3, ge=1, description="decisions in a row an APR-based exit must hold before leaving"
    )
    hurdle_apr: Dist = Field(0.2, description="least net APR to enter (0.2 = 20%)")
    stay_ratio: float = Field(
        0.5, ge=0, le=1, description="stay while net APR >= stay_ratio × hurdle (hysteresis)"
    )
    switch_margin: float = Field(
        0.5, ge=0, description="move to another pool when its net APR is higher by this much"
    )
    horizon_days: Dist = Field(7.0, description="planned holding period, days")
    sell_fraction: Dist = Field(0.8, description="share of each harvest sold at once")
    expected_sell_pressure: Dist = Field(
        0.5, description="share of emissions the miner expects others to dump (0..1)"
    )
    harvest_days: Dist = Field(0.5, description="days between harvests")
    window_blocks: int = Field(600, ge=10, description="rolling window of observations, blocks")
    decide_every: int = Field(25, ge=1, description="blocks between decisions")
    enter_after_block: int = Field(1, ge=1, description="first block a miner may act")
    volume_drop_exit: float = Field(
        0.2, ge=0, le=1, description="leave if volume/TVL falls below this × its level at entry"
    )
    emission_cut_exit: float = Field(
        0.3, ge=0, le=1, description="leave if the emission rate drops by this share at once"
    )
    max_depeg: float = Field(0.02, ge=0, description="leave a stable pool this far off its peg")
    crash_exit: float = Field(
        0.3, ge=0, le=1, description="leave if a launched token of the pool fell this much"
    )
    exit_news: list[str] = Field(
        default_factory=lambda: ["exploit"], description="news flags that make miners leave"
    )
    cooldown_blocks: int = Field(300, ge=0, description="blocks to wait after leaving a pool")
    slippage_bps: float = Field(100.0, ge=0, le=10_000, description="slippage tolerance of swaps")


class _Obs:
    """Rolling observations of one pool."""

    __slots__ = ("blocks", "ratio", "reward_price", "token_price", "volume", "vt")

    def __init__(self, n: int) -> None:
        self.blocks: deque[int] = deque(maxlen=n)
        self.volume: deque[float] = deque(maxlen=n)
        self.ratio: deque[float] = deque(maxlen=n)
        self.reward_price: deque[float] = deque(maxlen=n)
        self.token_price: deque[float] = deque(maxlen=n)
        self.vt: deque[float] = deque(maxlen=n)  # volume/TVL per day over each step


class MiningLP(MarketAgent):
    kind: ClassVar[str] = "mining_lp"

    def __init__(
        self, model: mesa.Model, *, cohort: str, spec: MiningLPSpec, params: dict[str, float]
    ) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        self.hurdle = params["hurdle"]
        self.horizon_days = max(params["horizon"], 0.1)
        self.sell_fraction = min(max(params["sell"], 0.0), 1.0)
        self.sell_pressure = min(max(params["pressure"], 0.0), 1.0)
        self.harvest_blocks = max(1, int(params["harvest"] * 86_400 / model.block_time_s))  # type: ignore[attr-defined]
        self.cautious = bool(params["cautious"])
        self.capital = params["capital"]
        market = self.market
        self.fund_token = spec.fund_token or market.chain.native
        self.candidates: list[Pool] = [market.pools[p] for p in spec.pools]
        n = max(2, spec.window_blocks // spec.decide_every + 1)
        self.obs = {p.name: _Obs(n) for p in self.candidates}
        self.offset = int(model.rng.integers(spec.decide_every))  # type: ignore[attr-defined]
        self.state: Literal["idle", "zap", "entering", "in", "leaving"] = "idle"
        self.pool: Pool | None = None
        self.target: Pool | None = None
        self.next_harvest = 0
        self.cooldown_until = 0
        self.last_emission = 0.0
        self.entry_vt = 0.0
        self.sell_owed = 0
        self.reward_received = 0  # reward units paid to the wallet by the chef
        self.reward_sold = 0
        self.reward_proceeds_usd = 0.0
        self.staked_usd_days = 0.0
        self._last_accrual = 0
        self.entries: list[dict[str, object]] = []
        self.exits: list[dict[str, object]] = []
        self.rejected: dict[str, str] = {}
        self.last_net_apr: float | None = None
        self.pools_entered: set[str] = set()
        self.weak_steps = 0

    # ---- observation -------------------------------------------------------------------------

    @property
    def chef(self) -> MasterChef:
        """The market's MasterChef (a mining_lp cohort requires [rewards])."""
        chef = self.market.protocols.chef
        if chef is None:
            raise ProtocolError(f"{self.name}: mining needs a [rewards] table")
        return chef

    def observe(self) -> None:
        market = self.market
        metrics = self.model.metrics  # type: ignore[attr-defined]
        chef = self.chef
        reward_price = market.price(chef.token) if chef is not None else 0.0
        dt_days = self.spec.decide_every * self.model.block_time_s / 86_400  # type: ignore[attr-defined]
        for pool in self.candidates:
            o = self.obs[pool.name]
            try:
                a, b = pool.tokens[0], pool.tokens[1]
                pa, pb = market.price(a), market.price(b)
            except PoolError:
                continue
            volume = metrics.pools[pool.name].volume_usd
            tvl = self.tvl(pool)
            if o.volume and tvl > 0:
                o.vt.append((volume - o.volume[-1]) / tvl / dt_days)
            o.blocks.append(market.block)
            o.volume.append(volume)
            o.ratio.append(pa / pb if pb > 0 else 0.0)
            o.reward_price.append(reward_price)
            launched = [t for t in pool.tokens if launch_of(market.protocols, t) is not None]
            o.token_price.append(market.price(launched[0]) if launched else 0.0)

    def tvl(self, pool: Pool) -> float:
        return self.market.wallet_value(pool.holdings())

    def estimate(self, pool: Pool) -> dict[str, float]:
        """APR components (fractions a year) of holding this pool from now, with own capital in it."""
        market = self.market
        o = self.obs[pool.name]
        block_time = self.model.block_time_s  # type: ignore[attr-defined]
        tvl = self.tvl(pool)
        mine = self.position_value() if self.pool is pool else self.investable_value()
        tvl_after = tvl if self.pool is pool else tvl + mine
        fee = 0.0
        if len(o.blocks) >= 2 and tvl_after > 0:
            days = (o.blocks[-1] - o.blocks[0]) * block_time / 86_400
            if days > 0:
                share = self.model.metrics.pools[pool.name].lp_fee_share  # type: ignore[attr-defined]
                volume = trimmed_total(list(o.volume))
                fee = fee_apr(volume, days, pool.fee_bps / 10_000, share, tvl_after)
        chef = self.chef
        reward = eff = 0.0
        if chef is not None and pool.name in chef.pools:
            supply = lp_supply(pool)
            staked = chef.total_staked(pool.name) / supply * tvl if supply else 0.0
            if self.pool is not pool:
                staked += mine
            per_day = emission_per_day(market.protocols, pool.name, market.block)
            price = market.price(chef.token)
            reward = min(reward_apr(per_day, price, staked), APR_CAP)
            drop = 0.0
            if len(o.reward_price) >= 2 and o.reward_price[0] > 0 and price > 0:
                days = (o.blocks[-1] - o.blocks[0]) * block_time / 86_400
                if days > 0:
                    growth = math.log(price / o.reward_price[0]) / days
                    drop = -math.expm1(min(growth, 0.0) * self.horizon_days)
            eff = effective_reward_apr(reward, self.sell_pressure, min(max(drop, 0.0), 1.0))
        sigma = 0.0
        ratios = [r for r in o.ratio if r > 0]
        if len(ratios) >= 3:
            sigma = realised_vol(ratios, block_time * self.spec.decide_every)
        il = min(sigma * sigma / 8, APR_CAP)
        gas = market.chain.gas
        harvests = self.horizon_days * 86_400 / block_time / self.harvest_blocks
        units = gas.swap * 2 + gas.add_liquidity + gas.stake + gas.remove_liquidity
        units += int(harvests * (gas.stake + gas.swap))
        gas_apr = market.gas_value(units) / max(mine, 1e-9) * 365 / self.horizon_days
        net = fee + eff - il - gas_apr
        return {
            "fee": fee,
            "reward": reward,
            "effective_reward": eff,
            "il": il,
            "gas": gas_apr,
            "net": net,
        }

    def signals(self, pool: Pool) -> str | None:
        """An exit signal on `pool`, if any (judged on what the miner observed)."""
        market = self.market
        spec = self.spec
        for flag in spec.exit_news:
            if flag in market.news:
                return f"news {flag}"
        for t in pool.tokens:
            if f"rug:{t}" in market.news:
                return f"news rug:{t}"
        o = self.obs[pool.name]
        top = max(o.token_price, default=0.0)
        if top > 0 and o.token_price[-1] < (1 - spec.crash_exit) * top:
            return "token price crash"
        per_day = emission_per_day(market.protocols, pool.name, market.block)
        if self.last_emission > 0 and per_day < (1 - spec.emission_cut_exit) * self.last_emission:
            self.last_emission = per_day
            return "emissions cut"
        self.last_emission = per_day
        if pool.kind == "stableswap":
            try:
                spot = pool.spot_price(pool.tokens[0], pool.tokens[1])
            except PoolError:
                spot = 1.0
            if abs(spot - 1) > spec.max_depeg:
                return "pegged pair off its peg"
        if self.pool is pool and len(o.vt) >= 8 and self.entry_vt > 0:
            recent = sorted(list(o.vt)[-8:])[3]  # a median: one quiet step is no signal
            if recent < spec.volume_drop_exit * self.entry_vt:
                return "volume/TVL fell"
        return None

    # ---- decisions ---------------------------------------------------------------------------

    def act(self) -> None:
        market = self.market
        block = market.block
        if block < self.spec.enter_after_block:
            return
        if self.state == "zap":
            self._submit_enter()
            return
        if (block + self.offset) % self.spec.decide_every:
            return
        self.observe()
        self._accrue()
        if self.state == "in" and self.pool is not None:
            self._manage(self.pool)
        elif self.state == "idle" and block >= self.cooldown_until:
            self._maybe_enter()
        if self.sell_owed > 0 and self.state in ("idle", "in"):
            self._sell_rewards()

    def _ranked(self) -> list[tuple[float, Pool, dict[str, float]]]:
        out = []
        need = max(2, self.obs[self.candidates[0].name].blocks.maxlen // 2)  # type: ignore[operator]
        for pool in self.candidates:
            if len(self.obs[pool.name].blocks) < need:
                continue
            if self.cautious:
                horizon = int(self.horizon_days * 86_400 / self.model.block_time_s)  # type: ignore[attr-defined]
                ok, why = due_diligence(self.market, pool, self.spec, horizon)
                if not ok:
                    self.rejected[pool.name] = why
                    continue
            est = self.estimate(pool)
            out.append((est["net"], pool, est))
        out.sort(key=lambda x: -x[0])
        return out

    def _maybe_enter(self) -> None:
        ranked = self._ranked()
        if not ranked:
            return
        net, pool, est = ranked[0]
        self.last_net_apr = net
        if net < self.hurdle or any(f"rug:{t}" in self.market.news for t in pool.tokens):
            return
        if self.signals(pool) is not None:
            return
        self.target = pool
        self._zap(pool, est)

    def _manage(self, pool: Pool) -> None:
        market = self.market
        est = self.estimate(pool)
        self.last_net_apr = est["net"]
        reason = self.signals(pool)
        if reason is None:
            income = (est["fee"] + est["effective_reward"]) * self.position_value() / 365
            per_day = 86_400 / self.model.block_time_s / self.harvest_blocks  # type: ignore[attr-defined]
            gas = market.gas_value(market.chain.gas.stake + market.chain.gas.swap) * per_day
            if gas > income:
                reason = "gas above income"
        weak = None
        if est["net"] < self.spec.stay_ratio * self.hurdle:
            weak = f"net APR below hurdle ({est['net']:.1%} < {self.spec.stay_ratio * self.hurdle:.1%})"
        else:
            best = self._ranked()
            margin = est["net"] + self.spec.switch_margin
            if best and best[0][1] is not pool and best[0][0] > margin:
                weak = f"better pool {best[0][1].name} ({best[0][0]:.0%} vs {est['net']:.0%})"
        self.weak_steps = self.weak_steps + 1 if weak else 0
        if reason is None and self.weak_steps >= self.spec.confirm_steps:
            reason = weak
        if reason is not None:
            self._leave(pool, reason, est)
            return
        if market.block >= self.next_harvest:
            chef = self.chef
            pending = chef.pending_reward(pool.name, self.name, market.block)
            gas_cost = market.gas_value(market.chain.gas.stake + market.chain.gas.swap)
            if market.value(chef.token, pending) > 2 * gas_cost:
                self._submit(Call(self._harvest, market.chain.gas.stake, (pool,)), "harvest")
            self.next_harvest = market.block + self.harvest_blocks

    # ---- transactions ------------------------------------------------------------------------

    def _submit(self, action: Call | SwapExactIn, label: str) -> None:
        self.market.chain.submit(Tx(self.name, action, 0.0, label))

    def _reserve(self, token: str) -> int:
        """Units never deposited: the gas money, if `token` is the native token."""
        if token != self.market.chain.native:
            return 0
        return int(self.spec.gas_reserve * self.market.scale[token])

    def _spendable(self, token: str) -> int:
        return max(0, self.wallet.get(token, 0) - self._reserve(token))

    def investable_value(self) -> float:
        """Value of what it could put into a pool now (pool tokens and the funding token)."""
        tokens = {self.fund_token, *(t for p in self.candidates for t in p.tokens)}
        if self.chef is not None:
            tokens.discard(self.chef.token)
        return sum(self.market.value(t, self._spendable(t)) for t in tokens)

    def _zap(self, pool: Pool, est: dict[str, float]) -> None:
        """Swap toward equal value of the pool's two tokens; the deposit follows next block."""
        market = self.market
        a, b = pool.tokens[0], pool.tokens[1]
        va, vb = market.value(a, self._spendable(a)), market.value(b, self._spendable(b))
        self.state = "zap"
        self._pending_est = est
        if abs(va - vb) <= 0.02 * (va + vb):
            return
        t_in, t_out, excess = (a, b, va - vb) if va > vb else (b, a, vb - va)
        amount = min(market.units(t_in, excess / 2), self._spendable(t_in))
        if amount <= 0:
            return
        try:
            out = pool.quote_exact_in(t_in, t_out, amount)
        except PoolError:
            self.state = "idle"
            return
        self._submit(
            SwapExactIn(
                path=(pool,),
                tokens=(t_in, t_out),
                amount_in=amount,
                amount_out_min=int(out * (1 - self.spec.slippage_bps / 10_000)),
                deadline_block=market.block + 2,
                gas_units=market.chain.gas.swap,
            ),
            "zap",
        )

    def _submit_enter(self) -> None:
        pool = self.target
        if pool is None:
            self.state = "idle"
            return
        self.state = "entering"
        gas = self.market.chain.gas
        self._submit(Call(self._enter, gas.add_liquidity + gas.stake, (pool,)), "mine")

    def _enter(self, chain: Chain, sender: str) -> Receipt:
        pool = self.target
        assert pool is not None
        market = self.market
        block = market.block
        self.state = "idle"  # unless the deposit goes through
        amounts = {t: self._spendable(t) for t in pool.tokens}
        if any(v <= 0 for v in amounts.values()):
            raise ProtocolError(f"{self.name}: nothing to deposit into {pool.name}")
        before = {t: self.wallet[t] for t in pool.tokens}
        deposit(pool, self.name, self.wallet, amounts)
        shares = free_lp_shares(market.protocols, pool, self.name, block)
        paid = stake_lp(market.protocols, pool, self.name, shares, block)
        self.reward_received += paid
        self.sell_owed += int(paid * self.sell_fraction)
        self.pool, self.target, self.state = pool, None, "in"
        self.pools_entered.add(pool.name)
        self.next_harvest = block + self.harvest_blocks
        self.last_emission = emission_per_day(market.protocols, pool.name, block)
        o = self.obs[pool.name]
        self.entry_vt = sorted(o.vt)[len(o.vt) // 2] if o.vt else 0.0
        self._last_accrual = block
        used = {t: before[t] - self.wallet[t] for t in pool.tokens}
        value = sum(market.value(t, u) for t, u in used.items())
        est = getattr(self, "_pending_est", {})
        row = {
            "block": block,
            "pool": pool.name,
            "value_usd": value,
            **{f"{k}_apr": v for k, v in est.items()},
        }
        self.entries.append(row)
        self.model.metrics.note(  # type: ignore[attr-defined]
            "lp_enter",
            f"{self.name} enters {pool.name} with ${value:,.0f} (expected net APR "
            f"{est.get('net', 0):.1%}: fees {est.get('fee', 0):.1%}, rewards "
            f"{est.get('effective_reward', 0):.1%} of {est.get('reward', 0):.1%} headline, "
            f"IL {est.get('il', 0):.1%}, gas {est.get('gas', 0):.1%})",
        )
        return Receipt(
            kind="add_liquidity", pool=pool.name, detail={"staked": shares, "reward_paid": paid}
        )

    def _leave(self, pool: Pool, reason: str, est: dict[str, float]) -> None:
        self.state = "leaving"
        self._leave_reason = (reason, est)
        gas = self.market.chain.gas
        self._submit(Call(self._exit, gas.remove_liquidity + gas.stake, (pool,)), "mine")

    def _exit(self, chain: Chain, sender: str) -> Receipt:
        pool = self.pool
        assert pool is not None
        market = self.market
        block = market.block
        self.state = "in"  # unless the withdrawal goes through
        self._accrue()
        staked = self.chef.staked(pool.name, self.name) if self.chef is not None else 0
        paid = unstake_lp(market.protocols, pool, self.name, staked, block) if staked else 0
        self.reward_received += paid
        self.sell_owed += int(paid * self.sell_fraction)
        shares = free_lp_shares(market.protocols, pool, self.name, block)
        out = withdraw(pool, self.name, self.wallet, shares) if shares else {}
        value = sum(market.value(t, a) for t, a in out.items())
        reason, est = getattr(self, "_leave_reason", ("?", {}))
        signal = reason.split(" (")[0]
        if signal.startswith("news"):
            signal = "news"
        self.exits.append(
            {
                "block": block,
                "pool": pool.name,
                "value_usd": value,
                "reason": reason,
                "signal": signal,
            }
        )
        self.model.metrics.note(  # type: ignore[attr-defined]
            "lp_exit",
            f"{self.name} leaves {pool.name} with ${value:,.0f}: {reason} (net APR "
            f"{est.get('net', 0):.1%}, headline reward APR {est.get('reward', 0):.1%})",
        )
        self.pool, self.state, self.entry_vt, self.weak_steps = None, "idle", 0.0, 0
        self.cooldown_until = block + self.spec.cooldown_blocks
        return Receipt(
            kind="remove_liquidity", pool=pool.name, detail={k: v for k, v in out.items()}
        )

    def _harvest(self, chain: Chain, sender: str) -> Receipt:
        pool = self.pool
        if pool is None:
            raise ProtocolError("not farming")
        paid = self.market.protocols.harvest(pool.name, self.name, self.market.block)
        self.reward_received += paid
        self.sell_owed += int(paid * self.sell_fraction)
        return Receipt(kind="harvest", pool=pool.name, detail={"reward_paid": paid})

    def _sell_rewards(self) -> None:
        """Sell what is owed of harvested rewards into the reward token's pool."""
        market = self.market
        chef = self.chef
        token = chef.token
        amount = min(self.sell_owed, self.wallet.get(token, 0))
        pools = [
            p for p in market.pools.values() if token in p.tokens and self.fund_token in p.tokens
        ]
        if amount <= 0 or not pools:
            return
        pool = pools[0]
        try:
            out = pool.quote_exact_in(token, self.fund_token, amount)
        except PoolError:
            return
        if market.value(self.fund_token, out) < 2 * market.gas_value(market.chain.gas.swap):
            return  # not worth the gas yet
        swap = SwapExactIn(
            path=(pool,),
            tokens=(token, self.fund_token),
            amount_in=amount,
            amount_out_min=int(out * (1 - self.spec.slippage_bps / 10_000)),
            deadline_block=market.block + 2,
            gas_units=market.chain.gas.swap,
        )
        self._submit(
            Call(lambda c, s: self._sold(swap.execute(c, s), amount), swap.gas_units, (pool,)),
            "reward_sell",
        )

    def _sold(self, receipt: Receipt, amount: int) -> Receipt:
        self.sell_owed = max(0, self.sell_owed - amount)
        self.reward_sold += amount
        self.reward_proceeds_usd += self.market.value(receipt.token_out, receipt.amount_out)
        return receipt

    def _accrue(self) -> None:
        """Time-weighted staked value (for the realised reward APR)."""
        block = self.market.block
        if self.pool is not None and self.state in ("in", "leaving"):
            days = (block - self._last_accrual) * self.model.block_time_s / 86_400  # type: ignore[attr-defined]
            self.staked_usd_days += self.position_value() * days
        self._last_accrual = block

    # ---- valuation and reports ---------------------------------------------------------------

    def position_value(self) -> float:
        """Value of its claims on every pool it holds LP shares of (staked shares included)."""
        total = 0.0
        for pool in self.candidates:
            shares = lp_shares(pool, self.name)
            if shares:
                total += sum(self.market.value(t, a) for t, a in claim(pool, shares).items())
        return total

    def value(self) -> float:
        return super().value() + self.position_value()

    def reward_value_usd(self) -> float:
        """Rewards realised so far: sale proceeds plus unsold rewards at today's price."""
        chef = self.chef
        if chef is None:
            return 0.0
        unsold = max(0, self.reward_received - self.reward_sold)
        return self.reward_proceeds_usd + self.market.value(chef.token, unsold)

    def report(self) -> dict[str, object]:
        chef = self.chef
        scale = self.market.scale[chef.token] if chef is not None else 1
        return {
            "cautious": self.cautious,
            "hurdle_apr_pct": self.hurdle * 100,
            "horizon_days": self.horizon_days,
            "sell_fraction": self.sell_fraction,
            "pool": self.pool.name if self.pool is not None else "",
            "pools_entered": ";".join(sorted(self.pools_entered)),
            "entries": len(self.entries),
            "exits": len(self.exits),
            "last_exit_reason": self.exits[-1]["reason"] if self.exits else "",
            "rewards_received": self.reward_received / scale,
            "rewards_sold": self.reward_sold / scale,
            "reward_proceeds_usd": self.reward_proceeds_usd,
            "reward_value_usd": self.reward_value_usd(),
            "realised_reward_apr_pct": self.reward_value_usd() / self.staked_usd_days * 365 * 100
            if self.staked_usd_days
            else None,
            "rejected_because": ";".join(f"{p}: {w}" for p, w in sorted(self.rejected.items())),
        }


def funding_tokens(agent: MiningLP) -> list[str]:
    """Priced tokens of the candidate pools (a launched token must be bought: zapped into)."""
    market = agent.market
    out = []
    for pool in agent.candidates:
        for t in pool.tokens:
            priced = t == market.numeraire or t in market.ref_prices
            if priced and t not in out:
                out.append(t)
    return out or [agent.fund_token]


def build(model: mesa.Model, cohort: str, spec: MiningLPSpec) -> list[MiningLP]:
    """Create the cohort, drawing each miner's behaviour, funded in its funding token."""
    rng = model.rng
    n = spec.count
    draws = {
        "capital": sample(spec.capital_usd, rng, n).clip(0, None),
        "hurdle": sample(spec.hurdle_apr, rng, n),
        "horizon": sample(spec.horizon_days, rng, n),
        "sell": sample(spec.sell_fraction, rng, n),
        "pressure": sample(spec.expected_sell_pressure, rng, n),
        "harvest": sample(spec.harvest_days, rng, n).clip(1e-6, None),
        "cautious": (rng.random(n) < spec.cautious_share).astype(float),
    }
    agents = []
    for i in range(n):
        a = MiningLP(
            model, cohort=cohort, spec=spec, params={k: float(v[i]) for k, v in draws.items()}
        )
        a.fund(a.capital, dict.fromkeys(funding_tokens(a), 1.0), spec.gas_reserve)
        agents.append(a)
    return agents

"""Liquidity miners: LPs who enter, stay in or leave farms on what they observe, and stake in the chef.

Every `decide_every` blocks a miner samples its candidate pools and estimates each one's net
APR: fees plus effective rewards, less impermanent loss and gas (`agents.mining_watch`).

A miner enters the best pool when net APR beats its hurdle (cautious miners skip pools
whose launched token fails `due_diligence`), and leaves when net APR falls below
`stay_ratio` × hurdle or on a signal: volume/TVL falling, an emission cut, gas above
income, a pegged pair off its peg, the pool's token crashing, or a news flag (`exit_news`,
`rug:<TOKEN>`). It harvests every `harvest_days` (when the reward beats gas) and sells
`sell_fraction` of what it harvested into the reward token's pool.

Entering takes two transactions: a swap that balances its wallet to the pool's two tokens
(a zap), then one call that deposits and stakes. Leaving is one call (unstake + withdraw).
How each move is made, and the books of the rewards, are `agents.mining_position`'s.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import MarketAgent
from agents.mining_position import FarmPosition, funding_tokens
from agents.mining_signals import ExitSignals
from agents.mining_watch import AprEstimate, FarmWatch
from agents.token_buyer import Caution, due_diligence
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, SwapExactIn, Tx
from sim.config import Amount, DaysDist, Dist, Share, sample
from sim.errors import PoolError, ProtocolError
from sim.market.world import world_of
from sim.pools.base import Pool


class MiningLPSpec(Caution):
    """A cohort of liquidity miners choosing among reward pools."""

    kind: Literal["mining_lp"]
    pools: list[str] = Field(min_length=1, description="candidate pools (each in [rewards.pools])")
    capital: Amount = Field(100_000.0, description="capital per miner, numeraire")
    fund_token: str | None = Field(
        None,
        description="token rewards are sold for (default: the chain's native token); capital is "
        "held in equal value of every priced token of the candidate pools",
    )
    confirm_steps: int = Field(
        3,
        ge=1,
        le=1_000_000,
        description="decisions in a row an APR-based exit must hold before leaving",
    )
    hurdle_apr: Dist = Field(0.2, description="least net APR to enter (0.2 = 20%; may be < 0)")
    stay_ratio: float = Field(
        0.5, ge=0, le=1, description="stay while net APR >= stay_ratio × hurdle (hysteresis)"
    )
    switch_margin: float = Field(
        0.5,
        ge=0,
        le=100,
        description="move to another pool when its net APR is higher by this much",
    )
    horizon_days: DaysDist = Field(7.0, description="planned holding period, days")
    sell_fraction: Share = Field(0.8, description="share of each harvest sold at once")
    expected_sell_pressure: Share = Field(
        0.5, description="share of emissions the miner expects others to dump (0..1)"
    )
    harvest_days: DaysDist = Field(0.5, description="days between harvests")
    window_blocks: int = Field(600, ge=10, le=50_000_000, description="rolling window, blocks")
    decide_every: int = Field(25, ge=1, le=50_000_000, description="blocks between decisions")
    enter_after_block: int = Field(1, ge=1, le=50_000_000, description="first block it may act")
    volume_drop_exit: float = Field(
        0.2, ge=0, le=1, description="leave if volume/TVL falls below this × its level at entry"
    )
    emission_cut_exit: float = Field(
        0.3, ge=0, le=1, description="leave if the emission rate drops by this share at once"
    )
    max_depeg: float = Field(0.02, ge=0, le=1, description="leave a stable pool this far off peg")
    crash_exit: float = Field(
        0.3, ge=0, le=1, description="leave if a launched token of the pool fell this much"
    )
    exit_news: list[str] = Field(
        default_factory=lambda: ["exploit"], description="news flags that make miners leave"
    )
    cooldown_blocks: int = Field(
        300, ge=0, le=50_000_000, description="blocks to wait after leaving"
    )
    slippage_bps: float = Field(100.0, ge=0, le=10_000, description="slippage tolerance of swaps")


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
        self.harvest_blocks = max(1, int(params["harvest"] * 86_400 / self.world.block_time_s))
        self.cautious = bool(params["cautious"])
        self.capital = params["capital"]
        market = self.market
        self.fund_token = spec.fund_token or market.chain.native
        self.candidates: list[Pool] = [market.pools[p] for p in spec.pools]
        self.watch = FarmWatch(
            self.world,
            self.candidates,
            window_blocks=spec.window_blocks,
            decide_every=spec.decide_every,
            horizon_days=self.horizon_days,
            sell_pressure=self.sell_pressure,
            harvest_blocks=self.harvest_blocks,
        )
        self.position = FarmPosition(
            self.world,
            self.name,
            self.candidates,
            fund_token=self.fund_token,
            gas_reserve=spec.gas_reserve,
            slippage_bps=spec.slippage_bps,
            sell_fraction=self.sell_fraction,
        )
        # past 2**62 blocks (longer than any run) no offset differs: numpy draws below 2**63
        self.offset = int(self.world.rng.integers(min(spec.decide_every, 2**62)))
        self.state: Literal["idle", "zap", "entering", "in", "leaving"] = "idle"
        self.pool: Pool | None = None
        self.target: Pool | None = None
        self.next_harvest = 0
        self.cooldown_until = 0
        self.exit_signals = ExitSignals(market, spec)
        self.rejected: dict[str, str] = {}
        self.last_net_apr: float | None = None
        self.weak_steps = 0
        self._pending_est: AprEstimate | None = None
        """The estimate that made it zap, booked with the entry that follows."""
        self._leave_reason: tuple[str, AprEstimate] | None = None

    # ---- what it knows -----------------------------------------------------------------------

    @property
    def entries(self) -> list[dict[str, object]]:
        return self.position.entries

    @property
    def exits(self) -> list[dict[str, object]]:
        return self.position.exits

    @property
    def pools_entered(self) -> set[str]:
        return self.position.pools_entered

    @property
    def reward_received(self) -> int:
        """Reward units paid to the wallet by the chef."""
        return self.position.reward_received

    @property
    def staked_value_days(self) -> float:
        """Time-weighted value staked (for the realised reward APR)."""
        return self.position.staked_value_days

    def reward_value(self) -> float:
        """Rewards realised so far: sale proceeds plus unsold rewards at today's price."""
        return self.position.reward_value()

    def estimate(self, pool: Pool) -> AprEstimate:
        """APR components of holding this pool from now, with own capital in it."""
        holding = self.pool is pool
        mine = self.position.value() if holding else self.position.investable_value()
        return self.watch.estimate(pool, self.position.chef, mine, holding)

    def signals(self, pool: Pool) -> str | None:
        """An exit signal on `pool`, if any (judged on what the miner observed)."""
        return self.exit_signals.check(pool, self.watch.windows[pool.name], self.pool is pool)

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
        self.watch.observe(self.position.chef)
        self._accrue()
        if self.state == "in" and self.pool is not None:
            self._manage(self.pool)
        elif self.state == "idle" and block >= self.cooldown_until:
            self._maybe_enter()
        if self.position.sell_owed > 0 and self.state in ("idle", "in"):
            self._sell_rewards()

    def _ranked(self) -> list[tuple[float, Pool, AprEstimate]]:
        out = []
        need = max(2, self.watch.size // 2)
        for pool in self.candidates:
            if len(self.watch.windows[pool.name].blocks) < need:
                continue
            if self.cautious:
                horizon = int(self.horizon_days * 86_400 / self.world.block_time_s)
                ok, why = due_diligence(self.market, pool, self.spec, horizon)
                if not ok:
                    self.rejected[pool.name] = why
                    continue
            est = self.estimate(pool)
            out.append((est.net, pool, est))
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
        self.last_net_apr = est.net
        reason = self.signals(pool)
        if reason is None:
            income = (est.fee + est.effective_reward) * self.position.value() / 365
            per_day = 86_400 / self.world.block_time_s / self.harvest_blocks
            gas = market.gas_value(market.chain.gas.stake + market.chain.gas.swap) * per_day
            if gas > income:
                reason = "gas above income"
        weak = None
        if est.net < self.spec.stay_ratio * self.hurdle:
            weak = (
                f"net APR below hurdle ({est.net:.1%} < {self.spec.stay_ratio * self.hurdle:.1%})"
            )
        else:
            best = self._ranked()
            margin = est.net + self.spec.switch_margin
            if best and best[0][1] is not pool and best[0][0] > margin:
                weak = f"better pool {best[0][1].name} ({best[0][0]:.0%} vs {est.net:.0%})"
        self.weak_steps = self.weak_steps + 1 if weak else 0
        if reason is None and self.weak_steps >= self.spec.confirm_steps:
            reason = weak
        if reason is not None:
            self._leave(pool, reason, est)
            return
        if market.block >= self.next_harvest:
            chef = self.position.chef
            pending = chef.pending_reward(pool.name, self.name, market.block)
            gas_cost = market.gas_value(market.chain.gas.stake + market.chain.gas.swap)
            if market.value(chef.token, pending) > 2 * gas_cost:
                self._submit(Call(self._harvest, market.chain.gas.stake, (pool,)), Intent.HARVEST)
            self.next_harvest = market.block + self.harvest_blocks

    # ---- transactions ------------------------------------------------------------------------

    def _submit(self, action: Call | SwapExactIn, label: str) -> None:
        self.market.chain.submit(Tx(self.name, action, 0.0, label))

    def _zap(self, pool: Pool, est: AprEstimate) -> None:
        """Swap toward equal value of the pool's two tokens; the deposit follows next block."""
        self.state = "zap"
        self._pending_est = est
        try:
            swap = self.position.zap(pool, self.market.block)
        except PoolError:
            self.state = "idle"
            return
        if swap is not None:
            self._submit(swap, Intent.ZAP)

    def _submit_enter(self) -> None:
        pool = self.target
        if pool is None:
            self.state = "idle"
            return
        self.state = "entering"
        gas = self.market.chain.gas
        self._submit(Call(self._enter, gas.add_liquidity + gas.stake, (pool,)), Intent.MINE)

    def _enter(self, chain: Chain, sender: str) -> Receipt:
        pool, est = self.target, self._pending_est
        if pool is None or est is None:
            raise ProtocolError(f"{self.name}: no farm to enter")
        market = self.market
        block = market.block
        self.state = "idle"  # unless the deposit goes through
        shares, paid = self.position.deposit_and_stake(pool, block, est)
        self.pool, self.target, self.state = pool, None, "in"
        self.next_harvest = block + self.harvest_blocks
        self.exit_signals.entered(pool, self.watch.windows[pool.name], block)
        return Receipt(
            kind="add_liquidity", pool=pool.name, detail={"staked": shares, "reward_paid": paid}
        )

    def _leave(self, pool: Pool, reason: str, est: AprEstimate) -> None:
        self.state = "leaving"
        self._leave_reason = (reason, est)
        gas = self.market.chain.gas
        self._submit(Call(self._exit, gas.remove_liquidity + gas.stake, (pool,)), Intent.MINE)

    def _exit(self, chain: Chain, sender: str) -> Receipt:
        pool, why = self.pool, self._leave_reason
        if pool is None or why is None:
            raise ProtocolError(f"{self.name}: no farm to leave")
        block = self.market.block
        self.state = "in"  # unless the withdrawal goes through
        self._accrue()
        out = self.position.unstake_and_withdraw(pool, block, *why)
        self.pool, self.state, self.weak_steps = None, "idle", 0
        self.exit_signals.left()
        self.cooldown_until = block + self.spec.cooldown_blocks
        return Receipt(
            kind="remove_liquidity", pool=pool.name, detail={k: v for k, v in out.items()}
        )

    def _harvest(self, chain: Chain, sender: str) -> Receipt:
        pool = self.pool
        if pool is None:
            raise ProtocolError("not farming")
        paid = self.position.harvest(pool, self.market.block)
        return Receipt(kind="harvest", pool=pool.name, detail={"reward_paid": paid})

    def _sell_rewards(self) -> None:
        """Sell what is owed of harvested rewards into the reward token's pool."""
        sale = self.position.reward_sale(self.market.block)
        if sale is not None:
            self._submit(sale, Intent.REWARD_SELL)

    def _accrue(self) -> None:
        """Time-weighted staked value (for the realised reward APR)."""
        farming = self.pool is not None and self.state in ("in", "leaving")
        self.position.accrue(self.market.block, farming)

    # ---- valuation and reports ---------------------------------------------------------------

    def value(self) -> float:
        return super().value() + self.position.value()

    def report(self) -> dict[str, object]:
        books = self.position
        scale = self.market.scale[books.chef.token]
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
            "rewards_received": books.reward_received / scale,
            "rewards_sold": books.reward_sold / scale,
            "reward_proceeds": books.reward_proceeds,
            "reward_value": books.reward_value(),
            "realised_reward_apr_pct": books.reward_value() / books.staked_value_days * 365 * 100
            if books.staked_value_days
            else None,
            "rejected_because": ";".join(f"{p}: {w}" for p, w in sorted(self.rejected.items())),
        }


def build(model: mesa.Model, cohort: str, spec: MiningLPSpec) -> list[MiningLP]:
    """Create the cohort, drawing each miner's behaviour, funded in its funding token."""
    rng = world_of(model).rng
    n = spec.count
    draws = {
        "capital": sample(spec.capital, rng, n).clip(0, None),
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
        tokens = funding_tokens(a.market, a.candidates, a.fund_token)
        a.fund(a.capital, dict.fromkeys(tokens, 1.0), spec.gas_reserve)
        agents.append(a)
    return agents

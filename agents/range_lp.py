"""Range liquidity providers: concentrated-liquidity (Uniswap V3) positions managed by a strategy.

One agent holds at most one position `(tick_lower, tick_upper)` in one `concentrated`
pool. Its cohort's `strategy` decides the band and when to move it:

* `full_range`      the whole tick range, never moved (behaves like a V2 LP);
* `fixed_band`      +-`band_pct` % around the entry price, never moved;
* `vol_band`        [recent low * e^-w, recent high * e^w], w = `vol_alpha` * sigma * sqrt(T):
                    sigma is the realised volatility of the reference price over the last
                    `vol_lookback_blocks` (`sim.prices.realised_vol`), T the horizon
                    `vol_horizon_blocks`; re-sized whenever the price leaves the band
                    (and every `recentre_every` blocks if set);
* `narrow_recentre` +-`band_pct` % re-centred whenever the price leaves it, and every
                    `recentre_every` blocks if set;
* `event_recentre`  +-`band_pct` % re-centred only once the price has been outside for
                    `confirm_blocks` consecutive blocks (a confirmed breakout);
* `hedged`          an `event_recentre` position whose long token0 exposure is hedged with
                    a short perpetual future (`PerpPosition`), sized `perp.hedge_ratio` times
                    the exposure (below 1 keeps a directional long bias) and re-sized every
                    `perp.hedge_every` blocks when it drifted by more than `perp.hedge_tolerance`.

Every move is one transaction (a `Call`, as a position-manager multicall): burn all the
liquidity, collect principal and fees, swap the inventory toward the new band's token
ratio through the same pool when the imbalance exceeds `min_swap_pct`, mint the new
band. It pays gas `remove_liquidity + collect_gas_units + add_liquidity (+ swap)` from the
agent's wallet, and reverts as a whole (state restored) if any step fails.

The perpetual is a small book inside this module: mark = the reference price, funding
accrues every block at `perp.funding_rate_annual` (positive: longs pay shorts, so the
hedge receives it), price P&L is settled into the collateral every block (variation
margin), and the venue liquidates the position when the collateral falls below
`perp.maintenance_margin` times the notional, keeping `perp.liquidation_fee` of the
notional. Collateral is real numeraire tokens: the agent posts its margin by a ledger
transfer to the `perp_counterparty` wallet, and gets its equity back from it on closing
or liquidation. That wallet stands for every trader on the other side of the perp; it
is funded by one explicit ledger mint of `perp.counterparty_usd` numeraire when a hedged
cohort is built, so token conservation (`model.check()`) holds throughout.

Reported per agent (`report()`): fees earned (collected + uncollected, from the pool's
own fee growth), time in range, impermanent loss of the current band since its last
deployment both by the ranged closed form (`ranged_il`) and measured from the
position's token amounts, gas, perp P&L and funding, the net result against holding the
tokens it was funded with, and the same annualised.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import mesa
from pydantic import Field, model_validator

from agents.base import AgentSpec, MarketAgent
from sim.chain import Call, Chain, Receipt, Tx
from sim.config import Dist, Spec, sample
from sim.errors import InvalidAmount, PoolError, ProtocolError, ScenarioError
from sim.pools.concentrated import (
    ConcentratedPool,
    nearest_usable_tick,
    price_to_tick,
    ranged_il,
    tick_to_price,
)
from sim.pools.v3_math import MAX_TICK, MAX_UINT256, Q96, Q128, get_sqrt_ratio_at_tick, mul_div
from sim.prices import SECONDS_PER_YEAR, realised_vol

if TYPE_CHECKING:
    from sim.model import MarketModel

PERP_COUNTERPARTY = "perp_counterparty"
"""Wallet of the perpetual venue's other side (funded by one explicit mint per hedged cohort)."""

Strategy = Literal[
    "full_range", "fixed_band", "vol_band", "narrow_recentre", "event_recentre", "hedged"
]


class PerpSpec(Spec):
    """The short perpetual of the `hedged` strategy, and the venue's rules."""

    funding_rate_annual: float = Field(
        0.10,
        ge=-10,
        le=10,
        description="funding rate a year on the notional; positive: longs pay shorts",
    )
    initial_margin: float = Field(
        0.10, gt=0, le=1, description="collateral needed to open, fraction of the notional"
    )
    maintenance_margin: float = Field(
        0.05, gt=0, le=1, description="liquidation when collateral falls below this x notional"
    )
    liquidation_fee: float = Field(
        0.01, ge=0, le=0.5, description="share of the notional the venue keeps on liquidation"
    )
    margin_fraction: float = Field(
        0.2, ge=0, lt=1, description="share of the agent's capital posted as collateral"
    )
    hedge_ratio: float = Field(
        1.0, ge=0, le=3, description="short size / the LP's token0 exposure (< 1: long bias)"
    )
    hedge_every: int = Field(100, ge=1, description="blocks between checks of the hedge size")
    hedge_tolerance: float = Field(
        0.1, ge=0, le=10, description="re-size when off target by more than this fraction"
    )
    gas_units: int = Field(0, ge=0, description="gas of a perp order (0: an off-chain venue)")
    counterparty_usd: float = Field(
        100_000_000.0,
        ge=0,
        description=f"numeraire minted into the `{PERP_COUNTERPARTY}` wallet per hedged cohort",
    )

    @model_validator(mode="after")
    def _margins(self) -> PerpSpec:
        if self.maintenance_margin > self.initial_margin:
            raise ValueError("maintenance_margin must not exceed initial_margin")
        return self


class RangeLPSpec(AgentSpec):
    """A cohort of concentrated-liquidity providers following one band strategy."""

    kind: Literal["range_lp"]
    pool: str = Field(description="a `concentrated` pool")
    strategy: Strategy = Field(
        description="how the band is chosen and moved (see docs/v3_strategies.md)"
    )
    capital_usd: Dist = Field(100_000.0, description="capital per provider, numeraire")
    enter_block: int = Field(0, ge=0, description="block of the first mint (0 = genesis)")
    exit_block: int | None = Field(None, ge=1, description="block to withdraw everything, if any")
    band_pct: float = Field(
        10.0, gt=0, lt=100, description="half-width of the band, % of the price (not vol_band)"
    )
    recentre_every: int | None = Field(
        None, ge=1, description="narrow_recentre / vol_band: also re-centre every N blocks"
    )
    confirm_blocks: int = Field(
        10, ge=1, description="event_recentre / hedged: blocks outside the band before moving"
    )
    vol_lookback_blocks: int = Field(
        300, ge=3, description="vol_band: blocks of reference prices for high, low and sigma"
    )
    vol_alpha: float = Field(2.0, ge=0, le=20, description="vol_band: sigmas added on each side")
    vol_horizon_blocks: int | None = Field(
        None, ge=1, description="vol_band: horizon T of the sigma*sqrt(T) margin (default lookback)"
    )
    vol_prior: float = Field(
        0.8, ge=0, le=20, description="vol_band: annualised sigma assumed before any history"
    )
    min_swap_pct: float = Field(
        1.0,
        ge=0,
        le=100,
        description="swap to the band's ratio only when the excess is above this % of the value",
    )
    swap_slippage_bps: float = Field(
        30.0,
        ge=0,
        le=10_000,
        description="rebalancing swap: worst price vs the reference, beyond the pool fee, bps",
    )
    collect_gas_units: int = Field(50_000, ge=0, description="gas of the collect call")
    perp: PerpSpec = Field(default_factory=PerpSpec, description="the hedge (strategy hedged)")


# ------------------------------------------------------------------------------ perpetual


@dataclass(slots=True)
class PerpPosition:
    """A linear perpetual future on token0 quoted in the numeraire, marked to the reference.

    `size` is in whole token0 (negative = short); `collateral` in numeraire. `accrue`
    settles price P&L and funding into the collateral (variation margin), so the
    collateral is the position's equity.
    """

    funding_rate_annual: float
    initial_margin: float
    maintenance_margin: float
    liquidation_fee: float
    size: float = 0.0
    collateral: float = 0.0
    mark: float = 0.0
    pnl: float = 0.0  # cumulative price P&L
    funding: float = 0.0  # cumulative funding received (paid if negative)
    liquidations: int = 0
    penalties: float = 0.0

    @classmethod
    def from_spec(cls, spec: PerpSpec) -> PerpPosition:
        return cls(
            spec.funding_rate_annual,
            spec.initial_margin,
            spec.maintenance_margin,
            spec.liquidation_fee,
        )

    def notional(self, mark: float | None = None) -> float:
        return abs(self.size) * (self.mark if mark is None else mark)

    def accrue(self, mark: float, dt_years: float) -> tuple[float, float]:
        """Move the mark to `mark` after `dt_years`: returns (price P&L, funding) credited."""
        pnl = self.size * (mark - self.mark) if self.mark else 0.0
        # funding on the notional at the new mark: longs pay shorts when the rate is positive
        funding = -self.size * mark * self.funding_rate_annual * dt_years
        self.collateral += pnl + funding
        self.pnl += pnl
        self.funding += funding
        self.mark = mark
        return pnl, funding

    def maintenance(self) -> float:
        return self.maintenance_margin * self.notional()

    def should_liquidate(self) -> bool:
        return self.size != 0.0 and self.collateral < self.maintenance()

    def max_size(self, mark: float) -> float:
        """Largest |size| the collateral supports at the initial margin."""
        if mark <= 0 or self.collateral <= 0:
            return 0.0
        return self.collateral / (self.initial_margin * mark)

    def resize(self, target: float, mark: float) -> float:
        """Trade to `target` size at `mark` (capped by the initial margin); returns the new size."""
        if self.mark and mark != self.mark:
            raise ValueError("accrue to the current mark before trading")
        self.mark = mark
        self.size = math.copysign(min(abs(target), self.max_size(mark)), target)
        return self.size

    def liquidate(self) -> float:
        """The venue closes the position at the mark; returns the equity paid back (>= 0)."""
        penalty = min(max(self.collateral, 0.0), self.liquidation_fee * self.notional())
        back = max(0.0, self.collateral - penalty)
        self.penalties += penalty
        self.liquidations += 1
        self.size = 0.0
        self.collateral = 0.0
        return back

    def close(self) -> float:
        """Close at the mark; returns the equity paid back (>= 0, a deficit is the venue's loss)."""
        back = max(0.0, self.collateral)
        self.size = 0.0
        self.collateral = 0.0
        return back


# ------------------------------------------------------------------------------ band math


def max_usable_tick(spacing: int) -> int:
    return (MAX_TICK // spacing) * spacing


def band_ticks(pool: ConcentratedPool, lower_price: float, upper_price: float) -> tuple[int, int]:
    """Usable ticks nearest the band's prices, widened by a spacing if needed so that the
    pool's current tick lies inside [tick_lower, tick_upper)."""
    d0, d1 = pool.decimals
    s = pool.tick_spacing
    top = max_usable_tick(s)
    lower_price = max(lower_price, tick_to_price(-top, d0, d1))
    upper_price = min(upper_price, tick_to_price(top, d0, d1))
    tl = nearest_usable_tick(price_to_tick(lower_price, d0, d1), s)
    tu = nearest_usable_tick(price_to_tick(upper_price, d0, d1), s)
    floor_tick = (pool.tick // s) * s
    tl = min(tl, floor_tick)
    tu = max(tu, floor_tick + s)
    return max(tl, -top), min(tu, top)


def target_split(sqrt_price_x96: int, tick_lower: int, tick_upper: int) -> tuple[float, float]:
    """Raw token0 and token1 one unit of liquidity holds at the current price (floats)."""
    s = sqrt_price_x96 / Q96
    sa = get_sqrt_ratio_at_tick(tick_lower) / Q96
    sb = get_sqrt_ratio_at_tick(tick_upper) / Q96
    s = min(max(s, sa), sb)
    return 1.0 / s - 1.0 / sb, s - sa


def token0_value_share(sqrt_price_x96: int, tick_lower: int, tick_upper: int) -> float:
    """Share of a new position's value held in token0 at the current price."""
    x, y = target_split(sqrt_price_x96, tick_lower, tick_upper)
    p = (sqrt_price_x96 / Q96) ** 2
    return x * p / (x * p + y)


def rebalance_swap(
    amount0: int, amount1: int, sqrt_price_x96: int, tick_lower: int, tick_upper: int, fee: float
) -> tuple[int, int]:
    """(token index sold, raw amount) that brings the inventory to the band's ratio.

    Ignores price impact (the small remainder stays in the wallet); index -1: no swap.
    """
    x, y = target_split(sqrt_price_x96, tick_lower, tick_upper)
    p = (sqrt_price_x96 / Q96) ** 2  # raw token1 per raw token0
    keep = 1.0 - fee
    if y * amount0 > x * amount1:  # too much token0: sell d with (a0 - d) / (a1 + d p k) = x / y
        d = (y * amount0 - x * amount1) / (y + x * p * keep)
        return 0, max(0, min(amount0, int(d)))
    e = (x * amount1 - y * amount0) / (x + y * keep / p)
    return 1, max(0, min(amount1, int(e)))


# ------------------------------------------------------------------------------ the agent


class RangeLP(MarketAgent):
    kind: ClassVar[str] = "range_lp"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: RangeLPSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        pool = self.market.pools[spec.pool]
        if not isinstance(pool, ConcentratedPool):
            raise ScenarioError(
                f"agents.{cohort}.pool: a range_lp needs a concentrated pool, "
                f"{spec.pool!r} is {pool.kind}"
            )
        self.pool: ConcentratedPool = pool
        self.t0, self.t1 = pool.tokens
        self.block_time_s: float = model.block_time_s  # type: ignore[attr-defined]
        self.capital = 0.0
        self.funded: dict[str, int] = {}
        native = self.market.chain.native
        self.gas_floor: dict[str, int] = {
            native: int(spec.gas_reserve * 10 ** self.market.decimals.get(native, 0))
        }
        # the position
        self.tick_lower = 0
        self.tick_upper = 0
        self.liquidity = 0
        self.entered = False
        self.exited = False
        self.entry_block = 0
        self.deployed_block = 0  # block of the current band's mint
        self.entry_price = 0.0  # pool price at the current band's mint
        self.minted: tuple[int, int] = (0, 0)  # raw tokens put into the current band
        self.rebalances = 0
        self.swaps_done = 0
        self.postponed = 0  # blocks a due move waited for the pool to come back near the reference
        # accounting
        self.fees_collected = [0, 0]  # raw units
        self.fees_collected_usd = 0.0
        self.blocks_deployed = 0
        self.blocks_in_range = 0
        self.out_count = 0
        self.history: deque[float] = deque(maxlen=spec.vol_lookback_blocks + 1)
        self.perp: PerpPosition | None = (
            PerpPosition.from_spec(spec.perp) if spec.strategy == "hedged" else None
        )
        self.margin_posted = 0.0
        self.perp_orders = 0
        self.last_hedge_block = 0

    # ---- reading the market ------------------------------------------------------------

    def ref_price(self) -> float:
        """Reference price of token0 in token1 (whole tokens)."""
        p1 = self.market.price(self.t1)
        return self.market.price(self.t0) / p1 if p1 else 0.0

    def pool_price(self) -> float:
        return self.pool.spot_price(self.t0, self.t1)

    def in_range(self) -> bool:
        return self.liquidity > 0 and self.tick_lower <= self.pool.tick < self.tick_upper

    def inventory(self) -> tuple[int, int]:
        """Wallet tokens available to the position (the gas reserve excluded)."""
        w = self.wallet
        return (
            max(0, w[self.t0] - self.gas_floor.get(self.t0, 0)),
            max(0, w[self.t1] - self.gas_floor.get(self.t1, 0)),
        )

    def band(self) -> tuple[int, int]:
        """The band this strategy would deploy now, as usable ticks.

        Centred on the reference price (where arbitrage takes the pool), widened if needed
        to contain the pool's current tick (`band_ticks`).
        """
        pool = self.pool
        spec = self.spec
        if spec.strategy == "full_range":
            top = max_usable_tick(pool.tick_spacing)
            return -top, top
        price = self.ref_price() or self.pool_price()
        if spec.strategy == "vol_band":
            hist = list(self.history)
            sigma = realised_vol(hist, self.block_time_s) if len(hist) >= 3 else spec.vol_prior
            horizon = spec.vol_horizon_blocks or spec.vol_lookback_blocks
            w = spec.vol_alpha * sigma * math.sqrt(horizon * self.block_time_s / SECONDS_PER_YEAR)
            low = min([*hist, price])
            high = max([*hist, price])
            return band_ticks(pool, low * math.exp(-w), high * math.exp(w))
        x = spec.band_pct / 100
        return band_ticks(pool, price * (1 - x), price * (1 + x))

    # ---- position value and fees --------------------------------------------------------

    def position_amounts(self) -> tuple[int, int]:
        if not self.liquidity:
            return 0, 0
        return self.pool.position_amounts(self.name, self.tick_lower, self.tick_upper)

    def uncollected_fees(self) -> tuple[int, int]:
        """Fees the position has earned and not collected, from the pool's fee growth (raw)."""
        if not self.liquidity:
            return 0, 0
        pos = self.pool.position(self.name, self.tick_lower, self.tick_upper)
        g0, g1 = self.pool.get_fee_growth_inside(self.tick_lower, self.tick_upper)
        owed0 = mul_div((g0 - pos.fee_growth_inside0_last_x128) & MAX_UINT256, pos.liquidity, Q128)
        owed1 = mul_div((g1 - pos.fee_growth_inside1_last_x128) & MAX_UINT256, pos.liquidity, Q128)
        return pos.tokens_owed0 + owed0, pos.tokens_owed1 + owed1

    def _usd(self, a0: int | float, a1: int | float) -> float:
        return self.market.value(self.t0, int(a0)) + self.market.value(self.t1, int(a1))

    def position_value(self) -> float:
        """Principal plus uncollected fees, at reference prices."""
        a0, a1 = self.position_amounts()
        f0, f1 = self.uncollected_fees()
        return self._usd(a0 + f0, a1 + f1)

    def perp_equity(self) -> float:
        return max(0.0, self.perp.collateral) if self.perp is not None else 0.0

    def value(self) -> float:
        """Wallet + position (principal and uncollected fees) + perp equity, numeraire."""
        return super().value() + self.position_value() + self.perp_equity()

    def hodl_value(self) -> float:
        """What the tokens it was funded with would be worth now, had they been held."""
        return self.market.wallet_value(self.funded)

    def fees_usd(self) -> float:
        """Fees earned: collected (valued when collected) + uncollected (valued now)."""
        return self.fees_collected_usd + self._usd(*self.uncollected_fees())

    def il_formula(self) -> float | None:
        """ranged_il of the current band since its mint, at the pool price ratio, as a fraction."""
        if not self.liquidity or not self.entry_price:
            return None
        d0, d1 = self.pool.decimals
        p0 = self.entry_price
        lower = min(1.0, tick_to_price(self.tick_lower, d0, d1) / p0)
        upper = max(1.0, tick_to_price(self.tick_upper, d0, d1) / p0)
        return ranged_il(self.pool_price() / p0, lower, upper)

    def il_measured(self) -> float | None:
        """Position principal against holding the tokens minted, both valued at the pool price."""
        if not self.liquidity:
            return None
        p = self.pool_price()
        d0, d1 = (10**d for d in self.pool.decimals)
        a0, a1 = self.position_amounts()
        m0, m1 = self.minted
        hold = m0 / d0 * p + m1 / d1
        return (a0 / d0 * p + a1 / d1) / hold - 1.0 if hold else None

    # ---- acting -------------------------------------------------------------------------

    def act(self) -> None:
        market = self.market
        block = market.block
        self.history.append(self.ref_price())
        self._mark_perp()
        if self.exited:
            return
        if not self.entered:
            if block >= self.spec.enter_block:
                gas = market.chain.gas
                units = gas.add_liquidity + gas.swap + self._perp_gas()
                self._submit(self._enter, units, "lp")
            return
        if self.spec.exit_block is not None and block >= self.spec.exit_block:
            gas = market.chain.gas
            units = gas.remove_liquidity + self.spec.collect_gas_units + self._perp_gas()
            self._submit(self._exit, units, "lp")
            return
        self.blocks_deployed += 1
        inside = self.in_range()
        if inside:
            self.blocks_in_range += 1
            self.out_count = 0
        else:
            self.out_count += 1
        if self.should_rebalance(inside, block):
            side, amount = self.planned_swap()
            if amount > 0 and not self._affordable(side, amount):
                # the pool is too far from the reference price to swap into the new band:
                # wait for the arbitrageurs rather than mint a lopsided position
                self.postponed += 1
                return
            swap = amount > 0
            gas = market.chain.gas
            units = gas.remove_liquidity + self.spec.collect_gas_units + gas.add_liquidity
            units += (gas.swap if swap else 0) + self._perp_gas()
            self._submit(lambda c, s: self._rebalance(c, s, swap), units, "rebalance")
        elif self._hedge_due(block):
            self._submit(self._hedge_call, self.spec.perp.gas_units, "hedge")

    def should_rebalance(self, inside: bool, block: int) -> bool:
        """Whether the strategy moves its band this block."""
        spec = self.spec
        strategy = spec.strategy
        periodic = (
            spec.recentre_every is not None and block - self.deployed_block >= spec.recentre_every
        )
        if strategy in ("narrow_recentre", "vol_band"):
            return not inside or periodic
        if strategy in ("event_recentre", "hedged"):
            return self.out_count >= spec.confirm_blocks
        return False

    def planned_swap(self) -> tuple[int, int]:
        """(token index sold, raw amount) a move to the band wanted now needs (amount 0: none)."""
        tl, tu = self.band()
        a0, a1 = self.position_amounts()
        f0, f1 = self.uncollected_fees()
        i0, i1 = self.inventory()
        return self._swap_plan(a0 + f0 + i0, a1 + f1 + i1, tl, tu)

    def _swap_plan(self, a0: int, a1: int, tl: int, tu: int) -> tuple[int, int]:
        pool = self.pool
        side, amount = rebalance_swap(a0, a1, pool.sqrt_price_x96, tl, tu, pool.fee_pips / 1e6)
        token = self.t0 if side == 0 else self.t1
        total = self._usd(a0, a1)
        if (
            amount <= 0
            or not total
            or self.market.value(token, amount) < total * self.spec.min_swap_pct / 100
        ):
            return side, 0
        return side, amount

    def _submit(self, fn: Callable[[Chain, str], Receipt], gas_units: int, label: str) -> None:
        self.market.chain.submit(Tx(self.name, Call(fn, gas_units, (self.pool,)), 0.0, label))

    def _perp_gas(self) -> int:
        return self.spec.perp.gas_units if self.perp is not None else 0

    # ---- transactions (run by the chain; raise PoolError to revert) ----------------------

    def enter_now(self) -> None:
        """Genesis: post the perp margin, mint the band (no swap: the pool may be empty), hedge."""
        self._post_margin()
        self._withdraw_and_deploy(allow_swap=False)
        self._hedge()
        self.entered = True
        self.entry_block = self.market.block

    def _enter(self, chain: Chain, sender: str) -> Receipt:
        def run() -> Receipt:
            self._post_margin()
            receipt = self._withdraw_and_deploy(allow_swap=True)
            self._hedge()
            return receipt

        receipt = self._atomic(run)
        self.entered = True
        self.entry_block = self.market.block
        return receipt

    def _rebalance(self, chain: Chain, sender: str, allow_swap: bool) -> Receipt:
        def run() -> Receipt:
            receipt = self._withdraw_and_deploy(allow_swap=allow_swap)
            self._hedge()
            return receipt

        receipt = self._atomic(run)
        self.rebalances += 1
        return receipt

    def _exit(self, chain: Chain, sender: str) -> Receipt:
        paid = self._atomic(self._withdraw)
        if self.perp is not None:
            self._pay_back(self.perp.close())
        self.exited = True
        detail = {"amount0": paid[0], "amount1": paid[1]}
        return Receipt(kind="remove_liquidity", pool=self.pool.name, detail=detail)

    def _hedge_call(self, chain: Chain, sender: str) -> Receipt:
        size = self._hedge()
        return Receipt(kind="perp", detail={"size": size})

    def _atomic(self, fn: Callable[[], Any]) -> Any:
        """Run `fn`; on a revert restore the pool, the wallet and this agent's books."""
        pool_state = copy.deepcopy(vars(self.pool))
        wallet = dict(self.wallet)
        mine = {k: copy.copy(getattr(self, k)) for k in _AGENT_STATE}
        counterparty = dict(self.market.ledger.wallet(PERP_COUNTERPARTY))
        try:
            return fn()
        except (PoolError, ProtocolError, ArithmeticError, ValueError) as err:
            vars(self.pool).clear()
            vars(self.pool).update(pool_state)
            self.wallet.clear()
            self.wallet.update(wallet)
            cp = self.market.ledger.wallet(PERP_COUNTERPARTY)
            cp.clear()
            cp.update(counterparty)
            for k, v in mine.items():
                setattr(self, k, v)
            if isinstance(err, PoolError | ProtocolError):
                raise
            raise InvalidAmount(f"range_lp {self.name}: {err}") from err

    def _withdraw(self) -> tuple[int, int]:
        """Burn all liquidity and collect principal and fees into the wallet; returns what came out."""
        if not self.liquidity:
            return 0, 0
        pool = self.pool
        tl, tu = self.tick_lower, self.tick_upper
        p0, p1 = pool.burn(self.name, tl, tu, self.liquidity)
        c0, c1 = pool.collect(self.name, tl, tu, 2**128 - 1, 2**128 - 1)
        self.wallet[self.t0] += c0
        self.wallet[self.t1] += c1
        f0, f1 = c0 - p0, c1 - p1
        self.fees_collected[0] += f0
        self.fees_collected[1] += f1
        self.fees_collected_usd += self._usd(f0, f1)
        self.liquidity = 0
        return c0, c1

    def _withdraw_and_deploy(self, allow_swap: bool) -> Receipt:
        """Withdraw, swap toward the new band's ratio if allowed and needed, mint the band."""
        pool = self.pool
        self._withdraw()
        tl, tu = self.band()
        receipt: Receipt | None = None
        if allow_swap:
            a0, a1 = self.inventory()
            side, amount = self._swap_plan(a0, a1, tl, tu)
            amount = self._affordable(side, amount)
            if amount > 0:
                receipt = self._swap(side, amount)
                tl, tu = self.band()  # the swap moved the price: re-read the band's ticks
        a0, a1 = self.inventory()
        liquidity = pool.liquidity_for_amounts(tl, tu, a0, a1)
        liquidity -= liquidity // 10**9 + 1  # margin for the mint's rounding up
        if liquidity <= 0:
            raise InvalidAmount(f"{self.name} has too little inventory to mint [{tl}, {tu}]")
        m0, m1 = pool.mint(self.name, tl, tu, liquidity)
        self.wallet[self.t0] -= m0
        self.wallet[self.t1] -= m1
        if self.wallet[self.t0] < 0 or self.wallet[self.t1] < 0:
            raise InvalidAmount(f"{self.name} cannot pay the mint of {m0}, {m1}")
        self.tick_lower, self.tick_upper, self.liquidity = tl, tu, liquidity
        self.minted = (m0, m1)
        self.entry_price = self.pool_price()
        self.deployed_block = self.market.block
        self.out_count = 0
        detail = {"tick_lower": tl, "tick_upper": tu, "liquidity": liquidity}
        if receipt is None:
            return Receipt(kind="add_liquidity", pool=pool.name, detail=detail)
        receipt.detail.update(detail)
        return receipt

    def _sides(self, side: int) -> tuple[str, str]:
        return (self.t0, self.t1) if side == 0 else (self.t1, self.t0)

    def _min_out(self, side: int, amount: int) -> int:
        """Least output: the reference price less the pool fee and `swap_slippage_bps`."""
        market = self.market
        t_in, t_out = self._sides(side)
        fair = market.value(t_in, amount) / market.price(t_out) * 10 ** market.decimals[t_out]
        keep = 1 - self.pool.fee_pips / 1e6
        return int(fair * keep * (1 - self.spec.swap_slippage_bps / 10_000))

    def _affordable(self, side: int, amount: int, tries: int = 7) -> int:
        """The planned swap, halved until the pool fills it within the slippage tolerance.

        A thin pool (the agent's own liquidity is out while it moves) cannot take a large
        swap near the reference price: the agent then swaps what it can and leaves the rest
        idle in its wallet for the next move, rather than reverting every block. 0 when
        even a small part fails (e.g. the pool is off the reference price).
        """
        t_in, t_out = self._sides(side)
        for _ in range(tries):
            if amount <= 0:
                return 0
            try:
                if self.pool.quote_exact_in(t_in, t_out, amount) >= self._min_out(side, amount):
                    return amount
            except PoolError:
                pass
            amount //= 2
        return 0

    def _swap(self, side: int, amount: int) -> Receipt:
        """Exact-input swap through the pool, at most `swap_slippage_bps` worse than the reference."""
        pool = self.pool
        t_in, t_out = self._sides(side)
        min_out = self._min_out(side, amount)
        before = pool.spot_price(t_in, t_out)
        swap = pool.swap_exact_in(t_in, t_out, amount, min_out)
        self.wallet[t_in] -= swap.amount_in
        self.wallet[t_out] += swap.amount_out
        self.swaps_done += 1
        return Receipt(
            kind="swap",
            pool=pool.name,
            token_in=t_in,
            token_out=t_out,
            amount_in=swap.amount_in,
            amount_out=swap.amount_out,
            spot_before=before,
            spot_after=pool.spot_price(t_in, t_out),
            hops=[swap],
            route=(pool,),
        )

    # ---- the perpetual ------------------------------------------------------------------

    def _numeraire_units(self, value: float) -> int:
        return int(value * 10 ** self.market.decimals[self.market.numeraire])

    def _post_margin(self) -> None:
        """Move the margin share of the capital to the venue (once, on entry)."""
        if self.perp is None or self.margin_posted:
            return
        numeraire = self.market.numeraire
        units = min(
            self._numeraire_units(self.capital * self.spec.perp.margin_fraction),
            self.wallet[numeraire] - self.gas_floor.get(numeraire, 0),
        )
        if units <= 0:
            return
        self.market.ledger.transfer(self.name, PERP_COUNTERPARTY, numeraire, units)
        self.margin_posted = units / 10 ** self.market.decimals[numeraire]
        self.perp.collateral += self.margin_posted
        self.perp.mark = self.market.price(self.t0)

    def exposure0(self) -> float:
        """Whole token0 the agent is long through its position and idle inventory."""
        a0, _ = self.position_amounts()
        i0, _ = self.inventory()
        return (a0 + i0) / 10 ** self.pool.decimals[0]

    def hedge_target(self) -> float:
        return -self.spec.perp.hedge_ratio * self.exposure0()

    def _hedge(self) -> float:
        """Re-size the short to the target (a perp order at the reference price)."""
        perp = self.perp
        if perp is None or perp.liquidations or perp.collateral <= 0:
            return 0.0
        mark = self.market.price(self.t0)
        if perp.mark != mark:
            perp.accrue(mark, 0.0)
        perp.resize(self.hedge_target(), mark)
        self.perp_orders += 1
        self.last_hedge_block = self.market.block
        return perp.size

    def _hedge_due(self, block: int) -> bool:
        perp = self.perp
        if perp is None or perp.liquidations or perp.collateral <= 0:
            return False
        if block - self.last_hedge_block < self.spec.perp.hedge_every:
            return False
        target = self.hedge_target()
        cap = perp.max_size(self.market.price(self.t0))
        target = math.copysign(min(abs(target), cap), target)
        return abs(target - perp.size) > self.spec.perp.hedge_tolerance * abs(target)

    def _mark_perp(self) -> None:
        """The venue's per-block settlement: variation margin, funding, liquidation."""
        perp = self.perp
        if perp is None or not perp.mark:
            return
        perp.accrue(self.market.price(self.t0), self.block_time_s / SECONDS_PER_YEAR)
        if perp.should_liquidate():
            self._pay_back(perp.liquidate())

    def _pay_back(self, value: float) -> None:
        """The venue pays `value` numeraire of equity back to the agent (ledger transfer)."""
        numeraire = self.market.numeraire
        units = min(
            self._numeraire_units(value), self.market.ledger.wallet(PERP_COUNTERPARTY)[numeraire]
        )
        if units > 0:
            self.market.ledger.transfer(PERP_COUNTERPARTY, self.name, numeraire, units)

    # ---- reporting ----------------------------------------------------------------------

    def days(self) -> float:
        if not self.entered:
            return 0.0
        return (self.market.block - self.entry_block) * self.block_time_s / 86_400

    def gas_usd(self) -> float:
        metrics = getattr(self.model, "metrics", None)
        return metrics.agent(self.name).gas_usd if metrics is not None else 0.0

    def report(self) -> dict[str, object]:
        days = self.days()
        hodl = self.hodl_value()
        net = self.value() - hodl
        fees = self.fees_usd()
        gas = self.gas_usd()
        il_f = self.il_formula()
        il_m = self.il_measured()
        cap = self.capital

        def apr(x: float) -> float | None:
            return x / cap / days * 365 * 100 if cap and days else None

        perp = self.perp
        return {
            "pool": self.pool.name,
            "strategy": self.spec.strategy,
            "tick_lower": self.tick_lower,
            "tick_upper": self.tick_upper,
            "in_range": self.in_range(),
            "time_in_range_pct": 100 * self.blocks_in_range / self.blocks_deployed
            if self.blocks_deployed
            else None,
            "rebalances": self.rebalances,
            "rebalance_swaps": self.swaps_done,
            "rebalances_postponed": self.postponed,
            "fees_collected_usd": self.fees_collected_usd,
            "fees_uncollected_usd": fees - self.fees_collected_usd,
            "fees_earned_usd": fees,
            "il_formula_pct": None if il_f is None else il_f * 100,
            "il_measured_pct": None if il_m is None else il_m * 100,
            "position_value_usd": self.position_value(),
            "hodl_value_usd": hodl,
            "range_lp_gas_usd": gas,
            "perp_size": perp.size if perp else None,
            "perp_pnl_usd": perp.pnl if perp else None,
            "perp_funding_usd": perp.funding if perp else None,
            "perp_liquidations": perp.liquidations if perp else None,
            "net_vs_hodl_usd": net,
            "net_vs_hodl_apr_pct": apr(net),
            "fee_apr_pct": apr(fees),
            "gas_apr_pct": apr(gas),
        }


_AGENT_STATE = (
    "tick_lower",
    "tick_upper",
    "liquidity",
    "minted",
    "entry_price",
    "deployed_block",
    "out_count",
    "fees_collected",
    "fees_collected_usd",
    "swaps_done",
    "perp",
    "margin_posted",
    "perp_orders",
    "last_hedge_block",
)
"""Attributes a reverted transaction restores."""


REPORT_COLUMNS: dict[str, str] = {
    "strategy": "range_lp: band strategy",
    "tick_lower": "range_lp: current band's lower tick",
    "tick_upper": "range_lp: current band's upper tick",
    "in_range": "range_lp: whether the pool price is inside the band at the end",
    "time_in_range_pct": "range_lp: share of blocks with the price inside the band, %",
    "rebalances": "range_lp: band moves (burn + collect + [swap] + mint transactions)",
    "rebalance_swaps": "range_lp: swaps made to fit the inventory to a new band",
    "rebalances_postponed": "range_lp: blocks a due move waited (pool too far from the reference)",
    "fees_collected_usd": "range_lp: fees collected, valued when collected",
    "fees_uncollected_usd": "range_lp: fees earned not yet collected (pool fee growth), valued now",
    "fees_earned_usd": "range_lp: collected + uncollected fees",
    "il_formula_pct": "range_lp: ranged_il of the current band since its mint (pool price), %",
    "il_measured_pct": "range_lp: position principal vs holding the tokens minted, at pool price, %",
    "position_value_usd": "range_lp: principal + uncollected fees at reference prices",
    "hodl_value_usd": "range_lp: the tokens it was funded with, at today's reference prices",
    "range_lp_gas_usd": "range_lp: gas paid (same as gas_usd)",
    "perp_size": "range_lp hedged: perp position, whole token0 (negative = short)",
    "perp_pnl_usd": "range_lp hedged: cumulative price P&L of the perp",
    "perp_funding_usd": "range_lp hedged: cumulative funding received (negative = paid)",
    "perp_liquidations": "range_lp hedged: liquidations of the perp",
    "net_vs_hodl_usd": "range_lp: value (wallet + position + perp equity) minus hodl_value_usd",
    "net_vs_hodl_apr_pct": "range_lp: net_vs_hodl_usd annualised over the capital, %",
    "fee_apr_pct": "range_lp: fees earned annualised over the capital, %",
    "gas_apr_pct": "range_lp: gas annualised over the capital, %",
}


def summarize_range_lps(model: MarketModel) -> dict[str, Any]:
    """Per cohort of range LPs: the strategy's totals and averages (for summary.json)."""
    out: dict[str, Any] = {}
    by_cohort: dict[str, list[RangeLP]] = {}
    for a in model.market_agents:
        if isinstance(a, RangeLP):
            by_cohort.setdefault(a.cohort, []).append(a)
    for cohort, agents in by_cohort.items():
        rows = [a.report() for a in agents]
        capital = sum(a.capital for a in agents)
        days = max(a.days() for a in agents)

        def total(key: str, rows: list[dict[str, Any]] = rows) -> float:
            return float(sum(r[key] or 0.0 for r in rows))

        def mean(key: str, rows: list[dict[str, Any]] = rows) -> float | None:
            xs = [r[key] for r in rows if r[key] is not None]
            return sum(xs) / len(xs) if xs else None

        def apr(x: float, capital: float = capital, days: float = days) -> float | None:
            return x / capital / days * 365 * 100 if capital and days else None

        net = total("net_vs_hodl_usd")
        fees = total("fees_earned_usd")
        gas = total("range_lp_gas_usd")
        entry: dict[str, Any] = {
            "strategy": agents[0].spec.strategy,
            "pool": agents[0].pool.name,
            "agents": len(agents),
            "capital_usd": capital,
            "fees_earned_usd": fees,
            "gas_usd": gas,
            "rebalances": int(total("rebalances")),
            "time_in_range_pct": mean("time_in_range_pct"),
            "il_formula_pct": mean("il_formula_pct"),
            "il_measured_pct": mean("il_measured_pct"),
            "net_vs_hodl_usd": net,
            "fee_apr_pct": apr(fees),
            "gas_apr_pct": apr(gas),
            "net_vs_hodl_apr_pct": apr(net),
        }
        if agents[0].perp is not None:
            entry["perp_pnl_usd"] = total("perp_pnl_usd")
            entry["perp_funding_usd"] = total("perp_funding_usd")
            entry["perp_liquidations"] = int(total("perp_liquidations"))
        out[cohort] = entry
    return out


def build(model: mesa.Model, cohort: str, spec: RangeLPSpec) -> list[RangeLP]:
    """Create the cohort and fund each agent in the token ratio of its first band.

    Funding in the band's ratio (at the pool's initial price) lets genesis providers mint
    without swapping into a pool that has no liquidity yet. A hedged cohort also mints the
    perp venue's counterparty balance (once per cohort, an explicit ledger mint).
    """
    capital = sample(spec.capital_usd, model.rng, spec.count).clip(0, None)
    market = model.market  # type: ignore[attr-defined]
    agents = []
    if spec.strategy == "hedged" and spec.perp.counterparty_usd > 0:
        numeraire = market.numeraire
        units = int(spec.perp.counterparty_usd * 10 ** market.decimals[numeraire])
        market.ledger.mint(PERP_COUNTERPARTY, numeraire, units)
    for i in range(spec.count):
        a = RangeLP(model, cohort=cohort, spec=spec)
        a.capital = float(capital[i])
        tl, tu = a.band()
        w0 = token0_value_share(a.pool.sqrt_price_x96, tl, tu)
        margin = spec.perp.margin_fraction if spec.strategy == "hedged" else 0.0
        weights = {a.t0: w0 * (1 - margin), a.t1: (1 - w0) * (1 - margin)}
        weights[market.numeraire] = weights.get(market.numeraire, 0.0) + margin
        before = dict(a.wallet)
        a.fund(a.capital, weights, spec.gas_reserve)
        a.funded = {t: a.wallet[t] - before.get(t, 0) for t in a.wallet}
        agents.append(a)
    return agents

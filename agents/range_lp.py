"""Range liquidity providers: concentrated-liquidity (Uniswap V3) positions managed by a strategy.

One agent holds at most one position `(tick_lower, tick_upper)` in one `concentrated`
pool. Its cohort's `strategy` decides the band and when to move it:

* `full_range`      the whole tick range, never moved (behaves like a V2 LP);
* `fixed_band`      +-`band_pct` % around the entry price, never moved;
* `vol_band`        [recent low * e^-w, recent high * e^w], w = `vol_alpha` * sigma * sqrt(T):
                    sigma is the realised volatility of the reference price over the last
                    `vol_lookback_blocks` (`sim.market.prices.realised_vol`), T the horizon
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
liquidity, collect principal and fees, swap the inventory to the new band's token ratio
through the same pool when the imbalance exceeds `min_swap_pct`, mint the new band. The
swap is sized with its own price impact (`RangeLP.fit_swap`: solved on exact executions
so that what is left matches the band's ratio at the post-swap price), so the mint takes
all but a rounding remainder of the inventory. It must fill within `swap_slippage_bps` of
the reference price beyond the fee: when the pool cannot fill it (off the reference after
another LP's swap, or momentarily thin) the move waits rather than deploy less than
`min_deploy_pct` (`RangeLP.must_wait`); a pool still too thin after `max_wait_blocks` gets
the part of the swap that fills, and the LP deploys what it can (`rebalance_swaps_capped`,
`deployed_at_mint_min_pct`). A move pays
gas `remove_liquidity + collect_gas_units + add_liquidity (+ swap)` from the agent's
wallet, and reverts as a whole (state restored) if any step fails.

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
own fee growth), time in range, gas, perp P&L and funding, the net result against holding
the tokens it was funded with, and that net result decomposed exactly (`pnl()`):

    net vs HODL = fees earned
                + IL vs HODL      = band IL (each band's principal against holding the tokens
                                    minted into it: realised at every burn, unrealised for the
                                    current band; the ranged closed form `ranged_il` is kept
                                    alongside as a check)
                                  + re-centring drift (the tokens held after each re-centre,
                                    wallet included, differ from the funded tokens: that
                                    difference times the price change while held)
                + rebalancing swaps (-(pool fee paid + price impact against the reference))
                - gas
                + perp (price P&L + funding - liquidation penalties + any loss beyond the
                        collateral the venue wrote off)
                + rounding (integer units; a few millionths of a dollar)

every term at the reference prices of the block it happened in. The loss-versus-rebalancing
of the position (`lvr_usd`) is measured from the position's own principal: each block, the
change of its token amounts caused by the trades against the pool, valued at that block's
reference prices (what those traders gained against it, fees excluded). Its sum over the
pool's positions is the pool's LVR (`sim.model.metrics`). Regime-switching price processes also
get the decomposition per regime (`by_regime`).
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
from sim.chain.chain import Call, Chain, Receipt, Tx, swap_receipt
from sim.config import Dist, Spec, sample
from sim.errors import InvalidAmount, PoolError, ProtocolError, ScenarioError, SlippageExceeded
from sim.market.prices import SECONDS_PER_YEAR, realised_vol
from sim.pools.uniswap_v3.fixed_point import Q96, Q128
from sim.pools.uniswap_v3.full_math import mul_div
from sim.pools.uniswap_v3.liquidity_amounts import get_amounts_for_liquidity
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.safe_cast import MAX_UINT256
from sim.pools.uniswap_v3.tick_math import MAX_TICK, get_sqrt_ratio_at_tick
from sim.pools.uniswap_v3.views import nearest_usable_tick, price_to_tick, ranged_il, tick_to_price
from sim.solve import solve_decreasing

if TYPE_CHECKING:
    from sim.model.model import MarketModel

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
    min_deploy_pct: float = Field(
        95.0,
        ge=0,
        le=100,
        description="a move that would put less of its inventory into the band (its swap does "
        "not fill within swap_slippage_bps) waits for the pool",
    )
    max_wait_blocks: int = Field(
        25,
        ge=0,
        description="blocks a move waits for the pool before deploying what it can, if the pool "
        "is too thin for its swap (a pool off the reference price is always waited for)",
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
    """(token index sold, raw amount) that brings the inventory to the band's ratio, at the
    price before the swap: ignores the swap's own price impact. Only the first guess of
    `RangeLP.fit_swap`, which solves the swap on exact quotes; index -1: no swap.
    """
    x, y = target_split(sqrt_price_x96, tick_lower, tick_upper)
    p = (sqrt_price_x96 / Q96) ** 2  # raw token1 per raw token0
    keep = 1.0 - fee
    if y * amount0 > x * amount1:  # too much token0: sell d with (a0 - d) / (a1 + d p k) = x / y
        d = (y * amount0 - x * amount1) / (y + x * p * keep)
        return 0, max(0, min(amount0, int(d)))
    e = (x * amount1 - y * amount0) / (x + y * keep / p)
    return 1, max(0, min(amount1, int(e)))


@dataclass(frozen=True, slots=True)
class SwapPlan:
    """The rebalancing swap of a move: sell `amount` of token index `side`.

    `wanted` is the amount that fits the inventory to the band exactly (at the pool's
    exact execution and post-swap price); `amount` is less when the pool cannot fill it
    within `swap_slippage_bps` (too thin, or already off the reference price), 0 when not
    even a small part fills. side -1: no swap needed. `share`: the share of the inventory
    (at reference prices) the mint after this swap takes. `thin`: the pool could not fill
    `wanted` within the tolerance even from its own current price (too thin for it, not
    just off the reference).
    """

    side: int
    amount: int
    wanted: int
    share: float = 1.0
    thin: bool = False

    @property
    def capped(self) -> bool:
        return self.amount < self.wanted


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
        self.swaps_capped = 0  # rebalancing swaps cut short by the slippage tolerance
        self.postponed = 0  # blocks a due move waited for the pool to come back near the reference
        self.waited = 0  # consecutive blocks the due move has waited so far
        self.mint_share_sum = 0.0  # sum over mints of the share of the inventory minted
        self.mint_share_min = 1.0  # the lowest such share
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
        self.perp_paid_back = 0.0  # numeraire the venue paid back (closing, liquidation)
        # P&L decomposition (`pnl()`), all at the reference prices of the block it happened in
        self.bands = 0  # mints (the first band and every re-centre)
        self.il_realised_usd = 0.0  # closed bands: principal burned - tokens minted
        self.il_formula_realised_usd = 0.0  # the same by ranged_il at the pool price
        self.swap_fees_paid_usd = 0.0  # pool fee of its own rebalancing swaps
        self.swap_impact_usd = 0.0  # their shortfall against the reference beyond the fee
        self.drift_usd = 0.0  # re-centring drift, accumulated each block
        self.lvr_usd = 0.0  # loss-versus-rebalancing of its positions
        self.lvr_base: tuple[int, int] = (0, 0)  # position principal at the last sample
        self.lvr_sqrt_price = 0  # the pool's sqrt price at the last sample
        self.band_sqrt: tuple[int, int] = (0, 0)  # sqrt ratios at the band's ticks
        self.tracked: tuple[str, ...] = ()  # tokens of the drift (`_tracked`)
        self.track_info: tuple[tuple[str, int, int], ...] = ()  # (token, scale, funded)
        self.marks: list[float] = []  # their reference prices at the last sample
        self.deployed_sum = 0.0  # sum over blocks of the share of the tokens in the position
        self.deployed_blocks = 0
        # the same decomposition split by the regime of a regime-switching price process
        self.regime_asset = _regime_asset(model, self.pool.tokens)
        self.regime: str | None = None
        self.regime_blocks: dict[str, int] = {"calm": 0, "volatile": 0}
        self.regime_pnl: dict[str, dict[str, float]] = {}
        self.regime_snap: dict[str, float] = {}

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

    def il_formula_usd(self) -> float:
        """The current band's `il_formula` times the value of the tokens minted into it, both
        at the pool price, in the numeraire (0 without a position)."""
        il = self.il_formula()
        if il is None:
            return 0.0
        d0, d1 = (10**d for d in self.pool.decimals)
        m0, m1 = self.minted
        hold = m0 / d0 * self.pool_price() + m1 / d1
        return il * hold * self.market.price(self.t1)

    def il_unrealised_usd(self) -> float:
        """The current band's principal against holding the tokens minted, at reference prices."""
        if not self.liquidity:
            return 0.0
        a0, a1 = self.position_amounts()
        m0, m1 = self.minted
        return self.market.value(self.t0, a0 - m0) + self.market.value(self.t1, a1 - m1)

    # ---- the P&L decomposition ------------------------------------------------------------

    def held(self) -> dict[str, int]:
        """Tokens held as if the position were frozen at what was minted: wallet + minted."""
        held = {t: a for t, a in self.wallet.items() if a}
        if self.liquidity:
            for t, m in zip((self.t0, self.t1), self.minted, strict=True):
                held[t] = held.get(t, 0) + m
        return held

    def _tracked(self) -> tuple[str, ...]:
        """Tokens whose price moves the drift: the pool's, the funded ones, the numeraire."""
        if not self.tracked:
            market = self.market
            extra = [*self.funded, market.numeraire, market.chain.native]
            self.tracked = tuple(dict.fromkeys([self.t0, self.t1, *extra]))
            self.track_info = tuple(
                (t, market.scale[t], self.funded.get(t, 0)) for t in self.tracked
            )
        return self.tracked

    def _prices(self) -> list[float]:
        market = self.market
        ref = market.ref_prices
        return [ref.get(t) or market.price(t) for t in self._tracked()]

    def _drift(self, prices: list[float]) -> float:
        """Re-centring drift since the last sample: (held - funded) x the price change."""
        out = 0.0
        marks = self.marks
        for k, p in enumerate(prices):
            mark = marks[k]
            if p != mark:
                t, scale, funded = self.track_info[k]
                diff = self.wallet.get(t, 0) - funded
                if k < 2 and self.liquidity:
                    diff += self.minted[k]
                if diff:
                    out += diff / scale * (p - mark)
        return out

    def _amounts_now(self) -> tuple[int, int]:
        """The position's principal now (as `position_amounts`, from the band's cached ratios)."""
        sa, sb = self.band_sqrt
        return get_amounts_for_liquidity(self.pool.sqrt_price_x96, sa, sb, self.liquidity)

    def _lvr_since_sample(self, amounts: tuple[int, int]) -> float:
        """What trades took from the position since the last sample, at that sample's prices."""
        scale = self.market.scale
        out = 0.0
        for k, (a, b) in enumerate(zip(amounts, self.lvr_base, strict=True)):
            if a != b:
                out -= (a - b) / scale[self.tracked[k]] * self.marks[k]
        return out

    def _account_block(self) -> None:
        """Once a block, before acting: every trade and holding change since the last call
        happened at the prices of the last call (the previous block's reference prices)."""
        pool = self.pool
        if self.liquidity and pool.sqrt_price_x96 != self.lvr_sqrt_price:
            amounts = self._amounts_now()
            self.lvr_usd += self._lvr_since_sample(amounts)
            self.lvr_base = amounts
            self.lvr_sqrt_price = pool.sqrt_price_x96
        prices = self._prices()
        if prices != self.marks:
            self.drift_usd += self._drift(prices)
            self.marks = prices
        if self.entered and not self.exited:
            self._sample_deployed(prices)
        if self.regime_asset is not None:
            regime = self.model.prices.regime(self.regime_asset)  # type: ignore[attr-defined]
            if regime != self.regime:
                if self.regime is not None:
                    self._close_regime_spell()
                self.regime = regime
            self.regime_blocks[regime] += 1

    def _sample_deployed(self, prices: list[float]) -> None:
        """Add this block's share of the LP's tokens that sit in the position (principal)."""
        scale = self.market.scale
        wallet = self.wallet
        principal = 0.0
        if self.liquidity:
            for k in (0, 1):
                principal += self.lvr_base[k] / scale[self.tracked[k]] * prices[k]
        idle = 0.0
        for k, t in enumerate(self.tracked):
            idle += wallet.get(t, 0) / scale[t] * prices[k]
        total = principal + idle
        if total > 0:
            self.deployed_sum += principal / total
            self.deployed_blocks += 1

    def _close_regime_spell(self) -> None:
        now = self.pnl()
        assert self.regime is not None
        acc = self.regime_pnl.setdefault(self.regime, dict.fromkeys(now, 0.0))
        for k, v in now.items():
            acc[k] += v - self.regime_snap.get(k, 0.0)
        self.regime_snap = now

    def pnl(self) -> dict[str, float]:
        """Net result against holding and its exact decomposition (numeraire, signed).

        fees + il_bands + il_recentre + swap_fees + swap_impact + gas + perp + rounding
        = net. `rounding` is what integer units and float sums leave over (tested ~0).
        """
        fees = self.fees_usd()
        il_bands = self.il_realised_usd + self.il_unrealised_usd()
        recentre = self.drift_usd + (self._drift(self._prices()) if self.marks else 0.0)
        perp = (
            self.perp_equity() + self.perp_paid_back - self.margin_posted
            if self.perp is not None
            else 0.0
        )
        parts = {
            "fees": fees,
            "il_bands": il_bands,
            "il_recentre": recentre,
            "swap_fees": -self.swap_fees_paid_usd,
            "swap_impact": -self.swap_impact_usd,
            "gas": -self.gas_usd(),
            "perp": perp,
        }
        net = self.value() - self.hodl_value()
        parts["rounding"] = net - math.fsum(parts.values())
        parts["net"] = net
        return parts

    def lvr(self) -> float:
        """Loss-versus-rebalancing of its positions so far (numeraire)."""
        if not self.liquidity:
            return self.lvr_usd
        return self.lvr_usd + self._lvr_since_sample(self.position_amounts())

    def by_regime(self) -> dict[str, dict[str, float]]:
        """The decomposition accumulated over the blocks of each regime ({} without regimes)."""
        if self.regime is None:
            return {}
        out = {r: dict(v) for r, v in self.regime_pnl.items()}
        now = self.pnl()
        acc = out.setdefault(self.regime, dict.fromkeys(now, 0.0))
        for k, v in now.items():
            acc[k] += v - self.regime_snap.get(k, 0.0)
        for r, v in out.items():
            v["blocks"] = float(self.regime_blocks.get(r, 0))
        return out

    # ---- acting -------------------------------------------------------------------------

    def act(self) -> None:
        market = self.market
        block = market.block
        self._account_block()
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
        if not self.should_rebalance(inside, block):
            self.waited = 0
            if self._hedge_due(block):
                self._submit(self._hedge_call, self.spec.perp.gas_units, "hedge")
        else:
            plan = self.planned_swap()
            patient = self.waited < self.spec.max_wait_blocks
            self.waited += 1
            if self.must_wait(plan, patient):
                # the pool cannot fill the swap into the new band within the tolerance now:
                # wait for the arbitrageurs (and the next blocks) rather than mint a
                # lopsided position
                self.postponed += 1
                return
            swap = plan.amount > 0
            gas = market.chain.gas
            units = gas.remove_liquidity + self.spec.collect_gas_units + gas.add_liquidity
            units += (gas.swap if swap else 0) + self._perp_gas()
            self._submit(lambda c, s: self._rebalance(c, s, swap, patient), units, "rebalance")

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

    def planned_swap(self) -> SwapPlan:
        """The rebalancing swap a move to the band wanted now would make.

        Solved (`fit_swap`) on a fork of the pool in which this agent's liquidity is already
        burned, as the move's transaction will find it; the pool is restored exactly.
        """
        pool = self.pool
        i0, i1 = self.inventory()
        fork = pool.snapshot()
        try:
            if self.liquidity:
                f0, f1 = self.uncollected_fees()
                p0, p1 = pool.burn(self.name, self.tick_lower, self.tick_upper, self.liquidity)
                i0, i1 = i0 + p0 + f0, i1 + p1 + f1
            return self.fit_swap(i0, i1)
        finally:
            pool.restore(fork)

    def _mint_share(self, amount0: int, amount1: int) -> float:
        """Share of (amount0, amount1), at reference prices, that a mint of the band wanted
        now would take at the pool's price (the rest would stay idle)."""
        pool = self.pool
        tl, tu = self.band()
        total = self._usd(amount0, amount1)
        if not total:
            return 1.0
        liquidity = pool.liquidity_for_amounts(tl, tu, amount0, amount1)
        m0, m1 = get_amounts_for_liquidity(
            pool.sqrt_price_x96, get_sqrt_ratio_at_tick(tl), get_sqrt_ratio_at_tick(tu), liquidity
        )
        return self._usd(m0, m1) / total

    def _band_gap(self, amount0: int, amount1: int) -> float:
        """The share of (amount0, amount1) in excess of the band the agent would mint now,
        at the pool's price: > 0 too much token0, < 0 too much token1, 0 an exact fit
        (in [-1, 1]: the token0 excess is (a0 y - a1 x) / (a0 y + a1 x) of the token0
        held, x and y the band's amounts per unit of liquidity)."""
        tl, tu = self.band()
        x, y = target_split(self.pool.sqrt_price_x96, tl, tu)
        both = amount0 * y + amount1 * x
        return (amount0 * y - amount1 * x) / both if both else 0.0

    def fit_swap(self, amount0: int, amount1: int) -> SwapPlan:
        """The swap after which the inventory fits the new band, on the pool as it is now.

        Selling d of the token in excess moves the pool price, and with it the band's token
        ratio (and, via `band_ticks`, possibly the band). The gap left after the swap,
        `_band_gap` of (inventory - d, + the swap's exact output) at the exact post-swap
        price and band, falls strictly as d grows: `solve_decreasing` finds its root
        on exact executions of the swap on a fork of the pool (`snapshot` / `restore`),
        starting from the price-impact-free guess `rebalance_swap`, to a mismatch of 1e-9
        of the inventory. So the mint that follows takes all but a rounding remainder.

        No swap when its value is below `min_swap_pct` of the inventory. The swap must fill
        within `swap_slippage_bps` of the reference price beyond the fee (`_min_out`); when
        the whole of it cannot (a thin pool, or one already off the reference price), the
        largest part that can is planned (`SwapPlan.capped`, 0 when not even 1/1024 of it
        can), and `SwapPlan.share` says how much of the inventory the mint would then take
        (the move waits for a better pool while that is below `min_deploy_pct`).
        """
        pool = self.pool
        gap0 = self._band_gap(amount0, amount1)
        side = 0 if gap0 > 0 else 1
        have = amount0 if side == 0 else amount1
        total = self._usd(amount0, amount1)
        if gap0 == 0 or have <= 0 or not total:
            return SwapPlan(-1, 0, 0, self._mint_share(amount0, amount1))
        t_in, t_out = self._sides(side)
        sign = 1.0 if side == 0 else -1.0
        fork = pool.snapshot()

        def gap_after(d: int) -> float:
            """The gap (in the sold token's direction) after selling d: >= 0 sell more."""
            try:
                out = pool.swap_exact_in(t_in, t_out, d).amount_out
                b0, b1 = (amount0 - d, amount1 + out) if side == 0 else (amount0 + out, amount1 - d)
                return sign * self._band_gap(b0, b1)
            except PoolError:
                return -math.inf  # the pool cannot fill d: too much
            finally:
                pool.restore(fork)

        tl, tu = self.band()
        _, guess = rebalance_swap(
            amount0, amount1, pool.sqrt_price_x96, tl, tu, pool.fee_pips / 1e6
        )
        h_have = gap_after(have)
        if h_have >= 0:
            wanted = have
        else:
            wanted = solve_decreasing(gap_after, 0, sign * gap0, have, h_have, first=guess)
        token = self.t0 if side == 0 else self.t1
        if wanted <= 0 or self.market.value(token, wanted) < total * self.spec.min_swap_pct / 100:
            return SwapPlan(-1, 0, 0, self._mint_share(amount0, amount1))
        amount = self._fillable(side, wanted)
        # too thin: even from the pool's own price the swap's impact would exceed the
        # tolerance (otherwise what caps it is the pool's distance from the reference)
        thin = amount < wanted and self._quote(side, wanted) < self._min_out(side, wanted, True)
        if not amount:
            return SwapPlan(side, 0, wanted, self._mint_share(amount0, amount1), thin)
        try:
            out = pool.swap_exact_in(t_in, t_out, amount).amount_out
            after = (
                (amount0 - amount, amount1 + out)
                if side == 0
                else (amount0 + out, amount1 - amount)
            )
            share = self._mint_share(*after)
        finally:
            pool.restore(fork)
        return SwapPlan(side, amount, wanted, share, thin)

    def _quote(self, side: int, amount: int) -> int:
        """Exact output of selling `amount` of token index `side` now (0 if the pool cannot)."""
        t_in, t_out = self._sides(side)
        try:
            return self.pool.quote_exact_in(t_in, t_out, amount)
        except PoolError:
            return 0

    def must_wait(self, plan: SwapPlan, patient: bool) -> bool:
        """Whether a move waits for a better pool rather than deploy by `plan`.

        It waits while the mint would take less than `min_deploy_pct` of the inventory
        because the swap does not fill within the tolerance. For at most `max_wait_blocks`
        (while `patient`) whatever the cause: the pool may be off the reference price
        (another LP has just swapped; it sits at the edge of its no-arbitrage band) or
        momentarily thin (other LPs' liquidity is out while they move). After that only
        while the pool is not too thin for the swap (`SwapPlan.thin`), i.e. until the
        price comes back; a pool still too thin gets the part of the swap that fills and
        the LP deploys what it can. It never mints without the swap it wants.
        """
        if plan.wanted > 0 and plan.amount == 0:
            return True
        if plan.share * 100 >= self.spec.min_deploy_pct:
            return False
        return patient or not plan.thin

    def _fillable(self, side: int, amount: int) -> int:
        """The largest part of `amount` the pool fills within the slippage tolerance
        (`_min_out`): all of it, or (bisection to 2^-20 of it) the part the pool's depth
        allows, or 0 when not even amount/1024 fills (the pool is off the reference)."""

        def fills(d: int) -> bool:
            return self._quote(side, d) >= self._min_out(side, d)

        if fills(amount):
            return amount
        lo = max(1, amount >> 10)
        if not fills(lo):
            return 0
        hi = amount
        tol = max(1, amount >> 20)
        while hi - lo > tol:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if fills(mid) else (lo, mid)
        return lo

    def _submit(self, fn: Callable[[Chain, str], Receipt], gas_units: int, label: str) -> None:
        """Submit `fn`; it replaces this agent's same-kind transaction if one is still pending
        (a full block left it out), as resending with the same nonce would."""
        chain = self.market.chain
        chain.cancel(chain.pending_from(self.name, label))
        chain.submit(Tx(self.name, Call(fn, gas_units, (self.pool,)), 0.0, label))

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

    def _rebalance(
        self, chain: Chain, sender: str, allow_swap: bool, patient: bool = False
    ) -> Receipt:
        def run() -> Receipt:
            receipt = self._withdraw_and_deploy(allow_swap=allow_swap, patient=patient)
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
        pool_state = self.pool.snapshot()
        wallet = dict(self.wallet)
        mine = {k: copy.copy(getattr(self, k)) for k in _AGENT_STATE}
        counterparty = dict(self.market.ledger.wallet(PERP_COUNTERPARTY))
        try:
            return fn()
        except (PoolError, ProtocolError, ArithmeticError, ValueError) as err:
            self.pool.restore(pool_state)
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
        self.il_formula_realised_usd += self.il_formula_usd()
        p0, p1 = pool.burn(self.name, tl, tu, self.liquidity)
        c0, c1 = pool.collect(self.name, tl, tu, 2**128 - 1, 2**128 - 1)
        self.lvr_usd += self._lvr_since_sample((p0, p1))
        m0, m1 = self.minted
        self.il_realised_usd += self.market.value(self.t0, p0 - m0) + self.market.value(
            self.t1, p1 - m1
        )
        self.wallet[self.t0] += c0
        self.wallet[self.t1] += c1
        f0, f1 = c0 - p0, c1 - p1
        self.fees_collected[0] += f0
        self.fees_collected[1] += f1
        self.fees_collected_usd += self._usd(f0, f1)
        self.liquidity = 0
        return c0, c1

    def _withdraw_and_deploy(self, allow_swap: bool, patient: bool = False) -> Receipt:
        """Withdraw, swap toward the new band's ratio if allowed and needed, mint the band.

        `patient`: revert (`SlippageExceeded`, the move is retried next block) rather than
        deploy less than `min_deploy_pct` of the inventory, e.g. when another LP's swap in
        the same block has just pushed the pool off the reference price.
        """
        pool = self.pool
        self._withdraw()
        tl, tu = self.band()
        receipt: Receipt | None = None
        if allow_swap:
            plan = self.fit_swap(*self.inventory())
            if self.must_wait(plan, patient):
                raise SlippageExceeded(
                    f"{self.name}: the pool fills only {plan.amount} of the {plan.wanted} "
                    f"swap within {self.spec.swap_slippage_bps} bps, the band would take "
                    f"{plan.share:.1%} of the inventory: wait"
                )
            if plan.amount > 0:
                receipt = self._swap(plan.side, plan.amount)
                self.swaps_capped += plan.capped
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
        minted_usd = self._usd(m0, m1)
        share = minted_usd / (minted_usd + self._usd(*self.inventory()))
        self.mint_share_sum += share
        self.mint_share_min = min(self.mint_share_min, share)
        self.band_sqrt = (get_sqrt_ratio_at_tick(tl), get_sqrt_ratio_at_tick(tu))
        self.lvr_base = self._amounts_now()
        self.lvr_sqrt_price = pool.sqrt_price_x96
        self.bands += 1
        self.entry_price = self.pool_price()
        self.deployed_block = self.market.block
        self.out_count = 0
        self.waited = 0
        detail = {"tick_lower": tl, "tick_upper": tu, "liquidity": liquidity}
        if receipt is None:
            return Receipt(kind="add_liquidity", pool=pool.name, detail=detail)
        receipt.detail.update(detail)
        return receipt

    def _sides(self, side: int) -> tuple[str, str]:
        return (self.t0, self.t1) if side == 0 else (self.t1, self.t0)

    def _min_out(self, side: int, amount: int, at_pool_price: bool = False) -> int:
        """Least output: the reference price (or the pool's own price) less the pool fee and
        `swap_slippage_bps`."""
        market = self.market
        t_in, t_out = self._sides(side)
        if at_pool_price:
            price = self.pool.spot_price(t_in, t_out)
            fair = amount / 10 ** market.decimals[t_in] * price * 10 ** market.decimals[t_out]
        else:
            fair = market.value(t_in, amount) / market.price(t_out) * 10 ** market.decimals[t_out]
        keep = 1 - self.pool.fee_pips / 1e6
        return int(fair * keep * (1 - self.spec.swap_slippage_bps / 10_000))

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
        value = self.market.value
        fee = value(swap.fee_token, swap.fee)
        self.swap_fees_paid_usd += fee
        self.swap_impact_usd += value(t_in, swap.amount_in) - value(t_out, swap.amount_out) - fee
        return swap_receipt(pool, [swap], before)

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
            self.perp_paid_back += units / 10 ** self.market.decimals[numeraire]

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
        parts = self.pnl()
        fees = parts["fees"]
        gas = -parts["gas"]
        il = parts["il_bands"] + parts["il_recentre"]
        swaps = parts["swap_fees"] + parts["swap_impact"]
        net = parts["net"]
        il_f = self.il_formula()
        il_m = self.il_measured()
        cap = self.capital
        hodl = self.hodl_value()
        value = self.value()

        def apr(x: float) -> float | None:
            return x / cap / days * 365 * 100 if cap and days else None

        perp = self.perp
        regimes = self.by_regime()
        return {
            "pool": self.pool.name,
            "strategy": self.spec.strategy,
            "tick_lower": self.tick_lower,
            "tick_upper": self.tick_upper,
            "in_range": self.in_range(),
            "time_in_range_pct": 100 * self.blocks_in_range / self.blocks_deployed
            if self.blocks_deployed
            else None,
            "deployed_pct": 100 * self.deployed_sum / self.deployed_blocks
            if self.deployed_blocks
            else None,
            "idle_end_pct": 100 * (1 - self.position_value() / value) if value else None,
            "rebalances": self.rebalances,
            "rebalance_swaps": self.swaps_done,
            "rebalance_swaps_capped": self.swaps_capped,
            "rebalances_postponed": self.postponed,
            "deployed_at_mint_pct": 100 * self.mint_share_sum / self.bands if self.bands else None,
            "deployed_at_mint_min_pct": 100 * self.mint_share_min if self.bands else None,
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
            "perp_penalties_usd": perp.penalties if perp else None,
            "perp_written_off_usd": parts["perp"] - (perp.pnl + perp.funding - perp.penalties)
            if perp
            else None,
            "perp_liquidations": perp.liquidations if perp else None,
            # the decomposition: the pnl_* columns add up to net_vs_hodl_usd
            "pnl_fees_usd": fees,
            "pnl_il_usd": il,
            "pnl_swap_costs_usd": swaps,
            "pnl_gas_usd": parts["gas"],
            "pnl_perp_usd": parts["perp"],
            "pnl_rounding_usd": parts["rounding"],
            "net_vs_hodl_usd": net,
            "net_vs_hodl_pct": net / hodl * 100 if hodl else None,
            # and their parts
            "il_bands_usd": parts["il_bands"],
            "il_bands_realised_usd": self.il_realised_usd,
            "il_bands_unrealised_usd": parts["il_bands"] - self.il_realised_usd,
            "il_bands_formula_usd": self.il_formula_realised_usd + self.il_formula_usd(),
            "il_recentre_usd": parts["il_recentre"],
            "il_vs_hodl_pct": il / hodl * 100 if hodl else None,
            "bands": self.bands,
            "swap_fees_paid_usd": -parts["swap_fees"],
            "swap_impact_usd": -parts["swap_impact"],
            "lvr_usd": self.lvr(),
            "fees_minus_lvr_usd": fees - self.lvr(),
            "net_calm_usd": regimes["calm"]["net"] if "calm" in regimes else None,
            "net_volatile_usd": regimes["volatile"]["net"] if "volatile" in regimes else None,
            "net_vs_hodl_apr_pct": apr(net),
            "fee_apr_pct": apr(fees),
            "il_apr_pct": apr(il),
            "swap_costs_apr_pct": apr(swaps),
            "gas_apr_pct": apr(gas),
            "perp_apr_pct": apr(parts["perp"]) if perp else None,
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
    "swaps_capped",
    "waited",
    "mint_share_sum",
    "mint_share_min",
    "perp",
    "margin_posted",
    "perp_orders",
    "last_hedge_block",
    "perp_paid_back",
    "bands",
    "il_realised_usd",
    "il_formula_realised_usd",
    "swap_fees_paid_usd",
    "swap_impact_usd",
    "lvr_usd",
    "lvr_base",
    "lvr_sqrt_price",
    "band_sqrt",
)
"""Attributes a reverted transaction restores."""


REPORT_COLUMNS: dict[str, str] = {
    "strategy": "range_lp: band strategy",
    "tick_lower": "range_lp: current band's lower tick",
    "tick_upper": "range_lp: current band's upper tick",
    "in_range": "range_lp: whether the pool price is inside the band at the end",
    "time_in_range_pct": "range_lp: share of blocks with the price inside the band, %",
    "deployed_pct": "range_lp: average share of its tokens (wallet + position principal, at "
    "reference prices) that sat in the position, over the blocks it was entered, %",
    "idle_end_pct": "range_lp: share of its value not in the position at the end (wallet, perp), %",
    "rebalances": "range_lp: band moves (burn + collect + [swap] + mint transactions)",
    "rebalance_swaps": "range_lp: swaps made to fit the inventory to a new band",
    "rebalance_swaps_capped": "range_lp: of those, swaps the pool filled only in part within "
    "swap_slippage_bps (the mint still took min_deploy_pct, or the pool was too thin after "
    "max_wait_blocks): the rest of the inventory stayed idle until the next move",
    "deployed_at_mint_pct": "range_lp: average share of its inventory (wallet, gas reserve "
    "excluded, at reference prices) each mint put into the band, %",
    "deployed_at_mint_min_pct": "range_lp: the lowest such share (a thin pool at a move), %",
    "rebalances_postponed": "range_lp: blocks a due move waited (pool too far from the reference "
    "to fill its swap); a move that finds so only when it executes reverts (see reverts)",
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
    "perp_penalties_usd": "range_lp hedged: liquidation fees the venue kept",
    "perp_written_off_usd": "range_lp hedged: losses beyond the collateral the venue wrote off",
    "perp_liquidations": "range_lp hedged: liquidations of the perp",
    "pnl_fees_usd": "range_lp P&L: fees earned (= fees_earned_usd)",
    "pnl_il_usd": "range_lp P&L: impermanent loss vs HODL = il_bands_usd + il_recentre_usd",
    "pnl_swap_costs_usd": "range_lp P&L: its own rebalancing swaps, -(pool fee + price impact)",
    "pnl_gas_usd": "range_lp P&L: -gas",
    "pnl_perp_usd": "range_lp P&L: perp price P&L + funding - penalties + written off",
    "pnl_rounding_usd": "range_lp P&L: what integer rounding leaves (net minus the other pnl_*)",
    "net_vs_hodl_usd": "range_lp: value (wallet + position + perp equity) minus hodl_value_usd "
    "= the sum of the pnl_* columns",
    "net_vs_hodl_pct": "range_lp: net_vs_hodl_usd / hodl_value_usd, %",
    "il_bands_usd": "range_lp: every band's principal vs holding the tokens minted into it, "
    "at reference prices (realised at each burn + the current band)",
    "il_bands_realised_usd": "range_lp: band IL of the bands already burned",
    "il_bands_unrealised_usd": "range_lp: band IL of the current band",
    "il_bands_formula_usd": "range_lp: the same from the closed form ranged_il at pool prices "
    "(a check of il_bands_usd; the gap is the pool's distance from the reference price)",
    "il_recentre_usd": "range_lp: re-centring drift: (tokens held after each re-centre, "
    "wallet included, - the funded tokens) x the price change while they were held",
    "il_vs_hodl_pct": "range_lp: pnl_il_usd / hodl_value_usd, %",
    "bands": "range_lp: bands minted (the first and one per re-centre)",
    "swap_fees_paid_usd": "range_lp: pool fees paid on its rebalancing swaps",
    "swap_impact_usd": "range_lp: price impact of its rebalancing swaps vs the reference, "
    "beyond the fee",
    "lvr_usd": "range_lp: loss-versus-rebalancing of its positions (trades' gain against its "
    "principal at reference prices, fees excluded); also in lp_lvr_usd",
    "fees_minus_lvr_usd": "range_lp: fees earned minus LVR (the position vs rebalancing)",
    "net_calm_usd": "range_lp: net_vs_hodl_usd accrued while the price process was calm",
    "net_volatile_usd": "range_lp: net_vs_hodl_usd accrued while it was volatile",
    "net_vs_hodl_apr_pct": "range_lp: net_vs_hodl_usd annualised over the capital, %",
    "fee_apr_pct": "range_lp: fees earned annualised over the capital, %",
    "il_apr_pct": "range_lp: pnl_il_usd annualised over the capital, %",
    "swap_costs_apr_pct": "range_lp: pnl_swap_costs_usd annualised over the capital, %",
    "gas_apr_pct": "range_lp: gas annualised over the capital, %",
    "perp_apr_pct": "range_lp hedged: pnl_perp_usd annualised over the capital, %",
}

PNL_PARTS = (
    "pnl_fees_usd",
    "pnl_il_usd",
    "pnl_swap_costs_usd",
    "pnl_gas_usd",
    "pnl_perp_usd",
    "pnl_rounding_usd",
)
"""The report columns that add up to net_vs_hodl_usd."""


def summarize_range_lps(model: MarketModel) -> dict[str, Any]:
    """Per cohort of range LPs: the strategy's totals, its P&L decomposition, per regime."""
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
            return float(math.fsum(r[key] or 0.0 for r in rows))

        def mean(key: str, rows: list[dict[str, Any]] = rows) -> float | None:
            xs = [r[key] for r in rows if r[key] is not None]
            return sum(xs) / len(xs) if xs else None

        def apr(x: float, capital: float = capital, days: float = days) -> float | None:
            return x / capital / days * 365 * 100 if capital and days else None

        net = total("net_vs_hodl_usd")
        hodl = total("hodl_value_usd")
        entry: dict[str, Any] = {
            "strategy": agents[0].spec.strategy,
            "pool": agents[0].pool.name,
            "agents": len(agents),
            "capital_usd": capital,
            "fees_earned_usd": total("fees_earned_usd"),
            "gas_usd": total("range_lp_gas_usd"),
            "rebalances": int(total("rebalances")),
            "time_in_range_pct": mean("time_in_range_pct"),
            "deployed_pct": mean("deployed_pct"),
            "deployed_at_mint_pct": mean("deployed_at_mint_pct"),
            "deployed_at_mint_min_pct": min(
                (
                    r["deployed_at_mint_min_pct"]
                    for r in rows
                    if r["deployed_at_mint_min_pct"] is not None
                ),
                default=None,
            ),
            "rebalance_swaps_capped": int(total("rebalance_swaps_capped")),
            "il_formula_pct": mean("il_formula_pct"),
            "il_measured_pct": mean("il_measured_pct"),
            **{k: total(k) for k in PNL_PARTS},
            "net_vs_hodl_usd": net,
            "net_vs_hodl_pct": net / hodl * 100 if hodl else None,
            "il_bands_usd": total("il_bands_usd"),
            "il_bands_realised_usd": total("il_bands_realised_usd"),
            "il_bands_formula_usd": total("il_bands_formula_usd"),
            "il_recentre_usd": total("il_recentre_usd"),
            "il_vs_hodl_pct": total("pnl_il_usd") / hodl * 100 if hodl else None,
            "swap_fees_paid_usd": total("swap_fees_paid_usd"),
            "swap_impact_usd": total("swap_impact_usd"),
            "lvr_usd": total("lvr_usd"),
            "fees_minus_lvr_usd": total("fees_minus_lvr_usd"),
            "hodl_value_usd": hodl,
            "fee_apr_pct": apr(total("fees_earned_usd")),
            "il_apr_pct": apr(total("pnl_il_usd")),
            "swap_costs_apr_pct": apr(total("pnl_swap_costs_usd")),
            "gas_apr_pct": apr(total("range_lp_gas_usd")),
            "net_vs_hodl_apr_pct": apr(net),
        }
        if agents[0].perp is not None:
            entry["perp_pnl_usd"] = total("perp_pnl_usd")
            entry["perp_funding_usd"] = total("perp_funding_usd")
            entry["perp_penalties_usd"] = total("perp_penalties_usd")
            entry["perp_written_off_usd"] = total("perp_written_off_usd")
            entry["perp_liquidations"] = int(total("perp_liquidations"))
            entry["perp_apr_pct"] = apr(total("pnl_perp_usd"))
        regimes = _cohort_regimes(agents, capital, model.block_time_s)  # type: ignore[attr-defined]
        if regimes:
            entry["by_regime"] = regimes
        out[cohort] = entry
    return out


def _cohort_regimes(agents: list[RangeLP], capital: float, block_time_s: float) -> dict[str, Any]:
    """The cohort's decomposition summed per regime, with the regime's days and net APR."""
    out: dict[str, Any] = {}
    for a in agents:
        for regime, parts in a.by_regime().items():
            acc = out.setdefault(regime, {})
            for k, v in parts.items():
                acc[k] = acc.get(k, 0.0) + v
    result: dict[str, Any] = {}
    for regime in sorted(out):
        acc = out[regime]
        blocks = acc.pop("blocks") / len(agents)
        days = blocks * block_time_s / 86_400
        row: dict[str, Any] = {"days": days}
        row["pnl_fees_usd"] = acc["fees"]
        row["pnl_il_usd"] = acc["il_bands"] + acc["il_recentre"]
        row["pnl_swap_costs_usd"] = acc["swap_fees"] + acc["swap_impact"]
        row["pnl_gas_usd"] = acc["gas"]
        row["pnl_perp_usd"] = acc["perp"]
        row["pnl_rounding_usd"] = acc["rounding"]
        row["net_vs_hodl_usd"] = acc["net"]
        row["net_vs_hodl_apr_pct"] = (
            acc["net"] / capital / days * 365 * 100 if capital and days else None
        )
        result[regime] = row
    return result


def _regime_asset(model: mesa.Model, tokens: tuple[str, ...]) -> str | None:
    """The first of `tokens` whose reference price follows a regime-switching process."""
    prices = getattr(model, "prices", None)
    for t in tokens:
        try:
            if prices is not None and prices.regime(t):
                return t
        except ScenarioError:
            continue
    return None


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
        a.marks = a._prices()
        agents.append(a)
    return agents

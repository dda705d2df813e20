"""The books of a range LP: its net result against holding, decomposed exactly, and its LVR.

Kept by the model, read by the reports (`sim.report.range_lps`); the agent only tells them what
happened (`sim.market.position_books.PositionBooks`). Every term is valued at its block's prices:

    net vs HODL = fees earned        collected (valued when collected) + uncollected (valued now)
                + IL vs HODL       = band IL (each band's principal against holding the tokens
                                     minted into it: realised at every burn, unrealised for the
                                     current band; the closed form `ranged_il` as a check)
                                   + re-centring drift ((held - funded tokens) x price changes)
                + rebalancing swaps  -(pool fee paid + price impact against the reference)
                - gas                (the model's metrics)
                + perp               price P&L + funding - penalties + losses written off
                + rounding           integer units; a few millionths of a dollar

LVR (`lvr`): each block, the trades' change of the position's tokens at that block's reference
prices; also per price regime (`by_regime`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any, Protocol

from sim.errors import ScenarioError
from sim.market.market import Market
from sim.market.position_books import BandPosition, pair_value
from sim.pools.base import Swap
from sim.pools.uniswap_v3.liquidity_amounts import get_amounts_for_liquidity
from sim.pools.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from sim.pools.uniswap_v3.views import ranged_il, tick_to_price
from sim.protocols.perp import PerpPosition, payable_value

__all__ = ["RangeLPBooks"]


class Keeper(Protocol):
    """What the books read of the model that keeps them (`MarketModel`)."""

    market: Market
    block_time_s: float

    def regime(self, asset: str) -> str: ...

    def gas_cost(self, holder: str) -> float: ...


_REVERTED = (
    "minted",
    "fees_collected",
    "fees_collected_value",
    "bands",
    "il_realised",
    "il_formula_realised",
    "swap_fees_paid",
    "swap_impact",
    "lvr_sampled",
    "lvr_base",
    "lvr_sqrt_price",
    "band_sqrt",
)
"""What a reverted transaction puts back (nothing else changes inside one)."""


class RangeLPBooks:
    """One range LP's books (implements `sim.market.position_books.PositionBooks`)."""

    def __init__(
        self,
        model: Keeper,
        position: BandPosition,
        *,
        cohort: str,
        strategy: str,
        perp: PerpPosition | None,
    ) -> None:
        self.model = model
        self.market = market = model.market
        self.position = position
        self.holder = position.holder
        self.cohort = cohort
        self.strategy = strategy
        self.perp = perp
        self.wallet = market.ledger.wallet(self.holder)
        self.tokens = position.pool.tokens
        self.t0, self.t1 = self.tokens
        self.funded: dict[str, int] = {}
        self.minted: tuple[int, int] = (0, 0)  # raw tokens put into the current band
        self.fees_collected = [0, 0]  # raw units
        self.fees_collected_value = 0.0
        self.bands = 0  # mints (the first band and every re-centre)
        self.il_realised = 0.0  # closed bands: principal burned - tokens minted
        self.il_formula_realised = 0.0  # the same by ranged_il at the pool price
        self.swap_fees_paid = 0.0  # pool fee of its own rebalancing swaps
        self.swap_impact = 0.0  # their shortfall against the reference beyond the fee
        self.drift = 0.0  # re-centring drift, accumulated each block
        self.lvr_sampled = 0.0  # loss-versus-rebalancing of its positions
        self.lvr_base: tuple[int, int] = (0, 0)  # position principal at the last sample
        self.lvr_sqrt_price = 0  # the pool's sqrt price at the last sample
        self.band_sqrt: tuple[int, int] = (0, 0)  # sqrt ratios at the band's ticks
        self.tracked: tuple[str, ...] = ()  # tokens of the drift (`_tracked`)
        self.track_info: tuple[tuple[str, int, int], ...] = ()  # (token, scale, funded)
        self.marks: list[float] = []  # their reference prices at the last sample
        self.deployed_sum = 0.0  # sum over blocks of the share of the tokens in the position
        self.deployed_blocks = 0
        # the same decomposition split by the regime of a regime-switching price process
        self.regime_asset = _regime_asset(model, self.tokens)
        self.regime: str | None = None
        self.regime_blocks: dict[str, int] = {"calm": 0, "volatile": 0}
        self.regime_pnl: dict[str, dict[str, float]] = {}
        self.regime_snap: dict[str, float] = {}

    # ---- what the agent tells its books ------------------------------------------------------

    def fund(self, funded: Mapping[str, int]) -> None:
        self.funded = dict(funded)
        self.marks = self._prices()

    def on_block(self) -> None:
        """Every trade and holding change since the last call happened at the prices of the
        last call (the previous block's reference prices)."""
        pool = self.position.pool
        if self.position.liquidity and pool.sqrt_price_x96 != self.lvr_sqrt_price:
            amounts = self._amounts_now()
            self.lvr_sampled += self._lvr_since_sample(amounts)
            self.lvr_base = amounts
            self.lvr_sqrt_price = pool.sqrt_price_x96
        prices = self._prices()
        if prices != self.marks:
            self.drift += self._drift(prices)
            self.marks = prices
        if self.position.entered and not self.position.exited:
            self._sample_deployed(prices)
        if self.regime_asset is not None:
            regime = self.model.regime(self.regime_asset)
            if regime != self.regime:
                if self.regime is not None:
                    self._close_regime_spell(self.regime)
                self.regime = regime
            self.regime_blocks[regime] += 1

    def on_burn(self, principal: tuple[int, int], collected: tuple[int, int]) -> None:
        self.il_formula_realised += self.il_formula_value()
        p0, p1 = principal
        c0, c1 = collected
        self.lvr_sampled += self._lvr_since_sample((p0, p1))
        m0, m1 = self.minted
        self.il_realised += self.market.value(self.t0, p0 - m0) + self.market.value(
            self.t1, p1 - m1
        )
        f0, f1 = c0 - p0, c1 - p1
        self.fees_collected[0] += f0
        self.fees_collected[1] += f1
        self.fees_collected_value += self._value(f0, f1)

    def on_mint(self, minted: tuple[int, int]) -> None:
        pos = self.position
        self.minted = minted
        self.band_sqrt = (
            get_sqrt_ratio_at_tick(pos.tick_lower),
            get_sqrt_ratio_at_tick(pos.tick_upper),
        )
        self.lvr_base = self._amounts_now()
        self.lvr_sqrt_price = pos.pool.sqrt_price_x96
        self.bands += 1

    def on_swap(self, swap: Swap) -> None:
        value = self.market.value
        fee = value(swap.fee_token, swap.fee)
        self.swap_fees_paid += fee
        self.swap_impact += (
            value(swap.token_in, swap.amount_in) - value(swap.token_out, swap.amount_out) - fee
        )

    def snapshot(self) -> dict[str, Any]:
        return {k: copy.copy(getattr(self, k)) for k in _REVERTED}

    def restore(self, snapshot: dict[str, Any]) -> None:
        for k, v in snapshot.items():
            setattr(self, k, v)

    # ---- values ---------------------------------------------------------------------------

    def _value(self, a0: int | float, a1: int | float) -> float:
        return pair_value(self.market, self.tokens, a0, a1)

    def position_value(self) -> float:
        """Principal plus uncollected fees, at reference prices."""
        a0, a1 = self.position.amounts()
        f0, f1 = self.position.uncollected_fees()
        return self._value(a0 + f0, a1 + f1)

    def perp_equity(self) -> float:
        """What the perp venue would pay now (whole units; `pnl`'s perp term is unrounded)."""
        return payable_value(self.market.protocols, self.holder) if self.perp else 0.0

    def value(self) -> float:
        """Wallet + position (principal and uncollected fees) + perp equity, numeraire."""
        return self.market.wallet_value(self.wallet) + self.position_value() + self.perp_equity()

    def hodl_value(self) -> float:
        """What the tokens it was funded with would be worth now, had they been held."""
        return self.market.wallet_value(self.funded)

    def fees(self) -> float:
        """Fees earned: collected (valued when collected) + uncollected (valued now)."""
        return self.fees_collected_value + self._value(*self.position.uncollected_fees())

    def gas_cost(self) -> float:
        """Gas it paid, as the model's metrics booked it."""
        return self.model.gas_cost(self.holder)

    def days(self) -> float:
        """Days since it entered (0 before)."""
        pos = self.position
        if not pos.entered:
            return 0.0
        return (self.market.block - pos.entry_block) * self.model.block_time_s / 86_400

    def pool_price(self) -> float:
        return self.position.pool.spot_price(self.t0, self.t1)

    def il_formula(self) -> float | None:
        """ranged_il of the current band since its mint, at the pool price ratio, as a fraction."""
        pos = self.position
        if not pos.liquidity or not pos.entry_price:
            return None
        d0, d1 = pos.pool.decimals
        p0 = pos.entry_price
        lower = min(1.0, tick_to_price(pos.tick_lower, d0, d1) / p0)
        upper = max(1.0, tick_to_price(pos.tick_upper, d0, d1) / p0)
        return ranged_il(self.pool_price() / p0, lower, upper)

    def il_measured(self) -> float | None:
        """Position principal against holding the tokens minted, both valued at the pool price."""
        if not self.position.liquidity:
            return None
        p = self.pool_price()
        d0, d1 = (10**d for d in self.position.pool.decimals)
        a0, a1 = self.position.amounts()
        m0, m1 = self.minted
        hold = m0 / d0 * p + m1 / d1
        return (a0 / d0 * p + a1 / d1) / hold - 1.0 if hold else None

    def il_formula_value(self) -> float:
        """The current band's `il_formula` times the value of the tokens minted into it, both
        at the pool price, in the numeraire (0 without a position)."""
        il = self.il_formula()
        if il is None:
            return 0.0
        d0, d1 = (10**d for d in self.position.pool.decimals)
        m0, m1 = self.minted
        hold = m0 / d0 * self.pool_price() + m1 / d1
        return il * hold * self.market.price(self.t1)

    def il_unrealised(self) -> float:
        """The current band's principal against holding the tokens minted, at reference prices."""
        if not self.position.liquidity:
            return 0.0
        a0, a1 = self.position.amounts()
        m0, m1 = self.minted
        return self.market.value(self.t0, a0 - m0) + self.market.value(self.t1, a1 - m1)

    # ---- the P&L decomposition ------------------------------------------------------------

    def held(self) -> dict[str, int]:
        """Tokens held as if the position were frozen at what was minted: wallet + minted."""
        held = {t: a for t, a in self.wallet.items() if a}
        if self.position.liquidity:
            for t, m in zip(self.tokens, self.minted, strict=True):
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
        liquidity = self.position.liquidity
        for k, p in enumerate(prices):
            mark = marks[k]
            if p != mark:
                t, scale, funded = self.track_info[k]
                diff = self.wallet.get(t, 0) - funded
                if k < 2 and liquidity:
                    diff += self.minted[k]
                if diff:
                    out += diff / scale * (p - mark)
        return out

    def _amounts_now(self) -> tuple[int, int]:
        """The position's principal now (as `amounts`, from the band's cached ratios)."""
        sa, sb = self.band_sqrt
        pos = self.position
        return get_amounts_for_liquidity(pos.pool.sqrt_price_x96, sa, sb, pos.liquidity)

    def _lvr_since_sample(self, amounts: tuple[int, int]) -> float:
        """What trades took from the position since the last sample, at that sample's prices."""
        scale = self.market.scale
        out = 0.0
        for k, (a, b) in enumerate(zip(amounts, self.lvr_base, strict=True)):
            if a != b:
                out -= (a - b) / scale[self.tracked[k]] * self.marks[k]
        return out

    def _sample_deployed(self, prices: list[float]) -> None:
        """Add this block's share of the LP's tokens that sit in the position (principal)."""
        scale = self.market.scale
        wallet = self.wallet
        principal = 0.0
        if self.position.liquidity:
            for k in (0, 1):
                principal += self.lvr_base[k] / scale[self.tracked[k]] * prices[k]
        idle = 0.0
        for k, t in enumerate(self.tracked):
            idle += wallet.get(t, 0) / scale[t] * prices[k]
        total = principal + idle
        if total > 0:
            self.deployed_sum += principal / total
            self.deployed_blocks += 1

    def _close_regime_spell(self, regime: str) -> None:
        now = self.pnl()
        acc = self.regime_pnl.setdefault(regime, dict.fromkeys(now, 0.0))
        for k, v in now.items():
            acc[k] += v - self.regime_snap.get(k, 0.0)
        self.regime_snap = now

    def pnl(self) -> dict[str, float]:
        """Net result against holding and its exact decomposition (numeraire, signed).

        fees + il_bands + il_recentre + swap_fees + swap_impact + gas + perp + rounding
        = net. `rounding`: what integer units and float sums leave over (tested ~0).
        """
        fees = self.fees()
        il_bands = self.il_realised + self.il_unrealised()
        recentre = self.drift + (self._drift(self._prices()) if self.marks else 0.0)
        perp = self.perp
        parts = {
            "fees": fees,
            "il_bands": il_bands,
            "il_recentre": recentre,
            "swap_fees": -self.swap_fees_paid,
            "swap_impact": -self.swap_impact,
            "gas": -self.gas_cost(),
            "perp": max(0.0, perp.collateral) + perp.paid_back - perp.deposited
            if perp is not None
            else 0.0,
        }
        net = self.value() - self.hodl_value()
        parts["rounding"] = net - math.fsum(parts.values())
        parts["net"] = net
        return parts

    def lvr(self) -> float:
        """Loss-versus-rebalancing of its positions so far (numeraire)."""
        if not self.position.liquidity:
            return self.lvr_sampled
        return self.lvr_sampled + self._lvr_since_sample(self.position.amounts())

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


def _regime_asset(model: Keeper, tokens: tuple[str, ...]) -> str | None:
    """The first of `tokens` whose reference price follows a regime-switching process."""
    for t in tokens:
        try:
            if model.regime(t):
                return t
        except ScenarioError:
            continue
    return None

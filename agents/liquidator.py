"""Liquidators: repay unhealthy debt, seize collateral plus the bonus, sell it into the pool.

Each block (or every `scan_every_blocks`) a liquidator reads the lending
market's public view: every account and its health factor. For each account
with HF < 1 it quotes liquidations of several sizes (a share of what the close
factor allows), quotes the sale of the seized collateral for the debt asset in
the pool, and keeps the size with the best profit after gas. If that profit
beats `min_profit` it submits **one atomic transaction**: liquidate, then
sell the seized collateral at the exact quote. At execution the call re-quotes
both legs on the state of that moment and reverts, changing nothing, unless
the sale pays back the debt repaid plus the gas and tip it pays (its
break-even at the reference prices it decided at). Liquidators compete in the
mempool: each bids `bid_share` of its expected profit as priority fee, so the
best bid liquidates first and a late one finds the account healthy again (or
the profit gone) and reverts.

With `sell = false` the liquidator keeps the collateral instead (it does not
press on the pool): the switch that shows how liquidations feed a depeg.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal

import mesa
from pydantic import Field

from agents.base import AgentSpec, BidShare, MarketAgent
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, Tx, swap_receipt
from sim.config import Amount, sample
from sim.errors import InsufficientBalance, PoolError, ProtocolError
from sim.market.world import world_of
from sim.pools.base import Pool
from sim.protocols.lending import MAX_AMOUNT, LendingMarket


class LiquidatorSpec(AgentSpec):
    """A cohort of liquidation bots on one lending market."""

    kind: Literal["liquidator"]
    market: str = Field(description="lending market watched")
    pools: list[str] | None = Field(
        None, description="pools to sell seized collateral in (default: every pool)"
    )
    capital: Amount = Field(1_000.0, description="debt-asset inventory per agent, numeraire")
    debt_asset: str = Field("ETH", description="the asset it repays (and holds)")
    min_profit: float = Field(0.0, ge=0, le=1e15, description="minimum expected profit after gas")
    bid_share: BidShare = 0.5
    sizes: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        [1.0, 0.5, 0.25, 0.1],
        min_length=1,
        description="shares of the close-factor maximum quoted per account",
    )
    sell: bool = Field(True, description="sell the seized collateral in the pool at once")
    scan_every_blocks: int = Field(
        1, ge=1, le=50_000_000, description="blocks between scans of the market"
    )


class Liquidator(MarketAgent):
    kind: ClassVar[str] = "liquidator"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: LiquidatorSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        self.lending: LendingMarket = self.market.protocols.lending[spec.market]
        names = spec.pools if spec.pools is not None else list(self.market.pools)
        self.pools: list[Pool] = [self.market.pools[n] for n in names]
        self.debt_asset = spec.debt_asset
        self.collaterals = [
            a
            for a, p in self.lending.spec.assets.items()
            if p.collateral and p.liquidation_threshold > 0 and a != spec.debt_asset
        ]
        self.attempts = 0
        self.done = 0
        self.repaid_total = 0
        self.seized_total = 0
        self.proceeds_total = 0
        self.expected_profit = 0.0
        self._hf_seen: dict[str, tuple[float, float, int, int]] = {}
        self._unprofitable: dict[str, tuple[float, int, int]] = {}
        """Accounts found unprofitable: (collateral oracle price, collateral, block) then."""

    def pool_for(self, collateral: str) -> Pool | None:
        for pool in self.pools:
            if collateral in pool.tokens and self.debt_asset in pool.tokens:
                return pool
        return None

    # ---- decisions ------------------------------------------------------------------------------

    def act(self) -> None:
        if self.market.block % self.spec.scan_every_blocks:
            return
        self.withdraw_pending()  # re-planned below on this block's state (a full block left it)
        lm = self.lending
        block = self.market.block
        price = lm.oracle(self.collaterals[0]) if self.collaterals else 1.0
        for account in lm.accounts():
            if account == self.name or not self._maybe_liquidatable(account, price, block):
                continue
            # an account found unprofitable is quoted again only once its collateral or the
            # oracle price moved, or after a while (interest grows the debt slowly)
            key = (lm.oracle(self.collaterals[0]), lm.supplied(account, self.collaterals[0]))
            seen = self._unprofitable.get(account)
            if seen is not None and seen[:2] == key and block - seen[2] < 300:
                continue
            for collateral in self.collaterals:
                plan = self.best_plan(account, collateral)
                if plan is not None:
                    self.submit(account, collateral, *plan)
                    self._unprofitable.pop(account, None)
                    break
            else:
                self._unprofitable[account] = (*key, block)

    def _maybe_liquidatable(self, account: str, price: float, block: int) -> bool:
        """HF < 1, reading the market only when a cheap estimate says it could be.

        With one collateral priced at `price`, an account's HF moves in proportion to
        that price and to the collateral balance (a rebasing LST's shrinks after a
        penalty), and slowly down with interest: an account seen with HF h at price p0
        and balance c0 is re-read only when h * price / p0 * c / c0 < 1.02, or after
        100 blocks.
        """
        col = self.lending.supplied(account, self.collaterals[0]) if self.collaterals else 0
        seen = self._hf_seen.get(account)
        if seen is not None:
            hf, p0, c0, at = seen
            if p0 > 0 and c0 > 0 and hf * price / p0 * col / c0 >= 1.02 and block - at < 100:
                return False
        hf = self.lending.health_factor(account)
        self._hf_seen[account] = (hf, price, col, block)
        return hf < 1.0

    def best_plan(self, borrower: str, collateral: str) -> tuple[int, int, float] | None:
        """(debt to cover, minimum sale proceeds, expected profit) of the best size, or None."""
        market, lm = self.market, self.lending
        debt = lm.debt(borrower, self.debt_asset)
        if debt == 0 or lm.supplied(borrower, collateral) == 0:
            return None
        pool = self.pool_for(collateral) if self.spec.sell else None
        if self.spec.sell and pool is None:
            return None
        gas_units = market.chain.gas.liquidation + (market.chain.gas.swap if pool else 0)
        gas_value = market.gas_value(gas_units)
        try:  # v3.3's close factor: all of the debt below HF 0.95 or for a small position
            max_cover = lm.max_liquidatable_debt(borrower, self.debt_asset, collateral)
        except ProtocolError:
            return None
        best: tuple[int, int, float] | None = None
        for share in self.spec.sizes:
            cover = self.cover_for(share, max_cover, debt)
            if cover <= 0:
                continue
            try:
                quote = lm.quote_liquidation(borrower, self.debt_asset, collateral, cover)
                repaid, seized = quote.repaid, quote.seized
                if pool is not None:
                    out_value = market.value(
                        self.debt_asset, pool.quote_exact_in(collateral, self.debt_asset, seized)
                    )
                else:
                    out_value = market.value(collateral, seized)
            except (ProtocolError, PoolError):
                continue
            profit = out_value - market.value(self.debt_asset, repaid) - gas_value
            if profit > self.spec.min_profit and (best is None or profit > best[2]):
                need = market.units(
                    self.debt_asset, market.value(self.debt_asset, repaid) + gas_value
                )
                best = (cover, need, profit)
        return best

    def cover_for(self, share: float, max_cover: int, debt: int) -> int:
        """Debt to cover for a `share` of the close factor's maximum, within the wallet.

        The whole debt is asked for as `MAX_AMOUNT` (as bots call v3): interest accrued
        before the call is included would otherwise leave a few wei, which v3.3's dust
        rule refuses.
        """
        held = self.wallet.get(self.debt_asset, 0)
        if share >= 1 and max_cover == debt and held >= debt + debt // 1_000:
            return MAX_AMOUNT
        return min(max_cover * round(share * 10_000) // 10_000, held)

    def submit(self, borrower: str, collateral: str, cover: int, need: int, profit: float) -> None:
        market = self.market
        pool = self.pool_for(collateral) if self.spec.sell else None
        gas_units = market.chain.gas.liquidation + (market.chain.gas.swap if pool else 0)
        tip = self.tip_for(gas_units, profit * self.spec.bid_share)
        if tip is None:
            return  # cannot pay the base fee: the chain would drop it
        # the plan's floor covers the repayment and gas at the base fee; the tip too, so that
        # a liquidation gone stale reverts rather than pays the builder more than it earns
        need += self.units_at_least(
            self.debt_asset, market.gas_value(gas_units, tip) - market.gas_value(gas_units)
        )
        self.attempts += 1
        self.expected_profit += profit

        def liquidate_and_sell(chain: Chain, sender: str) -> Receipt:
            return self.execute(chain, sender, borrower, collateral, cover, need, pool)

        touches = (pool,) if pool is not None else ()
        market.chain.submit(
            Tx(self.name, Call(liquidate_and_sell, gas_units, touches), tip, Intent.LIQUIDATION)
        )

    # ---- the transaction -------------------------------------------------------------------------

    def execute(
        self,
        chain: Chain,
        sender: str,
        borrower: str,
        collateral: str,
        cover: int,
        need: int,
        pool: Pool | None,
    ) -> Receipt:
        """Quote both legs on the current state, then liquidate and sell (or revert untouched)."""
        lm, debt_asset, w = self.lending, self.debt_asset, self.wallet
        quote = lm.quote_liquidation(borrower, debt_asset, collateral, cover)
        repaid, seized = quote.repaid, quote.seized
        if w.get(debt_asset, 0) < repaid:
            raise InsufficientBalance(f"{sender} holds too little {debt_asset} to repay {repaid}")
        out = 0
        if pool is not None:
            out = pool.quote_exact_in(collateral, debt_asset, seized)
            if out < need:
                raise ProtocolError(
                    f"liquidation no longer pays: the sale returns {out} {debt_asset}, "
                    f"repaying and gas need {need}"
                )
        repaid, seized = self.market.protocols.liquidate(
            self.spec.market, sender, borrower, debt_asset, collateral, cover, block=chain.block
        )
        self.done += 1
        self.repaid_total += repaid
        self.seized_total += seized
        detail: dict[str, object] = {"borrower": borrower, "repaid": repaid, "seized": seized}
        if pool is None:
            return Receipt(kind="liquidation", detail=detail)
        before = pool.spot_price(collateral, debt_asset)
        swap = pool.swap_exact_in(collateral, debt_asset, seized, out)
        w[collateral] -= seized
        w[debt_asset] += swap.amount_out
        self.proceeds_total += swap.amount_out
        return swap_receipt(pool, [swap], before, detail)

    def report(self) -> dict[str, object]:
        dec = 10 ** self.market.decimals[self.debt_asset]
        return {
            "liquidations": self.done,
            "liquidation_attempts": self.attempts,
            "debt_repaid": self.repaid_total / dec,
            "collateral_seized": self.seized_total / dec,
            "sale_proceeds": self.proceeds_total / dec,
            "expected_profit": self.expected_profit
            if math.isfinite(self.expected_profit)
            else None,
            **self.gas_money(),
        }


def build(model: mesa.Model, cohort: str, spec: LiquidatorSpec) -> list[Liquidator]:
    """Create the cohort and fund each bot with the debt asset."""
    capital = sample(spec.capital, world_of(model).rng, spec.count).clip(0, None)
    agents = []
    for i in range(spec.count):
        a = Liquidator(model, cohort=cohort, spec=spec)
        a.fund(float(capital[i]), {spec.debt_asset: 1.0}, spec.gas_reserve)
        agents.append(a)
    return agents

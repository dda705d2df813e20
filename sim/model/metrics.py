"""What a run measures: per-transaction accounting, time-series reporters and the summary.

`Metrics.on_receipt` is the chain's hook: every included transaction passes
through it once, so volumes, fees, slippage, gas and profits are accumulated
in one place, in the numeraire at the reference prices of that block, and the
event log gets one row. Nothing here changes the market.
"""

from __future__ import annotations

import csv
import math
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from sim.chain.transactions import Bundle, Receipt, Tx
from sim.errors import PoolError
from sim.pools.base import Pool, Swap
from sim.pools.liquidity import lp_shares, lp_supply

if TYPE_CHECKING:
    from sim.model.model import MarketModel

EVENT_COLUMNS = (
    "block",
    "tx_index",
    "sender",
    "label",
    "kind",
    "status",
    "pool",
    "token_in",
    "amount_in",
    "token_out",
    "amount_out",
    "value_in_usd",
    "value_out_usd",
    "fee_usd",
    "slippage_bps",
    "gas_usd",
    "priority_fee_gwei",
    "note",
)
"""Columns of events.csv (amounts in whole tokens, values in the numeraire)."""


class EventLog:
    """Transactions as rows, streamed to a CSV file (or kept in memory when no path is given)."""

    def __init__(self, path: Path | None, enabled: bool = True) -> None:
        self.enabled = enabled
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0
        self._file: TextIO | None = None
        self._writer: Any = None
        if enabled and path is not None:
            self._file = path.open("w", newline="", buffering=1 << 20)
            self._writer = csv.writer(self._file, lineterminator="\n")
            self._writer.writerow(EVENT_COLUMNS)

    def write(self, row: tuple[Any, ...]) -> None:
        if not self.enabled:
            return
        self.count += 1
        if self._writer is not None:
            self._writer.writerow(row)
        else:
            self.rows.append(row)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass(slots=True)
class PoolStats:
    """Running totals for one pool."""

    volume_usd: float = 0.0
    fees_usd: float = 0.0
    lp_fees_usd: float = 0.0
    swaps: int = 0
    fee_per_share: float = 0.0  # LP-attributable fee value per LP token (accumulator)
    lvr_per_share: float = 0.0  # loss-versus-rebalancing per LP token (accumulator)
    lvr_usd: float = 0.0  # traders' gain against the pool at reference prices, fees excluded
    arb_gain_usd: float = 0.0  # the arbitrageurs' part of it (they also take back retail impact)
    lp_fee_share: float = 1.0  # fraction of fees that accrues to LPs
    priced: bool = True  # every token has a reference price (else LVR has no meaning)
    start_ratio: float = 0.0  # reference price ratio token0/token1 at start
    start_value_per_share: float = 0.0
    start_claim_per_share: tuple[float, ...] = ()

    @property
    def vs_rebalancing_usd(self) -> float:
        """LP value minus a portfolio making the same trades at reference prices: fees - LVR."""
        return self.fees_usd - self.lvr_usd


@dataclass(slots=True)
class AgentStats:
    """Running totals for one agent (numeraire)."""

    volume_usd: float = 0.0
    fees_paid_usd: float = 0.0
    gas_usd: float = 0.0
    swaps: int = 0
    reverts: int = 0
    dropped: int = 0
    trade_pnl_usd: float = 0.0  # value received minus value paid, at reference prices
    lp_fee_income_usd: float = 0.0
    lp_lvr_usd: float = 0.0
    mev_gained_usd: float = 0.0
    mev_lost_usd: float = 0.0
    lp_shares_seen: dict[str, tuple[int, float, float]] = field(default_factory=dict)

    @property
    def slippage_usd(self) -> float:
        """Execution shortfall of its swaps against the reference price, beyond the fees."""
        return -(self.trade_pnl_usd + self.fees_paid_usd)


class Metrics:
    """Accumulates everything a run reports."""

    def __init__(self, model: MarketModel, events: EventLog) -> None:
        self.model = model
        self.market = model.market
        self.events = events
        self.pools: dict[str, PoolStats] = {name: PoolStats() for name in self.market.pools}
        self.agents: dict[str, AgentStats] = {}
        self.retail_slippage_bps = array("d")
        self.tx_index = 0
        self.arb_profit_usd = 0.0
        self.mev_usd = 0.0
        self.sandwiches = 0
        self.sandwich_rows: list[dict[str, Any]] = []
        self.flows: dict[tuple[str, str, str], list[float]] = {}
        self._hf_cache: tuple[tuple[str, int], list[float]] | None = None
        # every agent's holdings (wallet plus pool claims) and the ledger's mint and burn
        # totals once genesis is done: what a rug's value accounting starts from
        self.start_holdings: dict[str, dict[str, int]] = {}
        self.start_books: dict[str, dict[str, int]] = {}

    def agent(self, name: str) -> AgentStats:
        st = self.agents.get(name)
        if st is None:
            st = self.agents[name] = AgentStats()
        return st

    def start(self) -> None:
        """Snapshot starting ratios and LP positions once genesis liquidity is in."""
        market = self.market
        for name, pool in market.pools.items():
            st = self.pools[name]
            st.lp_fee_share = _lp_fee_share(pool)
            st.priced = all(t == market.numeraire or t in market.ref_prices for t in pool.tokens)
            a, b = pool.tokens[0], pool.tokens[1]
            pb = market.price(b)
            st.start_ratio = market.price(a) / pb if pb else 0.0
            supply = _supply(pool)
            if supply:
                claim = _claim_per_share(pool, supply)
                st.start_claim_per_share = claim
                st.start_value_per_share = self._value_claim(pool, claim)
        for agent in self.model.market_agents:
            for name, pool in market.pools.items():
                shares = _shares(pool, agent.name)
                if shares:
                    self.agent(agent.name).lp_shares_seen[name] = (shares, 0.0, 0.0)
        ledger = market.ledger
        self.start_holdings = {
            a.name: agent_holdings(self.model, a.name) for a in self.model.market_agents
        }
        self.start_books = {"minted": dict(ledger.minted), "burned": dict(ledger.burned)}

    def note(self, name: str, what: str) -> None:
        """Log a scheduled event (not a transaction) in the event log."""
        self.events.write(
            (self.market.block, self.tx_index, "scenario", name, "event", "ok", *("",) * 11, what)
        )

    # ---- the chain's hook ------------------------------------------------------------------

    def on_receipt(self, tx: Tx, receipt: Receipt | None, reason: str, paid_wei: int) -> None:
        st = self.agents.get(tx.sender) or self.agent(tx.sender)
        self.tx_index += 1
        if paid_wei < 0:
            st.dropped += 1
            self._event(tx, None, "dropped", reason, 0.0)
            return
        gas_usd = 0.0
        if paid_wei:
            market = self.market
            gas_usd = market.value(market.chain.native, paid_wei)
            st.gas_usd += gas_usd
        if receipt is None:
            st.reverts += 1
            self._event(tx, None, "reverted", reason, gas_usd)
        elif receipt.kind == "swap":
            self._swap(tx, receipt, st, gas_usd)
        else:
            if receipt.pool in self.pools:
                self._settle_lp(tx.sender, receipt.pool)
            self._event(tx, receipt, "ok", "", gas_usd)

    def _swap(self, tx: Tx, r: Receipt, st: AgentStats, gas_usd: float) -> None:
        """Book a swap: each hop's pool totals, then the trader's P&L split and slippage."""
        value = self.market.value
        value_in = value(r.token_in, r.amount_in)
        value_out = value(r.token_out, r.amount_out)
        label = tx.label
        arb = label == "arbitrage"
        hops = r.hops
        if len(hops) == 1:
            fee_usd = self._hop(tx.sender, r.route[0], hops[0], value_in, value_out, arb)
        else:
            fee_usd = 0.0
            for pool, hop in zip(r.route, r.hops, strict=True):
                hop_in = value(hop.token_in, hop.amount_in)
                hop_out = value(hop.token_out, hop.amount_out)
                fee_usd += self._hop(tx.sender, pool, hop, hop_in, hop_out, arb)
        st.swaps += 1
        st.volume_usd += value_in
        st.fees_paid_usd += fee_usd
        pnl = value_out - value_in
        st.trade_pnl_usd += pnl
        slippage = (1.0 - value_out / value_in) * 10_000 if value_in else 0.0
        if label == "retail":
            self.retail_slippage_bps.append(slippage)
        elif arb:
            self.arb_profit_usd += pnl - gas_usd
        if self.events.enabled:
            self._event(tx, r, "ok", "", gas_usd, value_in, value_out, fee_usd, slippage)

    def _hop(
        self, sender: str, pool: Pool, hop: Swap, hop_in: float, hop_out: float, arb: bool
    ) -> float:
        """Book one pool's part of a swap (values in the numeraire); returns its fee value."""
        name = pool.name
        ps = self.pools[name]
        # the fee's value, in proportion to the leg it was taken from (input or output)
        token_in, _, amount_in, amount_out, fee_units, fee_token = hop
        if fee_token == token_in:
            fee = hop_in * fee_units / amount_in if amount_in else 0.0
        else:
            fee = hop_out * fee_units / amount_out if amount_out else 0.0
        ps.volume_usd += hop_in
        ps.fees_usd += fee
        ps.swaps += 1
        key = (sender, name, "swap")
        flow = self.flows.get(key)
        if flow is None:
            self.flows[key] = [1, hop_in]
        else:
            flow[0] += 1
            flow[1] += hop_in
        # loss-versus-rebalancing (Milionis et al. 2022): the pool trades against a portfolio
        # that makes the same trades at reference prices, so each trade adds what the trader
        # gained at reference prices, fees excluded. Arbitrage adds (it realises the price
        # move), retail price impact subtracts (arbitrage only takes it back): LPs' result
        # against rebalancing is fees - LVR. Arbitrageurs' own take is kept apart too.
        lvr = hop_out - (hop_in - fee) if ps.priced else 0.0
        ps.lvr_usd += lvr
        if arb:
            ps.arb_gain_usd += lvr
        lp_part = fee * ps.lp_fee_share
        supply = getattr(pool, "total_supply", 0)
        if supply:
            ps.lp_fees_usd += lp_part
            ps.fee_per_share += lp_part / supply
            ps.lvr_per_share += lvr / supply
        elif pool.kind == "concentrated":  # V3: per-LP fees come from the pool's fee growth
            ps.lp_fees_usd += lp_part
        return fee

    def _settle_lp(self, holder: str, pool_name: str) -> None:
        """Credit fees and LVR accrued on the shares held since the last change, then re-snapshot."""
        pool = self.market.pools[pool_name]
        ps = self.pools[pool_name]
        st = self.agent(holder)
        shares, fee_acc, lvr_acc = st.lp_shares_seen.get(pool_name, (0, 0.0, 0.0))
        st.lp_fee_income_usd += shares * (ps.fee_per_share - fee_acc)
        st.lp_lvr_usd += shares * (ps.lvr_per_share - lvr_acc)
        st.lp_shares_seen[pool_name] = (_shares(pool, holder), ps.fee_per_share, ps.lvr_per_share)

    def lp_fee_income(self, holder: str) -> float:
        """Fee income (numeraire) attributed to `holder` across pools up to now."""
        st = self.agents.get(holder)
        if st is None:
            return 0.0
        total = st.lp_fee_income_usd
        for name, (shares, acc, _) in st.lp_shares_seen.items():
            total += shares * (self.pools[name].fee_per_share - acc)
        return total

    def lp_lvr(self, holder: str) -> float:
        """Loss-versus-rebalancing (numeraire) attributed to `holder`'s LP shares up to now."""
        st = self.agents.get(holder)
        if st is None:
            return 0.0
        total = st.lp_lvr_usd
        for name, (shares, _, acc) in st.lp_shares_seen.items():
            total += shares * (self.pools[name].lvr_per_share - acc)
        return total

    def on_bundle(self, bundle: Bundle, receipts: list[Receipt], alone_out: int) -> None:
        """A sandwich executed: book the bot's gross gain and the victim's loss against running alone."""
        front, victim, back = receipts[0], receipts[len(bundle.before)], receipts[-1]
        market = self.market
        gross = market.value(front.token_in, back.amount_out - front.amount_in)
        loss = market.value(victim.token_out, alone_out - victim.amount_out)
        bot, target = bundle.searcher, bundle.target.sender
        self.agent(bot).mev_gained_usd += gross
        self.agent(target).mev_lost_usd += loss
        self.mev_usd += gross
        self.sandwiches += 1
        flow = self.flows.setdefault((bot, target, "sandwich"), [0, 0.0])
        flow[0] += 1
        flow[1] += gross
        self.sandwich_rows.append(
            {
                "block": market.block,
                "bot": bot,
                "victim": target,
                "pool": victim.pool,
                "victim_cohort": target.split("#")[0],
                "victim_loss_usd": loss,
                "bot_gross_usd": gross,
            }
        )
        self.note("sandwich", f"{bot} sandwiched {target}: bot +{gross:.2f}, victim -{loss:.2f}")

    def _event(
        self,
        tx: Tx,
        r: Receipt | None,
        status: str,
        note: str,
        gas_usd: float,
        value_in: float = 0.0,
        value_out: float = 0.0,
        fee_usd: float = 0.0,
        slippage: float | None = None,
    ) -> None:
        if not self.events.enabled:
            return
        dec = self.market.decimals
        if r is not None and r.kind == "swap":
            row = (
                self.market.block,
                self.tx_index,
                tx.sender,
                tx.label,
                "swap",
                status,
                r.pool,
                r.token_in,
                _fmt(r.amount_in / 10 ** dec[r.token_in]),
                r.token_out,
                _fmt(r.amount_out / 10 ** dec[r.token_out]),
                _fmt(value_in),
                _fmt(value_out),
                _fmt(fee_usd),
                _fmt(slippage) if slippage is not None else "",
                _fmt(gas_usd),
                _fmt(tx.priority_fee_gwei),
                note,
            )
        else:
            kind = r.kind if r is not None else _action_kind(tx)
            pool = r.pool if r is not None else _action_pool(tx)
            detail = ";".join(f"{k}={v}" for k, v in (r.detail.items() if r else ()))
            row = (
                self.market.block,
                self.tx_index,
                tx.sender,
                tx.label,
                kind,
                status,
                pool,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                _fmt(gas_usd),
                _fmt(tx.priority_fee_gwei),
                note or detail,
            )
        self.events.write(row)

    def _value_claim(self, pool: Pool, claim: tuple[float, ...]) -> float:
        return sum(
            c / 10 ** self.market.decimals[t] * self.market.price(t)
            for t, c in zip(pool.tokens, claim, strict=True)
        )

    # ---- time series ----------------------------------------------------------------------

    def reporters(self) -> dict[str, Callable[[MarketModel], Any]]:
        """Named DataCollector reporters: global columns, then per asset and per pool."""
        cols: dict[str, Callable[[MarketModel], Any]] = {
            "block": report_block,
            "time_days": report_days,
            "base_fee_gwei": report_base_fee,
            "txs": report_txs,
            "reverts": report_reverts,
            "arb_profit_usd": report_arb_profit,
            "lp_fees_usd": report_lp_fees,
            "mev_usd": report_mev,
        }
        for asset in self.model.price_assets:
            cols[f"ref_price.{asset}"] = partial(report_ref_price, asset=asset)
        for name, pool in self.market.pools.items():
            cols[f"{name}.price"] = partial(report_pool_price, pool=name)
            cols[f"{name}.ref_price"] = partial(report_pool_ref_price, pool=name)
            for t in pool.tokens:
                cols[f"{name}.reserve.{t}"] = partial(report_reserve, pool=name, token=t)
            cols[f"{name}.tvl_usd"] = partial(report_tvl, pool=name)
            cols[f"{name}.volume_usd"] = partial(report_volume, pool=name)
            cols[f"{name}.fees_usd"] = partial(report_fees, pool=name)
            cols[f"{name}.lvr_usd"] = partial(report_lvr, pool=name)
            cols[f"{name}.lp_value_per_share_usd"] = partial(report_share_value, pool=name)
            cols[f"{name}.hodl_value_per_share_usd"] = partial(report_share_hodl, pool=name)
            if pool.kind == "constant_product":  # where IL(r) = 2*sqrt(r)/(1+r) - 1 holds
                cols[f"{name}.il_formula_pct"] = partial(report_il_formula, pool=name)
            if pool.kind == "concentrated":
                cols[f"{name}.tick"] = partial(report_tick, pool=name)
                cols[f"{name}.active_liquidity"] = partial(report_active_liquidity, pool=name)
        protocols = self.market.protocols
        for lst in protocols.staking:
            cols[f"staking.{lst}.exchange_rate"] = partial(report_exchange_rate, lst=lst)
            cols[f"staking.{lst}.market_rate"] = partial(report_lst_market_rate, lst=lst)
            cols[f"staking.{lst}.discount_pct"] = partial(report_lst_discount, lst=lst)
        for name, lm in protocols.lending.items():
            cols[f"lending.{name}.min_hf"] = partial(report_hf, market=name, q=0.0)
            cols[f"lending.{name}.p10_hf"] = partial(report_hf, market=name, q=0.1)
            cols[f"lending.{name}.median_hf"] = partial(report_hf, market=name, q=0.5)
            cols[f"lending.{name}.liquidations"] = partial(report_liquidations, market=name)
            cols[f"lending.{name}.liquidated_debt_usd"] = partial(
                report_liquidated_debt, market=name
            )
            cols[f"lending.{name}.bad_debt_usd"] = partial(report_bad_debt, market=name)
            for asset, params in lm.spec.assets.items():
                if params.borrowable:
                    cols[f"lending.{name}.borrow_rate.{asset}"] = partial(
                        report_borrow_rate, market=name, asset=asset
                    )
                    cols[f"lending.{name}.utilization.{asset}"] = partial(
                        report_utilization, market=name, asset=asset
                    )
        if protocols.chef is not None:  # issue 6: liquidity mining (only with [rewards])
            cols.update(reward_reporters(self.model))
        return cols

    def health_factors(self, market: str) -> list[float]:
        """Sorted finite health factors of every account with debt (cached per block)."""
        key = (market, self.market.block)
        cache = self._hf_cache
        if cache is None or cache[0] != key:
            lm = self.market.protocols.lending[market]
            hfs = sorted(h for a in lm.accounts() if math.isfinite(h := lm.health_factor(a)))
            self._hf_cache = cache = (key, hfs)
        return cache[1]

    def share_value(self, pool_name: str) -> float:
        pool = self.market.pools[pool_name]
        supply = _supply(pool)
        return self._value_claim(pool, _claim_per_share(pool, supply)) if supply else 0.0

    def share_hodl(self, pool_name: str) -> float:
        st = self.pools[pool_name]
        if not st.start_claim_per_share:
            return 0.0
        return self._value_claim(self.market.pools[pool_name], st.start_claim_per_share)

    def il_formula(self, pool_name: str) -> float:
        """IL(r) = 2*sqrt(r)/(1+r) - 1 for the reference price ratio r since the start, in %."""
        pool = self.market.pools[pool_name]
        st = self.pools[pool_name]
        pb = self.market.price(pool.tokens[1])
        if not st.start_ratio or not pb:
            return 0.0
        r = (self.market.price(pool.tokens[0]) / pb) / st.start_ratio
        return (2 * math.sqrt(r) / (1 + r) - 1) * 100

    def slippage_summary(self) -> dict[str, float | int | None]:
        xs = self.retail_slippage_bps
        if not xs:
            return {
                "trades": 0,
                "mean_bps": None,
                "p50_bps": None,
                "p95_bps": None,
                "worst_bps": None,
            }
        # numpy over the array's own buffer: a year of trades would be 170 MB as a sorted list
        ordered = np.sort(np.frombuffer(xs, dtype=np.float64))
        n = len(ordered)
        return {
            "trades": n,
            "mean_bps": float(ordered.sum() / n),
            "p50_bps": float(ordered[n // 2]),
            "p95_bps": float(ordered[min(n - 1, int(0.95 * n))]),
            "worst_bps": float(ordered[-1]),
        }


def iter_events(path: Path) -> Iterator[dict[str, str]]:
    """Rows of an events.csv, lazily."""
    with path.open(newline="") as f:
        yield from csv.DictReader(f)


# ---- reporters: plain named functions of the model (picklable, testable) -------------------


def report_block(m: MarketModel) -> int:
    """Mesa's clock: one unit of `model.time` is one block (the chain's block number)."""
    return int(m.time)


def report_days(m: MarketModel) -> float:
    return round(m.time * m.block_time_s / 86_400, 6)


def report_base_fee(m: MarketModel) -> float:
    return round(m.market.chain.base_fee_gwei, 6)


def report_txs(m: MarketModel) -> int:
    return m.market.chain.tx_count


def report_reverts(m: MarketModel) -> int:
    return m.market.chain.revert_count


def report_arb_profit(m: MarketModel) -> float:
    return m.metrics.arb_profit_usd


def report_lp_fees(m: MarketModel) -> float:
    return sum(p.lp_fees_usd for p in m.metrics.pools.values())


def report_ref_price(m: MarketModel, asset: str) -> float:
    return m.market.price(asset)


def report_pool_price(m: MarketModel, pool: str) -> float:
    p = m.market.pools[pool]
    try:
        return p.spot_price(p.tokens[0], p.tokens[1])
    except (PoolError, ZeroDivisionError, ArithmeticError):
        return math.nan  # an empty pool has no price: a blank cell in timeseries.csv


def report_pool_ref_price(m: MarketModel, pool: str) -> float:
    p = m.market.pools[pool]
    quote = m.market.price(p.tokens[1])
    return m.market.price(p.tokens[0]) / quote if quote else math.nan


def report_reserve(m: MarketModel, pool: str, token: str) -> float:
    return m.market.pools[pool].holdings()[token] / 10 ** m.market.decimals[token]


def report_tvl(m: MarketModel, pool: str) -> float:
    return m.market.wallet_value(m.market.pools[pool].holdings())


def report_volume(m: MarketModel, pool: str) -> float:
    return m.metrics.pools[pool].volume_usd


def report_fees(m: MarketModel, pool: str) -> float:
    return m.metrics.pools[pool].fees_usd


def report_lvr(m: MarketModel, pool: str) -> float:
    return m.metrics.pools[pool].lvr_usd


def report_mev(m: MarketModel) -> float:
    return m.metrics.mev_usd


def report_share_value(m: MarketModel, pool: str) -> float:
    return m.metrics.share_value(pool)


def report_share_hodl(m: MarketModel, pool: str) -> float:
    return m.metrics.share_hodl(pool)


def report_il_formula(m: MarketModel, pool: str) -> float:
    return m.metrics.il_formula(pool)


def report_tick(m: MarketModel, pool: str) -> int:
    """Current tick of a concentrated-liquidity pool."""
    return m.market.pools[pool].tick  # type: ignore[attr-defined]


def report_active_liquidity(m: MarketModel, pool: str) -> float:
    """Liquidity in range (the V3 pool's `liquidity`), as a float."""
    return float(m.market.pools[pool].liquidity)  # type: ignore[attr-defined]


def report_exchange_rate(m: MarketModel, lst: str) -> float:
    """Underlying per LST unit at the staking protocol."""
    return m.market.protocols.staking[lst].exchange_rate()


def report_lst_market_rate(m: MarketModel, lst: str) -> float:
    """Underlying per LST unit in the market (the LST's pool price over the underlying's)."""
    und = m.market.price(m.market.protocols.staking[lst].spec.underlying)
    return m.market.price(lst) / und if und else math.nan


def report_lst_discount(m: MarketModel, lst: str) -> float:
    """1 - market rate / exchange rate, in % (the depeg)."""
    rate = report_exchange_rate(m, lst)
    return (1 - report_lst_market_rate(m, lst) / rate) * 100 if rate else math.nan


def report_hf(m: MarketModel, market: str, q: float) -> float:
    """Quantile `q` of the health factors of accounts with debt (nan when nobody borrows)."""
    hfs = m.metrics.health_factors(market)
    return hfs[min(len(hfs) - 1, int(q * len(hfs)))] if hfs else math.nan


def report_liquidations(m: MarketModel, market: str) -> int:
    return sum(1 for r in m.market.protocols.liquidations if r.market == market)


def report_liquidated_debt(m: MarketModel, market: str) -> float:
    """Debt repaid by liquidators so far, at today's prices."""
    return sum(
        m.market.value(r.debt_asset, r.repaid)
        for r in m.market.protocols.liquidations
        if r.market == market
    )


def report_bad_debt(m: MarketModel, market: str) -> float:
    """Debt value of insolvent accounts beyond their collateral value (numeraire)."""
    return m.market.protocols.lending[market].shortfall()


def report_borrow_rate(m: MarketModel, market: str, asset: str) -> float:
    return m.market.protocols.lending[market].borrow_rate(asset)


def report_utilization(m: MarketModel, market: str, asset: str) -> float:
    return m.market.protocols.lending[market].utilization(asset)


# ---- helpers ------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    """Compact, deterministic float text for CSV (12 significant digits)."""
    return f"{x:.12g}"


def _supply(pool: Pool) -> int:
    try:
        return lp_supply(pool)
    except AttributeError:
        return 0


def _shares(pool: Pool, holder: str) -> int:
    try:
        return lp_shares(pool, holder)
    except AttributeError:
        return 0


def _claim_per_share(pool: Pool, supply: int) -> tuple[float, ...]:
    """Token units one LP token is worth (reserves / supply), as floats."""
    if pool.kind == "constant_product":
        reserves: tuple[int, ...] = (pool.reserve0, pool.reserve1)  # type: ignore[attr-defined]
    else:
        reserves = tuple(pool.balances)  # type: ignore[attr-defined]
    return tuple(r / supply for r in reserves)


def _lp_fee_share(pool: Pool) -> float:
    """Fraction of swap fees that accrues to LPs (protocol/admin cuts removed)."""
    if pool.kind == "stableswap":
        return 1.0 - pool.admin_fee / 10**10  # type: ignore[attr-defined]
    if pool.kind == "constant_product" and getattr(pool, "fee_to", None):
        return 5 / 6
    return 1.0


def _action_kind(tx: Tx) -> str:
    return type(tx.action).__name__.lower()


def _action_pool(tx: Tx) -> str:
    return ">".join(p.name for p in tx.action.pools())


# ---- liquidity mining and rugs (issue 6; only used when the scenario has [rewards]) --------


def reward_reporters(model: MarketModel) -> dict[str, Callable[[MarketModel], Any]]:
    """Time-series columns of liquidity mining: reward price, emissions, headline vs realised APR."""
    chef = model.market.protocols.chef
    if chef is None:
        return {}
    cols: dict[str, Callable[[MarketModel], Any]] = {
        f"rewards.{chef.token}.price": report_reward_price,
        "rewards.realised_apr_pct": report_realised_reward_apr,
    }
    for pool in chef.pools:
        cols[f"rewards.{pool}.emission_per_day"] = partial(report_emission, pool=pool)
        cols[f"rewards.{pool}.staked_tvl_usd"] = partial(report_staked_tvl, pool=pool)
        cols[f"rewards.{pool}.headline_apr_pct"] = partial(report_headline_apr, pool=pool)
        cols[f"rewards.{pool}.miners"] = partial(report_miners, pool=pool)
    return cols


def _safe_price(m: MarketModel, token: str) -> float:
    try:
        return m.market.price(token)
    except Exception:  # an emptied pool has no price
        return math.nan


def report_reward_price(m: MarketModel) -> float:
    chef = m.market.protocols.chef
    return _safe_price(m, chef.token) if chef is not None else math.nan


def report_emission(m: MarketModel, pool: str) -> float:
    from sim.protocols.lp_staking import emission_per_day

    return emission_per_day(m.market.protocols, pool, m.market.block)


def report_staked_tvl(m: MarketModel, pool: str) -> float:
    """Value of the LP shares staked in the chef's `pool` (numeraire)."""
    chef = m.market.protocols.chef
    p = m.market.pools[pool]
    supply = _supply(p)
    if chef is None or not supply:
        return 0.0
    try:
        tvl = m.market.wallet_value(p.holdings())
    except Exception:  # an emptied pool of an unpriced token
        return math.nan
    return tvl * chef.total_staked(pool) / supply


def report_headline_apr(m: MarketModel, pool: str) -> float:
    """What a farm's page shows: emission/day × reward price × 365 / staked TVL, in %."""
    chef = m.market.protocols.chef
    staked = report_staked_tvl(m, pool)
    if chef is None or not staked or not math.isfinite(staked):
        return math.nan
    return report_emission(m, pool) * report_reward_price(m) * 365 / staked * 100


def report_realised_reward_apr(m: MarketModel) -> float:
    """Miners' realised reward APR so far: (sale proceeds + unsold rewards now) / staked $·days, %."""
    value = days = 0.0
    for a in m.market_agents:
        if a.kind == "mining_lp":
            value += a.reward_value_usd()  # type: ignore[attr-defined]
            days += a.staked_usd_days  # type: ignore[attr-defined]
    return value / days * 365 * 100 if days else math.nan


def report_miners(m: MarketModel, pool: str) -> int:
    """Mining LPs with a stake in the chef's `pool`."""
    chef = m.market.protocols.chef
    if chef is None:
        return 0
    return sum(1 for a in m.market_agents if a.kind == "mining_lp" and chef.staked(pool, a.name))


def agent_holdings(model: MarketModel, holder: str) -> dict[str, int]:
    """Tokens `holder` owns: its wallet plus its pro-rata claim on every pool it has LP shares of."""
    from sim.pools.liquidity import claim

    out = {t: a for t, a in model.market.ledger.wallet(holder).items() if a}
    for pool in model.market.pools.values():
        shares = _shares(pool, holder)
        if shares:
            for t, a in claim(pool, shares).items():
                out[t] = out.get(t, 0) + a
    return out

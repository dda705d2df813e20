"""The books of a run: who paid, received, holds and is owed, in one place.

`Books.on_receipt` is the chain's hook: every transaction the chain saw passes through it
once, so volumes, fees, slippage, gas and profits are accumulated here, in the numeraire
at the reference prices of that block, and the event log gets one row. `on_bundle` books
a sandwich. `start` snapshots, once genesis liquidity is in, every holder's LP shares and
what one LP share of each pool holds, which LPs' fees and P&L are measured from. What every
agent holds is the value books' (`sim.model.balance_sheet`, `sim.model.value_books`).
Nothing here changes the market.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from typing import Any

from sim.chain.intents import Intent
from sim.chain.transactions import Bundle, Receipt, Tx
from sim.market.market import Market
from sim.model.event_log import EventLog, action_row, note_row, swap_row
from sim.model.totals import AgentStats, PoolStats, slippage_stats
from sim.pools.base import LpClaims, Pool, Swap

# The two intents the books treat apart, as the plain strings they are: every swap compares
# its label with them, and `str == str` is the interpreter's fast path (an enum member would
# be looked up on its class each time: 0.8% of a constant-product block).
ARBITRAGE: str = Intent.ARBITRAGE.value
RETAIL: str = Intent.RETAIL.value


def claim_per_share(pool: Pool, supply: int) -> tuple[float, ...]:
    """Token units one LP share is worth (reserves / supply), as floats."""
    return tuple(r / supply for r in pool.lp_reserves())


class Books:
    """Everything a run accounts for, booked as the chain executes."""

    def __init__(self, market: Market, events: EventLog) -> None:
        self.market = market
        self.events = events
        self.pools: dict[str, PoolStats] = {name: PoolStats() for name in market.pools}
        self.agents: dict[str, AgentStats] = {}
        self.retail_slippage_bps = array("d")
        self.tx_index = 0
        self.arb_profit = 0.0
        self.mev = 0.0
        self.sandwiches = 0
        self.sandwich_rows: list[dict[str, Any]] = []
        self.flows: dict[tuple[str, str, str], list[float]] = {}

    def agent(self, name: str) -> AgentStats:
        st = self.agents.get(name)
        if st is None:
            st = self.agents[name] = AgentStats()
        return st

    def start(self, holders: Iterable[str]) -> None:
        """Snapshot starting ratios, one share's claim and `holders`' LP shares once genesis
        liquidity is in."""
        market = self.market
        names = list(holders)
        for name, pool in market.pools.items():
            st = self.pools[name]
            st.lp_fee_share = pool.lp_fee_share()
            st.priced = all(t == market.numeraire or t in market.ref_prices for t in pool.tokens)
            a, b = pool.tokens[0], pool.tokens[1]
            pb = market.price(b)
            st.start_ratio = market.price(a) / pb if pb else 0.0
            supply = pool.lp_supply()
            if supply:
                claim = claim_per_share(pool, supply)
                st.start_claim_per_share = claim
                st.start_value_per_share = self._value_claim(pool, claim)
        for holder in names:
            for name, pool in market.pools.items():
                shares = pool.lp_shares(holder)
                if shares:
                    self.agent(holder).lp_shares_seen[name] = (shares, 0.0, 0.0)

    def note(self, name: str, what: str) -> None:
        """Log a scheduled event (not a transaction) in the event log."""
        self.events.write(note_row(self.market.block, self.tx_index, name, what))

    # ---- the chain's hooks -----------------------------------------------------------------

    def on_receipt(self, tx: Tx, receipt: Receipt | None, reason: str, paid_wei: int) -> None:
        """Book one transaction: dropped (`paid_wei` < 0), reverted (no receipt) or executed."""
        st = self.agents.get(tx.sender) or self.agent(tx.sender)
        self.tx_index += 1
        if paid_wei < 0:
            st.dropped += 1
            self._event(tx, None, "dropped", reason, 0.0)
            return
        gas_cost = 0.0
        if paid_wei:
            market = self.market
            gas_cost = market.value(market.chain.native, paid_wei)
            st.gas_cost += gas_cost
        if receipt is None:
            st.reverts += 1
            self._event(tx, None, "reverted", reason, gas_cost)
        elif receipt.kind == "swap":
            self._swap(tx, receipt, st, gas_cost)
        else:
            if receipt.pool in self.pools:
                self._settle_lp(tx.sender, receipt.pool)
            self._event(tx, receipt, "ok", "", gas_cost)

    def _swap(self, tx: Tx, r: Receipt, st: AgentStats, gas_cost: float) -> None:
        """Book a swap: each hop's pool totals, then the trader's P&L split and slippage."""
        value = self.market.value
        value_in = value(r.token_in, r.amount_in)
        value_out = value(r.token_out, r.amount_out)
        label = tx.label
        arb = label == ARBITRAGE
        hops = r.hops
        if len(hops) == 1:
            fee_value = self._hop(tx.sender, r.route[0], hops[0], value_in, value_out, arb)
        else:
            fee_value = 0.0
            for pool, hop in zip(r.route, r.hops, strict=True):
                hop_in = value(hop.token_in, hop.amount_in)
                hop_out = value(hop.token_out, hop.amount_out)
                fee_value += self._hop(tx.sender, pool, hop, hop_in, hop_out, arb)
        st.swaps += 1
        st.volume += value_in
        st.fees_paid += fee_value
        pnl = value_out - value_in
        st.trade_pnl += pnl
        slippage = (1.0 - value_out / value_in) * 10_000 if value_in else 0.0
        if label == RETAIL:
            self.retail_slippage_bps.append(slippage)
            ps = self.pools.get(r.pool)  # a route's receipt names its pools "a>b"
            if ps is not None:
                ps.retail_slippage_bps.append(slippage)
            else:
                self._retail_hops(r)
        elif arb:
            self.arb_profit += pnl - gas_cost
        if self.events.enabled:
            self._event(tx, r, "ok", "", gas_cost, value_in, value_out, fee_value, slippage)

    def _retail_hops(self, r: Receipt) -> None:
        """A multi-hop retail trade's slippage per pool: each hop's own, at reference prices."""
        value = self.market.value
        for pool, hop in zip(r.route, r.hops, strict=True):
            hop_in = value(hop.token_in, hop.amount_in)
            hop_out = value(hop.token_out, hop.amount_out)
            slippage = (1.0 - hop_out / hop_in) * 10_000 if hop_in else 0.0
            self.pools[pool.name].retail_slippage_bps.append(slippage)

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
        ps.volume += hop_in
        ps.fees += fee
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
        ps.lvr += lvr
        if arb:
            ps.arb_gain += lvr
        lp_part = fee * ps.lp_fee_share
        supply = pool.lp_supply()
        if supply:
            ps.lp_fees += lp_part
            ps.fee_per_share += lp_part / supply
            ps.lvr_per_share += lvr / supply
        elif (
            pool.lp_claims is LpClaims.POSITIONS
        ):  # V3: per-LP fees come from the pool's fee growth
            ps.lp_fees += lp_part
        return fee

    def _settle_lp(self, holder: str, pool_name: str) -> None:
        """Credit fees and LVR accrued on the shares held since the last change, then re-snapshot."""
        pool = self.market.pools[pool_name]
        ps = self.pools[pool_name]
        st = self.agent(holder)
        shares, fee_acc, lvr_acc = st.lp_shares_seen.get(pool_name, (0, 0.0, 0.0))
        st.lp_fee_income += shares * (ps.fee_per_share - fee_acc)
        st.lp_lvr += shares * (ps.lvr_per_share - lvr_acc)
        st.lp_shares_seen[pool_name] = (
            pool.lp_shares(holder),
            ps.fee_per_share,
            ps.lvr_per_share,
        )

    def on_bundle(self, bundle: Bundle, receipts: list[Receipt], alone_out: int) -> None:
        """A sandwich executed: book the bot's gross gain and the victim's loss against running alone."""
        front, victim, back = receipts[0], receipts[len(bundle.before)], receipts[-1]
        market = self.market
        gross = market.value(front.token_in, back.amount_out - front.amount_in)
        loss = market.value(victim.token_out, alone_out - victim.amount_out)
        bot, target = bundle.searcher, bundle.target.sender
        self.agent(bot).mev_gained += gross
        self.agent(target).mev_lost += loss
        self.mev += gross
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
                "victim_loss": loss,
                "bot_gross": gross,
            }
        )
        self.note("sandwich", f"{bot} sandwiched {target}: bot +{gross:.2f}, victim -{loss:.2f}")

    def _event(
        self,
        tx: Tx,
        r: Receipt | None,
        status: str,
        note: str,
        gas_cost: float,
        value_in: float = 0.0,
        value_out: float = 0.0,
        fee_value: float = 0.0,
        slippage: float | None = None,
    ) -> None:
        events = self.events
        if not events.enabled:
            return
        block = self.market.block
        if r is not None and r.kind == "swap":
            events.write(
                swap_row(
                    block,
                    self.tx_index,
                    tx,
                    r,
                    self.market.decimals,
                    status,
                    note,
                    gas_cost,
                    value_in,
                    value_out,
                    fee_value,
                    slippage,
                )
            )
        else:
            events.write(action_row(block, self.tx_index, tx, r, status, note, gas_cost))

    # ---- what LPs are owed and what their shares are worth ----------------------------------

    def lp_fee_income(self, holder: str) -> float:
        """Fee income (numeraire) attributed to `holder` across pools up to now."""
        st = self.agents.get(holder)
        if st is None:
            return 0.0
        total = st.lp_fee_income
        for name, (shares, acc, _) in st.lp_shares_seen.items():
            total += shares * (self.pools[name].fee_per_share - acc)
        return total

    def lp_lvr(self, holder: str) -> float:
        """Loss-versus-rebalancing (numeraire) attributed to `holder`'s LP shares up to now."""
        st = self.agents.get(holder)
        if st is None:
            return 0.0
        total = st.lp_lvr
        for name, (shares, _, acc) in st.lp_shares_seen.items():
            total += shares * (self.pools[name].lvr_per_share - acc)
        return total

    def _value_claim(self, pool: Pool, claim: tuple[float, ...]) -> float:
        return sum(
            c / 10 ** self.market.decimals[t] * self.market.price(t)
            for t, c in zip(pool.tokens, claim, strict=True)
        )

    def share_value(self, pool_name: str) -> float:
        """What one LP share of `pool_name` holds now, at reference prices (0 without shares)."""
        pool = self.market.pools[pool_name]
        supply = pool.lp_supply()
        return self._value_claim(pool, claim_per_share(pool, supply)) if supply else 0.0

    def share_hodl(self, pool_name: str) -> float:
        """What one LP share held at the start is worth now, had its tokens been held instead."""
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
        """Retail trades' slippage: count, mean and quantiles in bps (None without trades)."""
        return slippage_stats(self.retail_slippage_bps)

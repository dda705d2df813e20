"""The numbers a run ends with: the summary (summary.json) and one row per agent (agents.csv)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.model.agent_views import passive_lps
from sim.model.mechanisms import (
    MECHANISM_DOCS,
    Mechanism,
    has_arbitrageurs,
    lvr_not_measured,
    mechanisms,
)
from sim.model.reporters import price_or_nan, spot_or_nan
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.curve.views import impermanent_loss
from sim.report.gas_money import GAS_MONEY_FIELD, gas_money_summary
from sim.report.launch_summary import launch_summary
from sim.report.lending_summary import lending_summary, staking_summary
from sim.report.mev_summary import mev_summary
from sim.report.mining_summary import mining_summary
from sim.report.oracle_attack_summary import oracle_attack_summary
from sim.report.pool_slippage import slippage_by_pool
from sim.report.range_lps import range_lp_row, summarize_range_lps
from sim.report.readings import finite
from sim.report.rug_summary import rug_summary
from sim.report.sections import SECTION_KEYS
from sim.report.value_summary import value_section

if TYPE_CHECKING:
    from sim.model.model import MarketModel

SUMMARY_FIELDS: dict[str, str] = {
    "mechanisms": "the mechanisms this run has, each with its own section: "
    + "; ".join(f"{m} ({d})" for m, d in MECHANISM_DOCS.items())
    + ". The keys of the others are left out, not filled with zeros",
    "blocks": "blocks simulated",
    "days": "simulated days",
    "volume": "traded volume over all pools, numeraire",
    "fees": "swap fees paid by all traders, numeraire, at the reference price of each block",
    "lp_fee_income": "fees attributed to liquidity providers, every agent holding pool shares (protocol/admin cuts removed)",
    "lp_vs_hodl_pct": "LP value against holding the deposited tokens, % (fees included): passive LPs' positions and range LPs' whole books (position, wallet, perp); with neither, one LP share of the first pool against holding what it held at the start",
    "impermanent_loss_pct": "IL of the first pool's LPs against holding, fees excluded, % (pools.<name>.impermanent_loss_basis says how): constant product IL(r) = 2*sqrt(r)/(1+r) - 1 at the final reference price ratio; StableSwap: the start balances moved along the invariant to the final reference prices; concentrated: the range LPs' measured IL vs HODL",
    "arbitrage_profit": "arbitrageurs' trade profit after gas, at reference prices (only with arbitrageurs)",
    "lvr": "loss-versus-rebalancing: what trades took from the pools at reference prices, fees excluded (arbitrage gains minus the retail price impact arbitrage takes back); LPs vs rebalancing = fees - LVR; over the traded pools whose tokens all have a reference price (where there is none, not_measured says why)",
    "arb_gain": "arbitrageurs' gain against the pools at reference prices, fees excluded (LVR plus the retail price impact they reverse; only with arbitrageurs and LVR)",
    "lp_vs_rebalancing": "LP value minus a portfolio holding the same tokens but trading at reference prices (= fees - LVR), over the pools LVR is measured in",
    "slippage": "retail execution shortfall vs the reference price, bps (fee + impact + mispricing); with several pools also by_pool (the same per pool: a multi-hop trade counts each hop's own in its pool) and by_pool_mean_ratio (highest pool mean / lowest, pools with retail trades)",
    "not_measured": "headline numbers of a present mechanism that this run cannot measure (in all or some of its pools), and why: e.g. lvr where a traded pool holds a token with no reference price of its own",
    "gas_cost": "gas paid by all agents, numeraire",
    "txs": "transactions included in blocks",
    "reverts": "included transactions that reverted (still paid gas)",
    "mempool_evicted": "transactions evicted from a full mempool ([chain] mempool_max_txs), only when any were: never included, no gas paid; their senders count them as dropped (agents.csv)",
    "pools": "per pool: kind, fee, volume, fees, swaps, TVL, fee APR, LP vs HODL, IL, LVR (null where not measured), price at the end",
    "range_lps": "concentrated-liquidity LPs per cohort: strategy, time in range, the net result vs HODL and its exact decomposition (pnl_* = fees, IL vs HODL, rebalancing swap costs, gas, perp, rounding), LVR, APRs, and the same per price regime (by_regime)",
    "mev": "sandwiches: count, bot gross gain, bots' gas (priority fees included) and net, victims' loss against trading alone, per victim cohort (every cohort with a slippage tolerance)",
    "gas_money": GAS_MONEY_FIELD,
    "lending": "per lending market: liquidations (count, debt repaid, collateral seized, by liquidator), bad debt still open, the deficit (Aave v3.3: debt written off when a liquidation takes the last collateral; now and created over the run), liquidation protocol fees and flash-loan premiums to the treasury, withdrawals blocked for want of cash, accounts in e-mode, interest split, lowest health factor, loopers' realised return over the run vs plain staking (and APR, only from 7 days in the loop)",
    "staking": "per liquid staking token: exchange rate, market rate in its pool, deepest discount (the depeg); with lst_lp providers, pool_lps: its pool's LPs, how many withdrew and what they took (at the prices of their blocks), and the pool's TVL at the start, lowest (recorded) and at the end, with the share lost at the lowest",
    "mining": "liquidity mining ([rewards]): reward token price path, emitted vs paid, headline vs realised reward APR, miners' entries, exits and exit reasons per pool",
    "launches": "per token launched in the run: deployer, pool, mint authority, what its developer does (pull), price at launch and at the end, share of its pool's LP locked and of its supply in the largest wallet at the end",
    "rug": "rug pulls (a token_developer whose pull is not never): when, what the developer took, each victim's loss and the value-conservation check, marked at end prices",
    "oracle_attack": "oracle attackers (an oracle_attacker cohort): attacks, what they flash-borrowed and borrowed, their profit (the value books' P&L: what their wallets took away, gas paid, the exploit accounts abandoned), and per lending market its oracle and the bad debt at end marks (debt beyond collateral value, over all accounts) as a share of its supplies",
    "value": "agents' P&L and where it came from: the marking rule and marks, then price moves, supply minted or burned by reason (reward emissions, staking yield, gas burned, ...) and what protocols and non-agent wallets kept (builder tips, protocol fees, lending reserves, ...), with the residual (checked at the end of every run: above 1e-9 of the value in the system the run fails)",
}
"""Top-level keys of summary.json and what they mean."""

AGENT_COLUMNS: dict[str, str] = {
    "agent": "agent name (<cohort>#<id>)",
    "cohort": "scenario cohort name",
    "kind": "agent kind",
    "start_value": "value at the start, at marks (summary.json value.marking says how)",
    "end_value": "value at the end, at marks (summary.json value.marking says how)",
    "pnl": "end value minus start value (summary.json value says where it came from)",
    "volume": "value of the tokens it sold in swaps",
    "fees_paid": "swap fees it paid",
    "gas_cost": "gas it paid",
    "swaps": "successful swaps",
    "reverts": "reverted transactions",
    "dropped": "transactions dropped: no gas money, more gas than a block holds, or evicted from a full mempool",
    "trade_pnl": "value received minus value paid in its swaps, at reference prices",
    "lp_fee_income": "fee income attributed to its LP shares (range LPs: fees earned by its concentrated positions, collected + uncollected)",
    "lp_lvr": "loss-versus-rebalancing attributed to its LP shares (range LPs: trades' gain against its positions' principal at reference prices, fees excluded)",
    "slippage": "execution shortfall of its swaps vs the reference price, beyond fees",
    "mev_gained": "gross sandwich gain (bots)",
    "mev_lost": "loss to sandwiches against trading alone (victims)",
}
"""Columns of agents.csv (kind-specific columns follow)."""


def summarize(model: MarketModel) -> dict[str, Any]:
    """summary.json: the run, the mechanisms it has, then one section for each of them."""
    m = model.metrics
    market = model.market
    meta = model.spec.scenario
    pools: dict[str, Any] = {}
    for name, pool in market.pools.items():
        st = m.pools[name]
        hodl = m.share_hodl(name)
        value = m.share_value(name)
        tvl = market.wallet_value(pool.holdings())
        days = market.block * model.block_time_s / 86_400
        pools[name] = {
            "kind": pool.kind,
            "fee_bps": pool.fee_bps,
            "volume": st.volume,
            "fees": st.fees,
            "lp_fees": st.lp_fees,
            "swaps": st.swaps,
            "tvl_end": tvl,
            "fee_apr_pct": st.lp_fees / tvl / days * 365 * 100 if tvl and days else None,
            "lp_vs_hodl_pct": (value / hodl - 1) * 100 if hodl else None,
            **pool_il(model, name),
            # LVR needs a reference price for every token (a launched token has none)
            "lvr": st.lvr if st.priced else None,
            "arb_gain": st.arb_gain if st.priced else None,
            "lp_vs_rebalancing": st.vs_rebalancing if st.priced else None,
            "lvr_apr_pct": st.lvr / tvl / days * 365 * 100 if tvl and days and st.priced else None,
            "price_end": finite(spot_or_nan(pool)),
        }
    present = mechanisms(model)
    out: dict[str, Any] = {
        "scenario": meta.name,
        "seed": meta.seed,
        "replicate": meta.replicate,
        "numeraire": market.numeraire,
        "mechanisms": [str(x) for x in present],
        "blocks": market.block,
        "days": market.block * model.block_time_s / 86_400,
    }
    if Mechanism.AMM in present:
        out.update(amm_headline(model, pools))
    out |= {
        "gas_cost": sum(s.gas_cost for s in m.agents.values()),
        "txs": market.chain.tx_count,
        "reverts": market.chain.revert_count,
        **({"mempool_evicted": n} if (n := market.chain.evicted_count) else {}),
        **({"gas_money": gas} if (gas := gas_money_summary(model)) else {}),
        "pools": pools,
    }
    sections = {
        Mechanism.RANGE_LPS: summarize_range_lps,
        Mechanism.MEV: mev_summary,
        Mechanism.LENDING: lending_summary,
        Mechanism.STAKING: staking_summary,
        Mechanism.MINING: mining_summary,
        Mechanism.LAUNCHES: launch_summary,
        Mechanism.RUGS: rug_summary,
        Mechanism.ORACLE_ATTACKS: oracle_attack_summary,
    }
    for mechanism, section in sections.items():
        if mechanism in present:
            (key,) = SECTION_KEYS[mechanism]  # the section's one key ("rug" for rugs)
            out[key] = section(model)
    out["value"] = value_section(model.value_books.at_end())
    return out


def amm_headline(model: MarketModel, pools: dict[str, Any]) -> dict[str, Any]:
    """The AMM section's headline numbers (pools traded): volume, fees, LP income, LP vs HODL,
    IL, arbitrage (with arbitrageurs), LVR (over the pools it can be measured in), slippage.

    What cannot be measured is left out and said why in `not_measured`, never shown as 0.
    """
    m = model.metrics
    lps = passive_lps(model.market_agents)
    range_lps = list(model.lp_books.values())
    # every holder of pool shares (passive LPs, miners, developers, stakers providing
    # liquidity), then concentrated positions, which hold no pool shares
    lp_income = sum(
        m.lp_fee_income(a.name) for a in model.market_agents if a.name not in model.lp_books
    )
    lp_income += sum(b.fees() for b in range_lps)
    values = [(a.position_value(), a.hodl_value()) for a in lps if not a.exited]
    # a range LP's whole book (it realises its bands while it goes on), exited or not
    values += [(b.value(), b.hodl_value()) for b in range_lps if b.position.entered]
    hodl_total = sum(h for _, h in values)
    main = next(iter(pools.values()))
    out: dict[str, Any] = {
        "volume": sum(p["volume"] for p in pools.values()),
        "fees": sum(p["fees"] for p in pools.values()),
        "lp_fee_income": lp_income,
        # the LP agents' positions; without any, one LP share of the first pool
        "lp_vs_hodl_pct": (sum(v for v, _ in values) / hodl_total - 1) * 100
        if hodl_total
        else main["lp_vs_hodl_pct"],
        "impermanent_loss_pct": main["impermanent_loss_pct"],
    }
    arbitrage = has_arbitrageurs(model)
    if arbitrage:
        out["arbitrage_profit"] = m.arb_profit
    measured = [p for name, p in pools.items() if m.pools[name].swaps and p["lvr"] is not None]
    if measured:
        out["lvr"] = sum(p["lvr"] for p in measured)
        if arbitrage:
            out["arb_gain"] = sum(p["arb_gain"] for p in measured)
        out["lp_vs_rebalancing"] = sum(p["lp_vs_rebalancing"] for p in measured)
    out["slippage"] = {**m.slippage_summary(), **slippage_by_pool(model)}
    if (why := lvr_not_measured(model)) is not None:
        out["not_measured"] = {"lvr": why}
    return out


IL_BASIS = {
    "constant_product": "x*y=k: 2*sqrt(r)/(1+r) - 1 at the final reference price ratio r",
    "stableswap": "StableSwap invariant: the start balances per LP share moved along the curve "
    "(current A, no fees) to the final reference prices, against holding them",
    "concentrated": "range LPs' measured IL vs HODL (every band's principal against the tokens "
    "minted into it, plus re-centring drift) over their HODL value",
}
"""How `impermanent_loss_pct` is computed for each pool kind (summary.json: impermanent_loss_basis)."""


def pool_il(model: MarketModel, name: str) -> dict[str, Any]:
    """`impermanent_loss_pct` of a pool by the formula its kind needs, and the basis used.

    Concentrated pools also get `lp_vs_hodl_pct` from their range LPs (they hold no shares).
    """
    pool = model.market.pools[name]
    kind = pool.kind
    il: float | None = None
    out: dict[str, Any] = {}
    if kind == "constant_product":
        il = model.metrics.il_formula(name)
    elif isinstance(pool, StableSwapPool):
        start = model.metrics.pools[name].start_claim_per_share
        prices = [price_or_nan(model.market, t) for t in pool.tokens]
        fraction = impermanent_loss(pool, start, prices) if start else None
        il = None if fraction is None else fraction * 100
    elif kind == "concentrated":
        lps = [b for b in model.lp_books.values() if b.position.pool is pool and b.position.entered]
        if lps:
            books = [(b.pnl(), b.hodl_value()) for b in lps]
            hodl = sum(h for _, h in books)
            if hodl:
                il = sum(p["il_bands"] + p["il_recentre"] for p, _ in books) / hodl * 100
                out["lp_vs_hodl_pct"] = sum(p["net"] for p, _ in books) / hodl * 100
    out["impermanent_loss_pct"] = il
    out["impermanent_loss_basis"] = IL_BASIS.get(kind, "not computed for this pool kind")
    return out


def flows_table(model: MarketModel) -> list[dict[str, Any]]:
    """The flow graph as edges: agent -> pool (swaps) and bot -> victim (sandwiches)."""
    return [
        {"source": src, "target": dst, "kind": kind, "count": int(n), "value": v}
        for (src, dst, kind), (n, v) in sorted(model.metrics.flows.items())
    ]


def agents_table(model: MarketModel) -> list[dict[str, Any]]:
    """agents.csv rows: common columns, then whatever each kind reports."""
    m = model.metrics
    rows = []
    closed = model.value_books.at_end()
    for a in model.market_agents:
        st = m.agent(a.name)
        range_books = model.lp_books.get(a.name)
        end = closed.end_value[a.name]
        start = closed.start_value[a.name]
        row: dict[str, Any] = {
            "agent": a.name,
            "cohort": a.cohort,
            "kind": a.kind,
            "start_value": start,
            "end_value": end,
            "pnl": end - start,
            "volume": st.volume,
            "fees_paid": st.fees_paid,
            "gas_cost": st.gas_cost,
            "swaps": st.swaps,
            "reverts": st.reverts,
            "dropped": st.dropped,
            "trade_pnl": st.trade_pnl,
            "lp_fee_income": range_books.fees()
            if range_books is not None
            else m.lp_fee_income(a.name),
            "lp_lvr": range_books.lvr() if range_books is not None else m.lp_lvr(a.name),
            "slippage": st.slippage,
            "mev_gained": st.mev_gained,
            "mev_lost": st.mev_lost,
        }
        row.update(a.report() if range_books is None else range_lp_row(range_books))
        rows.append(row)
    return rows

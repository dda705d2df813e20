"""The numbers a run ends with: the summary (summary.json) and one row per agent (agents.csv)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from agents.liquidity_provider import LiquidityProvider
from agents.range_lp import RangeLP, summarize_range_lps
from sim.errors import PoolError
from sim.pools.curve.views import whole_rate

if TYPE_CHECKING:
    from sim.model.model import MarketModel

SUMMARY_FIELDS: dict[str, str] = {
    "blocks": "blocks simulated",
    "days": "simulated days",
    "volume_usd": "traded volume over all pools, numeraire",
    "fees_usd": "swap fees paid by all traders, numeraire (at the reference price of each block)",
    "lp_fee_income_usd": "fees attributed to liquidity providers, every agent holding pool shares (protocol/admin cuts removed)",
    "lp_vs_hodl_pct": "LP value against holding the deposited tokens, % (fees included): passive LPs' positions and range LPs' whole books (position, wallet, perp); with neither, one LP share of the first pool against holding what it held at the start",
    "impermanent_loss_pct": "IL of the first pool's LPs against holding, fees excluded, % (pools.<name>.impermanent_loss_basis says how): constant product IL(r) = 2*sqrt(r)/(1+r) - 1 at the final reference price ratio; StableSwap: the start balances moved along the invariant to the final reference prices; concentrated: the range LPs' measured IL vs HODL",
    "arbitrage_profit_usd": "arbitrageurs' trade profit after gas, at reference prices",
    "gas_usd": "gas paid by all agents, numeraire",
    "txs": "transactions included in blocks",
    "reverts": "included transactions that reverted (still paid gas)",
    "slippage": "retail execution shortfall vs the reference price, bps (fee + impact + mispricing)",
    "lvr_usd": "loss-versus-rebalancing: what trades took from the pools at reference prices, fees excluded (arbitrage gains minus the retail price impact arbitrage takes back); LPs vs rebalancing = fees - LVR; over pools whose tokens all have a reference price",
    "arb_gain_usd": "arbitrageurs' gain against the pools at reference prices, fees excluded (LVR plus the retail price impact they reverse)",
    "lp_vs_rebalancing_usd": "LP value minus a portfolio holding the same tokens but trading at reference prices (= fees - LVR)",
    "mev": "sandwiches: count, bot gross gain, bots' gas (priority fees included) and net, victims' loss against trading alone, per victim cohort",
    "pools": "the same per pool",
    "lending": "per lending market (only when present): liquidations (count, debt repaid, collateral seized, by liquidator), bad debt, interest split, lowest health factor, loopers' realised return over the run vs plain staking (and APR, only from 7 days in the loop)",
    "staking": "per liquid staking token (only when present): exchange rate, market rate in its pool, deepest discount (the depeg)",
    "mining": "liquidity mining (only with [rewards]): reward token price path, emitted vs paid, headline vs realised reward APR, miners' entries, exits and exit reasons per pool",
    "rug": "rug pulls (only with a rug-pulling token_developer): when, what the developer took, each victim's loss and the value-conservation check, marked at end prices",
    "range_lps": "concentrated-liquidity LPs per cohort: strategy, time in range, the net result vs HODL and its exact decomposition (pnl_* = fees, IL vs HODL, rebalancing swap costs, gas, perp, rounding), LVR, APRs, and the same per price regime (by_regime) (only when present)",
}
"""Top-level keys of summary.json and what they mean."""

AGENT_COLUMNS: dict[str, str] = {
    "agent": "agent name (<cohort>#<id>)",
    "cohort": "scenario cohort name",
    "kind": "agent kind",
    "start_value_usd": "marked-to-market value at the start",
    "end_value_usd": "marked-to-market value at the end (reference prices)",
    "pnl_usd": "end value minus start value",
    "volume_usd": "value of the tokens it sold in swaps",
    "fees_paid_usd": "swap fees it paid",
    "gas_usd": "gas it paid",
    "swaps": "successful swaps",
    "reverts": "reverted transactions",
    "dropped": "transactions dropped for lack of gas money",
    "trade_pnl_usd": "value received minus value paid in its swaps, at reference prices",
    "lp_fee_income_usd": "fee income attributed to its LP shares (range LPs: fees earned by its concentrated positions, collected + uncollected)",
    "lp_lvr_usd": "loss-versus-rebalancing attributed to its LP shares (range LPs: trades' gain against its positions' principal at reference prices, fees excluded)",
    "slippage_usd": "execution shortfall of its swaps vs the reference price, beyond fees",
    "mev_gained_usd": "gross sandwich gain (bots)",
    "mev_lost_usd": "loss to sandwiches against trading alone (victims)",
}
"""Columns of agents.csv (kind-specific columns follow)."""


def summarize(model: MarketModel) -> dict[str, Any]:
    """summary.json: headline numbers, then per-pool detail."""
    m = model.metrics
    market = model.market
    meta = model.spec.scenario
    lps = [a for a in model.market_agents if isinstance(a, LiquidityProvider)]
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
            "volume_usd": st.volume_usd,
            "fees_usd": st.fees_usd,
            "lp_fees_usd": st.lp_fees_usd,
            "swaps": st.swaps,
            "tvl_end_usd": tvl,
            "fee_apr_pct": st.lp_fees_usd / tvl / days * 365 * 100 if tvl and days else None,
            "lp_vs_hodl_pct": (value / hodl - 1) * 100 if hodl else None,
            **pool_il(model, name),
            # LVR needs a reference price for every token (a launched token has none)
            "lvr_usd": st.lvr_usd if st.priced else None,
            "arb_gain_usd": st.arb_gain_usd if st.priced else None,
            "lp_vs_rebalancing_usd": st.vs_rebalancing_usd if st.priced else None,
            "lvr_apr_pct": st.lvr_usd / tvl / days * 365 * 100
            if tvl and days and st.priced
            else None,
            "price_end": _finite(_spot(pool)),
        }
    range_lps = [a for a in model.market_agents if isinstance(a, RangeLP)]
    # every holder of pool shares (passive LPs, miners, developers, stakers providing
    # liquidity), then concentrated positions, which hold no pool shares
    lp_income = sum(
        m.lp_fee_income(a.name) for a in model.market_agents if not isinstance(a, RangeLP)
    )
    lp_income += sum(a.fees_usd() for a in range_lps)
    values = [(a.position_value(), a.hodl_value()) for a in lps if not a.exited]
    # a range LP's whole book (it realises its bands while it goes on), exited or not
    values += [(a.value(), a.hodl_value()) for a in range_lps if a.entered]
    hodl_total = sum(h for _, h in values)
    main = next(iter(pools.values()))
    return {
        "scenario": meta.name,
        "seed": meta.seed,
        "replicate": meta.replicate,
        "numeraire": market.numeraire,
        "blocks": market.block,
        "days": market.block * model.block_time_s / 86_400,
        "volume_usd": sum(p["volume_usd"] for p in pools.values()),
        "fees_usd": sum(p["fees_usd"] for p in pools.values()),
        "lp_fee_income_usd": lp_income,
        # the LP agents' positions; without any, one LP share of the first pool
        "lp_vs_hodl_pct": (sum(v for v, _ in values) / hodl_total - 1) * 100
        if hodl_total
        else main["lp_vs_hodl_pct"],
        "impermanent_loss_pct": main["impermanent_loss_pct"],
        "arbitrage_profit_usd": m.arb_profit_usd,
        "gas_usd": sum(s.gas_usd for s in m.agents.values()),
        "txs": market.chain.tx_count,
        "reverts": market.chain.revert_count,
        "slippage": m.slippage_summary(),
        "lvr_usd": sum(p["lvr_usd"] or 0.0 for p in pools.values()),
        "arb_gain_usd": sum(p["arb_gain_usd"] or 0.0 for p in pools.values()),
        "lp_vs_rebalancing_usd": sum(p["lp_vs_rebalancing_usd"] or 0.0 for p in pools.values()),
        "mev": mev_summary(model),
        "pools": pools,
        **({"range_lps": summarize_range_lps(model)} if range_lps else {}),
        **({"lending": lending_summary(model)} if market.protocols.lending else {}),
        **({"staking": staking_summary(model)} if market.protocols.staking else {}),
        **({"mining": mining_summary(model)} if market.protocols.chef is not None else {}),
        **({"rug": rug} if (rug := rug_summary(model)) else {}),
    }


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
    elif kind == "stableswap":
        start = model.metrics.pools[name].start_claim_per_share
        prices = [_price(model, t) for t in pool.tokens]
        # the curve is in rate-scaled units (stableswap-ng rate oracles; 1.0 without them)
        rates = pool._stored_rates()  # type: ignore[attr-defined]
        scale = [whole_rate(rates[k], pool.decimals[k]) / 1e18 for k in range(len(pool.tokens))]
        start = tuple(c * f for c, f in zip(start, scale, strict=True)) if start else start
        prices = [p / f for p, f in zip(prices, scale, strict=True)]
        il = stableswap_il(pool, start, prices) if start else None
        il = None if il is None else il * 100
    elif kind == "concentrated":
        lps = [
            a
            for a in model.market_agents
            if isinstance(a, RangeLP) and a.pool is pool and a.entered
        ]
        if lps:
            books = [(a.pnl(), a.hodl_value()) for a in lps]
            hodl = sum(h for _, h in books)
            if hodl:
                il = sum(p["il_bands"] + p["il_recentre"] for p, _ in books) / hodl * 100
                out["lp_vs_hodl_pct"] = sum(p["net"] for p, _ in books) / hodl * 100
    out["impermanent_loss_pct"] = il
    out["impermanent_loss_basis"] = IL_BASIS.get(kind, "not computed for this pool kind")
    return out


def _price(model: MarketModel, token: str) -> float:
    try:
        return model.market.price(token)
    except Exception:  # an emptied pool prices nothing
        return math.nan


def stableswap_il(pool: Any, start_claim: tuple[float, ...], prices: list[float]) -> float | None:
    """IL of a StableSwap LP share from the invariant, as a fraction (<= 0), fees excluded.

    The share's start balances `start_claim` (raw units) lie on a curve of the pool's
    invariant `A n^n sum x + D = A D n^n + D^(n+1) / (n^n prod x)` (the pool's current A).
    Arbitrage without fees moves them along that curve to where every marginal price equals
    the reference `prices` (numeraire per whole token); the share is then worth
    sum p_i x_i, against sum p_i x0_i for holding the start balances. None when a price or
    a balance is missing.
    """
    from sim.pools.curve.newton import A_PRECISION

    n = pool.n
    x0 = [c / 10**d for c, d in zip(start_claim, pool.decimals, strict=True)]
    if min(x0) <= 0 or not all(math.isfinite(p) and p > 0 for p in prices):
        return None
    ann = pool._A() * n / A_PRECISION
    d = _stableswap_d(x0, ann)
    x = list(x0)
    for _ in range(100):
        before = list(x)
        for j in range(1, n):
            _stableswap_pair_equilibrium(x, 0, j, prices[0] / prices[j], ann, d)
        if max(abs(a - b) / b for a, b in zip(x, before, strict=True)) < 1e-13:
            break
    held = math.fsum(p * v for p, v in zip(prices, x0, strict=True))
    lp = math.fsum(p * v for p, v in zip(prices, x, strict=True))
    return min(0.0, lp / held - 1.0)


def _stableswap_d(x: list[float], ann: float) -> float:
    """D of whole-token balances `x` (floats; the same Newton step as the contract's get_D)."""
    n = len(x)
    s = math.fsum(x)
    d = s
    for _ in range(255):
        d_p = d
        for v in x:
            d_p = d_p * d / (n * v)
        prev = d
        d = (ann * s + d_p * n) * d / ((ann - 1) * d + (n + 1) * d_p)
        if abs(d - prev) <= 1e-15 * d:
            break
    return d


def _stableswap_pair_equilibrium(
    x: list[float], i: int, j: int, price_i_in_j: float, ann: float, d: float
) -> None:
    """Move coins i and j along the curve (others fixed, D fixed) until d x_j / d x_i equals
    `price_i_in_j` (in place); a bisection on log x_i."""
    n = len(x)
    others = [v for k, v in enumerate(x) if k not in (i, j)]

    def xj_at(xi: float) -> float:
        c = d
        for v in (xi, *others):
            c = c * d / (v * n)
        c = c * d / (ann * n)
        b = xi + math.fsum(others) + d / ann - d
        root = math.sqrt(b * b + 4 * c)
        # the positive root of y^2 + b y = c, in the form that does not cancel
        return 2 * c / (b + root) if b > 0 else (root - b) / 2

    def marginal(xi: float) -> float:
        xj = xj_at(xi)
        d_p = d
        for v in (xi, xj, *others):
            d_p *= d / (n * v)
        return (ann + d_p / xi) / (ann + d_p / xj)

    lo, hi = math.log(x[i]) - 30.0, math.log(x[i]) + 30.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if marginal(math.exp(mid)) > price_i_in_j:  # coin i still dear: add more of it
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    xi = math.exp((lo + hi) / 2)
    x[i], x[j] = xi, xj_at(xi)


RANGE_LP_TABLE = (
    ("fees", "pnl_fees_usd"),
    ("IL vs HODL", "pnl_il_usd"),
    ("of which bands", "il_bands_usd"),
    ("of which re-centring", "il_recentre_usd"),
    ("swap costs", "pnl_swap_costs_usd"),
    ("gas", "pnl_gas_usd"),
    ("perp", "pnl_perp_usd"),
    ("rounding", "pnl_rounding_usd"),
    ("net vs HODL", "net_vs_hodl_usd"),
)
"""Columns of the range-LP decomposition table: fees + IL + swap costs + gas + perp +
rounding = net (the two 'of which' columns split the IL)."""


def range_lp_rows(section: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The per-strategy P&L decomposition as text cells (header, rows) for report.html."""
    regimes = sorted({r for v in section.values() for r in v.get("by_regime") or {}})
    header = ["cohort", "strategy", *(name for name, _ in RANGE_LP_TABLE)]
    header += ["net % of HODL", "in range %", "deployed %", "moves", "LVR"]
    header += [f"net in {r} spells" for r in regimes]
    rows = []
    for cohort, v in section.items():

        def num(x: Any, fmt: str = ",.0f") -> str:
            if x is None:
                return "n/a"
            return format(round(x) or 0 if fmt == ",.0f" else x, fmt)  # no "-0"

        row = [cohort, str(v.get("strategy", ""))]
        row += [num(v.get(key)) for _, key in RANGE_LP_TABLE]
        row += [
            num(v.get("net_vs_hodl_pct"), "+.2f"),
            num(v.get("time_in_range_pct"), ".1f"),
            num(v.get("deployed_pct"), ".1f"),
            num(v.get("rebalances"), ","),
            num(v.get("lvr_usd")),
        ]
        by = v.get("by_regime") or {}
        row += [num((by.get(r) or {}).get("net_vs_hodl_usd")) for r in regimes]
        rows.append(row)
    return header, rows


def _series(model: MarketModel, column: str) -> list[float]:
    """Finite recorded values of a time-series column (empty if absent)."""
    return [v for v in model.datacollector.model_vars.get(column, []) if math.isfinite(v)]


def lending_summary(model: MarketModel) -> dict[str, Any]:
    """Per lending market: liquidations, bad debt, interest, health factors; loopers' APR."""
    market = model.market
    loopers = [a.report() for a in model.market_agents if a.kind == "lst_looper"]
    aprs = [r["realised_apr_pct"] for r in loopers if r.get("realised_apr_pct") is not None]
    base = [r["staking_apr_pct"] for r in loopers if r.get("staking_apr_pct") is not None]
    eq = [r["equity_change_pct"] for r in loopers if r.get("equity_change_pct") is not None]
    base_ret = [r["staking_return_pct"] for r in loopers if r.get("staking_return_pct") is not None]
    days = [r["days_in_loop"] for r in loopers if r.get("days_in_loop") is not None]
    out: dict[str, Any] = {}
    for name, lm in market.protocols.lending.items():
        recs = [r for r in market.protocols.liquidations if r.market == name]
        by: dict[str, dict[str, Any]] = {}
        for r in recs:
            row = by.setdefault(r.liquidator, {"count": 0, "debt_repaid_usd": 0.0})
            row["count"] += 1
            row["debt_repaid_usd"] += market.value(r.debt_asset, r.repaid)
        interest = {}
        for asset, res in lm.reserves.items():
            if res.interest_accrued:
                dec = 10**res.decimals
                interest[asset] = {
                    "borrow_interest": res.interest_accrued / dec,
                    "to_suppliers": (res.interest_accrued - res.interest_to_treasury) / dec,
                    "to_treasury": res.interest_to_treasury / dec,
                    "borrow_rate_end_pct": lm.borrow_rate(asset) * 100,
                    "utilization_end_pct": lm.utilization(asset) * 100,
                }
        hfs = _series(model, f"lending.{name}.min_hf")
        out[name] = {
            "oracle": lm.spec.oracle,
            "liquidations": len(recs),
            "liquidated_accounts": len({r.borrower for r in recs}),
            "liquidated_debt_usd": sum(market.value(r.debt_asset, r.repaid) for r in recs),
            "collateral_seized_usd": sum(market.value(r.collateral, r.seized) for r in recs),
            "first_liquidation_block": recs[0].block if recs else None,
            "by_liquidator": by,
            "bad_debt_usd": lm.shortfall(),
            "interest": interest,
            "min_health_factor": min(hfs) if hfs else None,
            "loopers": len(loopers),
            "loopers_liquidated": sum(1 for r in loopers if r.get("liquidations")),
            "looper_realised_apr_pct": {
                "mean": sum(aprs) / len(aprs) if aprs else None,
                "min": min(aprs) if aprs else None,
                "max": max(aprs) if aprs else None,
            },
            "plain_staking_apr_pct": sum(base) / len(base) if base else None,
            # the realised return over the run (not annualised; APRs need >= 7 days in the loop)
            "looper_equity_change_pct": {
                "mean": sum(eq) / len(eq) if eq else None,
                "min": min(eq) if eq else None,
                "max": max(eq) if eq else None,
            },
            "plain_staking_return_pct": sum(base_ret) / len(base_ret) if base_ret else None,
            "looper_days_in_loop": sum(days) / len(days) if days else None,
        }
    return out


def staking_summary(model: MarketModel) -> dict[str, Any]:
    """Per LST: exchange rate, market rate in its pool, and the deepest discount (the depeg)."""
    market = model.market
    out: dict[str, Any] = {}
    for lst, st in market.protocols.staking.items():
        und = market.price(st.spec.underlying)
        rate = st.exchange_rate()
        mkt = market.price(lst) / und if und else math.nan
        rates = _series(model, f"staking.{lst}.market_rate")
        discounts = _series(model, f"staking.{lst}.discount_pct")
        out[lst] = {
            "apr_pct": st.spec.apr * 100,
            "exchange_rate_end": rate,
            "market_rate_end": _finite(mkt),
            "discount_end_pct": _finite((1 - mkt / rate) * 100) if rate else None,
            "min_market_rate": min(rates) if rates else None,
            "max_discount_pct": max(discounts) if discounts else None,
        }
    return out


def mev_summary(model: MarketModel) -> dict[str, Any]:
    """Sandwiches: totals and, per victim cohort, count, loss and the cohort's slippage setting."""
    m = model.metrics
    cohorts: dict[str, dict[str, Any]] = {}
    if any(spec.kind == "sandwich_bot" for spec in model.spec.agents.values()):
        # every cohort trading with a slippage tolerance is a potential victim: zeros count too
        for name, spec in model.spec.agents.items():
            if hasattr(spec, "slippage_bps"):
                cohorts[name] = {"sandwiches": 0, "victim_loss_usd": 0.0}
    for row in m.sandwich_rows:
        c = cohorts.setdefault(row["victim_cohort"], {"sandwiches": 0, "victim_loss_usd": 0.0})
        c["sandwiches"] += 1
        c["victim_loss_usd"] += row["victim_loss_usd"]
    for name, spec in model.spec.agents.items():
        if name in cohorts and hasattr(spec, "slippage_bps"):
            cohorts[name]["slippage_bps"] = spec.slippage_bps
            volume = sum(
                m.agent(a.name).volume_usd for a in model.market_agents if a.cohort == name
            )
            cohorts[name]["loss_per_volume_bps"] = (
                cohorts[name]["victim_loss_usd"] / volume * 10_000 if volume else None
            )
    bot_gas = sum(m.agent(a.name).gas_usd for a in model.market_agents if a.kind == "sandwich_bot")
    return {
        "sandwiches": m.sandwiches,
        "bot_gross_usd": m.mev_usd,
        "bot_gas_usd": bot_gas,
        "bot_net_usd": m.mev_usd - bot_gas,
        "victim_loss_usd": sum(r["victim_loss_usd"] for r in m.sandwich_rows),
        "by_victim_cohort": cohorts,
    }


def flows_table(model: MarketModel) -> list[dict[str, Any]]:
    """The flow graph as edges: agent -> pool (swaps) and bot -> victim (sandwiches)."""
    return [
        {"source": src, "target": dst, "kind": kind, "count": int(n), "value_usd": v}
        for (src, dst, kind), (n, v) in sorted(model.metrics.flows.items())
    ]


def agents_table(model: MarketModel) -> list[dict[str, Any]]:
    """agents.csv rows: common columns, then whatever each kind reports."""
    m = model.metrics
    rows = []
    for a in model.market_agents:
        st = m.agent(a.name)
        end = a.value()
        start = a.initial_value
        row: dict[str, Any] = {
            "agent": a.name,
            "cohort": a.cohort,
            "kind": a.kind,
            "start_value_usd": start,
            "end_value_usd": end,
            "pnl_usd": end - start,
            "volume_usd": st.volume_usd,
            "fees_paid_usd": st.fees_paid_usd,
            "gas_usd": st.gas_usd,
            "swaps": st.swaps,
            "reverts": st.reverts,
            "dropped": st.dropped,
            "trade_pnl_usd": st.trade_pnl_usd,
            "lp_fee_income_usd": a.fees_usd()
            if isinstance(a, RangeLP)
            else m.lp_fee_income(a.name),
            "lp_lvr_usd": a.lvr() if isinstance(a, RangeLP) else m.lp_lvr(a.name),
            "slippage_usd": st.slippage_usd,
            "mev_gained_usd": st.mev_gained_usd,
            "mev_lost_usd": st.mev_lost_usd,
        }
        row.update(a.report())
        rows.append(row)
    return rows


def _spot(pool: Any) -> float:
    try:
        return pool.spot_price(pool.tokens[0], pool.tokens[1])
    except (PoolError, ZeroDivisionError, ArithmeticError):
        return math.nan


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


# ---- liquidity mining and rug pulls (issue 6; only when [rewards] / a developer exists) ---


def mining_summary(model: MarketModel) -> dict[str, Any]:
    """Liquidity mining: reward token price path, emissions vs payouts, headline vs realised APR."""
    market = model.market
    chef = market.protocols.chef
    if chef is None:
        return {}
    acc = chef.accounts()
    scale = 10**chef.decimals
    miners = [a for a in model.market_agents if a.kind == "mining_lp"]
    token = chef.token
    prices = _series(model, f"rewards.{token}.price")
    pools: dict[str, Any] = {}
    for pool in chef.pools:
        head = _series(model, f"rewards.{pool}.headline_apr_pct")
        counts = _series(model, f"rewards.{pool}.miners")
        emission = _series(model, f"rewards.{pool}.emission_per_day")
        pools[pool] = {
            "emission_per_day_start": emission[0] if emission else None,
            "emission_per_day_end": emission[-1] if emission else None,
            "headline_apr_pct_peak": max(head) if head else None,
            "headline_apr_pct_end": head[-1] if head else None,
            "miners_peak": int(max(counts)) if counts else 0,
            "miners_end": int(counts[-1]) if counts else 0,
            "entries": sum(1 for a in miners for e in a.entries if e["pool"] == pool),  # type: ignore[attr-defined]
            "exits": sum(1 for a in miners for e in a.exits if e["pool"] == pool),  # type: ignore[attr-defined]
        }
    reasons: dict[str, int] = {}
    for a in miners:
        for e in a.exits:  # type: ignore[attr-defined]
            key = str(e.get("signal", e["reason"]))
            reasons[key] = reasons.get(key, 0) + 1
    realised = _series(model, "rewards.realised_apr_pct")
    return {
        "reward_token": token,
        "reward_price_start": prices[0] if prices else None,
        "reward_price_min": min(prices) if prices else None,
        "reward_price_end": prices[-1] if prices else None,
        "emitted": acc.emitted / scale,
        "undistributed": acc.undistributed / scale,
        "paid": acc.paid / scale,
        "pending": acc.pending / scale,
        "rounding_dust_units": acc.dust,
        "realised_reward_apr_pct_end": realised[-1] if realised else None,
        "miners": len(miners),
        "miners_entered": sum(1 for a in miners if a.entries),  # type: ignore[attr-defined]
        "exit_reasons": dict(sorted(reasons.items())),
        "pools": pools,
    }


def rug_accounting(model: MarketModel) -> dict[str, Any]:
    """Value conservation over the run, marked at the END prices for start and end holdings alike.

    Each agent's gain is (end holdings − start holdings) · P_end, holdings being its wallet plus
    its pro-rata claim on every pool (staked LP included), so price drift creates no gain. Then
        Σ gains = P·Δminted − P·Δburned − P·Δ(held outside agents: builder tips, unpaid chef
    rewards, locked minimum liquidity),
    i.e. victims' losses = developer's gain + others' gains + gas (burned and tipped)
    + Δ other outside holdings − value minted. Swap fees are inside LPs' gains.
    """
    from sim.model.metrics import agent_holdings

    market = model.market
    ledger = market.ledger
    start: dict[str, dict[str, int]] = getattr(model.metrics, "start_holdings", None) or {}
    books: dict[str, dict[str, int]] = getattr(model.metrics, "start_books", None) or {}
    marks: dict[str, float] = {}
    for t in market.decimals:
        try:
            marks[t] = market.price(t) / market.scale[t]
        except Exception:  # an emptied pool: its token is worth nothing
            marks[t] = 0.0

    exit_marked = _mark_rugged_at_exit_value(model, marks)

    def worth(amounts: dict[str, int]) -> float:
        return sum(a * marks[t] for t, a in amounts.items() if a)

    gains: dict[str, float] = {}
    agent_end: dict[str, int] = {}
    agent_start: dict[str, int] = {}
    for a in model.market_agents:
        end = agent_holdings(model, a.name)
        before = start.get(a.name, {})
        delta = {t: end.get(t, 0) - before.get(t, 0) for t in set(end) | set(before)}
        gains[a.name] = worth(delta)
        for t, v in end.items():
            agent_end[t] = agent_end.get(t, 0) + v
        for t, v in before.items():
            agent_start[t] = agent_start.get(t, 0) + v
    minted = {t: v - books.get("minted", {}).get(t, 0) for t, v in ledger.minted.items()}
    burned = {t: v - books.get("burned", {}).get(t, 0) for t, v in ledger.burned.items()}
    supply_start = {
        t: books.get("minted", {}).get(t, 0) - books.get("burned", {}).get(t, 0)
        for t in market.decimals
    }
    outside_start = {t: supply_start[t] - agent_start.get(t, 0) for t in market.decimals}
    outside_end = {t: ledger.supply(t) - agent_end.get(t, 0) for t in market.decimals}
    builder = ledger.wallet("block_builder")
    tips = dict(builder)  # the builder starts empty and only receives tips
    outside_other = {t: outside_end[t] - outside_start[t] - tips.get(t, 0) for t in market.decimals}
    return {
        "gains_usd": gains,
        "minted_usd": worth(minted),
        "gas_burned_usd": worth(burned),
        "gas_tips_usd": worth(tips),
        "outside_other_usd": worth(outside_other),
        "marks": {t: marks[t] * market.scale[t] for t in marks},
        "exit_marked": exit_marked,
    }


def _mark_rugged_at_exit_value(model: MarketModel, marks: dict[str, float]) -> list[str]:
    """Lower the mark of each token whose developer pulled to what its holders could get for it.

    After a rug the pool's spot price no longer says what the token is worth: a pool emptied
    by `remove_liquidity` still quotes its last price on a few wei of reserves. The token is
    marked instead at the average price of selling every unit agents hold in their wallets
    into its pool (capped at the spot mark). One mark per token, for start and end holdings
    alike, so value stays conserved. Returns the tokens marked this way.
    """
    from agents.rug_puller import TokenDeveloper

    market = model.market
    out = []
    for dev in model.market_agents:
        if not isinstance(dev, TokenDeveloper) or not dev.pulled:
            continue
        t = dev.token
        held = sum(market.ledger.wallet(a.name).get(t, 0) for a in model.market_agents)
        try:
            paid = dev.pool.quote_exact_in(t, dev.quote, held) if held > 0 else 0
        except PoolError:
            paid = 0
        exit_mark = paid * marks[dev.quote] / held if held > 0 else 0.0
        marks[t] = min(marks[t], exit_mark)
        out.append(t)
    return out


def rug_summary(model: MarketModel) -> dict[str, Any]:
    """Each rug (when, what the developer took) and who lost what, at end-price marks."""
    from agents.rug_puller import TokenDeveloper

    devs = [
        a for a in model.market_agents if isinstance(a, TokenDeveloper) and a.spec.pull != "never"
    ]
    if not devs:
        return {}
    acc = rug_accounting(model)
    gains = acc["gains_usd"]
    by_name = {a.name: a for a in model.market_agents}
    rugs = []
    dev_names = {d.name for d in devs}
    exposed: set[str] = set()
    for d in devs:
        for a in model.market_agents:
            if a.name in dev_names:
                continue
            if a.kind == "mining_lp" and d.pool.name in a.pools_entered:  # type: ignore[attr-defined]
                exposed.add(a.name)
            if a.kind == "token_buyer" and a.token == d.token and a.bought:  # type: ignore[attr-defined]
                exposed.add(a.name)
        rugs.append(
            {
                **(d.rug or {"pulled": False}),
                "developer": d.name,
                "developer_gain_usd": gains[d.name],
            }
        )
    victims = {n: -gains[n] for n in sorted(exposed) if gains[n] < 0}
    others = sum(g for n, g in gains.items() if n not in dev_names and n not in victims)
    developer = sum(gains[n] for n in dev_names)
    gas = acc["gas_burned_usd"] + acc["gas_tips_usd"]
    loss = sum(victims.values())
    residual = loss - (developer + others + gas + acc["outside_other_usd"] - acc["minted_usd"])

    def cohort_stats(kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for label, flag in (("cautious", True), ("naive", False)):
            group = [
                a
                for a in model.market_agents
                if a.kind == kind and getattr(a, "cautious", None) is flag
            ]
            if not group:
                continue
            out[label] = {
                "agents": len(group),
                "exposed": sum(1 for a in group if a.name in exposed),
                "lost_usd": sum(victims.get(a.name, 0.0) for a in group),
                "mean_gain_usd": sum(gains[a.name] for a in group) / len(group),
            }
        return out

    return {
        "rugs": rugs,
        "marked_at": "end prices (start and end holdings alike); a pulled token at what "
        "selling all of it into its pool would fetch",
        "marks": acc["marks"],
        "developer_gain_usd": developer,
        "victims": {
            n: {
                "cohort": by_name[n].cohort,
                "kind": by_name[n].kind,
                "loss_usd": v,
                "cautious": getattr(by_name[n], "cautious", None),
            }
            for n, v in victims.items()
        },
        "victims_loss_usd": loss,
        "others_gain_usd": others,
        "gas_usd": gas,
        "minted_usd": acc["minted_usd"],
        "outside_other_usd": acc["outside_other_usd"],
        "conservation_residual_usd": residual,
        "miners": cohort_stats("mining_lp"),
        "buyers": cohort_stats("token_buyer"),
    }

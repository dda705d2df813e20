"""summary.json's `lending` and `staking` sections: liquidations, bad debt, interest, health
factors and loopers' returns per lending market; exchange and market rates per liquid-staking
token (only when the scenario has them)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sim.report.lst_lp_summary import lst_pool_lps
from sim.report.readings import finite, recorded

if TYPE_CHECKING:
    from sim.model.model import MarketModel


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
            row = by.setdefault(r.liquidator, {"count": 0, "debt_repaid": 0.0})
            row["count"] += 1
            row["debt_repaid"] += market.value(r.debt_asset, r.repaid)
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
        hfs = recorded(model, f"lending.{name}.min_hf")
        res = lm.reserves.items()
        out[name] = {
            "oracle": lm.spec.oracle,
            "liquidations": len(recs),
            "liquidated_accounts": len({r.borrower for r in recs}),
            "liquidated_debt": sum(market.value(r.debt_asset, r.repaid) for r in recs),
            "collateral_seized": sum(market.value(r.collateral, r.seized) for r in recs),
            "first_liquidation_block": recs[0].block if recs else None,
            "by_liquidator": by,
            "bad_debt": lm.shortfall(),
            # Aave v3.3: debt written off when a liquidation took the last collateral
            "deficit": sum(market.value(a, r.deficit) for a, r in res),
            "deficit_created": sum(market.value(a, r.deficit_created) for a, r in res),
            "liquidation_protocol_fees": sum(market.value(a, r.liquidation_fees) for a, r in res),
            "flash_loan_premiums": sum(market.value(a, r.flash_premiums) for a, r in res),
            "withdrawals_blocked": lm.blocked_withdrawals,
            "emode_accounts": len(lm.user_emode),
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
        rates = recorded(model, f"staking.{lst}.market_rate")
        discounts = recorded(model, f"staking.{lst}.discount_pct")
        out[lst] = {
            "apr_pct": st.spec.apr * 100,
            "exchange_rate_end": rate,
            "market_rate_end": finite(mkt),
            "discount_end_pct": finite((1 - mkt / rate) * 100) if rate else None,
            "min_market_rate": min(rates) if rates else None,
            "max_discount_pct": max(discounts) if discounts else None,
        }
        if (lps := lst_pool_lps(model, lst)) is not None:
            out[lst]["pool_lps"] = lps
    return out

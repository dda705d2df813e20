"""summary.json's `oracle_attack` section (only with an oracle_attacker cohort): how often the
attack ran, what the attackers took, and the bad debt each lending market is left with.

Bad debt is valued at the value books' end marks (reference prices), not at the market's own
oracle, so a market whose oracle was pushed is judged at what its collateral is worth: per
account with debt, the debt's value beyond its collateral's, summed. The suppliers bear it: an
Aave aToken keeps its balance, but the market's cash, loans and collateral no longer cover it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.model.agent_views import oracle_attackers

if TYPE_CHECKING:
    from sim.model.model import MarketModel


def oracle_attack_summary(model: MarketModel) -> dict[str, Any]:
    """Attacks, attackers' profit, and each lending market's bad debt at end marks."""
    market = model.market
    closed = model.value_books.at_end()
    marks = {t: m / market.scale[t] for t, m in closed.marks.items()}
    attackers = oracle_attackers(model.market_agents)
    pnl = {a.name: closed.end_value[a.name] - closed.start_value[a.name] for a in attackers}
    markets: dict[str, Any] = {}
    for name, lm in market.protocols.lending.items():
        bad = 0.0
        for account in lm.accounts():
            debt = sum(lm.debt(account, a) * marks.get(a, 0.0) for a in lm.reserves)
            if not debt:
                continue
            collateral = sum(
                lm.supplied(account, a) * marks.get(a, 0.0)
                for a, r in lm.reserves.items()
                if r.counts_as_collateral
            )
            bad += max(0.0, debt - collateral)
        supplied = sum(r.total_supply() * marks.get(a, 0.0) for a, r in lm.reserves.items())
        markets[name] = {
            "oracle": lm.spec.oracle,
            **({"twap_window_s": lm.spec.twap_window_s} if lm.spec.oracle == "pool_twap" else {}),
            "bad_debt": bad,
            "suppliers_loss_pct": 100 * bad / supplied if supplied else None,
        }
    return {
        "attacks": sum(a.attacks for a in attackers),
        "attack_attempts": sum(a.attempts for a in attackers),
        "attacker_profit": sum(pnl.values()),
        "flash_borrowed": sum(market.value(a.asset, a.flash_borrowed) for a in attackers),
        "borrowed": sum(market.value(a.asset, a.borrowed) for a in attackers),
        "flash_premiums": sum(market.value(a.asset, a.premiums) for a in attackers),
        "bad_debt": sum(m["bad_debt"] for m in markets.values()),
        "by_attacker": pnl,
        "markets": markets,
    }

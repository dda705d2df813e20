"""summary.json's `mev` section: sandwiches, bots' gross and net take, and victims' losses per cohort."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model.model import MarketModel


def mev_summary(model: MarketModel) -> dict[str, Any]:
    """Sandwiches: totals and, per victim cohort, count, loss and the cohort's slippage setting."""
    m = model.metrics
    cohorts: dict[str, dict[str, Any]] = {}
    if any(spec.kind == "sandwich_bot" for spec in model.spec.agents.values()):
        # every cohort trading with a slippage tolerance is a potential victim: zeros count too
        for name, spec in model.spec.agents.items():
            if hasattr(spec, "slippage_bps"):
                cohorts[name] = {"sandwiches": 0, "victim_loss": 0.0}
    for row in m.sandwich_rows:
        c = cohorts.setdefault(row["victim_cohort"], {"sandwiches": 0, "victim_loss": 0.0})
        c["sandwiches"] += 1
        c["victim_loss"] += row["victim_loss"]
    for name, spec in model.spec.agents.items():
        if name in cohorts and hasattr(spec, "slippage_bps"):
            cohorts[name]["slippage_bps"] = spec.slippage_bps
            volume = sum(m.agent(a.name).volume for a in model.market_agents if a.cohort == name)
            cohorts[name]["loss_per_volume_bps"] = (
                cohorts[name]["victim_loss"] / volume * 10_000 if volume else None
            )
    bot_gas = sum(m.agent(a.name).gas_cost for a in model.market_agents if a.kind == "sandwich_bot")
    return {
        "sandwiches": m.sandwiches,
        "bot_gross": m.mev,
        "bot_gas": bot_gas,
        "bot_net": m.mev - bot_gas,
        "victim_loss": sum(r["victim_loss"] for r in m.sandwich_rows),
        "by_victim_cohort": cohorts,
    }

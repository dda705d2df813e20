"""summary.json's `rug` section (only with a rug-pulling token_developer): each rug, what the
developer took, who lost what, and the value-conservation check behind it, at end-price marks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.model.agent_views import cautious, developers, is_miner, is_token_buyer
from sim.model.books import holdings

if TYPE_CHECKING:
    from sim.model.model import MarketModel


def rug_accounting(model: MarketModel) -> dict[str, Any]:
    """Value conservation over the run, marked at the END prices for start and end holdings alike.

    Each agent's gain is (end holdings − start holdings) · P_end, holdings being its wallet plus
    its pro-rata claim on every pool (staked LP included), so price drift creates no gain. Then
        Σ gains = P·Δminted − P·Δburned − P·Δ(held outside agents: builder tips, unpaid chef
    rewards, locked minimum liquidity),
    i.e. victims' losses = developer's gain + others' gains + gas (burned and tipped)
    + Δ other outside holdings − value minted. Swap fees are inside LPs' gains.
    """
    market = model.market
    ledger = market.ledger
    start = model.metrics.start_holdings
    books = model.metrics.start_books
    closed = model.value_books.at_end()
    # one mark per token, the value books' (sim.market.marks): a pulled token at what selling
    # all agents hold of it into its pool would fetch
    marks = {t: m / market.scale[t] for t, m in closed.marks.items()}

    def worth(amounts: dict[str, int]) -> float:
        return sum(a * marks[t] for t, a in amounts.items() if a)

    gains: dict[str, float] = {}
    agent_end: dict[str, int] = {}
    agent_start: dict[str, int] = {}
    for a in model.market_agents:
        end = holdings(market, a.name)
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
        "marks": closed.marks,
    }


def rug_summary(model: MarketModel) -> dict[str, Any]:
    """Each rug (when, what the developer took) and who lost what, at end-price marks."""
    devs = [a for a in developers(model.market_agents) if a.spec.pull != "never"]
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
            if is_miner(a) and d.pool.name in a.pools_entered:
                exposed.add(a.name)
            if is_token_buyer(a) and a.token == d.token and a.bought:
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
            group = [a for a in model.market_agents if a.kind == kind and cautious(a) is flag]
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
        "marked_at": "end marks for start and end holdings alike (value.marking says how)",
        "marks": acc["marks"],
        "developer_gain_usd": developer,
        "victims": {
            n: {
                "cohort": by_name[n].cohort,
                "kind": by_name[n].kind,
                "loss_usd": v,
                "cautious": cautious(by_name[n]),
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

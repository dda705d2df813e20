"""summary.json's `rug` section (only with a rug-pulling token_developer): each rug, what the
developer took, who lost what, and the value-conservation check behind it, at end-price marks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.model.agent_views import cautious, developers, is_miner, is_token_buyer
from sim.model.balance_sheet import sheet, total

if TYPE_CHECKING:
    from sim.model.model import MarketModel


def rug_accounting(model: MarketModel) -> dict[str, Any]:
    """Value conservation over the run, marked at the END marks for start and end holdings alike.

    Each agent's gain is (end holdings − start holdings) · mark_end, holdings being its balance
    sheet (`sim.model.balance_sheet`: wallet, pool claims, ...), so price drift creates no gain.
    Then Σ gains = value minted − gas burned − what accounts of no agent gained (builder tips,
    unpaid chef rewards, locked minimum liquidity): the value books' terms without the price
    moves, i.e. victims' losses = developer's gain + others' gains + gas (burned and tipped)
    + Δ other outside holdings − value minted. Swap fees are inside LPs' gains.
    """
    market = model.market
    books = model.value_books
    closed = books.at_end()
    # one mark per token, the value books' (sim.market.marks): a pulled token at what selling
    # all agents hold of it into its pool would fetch
    marks = {t: m / market.scale[t] for t, m in closed.marks.items()}

    def worth(amounts: dict[str, int]) -> float:
        return sum(a * marks[t] for t, a in amounts.items() if a)

    gains: dict[str, float] = {}
    agent_end: dict[str, int] = {}
    agent_start: dict[str, int] = {}
    for a in model.market_agents:
        end = total(sheet(market, a.name))
        before = books.start_sheets.get(a.name, {})
        delta = {t: end.get(t, 0) - before.get(t, 0) for t in set(end) | set(before)}
        gains[a.name] = worth(delta)
        for t, v in end.items():
            agent_end[t] = agent_end.get(t, 0) + v
        for t, v in before.items():
            agent_start[t] = agent_start.get(t, 0) + v
    # supply created (+) or destroyed (-) since the start, by the ledger's reasons
    flows = {
        reason: {t: a - books.start_flows.get(reason, {}).get(t, 0) for t, a in by_token.items()}
        for reason, by_token in market.ledger.flows.items()
    }
    burned = {t: -a for t, a in flows.pop("gas", {}).items()}
    minted: dict[str, int] = {}
    for by_token in flows.values():
        for t, a in by_token.items():
            minted[t] = minted.get(t, 0) + a
    supply_change = {t: minted.get(t, 0) - burned.get(t, 0) for t in market.decimals}
    tips = dict(market.ledger.wallet("block_builder"))  # starts empty, only receives tips
    outside_other = {
        t: supply_change[t] - (agent_end.get(t, 0) - agent_start.get(t, 0)) - tips.get(t, 0)
        for t in market.decimals
    }
    return {
        "gains": gains,
        "minted": worth(minted),
        "gas_burned": worth(burned),
        "gas_tips": worth(tips),
        "outside_other": worth(outside_other),
        "marks": closed.marks,
    }


def rug_summary(model: MarketModel) -> dict[str, Any]:
    """Each rug (when, what the developer took) and who lost what, at end-price marks."""
    devs = [a for a in developers(model.market_agents) if a.spec.pull != "never"]
    if not devs:
        return {}
    acc = rug_accounting(model)
    gains = acc["gains"]
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
                "developer_gain": gains[d.name],
            }
        )
    victims = {n: -gains[n] for n in sorted(exposed) if gains[n] < 0}
    others = sum(g for n, g in gains.items() if n not in dev_names and n not in victims)
    developer = sum(gains[n] for n in dev_names)
    gas = acc["gas_burned"] + acc["gas_tips"]
    loss = sum(victims.values())
    residual = loss - (developer + others + gas + acc["outside_other"] - acc["minted"])

    def cohort_stats(kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for label, flag in (("cautious", True), ("naive", False)):
            group = [a for a in model.market_agents if a.kind == kind and cautious(a) is flag]
            if not group:
                continue
            out[label] = {
                "agents": len(group),
                "exposed": sum(1 for a in group if a.name in exposed),
                "lost": sum(victims.get(a.name, 0.0) for a in group),
                "mean_gain": sum(gains[a.name] for a in group) / len(group),
            }
        return out

    return {
        "rugs": rugs,
        "marked_at": "end marks for start and end holdings alike (value.marking says how)",
        "marks": acc["marks"],
        "developer_gain": developer,
        "victims": {
            n: {
                "cohort": by_name[n].cohort,
                "kind": by_name[n].kind,
                "loss": v,
                "cautious": cautious(by_name[n]),
            }
            for n, v in victims.items()
        },
        "victims_loss": loss,
        "others_gain": others,
        "gas_cost": gas,
        "minted": acc["minted"],
        "outside_other": acc["outside_other"],
        "conservation_residual": residual,
        "miners": cohort_stats("mining_lp"),
        "buyers": cohort_stats("token_buyer"),
    }

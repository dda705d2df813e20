"""Scheduled events happening to a running model: a price shock, a parameter change, an A ramp,
news, a cohort arriving or leaving, a validator penalty.

What an event is, and whether a scenario's events are valid, belongs to the scenario
(`sim.scenario.events`); this module carries one out on the model at its block and says what it
did, for the event log.
"""

from __future__ import annotations

import math
from typing import Protocol

from agents.base import MarketAgent
from sim.errors import PoolError, ProtocolError, ScenarioError
from sim.market.market import Market
from sim.market.prices import ReferencePrices
from sim.scenario.events import Cohort, EventSpec, News, PriceShock, RampA, SetParam, Slash


class EventTarget(Protocol):
    """What an event acts on: the model's market, its reference prices and its agents."""

    market: Market
    prices: ReferencePrices
    market_agents: list[MarketAgent]


def fire(name: str, ev: EventSpec, model: EventTarget, where: str) -> str:
    """`apply` the event called `name`. What it meets when the running model cannot take it (a
    value a process or a contract rejects) is the scenario's error: it names the file (`where`)
    and the event's field, as errors found at load time do."""
    try:
        return apply(ev, model)
    except (ScenarioError, PoolError, ProtocolError) as err:
        field = f"events.{name}.path" if isinstance(ev, SetParam) else f"events.{name}"
        raise ScenarioError(f"{where}: {field}: at block {model.market.block}: {err}") from None


def apply(ev: EventSpec, model: EventTarget) -> str:
    """Carry out one event; returns a line for the event log."""
    market = model.market
    block = market.block
    match ev:
        case PriceShock(asset=a, factor=f):
            model.prices.shock(a, f)
            return f"price_shock {a} x{f}"
        case SetParam(path=path, value=value):
            parts = path.split(".")
            if parts[0] == "prices":
                model.prices.set_param(parts[1], parts[2], value)
            elif parts[0] == "pools":
                market.pools[parts[1]].set_fee_bps(float(value))  # type: ignore[attr-defined]
            elif path == "chain.base_fee_gwei":
                market.chain.base_fee.level = float(value)
                market.chain.base_fee.gwei = float(value)
            elif parts[0] == "rewards" and market.protocols.chef is not None:
                market.protocols.sync_rewards(block)
                market.protocols.chef.set_emission(parts[2], float(value), block)
            else:  # pragma: no cover - rejected at load time
                raise ScenarioError(f"cannot set {path}")
            return f"set {path} = {value}"
        case RampA(pool=p, future_A=a, duration_days=d):
            pool = market.pools[p]
            now = market.chain.timestamp
            pool.block_timestamp = now  # type: ignore[attr-defined]
            pool.ramp_A(a, now + math.ceil(d * 86_400))  # type: ignore[attr-defined]
            return f"ramp_A {p} -> {a} over {d} days"
        case News(flag=flag, on=on):
            (market.news.add if on else market.news.discard)(flag)
            return f"news {flag} {'on' if on else 'off'}"
        case Cohort(cohort=c, active=active):
            for agent in model.market_agents:
                if agent.cohort == c:
                    agent.active = active
            return f"agents {c} {'arrive' if active else 'leave'}"
        case Slash(lst=t, fraction=f):
            protocol = market.protocols.staking[t]
            before = protocol.share_price()
            # books the burn; a rebasing LST's balances shrink at once
            loss = market.protocols.slash(t, f)
            after = protocol.share_price()
            what = (
                f"every balance x{after / before:.6f}"
                if protocol.rebasing
                else f"exchange rate {before:.6f} -> {after:.6f}"
            )
            return (
                f"slash {t}: {loss / market.scale[protocol.underlying]:.6g} "
                f"{protocol.underlying} lost ({f:.2%}); {what}"
            )
    raise TypeError(f"unknown event {ev!r}")

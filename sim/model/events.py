"""Scheduled events: things that happen to the market at a given block or day.

`[events.<name>]` tables in a scenario, each with `at_block` or `at_day` and a
`kind`: a price shock, a parameter change (a fee, a volatility, the base fee, a
reward emission), an A ramp on a StableSwap pool, a news flag agents can read,
a cohort of agents arriving or leaving, or a validator penalty (slashing) that lowers a
liquid-staking token's exchange rate.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from sim.config import Spec
from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.model.model import MarketModel


class _When(Spec):
    at_block: int | None = Field(None, ge=0, description="block the event fires at")
    at_day: float | None = Field(None, ge=0, description="simulated day the event fires at")

    @model_validator(mode="after")
    def _one_time(self) -> _When:
        if (self.at_block is None) == (self.at_day is None):
            raise ValueError("give exactly one of at_block or at_day")
        return self

    def block(self, block_time_s: float) -> int:
        if self.at_block is not None:
            return self.at_block
        return math.ceil((self.at_day or 0.0) * 86_400 / block_time_s)


class PriceShock(_When):
    """The reference price of `asset` jumps by `factor` and moves on from there."""

    kind: Literal["price_shock"]
    asset: str = Field(description="priced token")
    factor: float = Field(gt=0, le=1e6, description="multiplier, e.g. 0.7 for a 30% drop")


class SetParam(_When):
    """Change a scenario parameter mid-run, addressed by its dotted path."""

    kind: Literal["set"]
    path: str = Field(
        description=(
            "one of prices.<asset>.<param>, pools.<pool>.fee_bps, chain.base_fee_gwei, "
            "rewards.pools.<pool>.per_day"
        )
    )
    value: float | int | str = Field(description="the new value")


class RampA(_When):
    """Start ramping a StableSwap pool's A to `future_A` over `duration_days` (Curve's ramp_A)."""

    kind: Literal["ramp_A"]
    pool: str = Field(description="a stableswap pool")
    future_A: int = Field(ge=1, le=1_000_000, description="A at the end of the ramp")
    duration_days: float = Field(1.0, ge=1.0, description="Curve requires at least one day")


class News(_When):
    """Raise (or clear) a named news flag that agents may react to."""

    kind: Literal["news"]
    flag: str = Field(min_length=1, description="e.g. 'depeg_fear', 'exploit'")
    on: bool = Field(True, description="raise (true) or clear (false) the flag")


class Cohort(_When):
    """A cohort of agents starts (active = true) or stops (false) acting."""

    kind: Literal["agents"]
    cohort: str = Field(description="an agent cohort of the scenario")
    active: bool = Field(True, description="start (true) or stop (false) acting")


class Slash(_When):
    """A validator penalty: the liquid-staking protocol of `lst` loses `fraction` of its staked
    underlying, so the LST's exchange rate (its redemption value) falls by that share."""

    kind: Literal["slash"]
    lst: str = Field(description="the liquid-staking token (an LST of [staking])")
    fraction: float = Field(gt=0, lt=1, description="share of the staked underlying lost")


EventSpec = Annotated[
    PriceShock | SetParam | RampA | News | Cohort | Slash, Field(discriminator="kind")
]

SETTABLE = ("prices.", "pools.", "chain.base_fee_gwei", "rewards.pools.")


def check_event(name: str, ev: Any, scenario: Any) -> list[tuple[str, str]]:
    """Reference checks for one event (paths and names must exist)."""
    where = f"events.{name}"
    out: list[tuple[str, str]] = []
    match ev:
        case PriceShock(asset=a) if a not in scenario.prices:
            out.append((f"{where}.asset", f"no price process for {a!r}"))
        case RampA(pool=p) if p not in scenario.pools or scenario.pools[p].kind != "stableswap":
            out.append((f"{where}.pool", f"{p!r} is not a stableswap pool"))
        case Cohort(cohort=c) if c not in scenario.agents:
            out.append((f"{where}.cohort", f"no agent cohort {c!r}"))
        case Slash(lst=t) if t not in {st.lst for st in scenario.staking.values()}:
            out.append((f"{where}.lst", f"no liquid-staking protocol of {t!r} in [staking]"))
        case SetParam(path=path):
            parts = path.split(".")
            ok = (
                (len(parts) == 3 and parts[0] == "prices" and parts[1] in scenario.prices)
                or (
                    len(parts) == 3
                    and parts[0] == "pools"
                    and parts[1] in scenario.pools
                    and parts[2] == "fee_bps"
                )
                or path == "chain.base_fee_gwei"
                or (
                    len(parts) == 4
                    and parts[:2] == ["rewards", "pools"]
                    and parts[3] == "per_day"
                    and scenario.rewards is not None
                    and parts[2] in scenario.rewards.pools
                )
            )
            if not ok:
                out.append(
                    (
                        f"{where}.path",
                        f"{path!r} cannot change mid-run; allowed: {', '.join(SETTABLE)}...",
                    )
                )
            else:
                problem = _check_value(scenario, parts, ev.value)
                if problem:
                    out.append((f"{where}.value", problem))
    return out


def _check_value(scenario: Any, parts: list[str], value: Any) -> str | None:
    """Would the scenario still be valid with this value at that path? (the field's own rules)"""
    raw = scenario.model_dump(mode="json", exclude_none=True)
    node = raw
    for key in parts[:-1]:
        node = node[key]
    node[parts[-1]] = value
    try:
        type(scenario).model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        return f"{value!r} is not a valid {'.'.join(parts)}: {first['msg']}"
    return None


def apply(ev: Any, model: MarketModel) -> str:
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

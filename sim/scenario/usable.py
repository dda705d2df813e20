"""Values each field allows on its own, but the model cannot use together with the rest.

Pydantic checks one field at a time, and `sim.scenario.references` checks that names refer to
something; this module checks what would otherwise fail only once the model is built or running:
a trader's two tokens are one, a liquidator's debt asset is not in its market, a StableSwap coin
has more decimals than the contract takes, a kink so small it rounds to zero in RAY, an A ramp
farther than Curve allows, a fee change on a pool whose fee tier is fixed, a price shock that
takes a price out of the range prices may have. Each problem is a `(dotted path, message)` pair.
"""

from __future__ import annotations

from sim.market.prices.gbm import PRICE_RANGE
from sim.pools.curve.newton import MAX_COIN_DECIMALS
from sim.pools.curve.template import MAX_A_CHANGE, MIN_RAMP_TIME
from sim.scenario.events import PriceShock, RampA, SetParam
from sim.scenario.schema import Scenario
from sim.units import RAY


def check_usable(s: Scenario) -> list[tuple[str, str]]:
    """Every problem of values the model could not use (empty when there is none)."""
    return [*_agents(s), *_pools(s), *_lending(s), *_events(s)]


def _agents(s: Scenario) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, agent in s.agents.items():
        pair = getattr(agent, "pair", None)
        if pair and len(set(pair)) < len(pair):
            out.append((f"agents.{name}.pair", f"the two tokens must differ, got {list(pair)}"))
        lm = s.lending.get(getattr(agent, "market", None) or "")
        asset = getattr(agent, "asset", None)
        if isinstance(asset, str) and lm is not None and asset not in lm.assets:
            listed = ", ".join(lm.assets)
            out.append(
                (
                    f"agents.{name}.asset",
                    f"no {asset!r} reserve in lending.{agent.market} ({listed})",
                )  # type: ignore[attr-defined]
            )
        debt = getattr(agent, "debt_asset", None)
        if debt is not None and lm is not None:
            params = lm.assets.get(debt)
            if params is None or not params.borrowable:
                borrowable = [a for a, p in lm.assets.items() if p.borrowable]
                out.append(
                    (
                        f"agents.{name}.debt_asset",
                        f"{debt!r} cannot be borrowed in lending.{agent.market} "  # type: ignore[attr-defined]
                        f"(borrowable: {', '.join(borrowable) or 'none'})",
                    )
                )
    return out


def _pools(s: Scenario) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    flagged: set[str] = set()
    for pool in s.pools.values():
        if pool.kind != "stableswap":
            continue
        for token in pool.tokens:
            spec = s.tokens.get(token)
            if spec is not None and spec.decimals > MAX_COIN_DECIMALS and token not in flagged:
                flagged.add(token)
                out.append(
                    (
                        f"tokens.{token}.decimals",
                        f"a StableSwap pool takes coins of at most {MAX_COIN_DECIMALS} decimals "
                        f"(got {spec.decimals})",
                    )
                )
    return out


def _lending(s: Scenario) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, lm in s.lending.items():
        for asset, params in lm.assets.items():
            kink = params.rate.kink
            if not 1 <= round(kink * RAY) < RAY:
                out.append(
                    (
                        f"lending.{name}.assets.{asset}.rate.kink",
                        f"must be between 1e-27 and 1 - 1e-27 (the contract's RAY), got {kink!r}",
                    )
                )
    return out


def _events(s: Scenario) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    bt = s.scenario.block_time_s
    timed = sorted(s.events.items(), key=lambda item: item[1].block(bt))
    amp = {p: spec.A for p, spec in s.pools.items() if spec.kind == "stableswap"}
    last_ramp: dict[str, float] = {}
    level = {a: getattr(spec, "start", None) or 1.0 for a, spec in s.prices.items()}
    low, high = PRICE_RANGE
    for name, ev in timed:
        where = f"events.{name}"
        match ev:
            case SetParam(path=path) if path.startswith("pools.") and path.endswith(".fee_bps"):
                pool = s.pools.get(path.split(".")[1])
                if pool is not None and pool.kind == "concentrated":
                    out.append((f"{where}.path", "a concentrated pool's fee tier cannot change"))
            case RampA(pool=p, future_A=target) if p in amp:
                now = ev.block(bt) * bt
                if now < last_ramp.get(p, -MIN_RAMP_TIME) + MIN_RAMP_TIME:
                    out.append((f"{where}.at_block", "a ramp starts at least a day after the last"))
                if target * MAX_A_CHANGE < amp[p] or target > amp[p] * MAX_A_CHANGE:
                    out.append(
                        (
                            f"{where}.future_A",
                            f"ramp_A may change A by at most a factor {MAX_A_CHANGE}: from "
                            f"{amp[p]} to {target} is too far",
                        )
                    )
                amp[p], last_ramp[p] = target, now
            case PriceShock(asset=a, factor=f) if a in level:
                # the shocks alone, with no move in between (the run checks the real path)
                before, level[a] = level[a], level[a] * f
                if not low <= level[a] <= high:
                    out.append(
                        (
                            f"{where}.factor",
                            f"takes {a} from {before:g} to {level[a]:g}, outside the prices "
                            f"allowed ({low:g} to {high:g})",
                        )
                    )
    return out

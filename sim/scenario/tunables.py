"""The fields a live dashboard offers (sliders, selects), with ranges that keep a scenario valid.

`tunables(scenario)` names each by its dotted path (`sim.scenario.paths`) and gives its value and
a range around it: fees, amplification, volatility, cohort sizes, retail slippage and trade rate,
staking APR, the lending market's oracle, close factor, LTV and liquidation bonus, reward
emissions, base fee, block ordering. `sim.viz.controls` turns them into dashboard inputs,
labelled by `label` in the words of the schema's field descriptions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.scenario.paths import bounds, get_path
from sim.scenario.references import oracle_choices
from sim.scenario.schema import Scenario


@dataclass(frozen=True, slots=True)
class Tunable:
    """A field offered live (a dashboard slider or select), with a range that keeps it valid."""

    path: str
    value: Any
    low: float = 0.0
    high: float = 0.0
    step: float = 1.0
    integer: bool = False
    choices: tuple[Any, ...] = ()
    """A choice among these when given (a select), else a slider from `low` to `high`."""


REMOVABLE = frozenset({"noise_trader", "arbitrageur", "sandwicher", "liquidator"})
"""Cohort kinds whose count may go to 0 (other cohorts may hold the liquidity a scenario needs)."""


def _int(path: str, value: int, lo: int, hi: int) -> Tunable:
    return Tunable(path, value, lo, hi, 1, integer=True)


def _choice(path: str, value: Any, values: Sequence[Any]) -> Tunable:
    return Tunable(path, value, choices=tuple(values))


def _number(value: Any) -> float | None:
    """A plain number (or a constant distribution's value); None for a distribution."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if getattr(value, "dist", None) == "constant":
        return float(value.value)
    return None


def tunables(sc: Scenario) -> list[Tunable]:
    """The scenario's key parameters, offered live with ranges around their values."""
    out: list[Tunable] = []
    for name, pool in sc.pools.items():
        p = f"pools.{name}"
        if pool.kind == "constant_product":
            out.append(_int(f"{p}.fee_bps", pool.fee_bps, 0, max(100, 2 * pool.fee_bps)))
        elif pool.kind == "stableswap":
            out.append(Tunable(f"{p}.fee_bps", pool.fee_bps, 0.0, max(50.0, pool.fee_bps), 0.5))
            out.append(_int(f"{p}.A", pool.A, 1, max(2000, 2 * pool.A)))
        elif pool.kind == "concentrated":
            tiers = sorted({1.0, 5.0, 30.0, 100.0, float(pool.fee_bps)})
            out.append(_choice(f"{p}.fee_bps", float(pool.fee_bps), tiers))
    for asset, price in sc.prices.items():
        for field in ("sigma", "sigma_calm", "sigma_volatile"):
            value = getattr(price, field, None)
            if isinstance(value, int | float):
                hi = max(2.0, round(2 * value, 2))
                step = 0.01 if hi <= 2 else 0.05
                out.append(Tunable(f"prices.{asset}.{field}", value, 0.0, hi, step))
    for cohort, agent in sc.agents.items():
        p = f"agents.{cohort}"
        lo = 0 if agent.kind in REMOVABLE or not agent.count else 1
        ge, le = bounds(agent, "count")
        lo, hi = max(lo, int(ge)), min(max(10, 2 * agent.count), int(le))
        if lo < hi:
            out.append(_int(f"{p}.count", agent.count, lo, hi))
        if agent.kind == "noise_trader":
            slip = _number(agent.slippage_bps)
            if slip is not None:
                out.append(Tunable(f"{p}.slippage_bps", slip, 0.0, max(500.0, 2 * slip), 5.0))
            for field, step in (("trades_per_day", 1.0), ("trades_per_block", 0.01)):
                rate = getattr(agent, field)
                if rate is not None:
                    out.append(Tunable(f"{p}.{field}", rate, 0.0, max(step * 100, 2 * rate), step))
                    break
    for name, st in sc.staking.items():
        hi = max(0.2, round(2 * st.apr, 3))
        out.append(Tunable(f"staking.{name}.apr", st.apr, 0.0, hi, 0.005))
    for name, lm in sc.lending.items():
        p = f"lending.{name}"
        out.append(_choice(f"{p}.oracle", lm.oracle, oracle_choices(name, lm, sc)))
        out.append(Tunable(f"{p}.close_factor", lm.close_factor, 0.05, 1.0, 0.05))
        for asset, a in lm.assets.items():
            if not a.collateral:
                continue
            # each range keeps the asset valid with the scenario's liquidation threshold:
            # ltv < LT, and (1 + bonus) * LT < 1 (LT itself is not offered, so any mix is valid)
            lt = a.liquidation_threshold
            ltv_hi = max(a.ltv, math.floor((lt - 0.005) * 100) / 100)
            out.append(Tunable(f"{p}.assets.{asset}.ltv", a.ltv, 0.0, ltv_hi, 0.01))
            bonus_hi = max(a.liquidation_bonus, math.floor((1 / lt - 1.001) * 100) / 100)
            bonus = a.liquidation_bonus
            out.append(Tunable(f"{p}.assets.{asset}.liquidation_bonus", bonus, 0.0, bonus_hi, 0.01))
    if sc.rewards is not None:
        for pool, em in sc.rewards.pools.items():
            hi = max(100.0, 2 * em.per_day)
            step = 10 ** math.floor(math.log10(hi / 100))
            out.append(Tunable(f"rewards.pools.{pool}.per_day", em.per_day, 0.0, hi, step))
    chain = sc.chain
    hi_fee = max(100.0, 2 * chain.base_fee_gwei)
    out.append(Tunable("chain.base_fee_gwei", chain.base_fee_gwei, 0.0, hi_fee, 0.5))
    out.append(_choice("chain.ordering", chain.ordering, ["priority_fee", "random", "fifo"]))
    return out


UNIT_SUFFIXES = {"_bps": "bps", "_gwei": "gwei", "_per_day": "per day", "_per_block": "per block"}
"""Units named by a field's suffix (the house style: units in names)."""


def label(sc: Scenario, path: str) -> str:
    """A tunable field in words with its unit: `pools.eth_usdc.fee_bps` ->
    "eth_usdc: swap fee on the input (bps)", from the field's description in the schema."""
    parent, _, field = path.rpartition(".")
    owner = get_path(sc, parent) if parent else sc
    info = type(owner).model_fields[field]
    words = re.split(r"[,:;(]|\. ", (info.description or field).strip())[0].strip().rstrip(".")
    words = words[:1].lower() + words[1:] if words[:2].istitle() else words
    unit = next((u for s, u in UNIT_SUFFIXES.items() if f"_{field}".endswith(s)), None)
    if unit and words.endswith(unit):
        unit = None
    parts = parent.split(".")
    name = " ".join(parts[1::2]) if parts[0] == "lending" else parts[-1] if len(parts) > 1 else ""
    text = f"{name}: {words}" if name else words
    return f"{text} ({unit})" if unit else text

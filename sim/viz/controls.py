"""The dashboard's inputs: the scenario's tunable fields as SolaraViz sliders and selects.

Which fields are offered, and over which ranges, is the scenario's knowledge
(`sim.scenario.tunables`); this module only gives each a widget and a Python identifier
(`pools__eth_usdc__fee_bps`) that `DashboardModel` maps back to its dotted path
(`pools.eth_usdc.fee_bps`) when SolaraViz's Reset rebuilds the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import Scenario
from sim.scenario.tunables import Tunable, tunables


@dataclass(frozen=True)
class Control:
    """One dashboard input: its identifier, the scenario path it sets, and its widget options."""

    name: str
    path: str
    widget: dict[str, Any]


def param_name(path: str) -> str:
    """Identifier of a dotted scenario path: `pools.eth_usdc.fee_bps` -> `pools__eth_usdc__fee_bps`."""
    return path.replace(".", "__")


def widget(t: Tunable) -> dict[str, Any]:
    """SolaraViz's description of the input for one tunable field."""
    if t.choices:
        return {"type": "Select", "label": t.path, "value": t.value, "values": list(t.choices)}
    if t.integer:
        kind, value = "SliderInt", int(t.value)
    else:
        kind, value = "SliderFloat", float(t.value)
    return {
        "type": kind,
        "label": t.path,
        "value": value,
        "min": t.low,
        "max": t.high,
        "step": t.step,
    }


def controls(sc: Scenario) -> list[Control]:
    """The scenario's key parameters as dashboard inputs, with ranges around their values."""
    return [Control(param_name(t.path), t.path, widget(t)) for t in tunables(sc)]

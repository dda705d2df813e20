"""The dashboard's inputs: the scenario's tunable fields as sliders and selects.

Which fields are offered, over which ranges and in which words (the field's description in the
schema, with its unit), is the scenario's knowledge (`sim.scenario.tunables`); this module only
gives each a widget and a Python identifier
(`pools__eth_usdc__fee_bps`) that `DashboardModel` maps back to its dotted path
(`pools.eth_usdc.fee_bps`) when Reset rebuilds the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import Scenario
from sim.scenario.tunables import Tunable, label, tunables


@dataclass(frozen=True)
class Control:
    """One dashboard input: its identifier, the scenario path it sets, and its widget options
    (`widget["label"]` is the field in words with its unit)."""

    name: str
    path: str
    widget: dict[str, Any]


def param_name(path: str) -> str:
    """Identifier of a dotted scenario path: `pools.eth_usdc.fee_bps` -> `pools__eth_usdc__fee_bps`."""
    return path.replace(".", "__")


def widget(t: Tunable, words: str) -> dict[str, Any]:
    """The input for one tunable field (SolaraViz's format), labelled `words`."""
    if t.choices:
        return {"type": "Select", "label": words, "value": t.value, "values": list(t.choices)}
    if t.integer:
        kind, value = "SliderInt", int(t.value)
    else:
        kind, value = "SliderFloat", float(t.value)
    return {
        "type": kind,
        "label": words,
        "value": value,
        "min": t.low,
        "max": t.high,
        "step": t.step,
    }


def controls(sc: Scenario) -> list[Control]:
    """The scenario's key parameters as dashboard inputs, with ranges around their values."""
    return [Control(param_name(t.path), t.path, widget(t, label(sc, t.path))) for t in tunables(sc)]

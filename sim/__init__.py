"""ammsim: an agent-based simulator of DeFi automated-market-maker markets.

The public API for notebooks and research scripts::

    from sim import run, load_scenario
    result = run("quickstart", seed=7, overrides={"pools.eth_usdc.fee_bps": 5})
    result.summary["lp_fee_income"], result.timeseries, result.agents, result.events

Names are imported lazily so that `ammsim --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = [
    "AmmSimError",
    "ConservationError",
    "PoolError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run",
]

_WHERE = {
    "run": "sim.runs.runner",
    "RunResult": "sim.report.result",
    "load_scenario": "sim.scenario.scenario",
    "Scenario": "sim.scenario.schema",
    "AmmSimError": "sim.errors",
    "ConservationError": "sim.errors",
    "PoolError": "sim.errors",
    "ScenarioError": "sim.errors",
}

if TYPE_CHECKING:
    from sim.errors import AmmSimError, ConservationError, PoolError, ScenarioError
    from sim.report.result import RunResult
    from sim.runs.runner import run
    from sim.scenario.scenario import load_scenario
    from sim.scenario.schema import Scenario


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

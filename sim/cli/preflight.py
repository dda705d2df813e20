"""What `validate` and `run` both check before block 1, so that they agree.

`validate` builds the initial market exactly as `run` does (`sim.runs.runner.build`: pools,
agents, their deposits) and both plan the scenario's `[sweep]` table the way `ammsim sweep`
would (`sim.sweep.plan.plan_sweep`: unknown or unsweepable paths, values the schema refuses,
more than `MAX_RUNS` runs). A scenario `validate` accepts can then fail in `run` only on what
happens during the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.errors import ScenarioError, UserInputError
from sim.scenario.paths import sweepable
from sim.scenario.schema import Scenario


def check_sweep_table(sc: Scenario, sets: Mapping[str, Any]) -> None:
    """Plan the scenario's `[sweep]` table as `ammsim sweep FILE --set ...` would plan it.

    A `--set` of a path the table sweeps fixes it for this run only; the table's own values are
    still checked. Problems are `ScenarioError`s naming the file and `sweep.*`.
    """
    table = sc.sweep
    if table is None or sc.source is None:
        return
    from sim.sweep.plan import plan_sweep  # the sweep layer only when there is a table
    from sim.sweep.request import SweepRequest

    swept = {*table.grid, *table.ranges}
    fixed = {k: v for k, v in sets.items() if sweepable(k) and k not in swept}
    request = SweepRequest(
        sc.source,
        grid=table.grid,
        ranges=table.ranges,
        sample=table.sample,
        seeds=table.seeds,
        blocks=table.blocks,
        sets=fixed,
        engine="local",
        workers=1,
        allow=sc.allowed_dirs,
    )
    where = str(sc.source)
    try:
        plan_sweep(request)
    except (ScenarioError, UserInputError) as err:
        msg = str(err)
        if where not in msg:
            msg = f"{where}: [sweep]: {msg}"
        raise ScenarioError(msg) from None

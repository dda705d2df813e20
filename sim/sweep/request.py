"""One sweep request: everything a caller decides about a sweep, in one frozen object.

The CLI builds it from its flags and Python callers build it directly; planning, running,
resuming and summarising all read it (no keyword arguments repeated between them):

    from sim.sweep import SweepRequest, run_sweep
    result = run_sweep(SweepRequest("quickstart", grid={"pools.eth_usdc.fee_bps": [5, 30]}, seeds=4))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Any

from sim.errors import UserInputError

PLAN_FIELDS = ("grid", "ranges", "sample", "seeds", "seed", "blocks", "sets")
"""The fields that make the plan: a resumed sweep keeps its plan (sweep.json), so not these."""


@dataclass(frozen=True)
class SweepRequest:
    """A new sweep of `scenario`, or (`resume=DIR`) the missing runs of an existing sweep folder.

    Plan fields left at None take the scenario's `[sweep]` table, then the defaults (one seed,
    the scenario's seed and blocks); a `grid` or `ranges` path given here replaces the table's.
    """

    scenario: str | Path | Mapping[str, Any] | None = None
    """a scenario file, the name of a bundled scenario, or a parsed scenario mapping"""
    _: KW_ONLY
    grid: Mapping[str, Sequence[Any]] | None = None
    """dotted path -> values; several paths make a full grid"""
    ranges: Mapping[str, Sequence[float]] | None = None
    """dotted path -> [low, high] of a sampled field"""
    sample: str | None = None
    """`lhs:N` or `random:N`: N points over the ranges, for every grid combination"""
    seeds: int | None = None
    """replicate seeds per configuration"""
    seed: int | None = None
    """base seed (default: the scenario's)"""
    blocks: int | None = None
    """blocks per run (default: the scenario's)"""
    sets: Mapping[str, Any] | None = None
    """dotted path -> value fixed for every run"""
    engine: str | None = None
    """`local` (a process pool, or this process on one worker) or `dask`; default: `local`, or
    on resume the plan's"""
    workers: int | None = None
    """parallel workers (default: the CPU count; on resume the plan's)"""
    scheduler: str | None = None
    """address of a running Dask scheduler (default: a local cluster)"""
    out: str | Path = "outputs"
    """folder that receives `<scenario>/sweep-<UTC time>/`"""
    resume: str | Path | None = None
    """a sweep folder to finish instead of a new sweep"""
    retry_failed: bool = False
    """on resume, run the runs recorded as failed again too"""
    allow: Sequence[str | Path] = ()
    """folders the scenario may read files from besides its own (`--allow-path`); never saved
    in sweep.json, so a resumed sweep takes them from its own request only"""
    progress: bool = False
    """draw a progress bar on stderr"""
    plots: bool = True
    """write the figures"""
    metrics: Sequence[str] | None = None
    """what the table and figures show (names or fnmatch patterns of summary.csv metrics)"""

    def __post_init__(self) -> None:
        if self.resume is None:
            if self.scenario is None:
                raise UserInputError("a sweep needs a scenario (or resume=DIR)")
            if self.retry_failed:
                raise UserInputError("retry_failed only applies with resume=DIR")
            return
        if self.scenario is not None:
            raise UserInputError("give either a scenario or resume=DIR, not both")
        given = [f for f in PLAN_FIELDS if getattr(self, f) is not None]
        if given:
            raise UserInputError(
                f"{', '.join(given)}: a resumed sweep keeps its plan (sweep.json); "
                "start a new sweep to change it"
            )

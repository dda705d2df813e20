"""The plan of a sweep: the swept paths, one value list per configuration, the seeds.

`plan_sweep()` resolves the scenario's `[sweep]` table plus a request's extensions and validates
every configuration *before* anything runs; the plan is saved as sweep.json, from which a sweep
is resumed. Replicate k of base seed B is exactly `ammsim run SCENARIO --seed B --replicate K`.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.errors import ScenarioError, UserInputError
from sim.scenario.paths import set_path
from sim.sweep.executors.factory import check_engine
from sim.sweep.fields import check_path, is_integer_field
from sim.sweep.request import SweepRequest
from sim.sweep.sampling import SAMPLE_KEY, sample_points
from sim.sweep.source import load_at, read_source
from sim.sweep.values import is_number, parse_sample
from sim.version import VERSION

MAX_RUNS = 1_000_000
"""Most runs one sweep may plan (configurations x seeds)."""

PLAN_VERSION = 1


@dataclass
class Plan:
    """Everything a sweep will run; saved as sweep.json before the first run."""

    scenario_name: str
    source: str | None
    raw: dict[str, Any]
    sets: dict[str, Any]
    seed: int
    seeds: int
    blocks: int | None
    grid: dict[str, list[Any]]
    sample: str | None
    ranges: dict[str, list[float]]
    params: list[str]
    configs: list[list[Any]]
    engine: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    created: str = ""

    @property
    def runs(self) -> int:
        return len(self.configs) * self.seeds

    def config_params(self, config: int) -> dict[str, Any]:
        return dict(zip(self.params, self.configs[config], strict=True))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": PLAN_VERSION,
            "ammsim": VERSION,
            "created": self.created,
            "scenario": {"name": self.scenario_name, "source": self.source, "raw": self.raw},
            "sets": self.sets,
            "seed": self.seed,
            "seeds": self.seeds,
            "blocks": self.blocks,
            "grid": self.grid,
            "sample": self.sample,
            "sample_stream": f"SeedSequence({self.seed}, spawn_key=({SAMPLE_KEY},))",
            "ranges": self.ranges,
            "engine": {"name": self.engine, "workers": self.workers, "scheduler": self.scheduler},
            "runs": self.runs,
            "params": self.params,
            "configs": self.configs,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        if data.get("version") != PLAN_VERSION:
            raise UserInputError(f"unsupported sweep.json version {data.get('version')!r}")
        eng = data["engine"]
        return cls(
            scenario_name=data["scenario"]["name"],
            source=data["scenario"]["source"],
            raw=data["scenario"]["raw"],
            sets=data["sets"],
            seed=data["seed"],
            seeds=data["seeds"],
            blocks=data["blocks"],
            grid=data["grid"],
            sample=data["sample"],
            ranges=data["ranges"],
            params=data["params"],
            configs=data["configs"],
            engine=eng["name"],
            workers=eng["workers"],
            scheduler=eng["scheduler"],
            created=data.get("created", ""),
        )


def plan_sweep(request: SweepRequest) -> Plan:
    """Resolve and validate a new sweep: the scenario's `[sweep]` table, extended by the request
    (a grid or range path given there replaces the table's). Raises ScenarioError/UserInputError
    before anything runs."""
    if request.scenario is None:
        raise UserInputError("a sweep needs a scenario (resume a sweep folder with run_sweep)")
    raw, source, where = read_source(request.scenario)
    sets = dict(request.sets or {})
    files = {"origin": source, "allow": request.allow}  # files it names are checked too
    base = load_at(raw, sets, where, **files)  # the scenario itself must be valid
    spec = base.sweep
    g: dict[str, list[Any]] = {k: list(v) for k, v in (spec.grid if spec else {}).items()}
    r: dict[str, list[float]] = {k: list(v) for k, v in (spec.ranges if spec else {}).items()}
    for k, v in (request.grid or {}).items():
        g[k] = list(v)
    for k, v in (request.ranges or {}).items():
        r[k] = list(v)
    n_seeds = request.seeds if request.seeds is not None else (spec.seeds if spec else 1)
    sample = request.sample if request.sample is not None else (spec.sample if spec else None)
    blocks = request.blocks if request.blocks is not None else (spec.blocks if spec else None)
    base_seed = request.seed if request.seed is not None else base.scenario.seed
    engine, workers = request.engine or "local", request.workers
    if not 1 <= n_seeds <= 100_000:
        raise UserInputError(f"--seeds must be between 1 and 100,000, got {n_seeds}")
    if blocks is not None and blocks < 1:
        raise UserInputError(f"--blocks must be positive, got {blocks}")
    if not 0 <= base_seed < 2**63:
        raise UserInputError(f"--seed must be in [0, 2**63), got {base_seed}")
    check_engine(engine, workers, request.scheduler)

    for p in sets:
        check_path(p, "--set", False)
    for p, values in g.items():
        check_path(p, "sweep.grid:", blocks is not None)
        if not values:
            raise UserInputError(f"sweep.grid: {p}: give at least one value")
        if p in sets:
            raise UserInputError(f"{p} is both swept and fixed with --set; choose one")
    for p, lohi in r.items():
        check_path(p, "sweep.ranges:", blocks is not None)
        if p in g or p in sets:
            raise UserInputError(f"{p} is both sampled over a range and gridded or fixed")
        if len(lohi) != 2 or not all(is_number(x) for x in lohi) or not lohi[0] < lohi[1]:
            raise UserInputError(f"sweep.ranges: {p}: expected [low, high] with low < high")
    method, n_sample = parse_sample(sample) if sample else (None, 0)
    if method and not r:
        raise UserInputError(f"sample {sample!r} needs ranges (--range PATH=LO:HI)")
    if r and not method:
        raise UserInputError("ranges are given but no sample (--sample lhs:N or random:N)")

    n_grid = math.prod(len(v) for v in g.values())
    n_configs = n_grid * (n_sample or 1)
    if n_configs * n_seeds > MAX_RUNS:
        raise UserInputError(
            f"the sweep would make {n_configs:,} configurations x {n_seeds:,} seeds = "
            f"{n_configs * n_seeds:,} runs; at most {MAX_RUNS:,} are allowed"
        )

    # every path must name a field (one clear error per path, before combinations)
    for p in [*g, *r]:
        set_path(copy.deepcopy(raw), p, None, where=where)

    integer = {p: is_integer_field(raw, sets, p, lohi, where) for p, lohi in r.items()}
    points = sample_points(method, n_sample, r, base_seed, integer) if method else [{}]
    params = [*g, *r]
    configs: list[list[Any]] = []
    for combo in itertools.product(*g.values()):
        for point in points:
            configs.append([*combo, *(point[p] for p in r)])

    for i, values in enumerate(configs):
        overrides = {**sets, **dict(zip(params, values, strict=True))}
        try:
            load_at(raw, overrides, where, seed=base_seed, blocks=blocks, **files)
        except ScenarioError as err:
            label = ", ".join(f"{p}={_fmt(v)}" for p, v in zip(params, values, strict=True))
            raise ScenarioError(
                f"configuration {i} of {len(configs)} ({label or 'no parameters'}): {err}"
            ) from None
    return Plan(
        scenario_name=base.scenario.name,
        source=source,
        raw=raw,
        sets=sets,
        seed=base_seed,
        seeds=n_seeds,
        blocks=blocks,
        grid=g,
        sample=sample,
        ranges=r,
        params=params,
        configs=configs,
        engine=engine,
        workers=workers,
        scheduler=request.scheduler,
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _fmt(v: Any) -> str:
    return json.dumps(v) if isinstance(v, list | dict | str) else repr(v)

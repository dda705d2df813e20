"""Parameter sweeps: many runs of one scenario over a grid and/or a sample of parameter values,
times replicate seeds, on a local process pool or a Dask cluster.

The pieces, in the order a sweep uses them:

* `plan_sweep()` resolves the scenario's `[sweep]` table plus command-line extensions into a
  `Plan`: the swept parameters (dotted paths), one value list per configuration, the seeds.
  Every configuration is validated with `load_scenario` *before* anything runs.
* `run_job(job)` is one run: a pure, top-level, picklable function from plain data (`Job`) to
  plain data (`JobResult`); a run that raises is returned as a failed row, never re-raised.
* `execute()` feeds jobs to a `concurrent.futures.Executor` (a process pool, an in-process serial
  executor, or a Dask client's executor) with a bounded number in flight, and appends every
  finished run to `results.jsonl` (flushed and fsynced per line: the durable log).
* `finalize()` rebuilds `results.csv` (sorted by config, replicate: identical sweeps give
  byte-identical files whatever the engine, worker count or completion order), writes
  `summary.csv` (per configuration: mean, std, 95% CI across seeds) and the figures.

Replicate k of base seed B is exactly `ammsim run SCENARIO --seed B --replicate K --set ...`.

A worker process that dies (BrokenProcessPool) breaks the pool: every job then in flight is
retried once on a fresh pool, one at a time, and a job whose worker dies while it runs alone is
recorded as failed ("WorkerDied: ..."); the other jobs are unaffected.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import copy
import csv
import datetime as dt
import difflib
import io
import itertools
import json
import math
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import AmmSimError, ScenarioError, UserInputError
from sim.runs.folder import safe_name
from sim.scenario.scenario import (
    get_path,
    load_scenario,
    parse_value,
    read_toml,
    resolve_path,
    set_path,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_RUNS = 1_000_000
"""Most runs one sweep may plan (configurations x seeds)."""

PLAN_VERSION = 1
META_COLUMNS = ("seed", "replicate", "status", "error")
KEY_METRICS = (
    "lp_vs_hodl_pct",
    "lp_fee_income_usd",
    "lvr_usd",
    "lp_vs_rebalancing_usd",
    "impermanent_loss_pct",
    "fees_usd",
)
"""LP metrics: what the printed table and the figures show for a plain AMM scenario."""
MEV_METRICS = (
    "mev.bot_gross_usd",
    "mev.bot_net_usd",
    "mev.victim_loss_usd",
    "mev.by_victim_cohort.*.victim_loss_usd",
    "mev.by_victim_cohort.*.loss_per_volume_bps",
)
"""Shown first when the scenario has a sandwich bot (`*` matches each victim cohort)."""
LENDING_METRICS = (
    "lending.*.liquidations",
    "lending.*.liquidated_debt_usd",
    "lending.*.bad_debt_usd",
    "lending.*.min_health_factor",
    "lending.*.looper_equity_change_pct.mean",
    "staking.*.max_discount_pct",
)
"""Shown first when the scenario has a lending market."""
RUG_METRICS = ("rug.victims_loss_usd", "rug.developer_gain_usd")
MINING_METRICS = ("mining.realised_reward_apr_pct_end", "mining.pools.*.headline_apr_pct_peak")
MAX_PANELS = 9
"""Most metrics one figure shows (a 3 x 3 grid)."""
FORBIDDEN = ("scenario.seed", "scenario.replicate")
SAMPLE_KEY = 1_000_000
"""Sample points are drawn from SeedSequence(base seed, spawn_key=(SAMPLE_KEY,)): no replicate
(k < 1,000,000) uses that stream."""


# ---------------------------------------------------------------------------------------------
# parsing command-line values


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """`PATH=V1,V2,...` -> (path, values); values read as TOML (`[1, 2]` lists stay whole)."""
    path, sep, values = text.partition("=")
    path, values = path.strip(), values.strip()
    if not sep or not path or not values:
        raise UserInputError(
            f"--grid expects PATH=V1,V2,... (e.g. pools.eth_usdc.fee_bps=5,30,100), got {text!r}"
        )
    whole = parse_value(f"[{values}]")
    if isinstance(whole, list):
        return path, whole
    return path, [parse_value(v.strip()) for v in _split_top(values)]


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets and braces."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [s for s in (x.strip() for x in out) if s]


def parse_range(text: str) -> tuple[str, list[float]]:
    """`PATH=LO:HI` -> (path, [lo, hi])."""
    path, sep, rest = text.partition("=")
    lo_s, sep2, hi_s = rest.partition(":")
    lo, hi = parse_value(lo_s.strip()), parse_value(hi_s.strip())
    if not (sep and sep2 and path.strip()) or not all(_is_number(x) for x in (lo, hi)):
        raise UserInputError(
            f"--range expects PATH=LO:HI with numbers (e.g. prices.ETH.sigma=0.2:1.5), got {text!r}"
        )
    return path.strip(), [lo, hi]


def parse_sample(text: str) -> tuple[str, int]:
    """`lhs:64` / `random:64` -> (method, n)."""
    method, _, n = text.partition(":")
    if method not in ("lhs", "random") or not n.isdigit() or int(n) < 1:
        raise UserInputError(f"--sample expects lhs:N or random:N with N >= 1, got {text!r}")
    return method, int(n)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


# ---------------------------------------------------------------------------------------------
# sampling


def sample_unit(method: str, n: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """`n` points in [0, 1)^dims: plain uniform ('random') or a Latin hypercube ('lhs'), where
    each dimension's n equal strata hold exactly one point each."""
    if method == "random":
        return rng.random((n, dims))
    if method != "lhs":
        raise UserInputError(f"unknown sample method {method!r}; use lhs or random")
    u = np.empty((n, dims))
    for j in range(dims):
        u[:, j] = (rng.permutation(n) + rng.random(n)) / n
    return u


def sample_points(
    method: str,
    n: int,
    ranges: Mapping[str, Sequence[float]],
    seed: int,
    integer: Mapping[str, bool] | None = None,
) -> list[dict[str, Any]]:
    """Sampled parameter values over `ranges` (integer fields rounded and kept in range)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SAMPLE_KEY,)))
    paths = list(ranges)
    u = sample_unit(method, n, len(paths), rng)
    points = []
    for row in u:
        point: dict[str, Any] = {}
        for j, path in enumerate(paths):
            lo, hi = float(ranges[path][0]), float(ranges[path][1])
            v = lo + float(row[j]) * (hi - lo)
            if integer and integer.get(path):
                point[path] = int(min(max(round(v), math.ceil(lo)), math.floor(hi)))
            else:
                point[path] = v
        points.append(point)
    return points


# ---------------------------------------------------------------------------------------------
# the plan


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
        from sim.version import VERSION

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


def _check_path(path: str, what: str, blocks_fixed: bool) -> None:
    if path == "sweep" or path.startswith("sweep.") or path in FORBIDDEN:
        hint = {
            "scenario.seed": " (use --seed for the base seed)",
            "scenario.replicate": " (use --seeds for the number of replicates)",
        }.get(path, " (a sweep cannot sweep its own definition)")
        raise ScenarioError(f"{what} {path}: cannot be swept{hint}")
    if path == "scenario.blocks" and blocks_fixed:
        raise ScenarioError(
            f"{what} {path}: the sweep also fixes blocks (--blocks or sweep.blocks); use one"
        )


def plan_sweep(
    scenario: str | Path | Mapping[str, Any],
    *,
    grid: Mapping[str, Sequence[Any]] | None = None,
    seeds: int | None = None,
    sample: str | None = None,
    ranges: Mapping[str, Sequence[float]] | None = None,
    blocks: int | None = None,
    seed: int | None = None,
    sets: Mapping[str, Any] | None = None,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Plan:
    """Resolve and validate a sweep: the scenario's `[sweep]` table, extended by the arguments
    (a grid or range path given here replaces the table's). Raises ScenarioError/UserInputError
    before anything runs."""
    if isinstance(scenario, Mapping):
        raw, source = copy.deepcopy(dict(scenario)), None
        where = "<scenario>"
    else:
        path = resolve_path(scenario)
        raw, source = read_toml(path), str(path.resolve())
        where = str(path)
    sets = dict(sets or {})
    base = _load(raw, sets, where)  # the scenario itself must be valid
    spec = base.sweep
    g: dict[str, list[Any]] = {k: list(v) for k, v in (spec.grid if spec else {}).items()}
    r: dict[str, list[float]] = {k: list(v) for k, v in (spec.ranges if spec else {}).items()}
    for k, v in (grid or {}).items():
        g[k] = list(v)
    for k, v in (ranges or {}).items():
        r[k] = list(v)
    n_seeds = seeds if seeds is not None else (spec.seeds if spec else 1)
    sample = sample if sample is not None else (spec.sample if spec else None)
    blocks = blocks if blocks is not None else (spec.blocks if spec else None)
    base_seed = seed if seed is not None else base.scenario.seed
    if not 1 <= n_seeds <= 100_000:
        raise UserInputError(f"--seeds must be between 1 and 100,000, got {n_seeds}")
    if blocks is not None and blocks < 1:
        raise UserInputError(f"--blocks must be positive, got {blocks}")
    if not 0 <= base_seed < 2**63:
        raise UserInputError(f"--seed must be in [0, 2**63), got {base_seed}")
    if engine not in ("local", "dask"):
        raise UserInputError(f"--engine must be local or dask, got {engine!r}")
    if workers is not None and workers < 1:
        raise UserInputError(f"--workers must be >= 1, got {workers}")
    if engine == "dask":
        _import_dask()

    for p in sets:
        _check_path(p, "--set", False)
    for p, values in g.items():
        _check_path(p, "sweep.grid:", blocks is not None)
        if not values:
            raise UserInputError(f"sweep.grid: {p}: give at least one value")
        if p in sets:
            raise UserInputError(f"{p} is both swept and fixed with --set; choose one")
    for p, lohi in r.items():
        _check_path(p, "sweep.ranges:", blocks is not None)
        if p in g or p in sets:
            raise UserInputError(f"{p} is both sampled over a range and gridded or fixed")
        if len(lohi) != 2 or not all(_is_number(x) for x in lohi) or not lohi[0] < lohi[1]:
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

    integer = {p: _is_integer_field(raw, sets, p, lohi, where) for p, lohi in r.items()}
    points = sample_points(method, n_sample, r, base_seed, integer) if method else [{}]
    params = [*g, *r]
    configs: list[list[Any]] = []
    for combo in itertools.product(*g.values()):
        for point in points:
            configs.append([*combo, *(point[p] for p in r)])

    for i, values in enumerate(configs):
        overrides = {**sets, **dict(zip(params, values, strict=True))}
        try:
            _load(raw, overrides, where, seed=base_seed, blocks=blocks)
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
        scheduler=scheduler,
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _load(raw: dict[str, Any], overrides: Mapping[str, Any], where: str, **kw: Any) -> Any:
    """`load_scenario` on the parsed file, with errors naming the file as loading it would."""
    try:
        return load_scenario(raw, overrides, **kw)
    except ScenarioError as err:
        msg = str(err)
        if msg.startswith("<scenario>"):
            msg = where + msg.removeprefix("<scenario>")
        raise ScenarioError(msg) from None


def _is_integer_field(
    raw: dict[str, Any], sets: Mapping[str, Any], path: str, lohi: Sequence[float], where: str
) -> bool:
    """Whether the validated scenario stores `path` as an int (sampled values are then rounded)."""
    probe = float(math.ceil(lohi[0]))
    if probe > lohi[1]:
        probe = float(lohi[0])
    try:
        sc = _load(raw, {**sets, path: probe}, where)
    except ScenarioError as err:
        raise ScenarioError(f"sweep.ranges: {path}: value {probe} is not accepted: {err}") from None
    value = get_path(sc.model_dump(), path)
    if not _is_number(value):
        raise ScenarioError(f"{where}: sweep.ranges: {path} is not a number field")
    return isinstance(value, int)


def _fmt(v: Any) -> str:
    return json.dumps(v) if isinstance(v, list | dict | str) else repr(v)


# ---------------------------------------------------------------------------------------------
# one run


@dataclass(frozen=True)
class Job:
    """One run as plain data (what a worker receives)."""

    run: int
    config: int
    replicate: int
    seed: int
    blocks: int | None
    params: dict[str, Any]
    sets: dict[str, Any]
    scenario: dict[str, Any]
    source: str | None = None
    hook: str | None = None
    """testing only: 'exit' makes the worker process die (os._exit) instead of running."""


@dataclass
class JobResult:
    """One finished run as plain data: the results row, and the error text when it failed."""

    row: dict[str, Any]
    error: str | None = None


def run_job(job: Job) -> JobResult:
    """Run one configuration x replicate in memory (no files, no event log) and return its row."""
    row: dict[str, Any] = {"config": job.config, **job.params}
    row.update(seed=job.seed, replicate=job.replicate)
    if job.hook == "exit":
        os._exit(3)
    try:
        from sim.runs.runner import run

        overrides = {**job.sets, **job.params, "output.events": "none"}
        sc = load_scenario(
            job.scenario, overrides, seed=job.seed, blocks=job.blocks, replicate=job.replicate
        )
        sc._source = Path(job.source) if job.source else None  # relative paths resolve as in a file
        summary = run(sc, out=None).summary
    except Exception as err:
        msg = f"{type(err).__name__}: {err}"
        row.update(status="failed", error=msg)
        return JobResult(row, msg)
    row.update(status="ok", error="")
    for k, v in flatten(summary).items():
        if k not in row and k not in ("scenario", "seed", "replicate"):
            row[k] = v
    return JobResult(row)


def flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts -> one level with dotted keys (`pools.eth_usdc.fees_usd`)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _failed(job: Job, msg: str) -> JobResult:
    row: dict[str, Any] = {"config": job.config, **job.params}
    row.update(seed=job.seed, replicate=job.replicate, status="failed", error=msg)
    return JobResult(row, msg)


# ---------------------------------------------------------------------------------------------
# engines


class SerialExecutor(cf.Executor):
    """Runs each job in this process at submit time (`--workers 1`)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        fut: cf.Future[Any] = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as err:
            fut.set_exception(err)
        return fut


def _init_worker(sweep_pid: int) -> None:
    """Worker initializer: Ctrl-C is the sweep's to handle (it stops the workers), and a worker
    exits on its own if the sweep process dies (SIGKILL, OOM killer) instead of living on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(sweep_pid,), daemon=True).start()


def _exit_with(pid: int, every_s: float = 0.5) -> None:
    """Poll `pid`; end this process as soon as it is gone."""
    while True:
        time.sleep(every_s)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass  # exists, owned by someone else: still alive


def _mp_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        # workers forked from the server start with the simulator imported (per-process setting
        # of the server, not the global start method)
        from sim.cli.sweep import PRELOAD

        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


class Engine:
    """Makes executors (again, after a broken pool) and closes what it started."""

    def __init__(self, engine: str, workers: int | None, scheduler: str | None) -> None:
        self.kind = engine
        self.workers = workers or os.cpu_count() or 1
        self.scheduler = scheduler
        self._client: Any = None
        self._cluster: Any = None
        if engine == "dask":
            Client, LocalCluster = _import_dask()
            if scheduler:
                try:
                    self._client = Client(scheduler, timeout="20s")
                except OSError as err:
                    raise UserInputError(
                        f"cannot reach Dask scheduler {scheduler}: {err}"
                    ) from None
            else:
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    host="127.0.0.1",
                )
                self._client = Client(self._cluster)
            threads = sum(self._client.nthreads().values())
            self.workers = max(1, threads)

    @property
    def in_flight(self) -> int:
        return max(2, 2 * self.workers)

    def executor(self) -> cf.Executor:
        if self._client is not None:
            return self._client.get_executor(pure=False)
        if self.workers == 1:
            return SerialExecutor()
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_mp_context(),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )

    def describe(self) -> str:
        if self._client is not None:
            where = self.scheduler or "a local cluster"
            return f"dask ({where}, {self.workers} worker threads)"
        return f"local ({self.workers} worker{'s' * (self.workers > 1)})"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _import_dask() -> tuple[Any, Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UserInputError(
            "the dask engine needs dask.distributed: pip install ammsim[dask]"
        ) from None
    return Client, LocalCluster


def _stop(executor: cf.Executor) -> None:
    """Shut an executor down without waiting for running jobs (their runs are simply redone)."""
    # shutdown() forgets the worker processes (`_processes = None`): take them first, or the
    # workers run out their current jobs and Ctrl-C waits for them
    procs = list((getattr(executor, "_processes", None) or {}).values())
    if isinstance(executor, cf.ProcessPoolExecutor | SerialExecutor):
        executor.shutdown(wait=False, cancel_futures=True)
    else:  # a Dask ClientExecutor cancels on shutdown(wait=False)
        executor.shutdown(wait=False)
    for proc in procs:
        proc.terminate()


# ---------------------------------------------------------------------------------------------
# the durable log


class RunLog:
    """results.jsonl: one JSON line per finished run, flushed and fsynced as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._f = path.open("a", encoding="utf-8")
        try:
            import fcntl
        except ImportError:  # not on Windows: no guard against two writers
            return
        try:
            fcntl.flock(self._f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._f.close()
            raise UserInputError(
                f"{path.parent}: another ammsim process is running this sweep"
            ) from None

    def write(self, row: Mapping[str, Any]) -> None:
        self._f.write(json.dumps(row, separators=(",", ":"), default=_jsonable) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    return str(x)


@dataclass
class LogIndex:
    """Where each run's latest row is in results.jsonl (-1: not run) and whether it failed."""

    offsets: np.ndarray
    failed: np.ndarray

    def done(self, retry_failed: bool = False) -> np.ndarray:
        ok = self.offsets >= 0
        return ok & ~self.failed if retry_failed else ok


def index_log(path: Path, plan: Plan, repair: bool = False) -> LogIndex:
    """Read results.jsonl once; a torn last line (a killed process) is ignored, and cut off
    when `repair` so new rows append cleanly. Later rows of the same run win."""
    offsets = np.full(plan.runs, -1, dtype=np.int64)
    failed = np.zeros(plan.runs, dtype=bool)
    if not path.exists():
        return LogIndex(offsets, failed)
    good_end = 0
    with path.open("rb") as f:
        pos = 0
        for line in f:
            start, pos = pos, pos + len(line)
            if not line.endswith(b"\n"):
                break
            try:
                row = json.loads(line)
                config, rep = int(row["config"]), int(row["replicate"])
            except (ValueError, KeyError, TypeError):
                good_end = pos  # a bad complete line: skip it
                continue
            good_end = pos
            if 0 <= config < len(plan.configs) and 0 <= rep < plan.seeds:
                run = config * plan.seeds + rep
                offsets[run] = start
                failed[run] = row.get("status") != "ok"
    if repair and good_end < path.stat().st_size:
        with path.open("r+b") as f:
            f.truncate(good_end)
    return LogIndex(offsets, failed)


def _row_at(f: Any, offset: int) -> dict[str, Any]:
    f.seek(offset)
    return json.loads(f.readline())


# ---------------------------------------------------------------------------------------------
# running


@dataclass
class SweepResult:
    """What a sweep produced."""

    path: Path
    runs: int
    ok: int
    failed: int
    table: str = ""
    files: list[str] = field(default_factory=list)
    missing: int = 0
    """runs not in the log yet (an interrupted sweep: resume it)"""


def execute(
    plan: Plan,
    folder: Path,
    *,
    engine: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    stop_after: int | None = None,
    hooks: Mapping[tuple[int, int], str] | None = None,
) -> tuple[int, int]:
    """Run every run of `plan` not yet in `folder`/results.jsonl; returns (ran, failed now).

    `stop_after` (testing) raises KeyboardInterrupt after that many rows, as Ctrl-C would.
    `hooks` (testing) maps (config, replicate) to a `Job.hook`.
    """
    from tqdm import tqdm

    log_path = folder / "results.jsonl"
    log = RunLog(log_path)  # locks the sweep folder against a second writer
    try:
        index = index_log(log_path, plan, repair=True)
        done = index.done(retry_failed)
        todo = int(plan.runs - done.sum())
        del index
        eng = Engine(engine or plan.engine, workers or plan.workers, scheduler or plan.scheduler)
    except BaseException:
        log.close()
        raise
    bar = tqdm(
        total=plan.runs,
        initial=plan.runs - todo,
        desc="sweep",
        unit="run",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )

    def jobs() -> Iterator[tuple[Job, int]]:
        for config in range(len(plan.configs)):
            params = plan.config_params(config)
            for rep in range(plan.seeds):
                run = config * plan.seeds + rep
                if done[run]:
                    continue
                yield (
                    Job(
                        run=run,
                        config=config,
                        replicate=rep,
                        seed=plan.seed,
                        blocks=plan.blocks,
                        params=params,
                        sets=plan.sets,
                        scenario=plan.raw,
                        source=plan.source,
                        hook=(hooks or {}).get((config, rep)),
                    ),
                    1,
                )

    pending = jobs()
    retry: list[tuple[Job, int]] = []
    inflight: dict[cf.Future[JobResult], tuple[Job, int]] = {}
    ran = n_failed = n_ok = deaths = 0
    executor: cf.Executor | None = None
    try:
        executor = eng.executor()
        while True:
            while len(inflight) < eng.in_flight:
                if retry and inflight:
                    break  # after a worker died, suspects run one at a time
                item = retry.pop(0) if retry else next(pending, None)
                if item is None:
                    break
                try:
                    inflight[executor.submit(run_job, item[0])] = item
                except BrokenProcessPool as err:
                    deaths += 1
                    if deaths >= 3 and not n_ok:
                        raise AmmSimError(WORKERS_DIE) from err
                    retry.insert(0, item)
                    _stop(executor)
                    executor = eng.executor()
            if not inflight:
                break
            finished, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
            broken = False
            for fut in sorted(finished, key=lambda f: inflight[f][0].run):
                job, attempt = inflight.pop(fut)
                try:
                    res = fut.result()
                except BrokenProcessPool as err:
                    broken = True
                    if attempt < 2:
                        retry.append((job, attempt + 1))
                        continue
                    res = _failed(job, f"WorkerDied: the worker process died running it ({err})")
                    deaths += 1
                    if deaths >= 3 and not n_ok:
                        raise AmmSimError(WORKERS_DIE) from err
                except Exception as err:  # e.g. a Dask KilledWorker
                    res = _failed(job, f"{type(err).__name__}: {err}")
                log.write(res.row)
                ran += 1
                n_failed += res.error is not None
                n_ok += res.error is None
                bar.update(1)
                bar.set_postfix_str(f"failed={n_failed}", refresh=False)
                if stop_after is not None and ran >= stop_after:
                    raise KeyboardInterrupt
            if broken:
                _stop(executor)
                executor = eng.executor()
                retry.sort(key=lambda item: item[0].run)
    except BaseException:
        for fut in inflight:
            fut.cancel()
        if executor is not None:
            _stop(executor)
        raise
    else:
        executor.shutdown(wait=True)
    finally:
        bar.close()
        log.close()
        eng.close()
    return ran, n_failed


WORKERS_DIE = (
    "worker processes die before finishing any run; if this sweep was started from a script, "
    "does the script guard its entry point with `if __name__ == '__main__':`?"
)


def new_folder(out: str | Path, name: str) -> Path:
    """`<out>/<scenario>/sweep-<UTC stamp>/` (a suffix when that already exists)."""
    parent = Path(out) / safe_name(name)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        k = 1
        while True:
            path = parent / (f"sweep-{stamp}" + (f"-{k}" if k > 1 else ""))
            try:
                path.mkdir()
                return path
            except FileExistsError:
                k += 1
    except OSError as err:
        raise UserInputError(f"cannot create sweep folder under {parent}: {err.strerror}") from None


def discard_if_unstarted(folder: Path) -> None:
    """Remove a new sweep folder that holds no run yet (its engine never started, say)."""
    log = folder / "results.jsonl"
    if log.exists() and log.stat().st_size:
        return
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        folder.parent.rmdir()  # the scenario's folder too, if nothing else is in it


def write_plan(folder: Path, plan: Plan) -> None:
    _atomic_write(folder / "sweep.json", json.dumps(plan.to_json(), indent=1, default=str) + "\n")


def read_plan(folder: str | Path) -> Plan:
    path = Path(folder) / "sweep.json"
    if not path.is_file():
        raise UserInputError(f"{folder}: not a sweep folder (no sweep.json)")
    try:
        return Plan.from_json(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as err:
        raise UserInputError(f"{path}: unreadable sweep plan: {err}") from None


def run_sweep(
    scenario: str | Path | Mapping[str, Any],
    *,
    out: str | Path = "outputs",
    grid: Mapping[str, Sequence[Any]] | None = None,
    seeds: int | None = None,
    sample: str | None = None,
    ranges: Mapping[str, Sequence[float]] | None = None,
    blocks: int | None = None,
    seed: int | None = None,
    sets: Mapping[str, Any] | None = None,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    plots: bool = True,
    stop_after: int | None = None,
    hooks: Mapping[tuple[int, int], str] | None = None,
    metrics: Sequence[str] | None = None,
) -> SweepResult:
    """Plan, validate, run and summarise a sweep; returns where it is and how many runs failed.
    `metrics`: what the table and figures show (see `finalize`)."""
    plan = plan_sweep(
        scenario,
        grid=grid,
        seeds=seeds,
        sample=sample,
        ranges=ranges,
        blocks=blocks,
        seed=seed,
        sets=sets,
        engine=engine,
        workers=workers,
        scheduler=scheduler,
    )
    folder = new_folder(out, plan.scenario_name)
    write_plan(folder, plan)
    try:
        execute(plan, folder, progress=progress, stop_after=stop_after, hooks=hooks)
    except UserInputError:
        discard_if_unstarted(folder)
        raise
    return finalize(plan, folder, plots=plots, metrics=metrics)


def resume_sweep(
    folder: str | Path,
    *,
    engine: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = False,
    plots: bool = True,
    stop_after: int | None = None,
    metrics: Sequence[str] | None = None,
) -> SweepResult:
    """Run what a sweep folder is missing (runs not in results.jsonl), then summarise again."""
    folder = Path(folder)
    plan = read_plan(folder)
    execute(
        plan,
        folder,
        engine=engine,
        workers=workers,
        scheduler=scheduler,
        retry_failed=retry_failed,
        progress=progress,
        stop_after=stop_after,
    )
    return finalize(plan, folder, plots=plots, metrics=metrics)


# ---------------------------------------------------------------------------------------------
# results.csv, summary.csv, table, figures


_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    """97.5% quantile of Student's t (two-sided 95% CI) with `df` degrees of freedom."""
    if df < 1:
        return math.nan
    if df <= 30:
        return _T975[df - 1]
    return 1.959964 + 2.3722 / df  # within 0.002 of the exact value for df > 30


def stats(xs: Sequence[float]) -> tuple[int, float, float, float, float]:
    """n, mean, std (ddof 1), 95% CI low and high of the mean (t); NaN where undefined."""
    n = len(xs)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = math.fsum(xs) / n
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t975(n - 1) * std / math.sqrt(n)
    return n, mean, std, mean - half, mean + half


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    if isinstance(v, list | dict):
        return json.dumps(v)
    return str(v)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def finalize(
    plan: Plan, folder: Path, *, plots: bool = True, metrics: Sequence[str] | None = None
) -> SweepResult:
    """results.csv and summary.csv from the durable log (streamed in (config, replicate) order,
    one configuration in memory at a time), then the printed table and the figures.

    `metrics` (names or `fnmatch` patterns of summary metrics) chooses what the table and the
    figures show; default: the scenario's `sweep.metrics`, else `default_metrics()`."""
    log_path = folder / "results.jsonl"
    index = index_log(log_path, plan)
    order = np.flatnonzero(index.offsets >= 0)
    fixed = ["config", *plan.params, *META_COLUMNS]
    numeric_so_far: dict[str, bool] = {}  # column -> numeric so far
    with log_path.open("rb") as f:
        for run in order:
            row = _row_at(f, int(index.offsets[run]))
            for k, v in row.items():
                if k in fixed:
                    continue
                numeric = v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                numeric_so_far[k] = numeric_so_far.get(k, True) and numeric
    columns = fixed + list(numeric_so_far)
    numeric_cols = [k for k, num in numeric_so_far.items() if num]
    ok = failed = 0
    res_tmp = folder / ".results.csv.tmp"
    sum_tmp = folder / ".summary.csv.tmp"
    with (
        log_path.open("rb") as f,
        res_tmp.open("w", newline="", encoding="utf-8") as rf,
        sum_tmp.open("w", newline="", encoding="utf-8") as sf,
    ):
        rw = csv.writer(rf, lineterminator="\n")
        sw = csv.writer(sf, lineterminator="\n")
        rw.writerow(columns)
        stat_names = ("n", "mean", "std", "ci95_low", "ci95_high")
        sw.writerow(
            ["config", *plan.params, "runs", "ok", "failed"]
            + [f"{m}.{s}" for m in numeric_cols for s in stat_names]
        )
        for config in range(len(plan.configs)):
            lo = np.searchsorted(order, config * plan.seeds)
            runs = order[lo : np.searchsorted(order, (config + 1) * plan.seeds)]
            values: dict[str, list[float]] = {m: [] for m in numeric_cols}
            n_ok = n_failed = 0
            for run in runs:
                row = _row_at(f, int(index.offsets[run]))
                rw.writerow([_cell(row.get(c)) for c in columns])
                if row.get("status") == "ok":
                    n_ok += 1
                    for m in numeric_cols:
                        v = row.get(m)
                        if v is not None and math.isfinite(v):
                            values[m].append(float(v))
                else:
                    n_failed += 1
            ok, failed = ok + n_ok, failed + n_failed
            out: list[Any] = [config, *plan.configs[config], len(runs), n_ok, n_failed]
            for m in numeric_cols:
                out.extend(stats(values[m]))
            sw.writerow([_cell(v) for v in out])
    os.replace(res_tmp, folder / "results.csv")
    os.replace(sum_tmp, folder / "summary.csv")
    files = ["sweep.json", "results.jsonl", "results.csv", "summary.csv"]
    import pandas as pd

    summary = pd.read_csv(folder / "summary.csv")
    chosen = choose_metrics(summary, plan, metrics)
    table = tidy_table(summary, plan.params, metrics=chosen)
    if plots and ok:
        files += write_figures(summary, plan, folder, metrics=chosen)
    return SweepResult(folder, plan.runs, ok, failed, table, files, plan.runs - len(order))


def tidy_table(
    summary: pd.DataFrame,
    params: Sequence[str],
    max_rows: int = 40,
    *,
    metrics: Sequence[str] | None = None,
    max_metrics: int = 6,
) -> str:
    """One line per configuration: parameters, runs ok, mean of the key metrics (the first
    `max_metrics` of `metrics`, default the LP metrics)."""
    shown = [m for m in (KEY_METRICS if metrics is None else metrics) if f"{m}.mean" in summary]
    shown = shown[:max_metrics]
    cols = [*params, "ok"] + [f"{m}.mean" for m in shown]
    # per-cohort MEV names are long: mev.by_victim_cohort.loose.victim_loss_usd -> mev.loose...
    short = {f"{m}.mean": m.replace("mev.by_victim_cohort.", "mev.") for m in shown}
    df = summary[cols].rename(columns=short)
    text = df.head(max_rows).to_string(index=False, float_format=_num)
    if len(df) > max_rows:
        text += f"\n... {len(df) - max_rows:,} more configurations in summary.csv"
    return text


def _num(x: float) -> str:
    """A number for people: thousands separated, else four significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def pooled(summary: pd.DataFrame, by: Sequence[str], metric: str) -> pd.DataFrame:
    """Mean and 95% CI of `metric` over all runs of the configurations sharing `by` values
    (exact pooling of the per-configuration n, mean and std)."""
    rows = []
    n_col, m_col, s_col = f"{metric}.n", f"{metric}.mean", f"{metric}.std"
    for key, g in summary.groupby(list(by), sort=True, dropna=False):
        g = g[g[n_col] > 0]
        n = int(g[n_col].sum())
        if n == 0:
            continue
        mean = float((g[n_col] * g[m_col]).sum() / n)
        ss = float(((g[n_col] - 1) * g[s_col].fillna(0.0) ** 2).sum())
        ss += float((g[n_col] * (g[m_col] - mean) ** 2).sum())
        half = t975(n - 1) * math.sqrt(ss / (n - 1)) / math.sqrt(n) if n > 1 else math.nan
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, keys, strict=True)), "n": n, "mean": mean, "half": half})
    import pandas as pd

    return pd.DataFrame(rows)


def plot_metric_vs_param(
    summary: pd.DataFrame,
    param: str,
    metric: str,
    *,
    hue: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """`metric` against `param` with its 95% confidence band across seeds (one line per `hue`
    value; other swept parameters are pooled). Many distinct x values (a sample) are drawn as
    points with error bars."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    groups = [(None, summary)] if hue is None else list(summary.groupby(hue, sort=True))
    # one colour per hue value, the same in every panel (also where some values have no data)
    colors = {label: f"C{i % 10}" for i, (label, _) in enumerate(groups)}
    for label, sub in groups:
        df = pooled(sub, [param], metric)
        if df.empty:
            continue
        x, y, half = df[param].to_numpy(), df["mean"].to_numpy(), df["half"].to_numpy()
        name = None if hue is None else f"{_tail(hue)}={label:g}"
        numeric_x = _numeric(df[param])
        if len(df) > 12 or not numeric_x:
            xs = x if numeric_x else np.arange(len(x))
            ax.errorbar(
                xs,
                y,
                yerr=np.nan_to_num(half),
                fmt="o",
                ms=3,
                capsize=2,
                label=name,
                color=colors[label],
            )
            if not numeric_x:
                ax.set_xticks(xs, [str(v) for v in x])
        else:
            ax.plot(x, y, marker="o", label=name, color=colors[label])
            ax.fill_between(x, y - half, y + half, alpha=0.2, color=colors[label], lw=0)
        if numeric_x and all(float(v).is_integer() for v in x) and np.ptp(x) < 10:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2, 0.4 ticks
    if _numeric(summary[param]) and summary[param].nunique() > 1:
        # the whole swept range, also where this metric has no value (every panel alike)
        lo, hi = float(summary[param].min()), float(summary[param].max())
        ax.set_xlim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    ax.set_xlabel(param)
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(fontsize=7)
    return ax


def plot_heatmap(
    summary: pd.DataFrame, x: str, y: str, metric: str, *, ax: Axes | None = None
) -> Axes:
    """Mean of `metric` over a two-parameter grid (seeds averaged)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    df = pooled(summary, [y, x], metric)
    table = df.pivot(index=y, columns=x, values="mean").sort_index().sort_index(axis=1)
    im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
    lo, hi = im.get_clim()
    if hi - lo <= 1e-4 * max(abs(lo), abs(hi)):  # equal to the 4 digits shown: one colour
        mid = (lo + hi) / 2
        lo, hi = mid - max(abs(mid) * 0.05, 1e-9), mid + max(abs(mid) * 0.05, 1e-9)
        im.set_clim(lo, hi)
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        if math.isfinite(v):
            light = hi > lo and (v - lo) / (hi - lo) > 0.6  # viridis is light at the top
            color = "k" if light else "w"
            ax.text(j, i, _num(v), ha="center", va="center", fontsize=7, color=color)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(metric, fontsize=9)
    bar = ax.figure.colorbar(im, ax=ax)
    bar.formatter.set_useOffset(False)  # a nearly constant metric: plain values, no "+7.4e2"
    bar.update_ticks()
    return ax


def write_figures(
    summary: pd.DataFrame, plan: Plan, folder: Path, *, metrics: Sequence[str] | None = None
) -> list[str]:
    """One figure per swept parameter (each metric with its 95% band), a heatmap for 2-D grids.

    `metrics`: the metrics to draw, in order (default: `choose_metrics(summary, plan)`)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    keys = choose_metrics(summary, plan) if metrics is None else list(metrics)
    keys = [m for m in keys if _has_values(summary, m)][:MAX_PANELS]
    if not keys or not plan.params:
        return []
    ncols = 2 if len(keys) <= 4 else 3
    nrows = math.ceil(len(keys) / ncols)
    written = []
    for param in plan.params:
        others = [p for p in plan.grid if p != param]
        hue = (
            others[0]
            if len(others) == 1
            and not plan.ranges
            and summary[others[0]].nunique() <= 6
            and _numeric(summary[others[0]])
            else None
        )
        fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.5 * nrows), squeeze=False)
        for ax, metric in zip(axes.flat, keys, strict=False):
            plot_metric_vs_param(summary, param, metric, hue=hue, ax=ax)
            _label(ax, metric)
        for ax in list(axes.flat)[len(keys) :]:
            ax.set_visible(False)
        fig.suptitle(f"{plan.scenario_name}: metrics vs {param} (95% CI over seeds)")
        fig.tight_layout()
        name = f"vs_{safe_name(param)}.png"
        _save(fig, folder / name)
        written.append(name)
    grid_params = list(plan.grid)
    if len(grid_params) == 2 and not plan.ranges and all(_numeric(summary[p]) for p in grid_params):
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.5 * ncols, 4 * nrows), squeeze=False)
        for ax, metric in zip(axes.flat, keys, strict=False):
            plot_heatmap(summary, grid_params[0], grid_params[1], metric, ax=ax)
        for ax in list(axes.flat)[len(keys) :]:
            ax.set_visible(False)
        fig.suptitle(f"{plan.scenario_name}: mean over seeds")
        fig.tight_layout()
        _save(fig, folder / "heatmap.png")
        written.append("heatmap.png")
    return written


# ---------------------------------------------------------------------------------------------
# which metrics a sweep shows


def summary_metrics(summary: pd.DataFrame) -> list[str]:
    """The numeric metrics of a summary.csv table, in column order (`fees_usd`, `mev.bot_net_usd`,
    ...): every `<metric>.mean` column that has its `<metric>.n`."""
    return [
        c.removesuffix(".mean")
        for c in summary.columns
        if c.endswith(".mean") and f"{c.removesuffix('.mean')}.n" in summary.columns
    ]


def expand_metrics(
    patterns: Sequence[str], available: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Metric names and `fnmatch` patterns (`mev.by_victim_cohort.*.victim_loss_usd`) -> (the
    available metrics they name, in pattern order without repeats; the patterns matching none)."""
    out: list[str] = []
    unmatched = []
    for pat in patterns:
        hits = [pat] if pat in available else [a for a in available if fnmatchcase(a, pat)]
        if not hits:
            unmatched.append(pat)
        out.extend(h for h in hits if h not in out)
    return out, unmatched


def _agent_kinds(raw: Mapping[str, Any]) -> set[str]:
    agents = raw.get("agents")
    if not isinstance(agents, Mapping):
        return set()
    return {a.get("kind") for a in agents.values() if isinstance(a, Mapping)}


def default_metrics(raw: Mapping[str, Any]) -> list[str]:
    """The metric patterns that matter for a scenario (its parsed TOML), most important first:
    rug metrics (they exist only when a developer can rug), MEV metrics when it has a sandwich
    bot, lending and staking metrics when it has a lending market, mining metrics when it has
    rewards, then the LP metrics: only LP fee income and LP vs HODL after one of those groups,
    all of `KEY_METRICS` otherwise."""
    groups: list[str] = []
    if "sandwich_bot" in _agent_kinds(raw):
        groups += MEV_METRICS
    if raw.get("lending"):
        groups += LENDING_METRICS
    if raw.get("rewards"):
        groups += MINING_METRICS
    lp = ["lp_fee_income_usd", "lp_vs_hodl_pct"] if groups else list(KEY_METRICS)
    return [*RUG_METRICS, *groups, *lp]


def choose_metrics(
    summary: pd.DataFrame, plan: Plan, metrics: Sequence[str] | None = None
) -> list[str]:
    """What a sweep's table and figures show, most important first: `metrics` if given, else the
    scenario's `sweep.metrics`, else `default_metrics()`; each a metric name or an `fnmatch`
    pattern over the summary's metrics. An explicitly requested metric that matches nothing is
    reported with a warning (the names that exist are in summary.csv)."""
    sweep_table = plan.raw.get("sweep")
    explicit = metrics
    if explicit is None and isinstance(sweep_table, Mapping):
        explicit = sweep_table.get("metrics")
    if isinstance(explicit, str):
        explicit = [explicit]
    available = summary_metrics(summary)
    if explicit:
        chosen, unmatched = expand_metrics(list(explicit), available)
        for pat in unmatched:
            close = difflib.get_close_matches(pat, available, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            warnings.warn(f"sweep metric {pat!r} is not in summary.csv{hint}", stacklevel=2)
        if chosen:
            return chosen
    chosen, _ = expand_metrics(default_metrics(plan.raw), available)
    return chosen


def _tail(path: str) -> str:
    """The last two parts of a dotted path (`agents.bot.count` -> `bot.count`)."""
    return ".".join(path.split(".")[-2:])


def _has_values(summary: pd.DataFrame, metric: str) -> bool:
    col = f"{metric}.mean"
    return col in summary.columns and bool(np.isfinite(summary[col].to_numpy(dtype=float)).any())


def _label(ax: Axes, metric: str) -> None:
    """The full metric name as a small title, its last part on the y axis."""
    ax.set_title(metric, fontsize=8)
    last = metric.rsplit(".", 1)[-1]
    ax.set_ylabel(_tail(metric) if last in ("mean", "min", "max") else last, fontsize=8)


def _numeric(col: pd.Series) -> bool:
    from pandas.api import types

    return bool(types.is_numeric_dtype(col.dtype) and not types.is_bool_dtype(col.dtype))


def _save(fig: Figure, path: Path) -> None:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)

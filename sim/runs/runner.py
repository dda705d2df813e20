"""`run()`: one scenario, one seed, one run folder; the CLI and sweeps are thin layers over it."""

from __future__ import annotations

import io
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ScenarioError
from sim.model.model import MarketModel
from sim.report.result import RunResult
from sim.report.scenario_file import scenario_toml
from sim.report.summary import agents_table, flows_table, summarize
from sim.runs.folder import RunFolder
from sim.runs.inputs import copy_inputs
from sim.scenario.scenario import load_scenario
from sim.scenario.schema import Scenario
from sim.version import VERSION, version

FLOW_COLUMNS = ("source", "target", "kind", "count", "value")


def resolve(
    scenario: Scenario | str | Path | Mapping[str, Any],
    *,
    seed: int | None = None,
    blocks: int | None = None,
    replicate: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    allow: Sequence[str | Path] = (),
) -> Scenario:
    """A validated scenario with the run's seed, length and overrides applied; `allow` adds
    folders the files it names may come from (to a Scenario's own)."""
    if isinstance(scenario, Scenario):
        if not (seed is None and blocks is None and replicate is None and not overrides):
            return load_scenario(
                scenario.model_dump(mode="json", exclude_none=True),
                overrides,
                seed=seed,
                blocks=blocks,
                replicate=replicate,
                origin=scenario.source,
                allow=(*scenario.allowed_dirs, *allow),
            )
        if allow:
            widened = scenario.model_copy()
            widened._allow = (*scenario.allowed_dirs, *(Path(d).resolve() for d in allow))
            return widened
        return scenario
    return load_scenario(
        scenario, overrides, seed=seed, blocks=blocks, replicate=replicate, allow=allow
    )


def run(
    scenario: Scenario | str | Path | Mapping[str, Any],
    *,
    seed: int | None = None,
    blocks: int | None = None,
    replicate: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = "outputs",
    progress: bool = False,
    check_every_block: bool = False,
    timings: dict[str, float] | None = None,
    allow: Sequence[str | Path] = (),
) -> RunResult:
    """Run a scenario and write its folder under `out` (no files at all when `out` is None).

    Files the scenario names come from its own folder, or from an `allow`ed folder.

    `timings`, if given, receives the wall time in seconds of each phase (for `ammsim bench`).
    """
    clock = _Phases(timings)
    sc = resolve(
        scenario, seed=seed, blocks=blocks, replicate=replicate, overrides=overrides, allow=allow
    )
    meta = sc.scenario
    folder = RunFolder(Path(out), meta.name, meta.seed, meta.replicate) if out is not None else None
    clock.lap("load")
    try:
        try:
            model = build(
                sc,
                events_path=folder.file("events.csv") if folder else None,
                check_every_block=check_every_block,
            )
        except ScenarioError:
            if folder is not None:  # found before the first block: keep no folder
                folder.discard()
                folder = None
            raise
        clock.lap("build")
        try:
            advance(model, meta.blocks, progress=progress)
        except ScenarioError as err:  # a run-time event the scenario caused: name the file
            if sc.source is None or str(sc.source) in str(err):
                raise
            raise ScenarioError(f"{sc.source}: {err}") from None
        clock.lap("simulate")
        model.events.close()
        model.check()
        clock.lap("check")
        summary = summarize(model)
        ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        agents = pd.DataFrame(agents_table(model))
        result = RunResult(
            folder.path if folder else None,
            summary,
            ts,
            agents,
            sc,
            None if folder else model.events.rows,
            flows_table(model),
        )
        clock.lap("summarize")
        if folder is not None:
            write_folder(folder, result)
            result.path = folder.finish()
            clock.lap("write")
        return result
    except BaseException as err:
        marked = folder is not None and folder.fail(err)
        if marked and isinstance(err, KeyboardInterrupt):  # Ctrl-C, or SIGTERM under the CLI
            err.run_folder = folder.path  # type: ignore[attr-defined,union-attr]
            err.add_note(f"unfinished run folder: {folder.path}")  # type: ignore[union-attr]
        raise


def build(
    sc: Scenario, *, events_path: Path | None = None, check_every_block: bool = False
) -> MarketModel:
    """The model at block 0: pools, agents and their initial deposits, as a run starts.

    `ammsim validate` builds it too (without an events file), so a scenario it accepts can fail
    in `run` only on what happens after block 0. An initial market that cannot be set up (a
    cohort's capital cannot seed its pool, ...) is a `ScenarioError` naming the file.
    """
    try:
        return MarketModel(sc, events_path=events_path, check_every_block=check_every_block)
    except ScenarioError as err:
        if sc.source is None:
            raise
        raise ScenarioError(f"{sc.source}: {err}") from None


class _Phases:
    """Wall-clock laps into an optional dict."""

    def __init__(self, into: dict[str, float] | None) -> None:
        self.into = into
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.into is not None:
            self.into[name] = now - self.t
        self.t = now


def advance(model: MarketModel, blocks: int, progress: bool = False) -> None:
    """Step `blocks` blocks, showing a progress bar when it takes more than a couple of seconds."""
    if not progress:
        model.run_for(blocks)
        return
    from tqdm import tqdm

    chunk = max(1, min(10_000, blocks // 100))
    with tqdm(
        total=blocks, unit="block", delay=2.0, mininterval=1.0, file=sys.stderr, leave=False
    ) as bar:
        done = 0
        while done < blocks:
            n = min(chunk, blocks - done)
            model.run_for(n)
            done += n
            bar.update(n)


def write_folder(folder: RunFolder, result: RunResult) -> None:
    """Every file of a run folder (events.csv was streamed during the run)."""
    from sim.report import figures as report  # matplotlib: imported only when a folder is written
    from sim.report import html as report_html

    result.inputs = copy_inputs(folder.path, result.scenario)
    folder.write_text("scenario.toml", scenario_toml(result.scenario, result.inputs))
    folder.write_text("timeseries.csv", _csv(result.timeseries))
    folder.write_text("agents.csv", _csv(result.agents))
    folder.write_json("summary.json", result.summary)
    folder.write_text("flows.csv", _csv(pd.DataFrame(result.flows, columns=FLOW_COLUMNS)))
    folder.write_json("manifest.json", manifest(result.scenario))
    fig = report.overview(result.timeseries, result.summary)
    report.save(fig, folder.file("figure.png"))
    folder.write_text(
        "report.html", report_html.render(result, folder.file("figure.png").read_bytes())
    )


def manifest(sc: Scenario) -> dict[str, Any]:
    """Everything needed to reproduce the run."""
    return {
        "ammsim": VERSION,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "dependencies": {
            name: version(name)
            for name in ("mesa", "numpy", "pandas", "pydantic", "matplotlib", "networkx")
        },
        "scenario": sc.scenario.name,
        "seed": sc.scenario.seed,
        "replicate": sc.scenario.replicate,
        "source": str(sc.source) if sc.source else None,
        "command": " ".join(sys.argv) if sys.argv else "",
    }


def _csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()

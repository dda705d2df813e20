"""Every bundled scenario, made hostile: `validate` and `run` answer exit 0 or exit 2, and agree.

The cases (tests/system/bundled_cases.py): every numeric field of every bundled scenario x NaN,
+-inf, -1, 0, 1e308, 2**64+1, 1e-308, 0.5, in an edited file or a `--set` override, plus broken
TOML, unknown keys, missing references, duplicates and dropped fields. Each goes through
`sim.cli.main.main` in-process: `validate`, then `run --blocks 50`. The contract:

* never exit 1, never a traceback; exit 2 names the scenario file and the dotted field;
* `validate` and `run` agree: a scenario `validate` refuses, `run` refuses too; one it accepts
  runs, or stops on a run-time event (a message naming the block it happened in).

The normal suite draws a seeded sample of a few hundred cases; `AMMSIM_FUZZ_EXAMPLES=N` draws
N (all ~8,000 with a large N). Run folders are written without figure.png and report.html
(`light_folder`), which take a second each and read only what summary.json holds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

import pytest
import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundled_cases import BUNDLED, Case, sample

import sim.runs.runner
from sim.cli.main import main
from sim.report.scenario_file import scenario_toml

FUZZ_EXAMPLES = int(os.environ.get("AMMSIM_FUZZ_EXAMPLES", "0") or 0)
N_CASES = FUZZ_EXAMPLES or 300
BLOCKS = "50"


def light_folder(folder: sim.runs.runner.RunFolder, result: sim.runs.runner.RunResult) -> None:
    """The run folder's data files (strict JSON included), without the figure and the page."""
    folder.write_text("scenario.toml", scenario_toml(result.scenario))
    folder.write_json("summary.json", result.summary)


def cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def inputs(case: Case, tmp: Path) -> tuple[Path, list[str]]:
    """The scenario file and the extra flags of a case."""
    if case.how == "set":
        return BUNDLED[case.scenario], ["--set", f"{case.field}={case.value}"]
    path = tmp / f"{case.scenario}.toml"
    text = case.text if case.how == "text" else tomli_w.dumps(case.value)
    path.write_text(text or "", encoding="utf-8")
    return path, []


def problems(case: Case, tmp: Path) -> list[str]:
    """What is wrong with how ammsim answers `case` (nothing, when it keeps the contract)."""
    path, extra = inputs(case, tmp)
    v_code, v_err = cli(["validate", str(path), *extra])
    r_argv = ["run", str(path), "--blocks", BLOCKS, "--out", str(tmp / "out"), "--quiet", *extra]
    r_code, r_err = cli(r_argv)
    out: list[str] = []
    for what, code, err in (("validate", v_code, v_err), ("run", r_code, r_err)):
        first = err.strip().splitlines()[0] if err.strip() else ""
        if code not in (0, 2) or "Traceback" in err:
            out.append(f"{what}: exit {code}: {first[:300]}")
        elif code == 2 and str(path) not in err:
            out.append(f"{what}: exit 2 without naming the file: {first[:300]}")
        elif code == 2 and case.field and not _names_a_field(err, case):
            out.append(f"{what}: exit 2 without naming the field {case.field}: {err[:300]}")
    if r_code == 0:
        summary = next((tmp / "out").rglob("summary.json")).read_text(encoding="utf-8")
        try:
            json.loads(summary, parse_constant=_no_constant)
        except ValueError as err:
            out.append(f"run: summary.json is not strict JSON: {err}")
    if case.field == "scenario.blocks":
        return out  # run's --blocks replaces the field validate reads
    if v_code == 2 and r_code == 0:
        out.append(f"validate refused what run accepted: {v_err[:300]}")
    if v_code == 0 and r_code == 2 and " block " not in r_err:
        out.append(f"validate accepted what run refused before any block: {r_err[:300]}")
    return out


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} in summary.json")


def _names_a_field(err: str, case: Case) -> bool:
    """The message names the changed field, or a dotted field of the scenario (a value can break
    another field's use of it: a count of 0 leaves a token unpriced), or the missing name."""
    if case.field in err or "missing_name" in err:
        return True
    return re.search(rf"\b({'|'.join(TABLES)})\.[A-Za-z_]", err) is not None


TABLES = ("scenario", "chain", "tokens", "prices", "pools", "agents", "staking", "lending")
TABLES += ("rewards", "events", "output", "sweep")


FIXED_BUGS = [("v3_band_strategies", "tokens.USDC.decimals", "0")]
"""Cases that once ended in exit 1 (a perp hedge's equity valued above what the venue pays in
whole units of a 0-decimal token): each must now run like any other case."""


CASES = sample(N_CASES)


def test_the_sample_spans_every_bundled_scenario_and_kind_of_case() -> None:
    assert {c.scenario for c in CASES} == set(BUNDLED)
    assert {c.how for c in CASES} == {"file", "set", "text"}


@pytest.mark.parametrize("case", CASES, ids=[c.label() for c in CASES])
def test_hostile_variation_gives_exit_0_or_2_and_validate_agrees_with_run(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sim.runs.runner, "write_folder", light_folder)
    assert problems(case, tmp_path) == [], case.label()


@pytest.mark.parametrize("key", FIXED_BUGS)
def test_a_case_that_once_ended_in_exit_1_now_runs(
    key: tuple[str, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sim.runs.runner, "write_folder", light_folder)
    scenario, field, value = key
    assert problems(Case(scenario, "set", field, value), tmp_path) == []


if __name__ == "__main__":  # explore: python tests/system/test_fuzz_bundled.py N
    import collections
    import tempfile

    sim.runs.runner.write_folder = light_folder  # type: ignore[assignment]
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N_CASES
    found: collections.Counter[str] = collections.Counter()
    examples: dict[str, str] = {}
    for case in sample(n):
        with tempfile.TemporaryDirectory() as d:
            for p in problems(case, Path(d)):
                key = p.split(":")[0] + ":" + p.split(":", 2)[-1][:90]
                found[key] += 1
                examples.setdefault(key, case.label())
    for key, count in found.most_common():
        print(f"{count:5d}  {key}\n       e.g. {examples[key]}")

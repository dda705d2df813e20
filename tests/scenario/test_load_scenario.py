"""Scenario loading: valid files load, bad ones fail with the file, the dotted path and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.scenario.files import bundled
from sim.scenario.paths import get_path, parse_value, set_path
from sim.scenario.scenario import load_scenario


def write(tmp_path: Path, raw: dict, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(raw))
    return path


def error_of(source, overrides=None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, overrides)
    return str(info.value)


def test_bundled_scenarios_all_validate() -> None:
    names = bundled()
    assert "quickstart" in names
    for name in names:
        sc = load_scenario(name)
        assert sc.scenario.blocks > 0


def test_typo_names_file_path_and_suggestion(tmp_path: Path, raw: dict) -> None:
    raw["pools"]["eth_usdc"]["fee_bsp"] = 5
    path = write(tmp_path, raw)
    msg = error_of(path)
    assert str(path) in msg
    assert "pools.eth_usdc.fee_bsp: unknown field" in msg
    assert "did you mean 'fee_bps'" in msg
    assert "allowed:" in msg and "protocol_fee" in msg


def test_wrong_type_names_path_and_value(tmp_path: Path, raw: dict) -> None:
    raw["agents"]["retail"]["count"] = "many"
    msg = error_of(write(tmp_path, raw))
    assert "agents.retail.count" in msg and "'many'" in msg


def test_negative_capital_is_rejected(raw: dict) -> None:
    raw["agents"]["lps"]["capital"] = {"dist": "lognormal", "median": -5, "sigma": 1}
    assert "agents.lps.capital.median" in error_of(raw)


def test_unknown_agent_kind_lists_known_kinds(raw: dict) -> None:
    raw["agents"]["retail"]["kind"] = "whale"
    msg = error_of(raw)
    assert "agents.retail" in msg and "whale" in msg and "noise_trader" in msg


def test_reference_errors(raw: dict) -> None:
    raw["pools"]["eth_usdc"]["tokens"] = ["ETH", "DAI"]
    raw["agents"]["lps"]["pool"] = "nope"
    msg = error_of(raw)
    assert "pools.eth_usdc.tokens[1]: unknown token 'DAI'" in msg
    assert "agents.lps.pool: unknown pool 'nope'" in msg
    assert "2 problems" in msg


def test_nan_and_inf_are_rejected(raw: dict) -> None:
    raw["prices"]["ETH"]["sigma"] = float("nan")
    assert "prices.ETH.sigma" in error_of(raw)
    raw["prices"]["ETH"]["sigma"] = 0.5
    raw["prices"]["ETH"]["start"] = float("inf")
    assert "prices.ETH.start" in error_of(raw)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\nname = 1")
    assert "invalid TOML" in error_of(bad)
    msg = error_of(tmp_path / "missing.toml")
    assert "no scenario file" in msg and "quickstart" in msg


def test_overrides_set_known_paths_and_reject_unknown(raw: dict) -> None:
    sc = load_scenario(raw, {"pools.eth_usdc.fee_bps": 5, "chain.ordering": "fifo"})
    assert sc.pools["eth_usdc"].fee_bps == 5
    assert sc.chain.ordering == "fifo"
    msg = error_of(raw, {"pools.eth_usdc.fees": 5})
    assert "pools.eth_usdc.fees" in msg and "did you mean 'fee_bps'" in msg
    assert "unknown field 'nosuch'" in error_of(raw, {"nosuch.x": 1})


def test_set_and_get_path_roundtrip(raw: dict) -> None:
    set_path(raw, "prices.ETH.sigma", 0.4)
    assert get_path(raw, "prices.ETH.sigma") == 0.4


def test_parse_value_reads_toml_scalars() -> None:
    assert parse_value("30") == 30
    assert parse_value("0.8") == 0.8
    assert parse_value("true") is True
    assert parse_value("[1, 2]") == [1, 2]
    assert parse_value("fifo") == "fifo"


def test_resolved_scenario_reloads_identically(tmp_path: Path, raw: dict) -> None:
    from sim.report.scenario_file import scenario_toml

    sc = load_scenario(raw)
    path = tmp_path / "resolved.toml"
    path.write_text(scenario_toml(sc))
    assert load_scenario(path).model_dump() == sc.model_dump()


def test_cli_validate_exit_codes(tmp_path: Path, raw: dict, capsys) -> None:
    good = write(tmp_path, raw, "good.toml")
    assert main(["validate", str(good)]) == 0
    raw["scenario"]["blocks"] = -1
    bad = write(tmp_path, raw, "bad.toml")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "scenario.blocks" in err and "Traceback" not in err
    assert main(["validate", str(tmp_path / "nope.toml")]) == 2
    assert main(["run", "quickstart", "--blocks", "0"]) == 2
    assert main(["frobnicate"]) == 2


def test_scenario_name_cannot_escape_output_folder(raw: dict) -> None:
    raw["scenario"]["name"] = "../../etc"
    assert "scenario.name" in error_of(raw)


def test_ci_runs_the_readme_commands_verbatim() -> None:
    from conftest import ROOT as root

    readme = (root / "README.md").read_text()
    ci = (root / ".ci" / "run").read_text()
    blocks = readme.split("```bash\n")[1:3]
    commands = [b.split("\n```")[0].strip() for b in blocks]
    assert len(commands) == 2
    for command in commands:
        assert command in ci, command


def test_schema_documents_every_field_and_output_column() -> None:
    from sim.model.event_log import EVENT_COLUMNS
    from sim.report.schema import EVENT_DOCS, FLOW_DOCS, schema_json, schema_markdown
    from sim.runs.runner import FLOW_COLUMNS

    assert set(EVENT_DOCS) == set(EVENT_COLUMNS)
    assert list(FLOW_DOCS) == list(FLOW_COLUMNS)
    rows = schema_json()["scenario_fields"]
    undocumented = [r["path"] for r in rows if not r["description"]]
    assert undocumented == []
    paths = {r["path"] for r in rows}
    assert {"pools.<name>.fee_bps", "agents.<name>.slippage_bps", "prices.<name>.sigma"} <= paths
    text = schema_markdown()
    assert "## Distributions" in text and "`lognormal`" in text
    assert "## flows.csv" in text and "Each agent kind appends its own columns" in text


def test_negative_amounts_are_rejected_before_running(tmp_path: Path, raw: dict, capsys) -> None:
    """A negative constant capital or trade size is refused by `validate` (it would otherwise be
    clipped to 0 silently, or fail only once the run starts)."""
    raw["agents"]["lps"]["capital"] = -1_000
    raw["agents"]["retail"]["size"] = {"dist": "uniform", "low": -5, "high": 10}
    path = write(tmp_path, raw)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    assert "agents.lps.capital: out of range; allowed: >= 0 (got -1000)" in err
    assert "agents.retail.size: a uniform draws values from -5 to 10; allowed: >= 0" in err


def test_union_errors_name_the_field_not_pydantic_internals(raw: dict) -> None:
    raw["agents"]["lps"]["capital"] = 1e308  # a number or a distribution table
    raw["agents"]["retail"]["size"] = {"dist": "lognormall", "median": 5, "sigma": 1}
    raw["agents"]["arbs"]["kind"] = "arbitrager"
    msg = error_of(raw)
    assert "3 problems" in msg
    assert "agents.lps.capital: Input should be less than or equal to" in msg
    assert "agents.retail.size.dist: unknown dist 'lognormall' (did you mean 'lognormal'?)" in msg
    assert "agents.arbs.kind: unknown kind 'arbitrager' (did you mean 'arbitrageur'?)" in msg
    assert "constrained-float" not in msg and "tagged-union" not in msg


def test_a_scenario_that_cannot_set_up_names_the_file_and_leaves_no_folder(
    tmp_path: Path, raw: dict, capsys
) -> None:
    raw["agents"]["lps"]["capital"] = 1e-9  # valid, but too little to seed the pool
    path = write(tmp_path, raw)
    out = tmp_path / "out"
    assert main(["run", str(path), "--blocks", "3", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path.resolve()}: agents.lps: cannot set up")
    assert "Traceback" not in err
    assert not out.exists() or list(out.rglob("*")) in ([], [out / "tiny"])


def test_a_closed_output_pipe_is_not_an_internal_error() -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `ammsim list | head -0`: the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""


def test_missing_kind_or_dist_lists_what_is_allowed(tmp_path: Path, raw: dict) -> None:
    raw["agents"]["nokind"] = {"count": 2}
    raw["agents"]["nodist"] = {
        "kind": "noise_trader",
        "pools": ["eth_usdc"],
        "trades_per_day": 1,
        "size": {"median": 5},
    }
    msg = error_of(write(tmp_path, raw))
    assert "agents.nokind.kind: required field is missing; allowed: liquidity_provider" in msg
    assert "arbitrageur" in msg
    assert "agents.nodist.size.dist: required field is missing; allowed: constant" in msg

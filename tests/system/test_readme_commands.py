"""The README's commands work as typed: CI runs its install lines verbatim in a fresh venv, and
the activated environment it then describes has `ammsim`, `python` and `jupyter lab`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from conftest import ROOT
from packaging.requirements import Requirement

README = (ROOT / "README.md").read_text()
VENV = Path(sys.prefix)


def blocks(lang: str, text: str = README) -> list[list[str]]:
    """Each fenced block of `lang`, as its command lines (comments stripped)."""
    found = re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)
    return [[ln.split("  #")[0].strip() for ln in b.splitlines() if ln.strip()] for b in found]


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def in_activated_venv(commands: list[str]) -> subprocess.CompletedProcess[str]:
    """Run README lines in bash as a user would, with this suite's venv as the README's `.venv`."""
    script = "\n".join(["set -e", *(c.replace(".venv/", f"{VENV}/") for c in commands)])
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = "/usr/bin:/bin"  # no ammsim on the path until the venv is activated
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def test_ci_runs_the_quickstart_lines_verbatim() -> None:
    """`.ci/run` installs exactly as the README says: every Quickstart command line is in it."""
    ci = (ROOT / ".ci" / "run").read_text()
    lines = [ln for b in blocks("bash", section("Quickstart"))[:2] for ln in b]
    assert lines and lines[0].startswith("python3 -m venv .venv")
    for line in lines:
        assert line in ci, line


def test_without_activation_ammsim_is_not_found_and_the_readme_says_so() -> None:
    """The case the README guards against: a bare `ammsim` before activating."""
    assert in_activated_venv(["ammsim list"]).returncode == 127
    assert "Without activating, write `.venv/bin/ammsim`" in README


def test_after_activation_ammsim_and_python_are_the_projects() -> None:
    (activate,) = [b for b in blocks("bash") if any(c.startswith("source ") for c in b)]
    proc = in_activated_venv([*activate, "command -v ammsim python", "python -c 'import sim'"])
    assert proc.returncode == 0, proc.stderr
    assert "quickstart" in proc.stdout  # `ammsim list` as written
    ammsim, python = proc.stdout.strip().splitlines()[-2:]
    assert Path(ammsim) == VENV / "bin" / "ammsim" and Path(python).parent == VENV / "bin"


def test_docs_commands_assume_the_activated_environment() -> None:
    """Consistency: no doc mixes `.venv/bin/ammsim` with bare `ammsim`; each that runs
    commands says how to get them."""
    for doc in sorted((ROOT / "docs").glob("*.md")):
        text = doc.read_text()
        if "ammsim " not in text:
            continue
        assert "source .venv/bin/activate" in text, doc.name
        assert ".venv/bin/ammsim " not in text.split("\n", 3)[-1], doc.name


def test_the_notebooks_extra_gives_jupyter_lab() -> None:
    """After `pip install -e ".[notebooks]"` (the README's line; `dev` includes it, so CI has
    installed it) every requirement of the extra is met and `jupyter lab --version` runs."""
    assert 'pip install -e ".[notebooks]" && jupyter lab notebooks/' in README
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert "ammsim[notebooks]" in extras["dev"]
    for spec in extras["notebooks"]:
        req = Requirement(spec)
        assert req.specifier.contains(metadata.version(req.name)), spec
    proc = in_activated_venv(["source .venv/bin/activate", "jupyter lab --version"])
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"4\.\d+\.\d+", proc.stdout.strip())


def test_an_older_python_is_told_ammsim_needs_3_12() -> None:
    """pip does not check the project's own Requires-Python on `pip install -e .`; setup.py
    does, before any dependency is resolved (otherwise 3.11 fails naming Mesa)."""
    code = (
        "import sys, runpy; sys.version_info = (3, 11, 2, 'final', 0); "
        "sys.argv = ['setup.py', '--version']; runpy.run_path('setup.py')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ammsim needs Python 3.12 or newer")
    assert "python3.12 -m venv .venv" in proc.stderr

"""The distribution: a plain (non-editable) wheel carries every package and the bundled scenarios."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, has_c_compiler


def test_wheel_contains_packages_and_bundled_scenarios(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ammsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"sim/scenarios/{p.name}" for p in (ROOT / "scenarios").glob("*.toml")}
    assert "sim/scenarios/quickstart.toml" in shipped
    assert shipped <= names
    # every module of every layer folder: pyproject.toml lists the packages one by one
    modules = {
        p.relative_to(ROOT).as_posix() for d in ("sim", "agents") for p in (ROOT / d).rglob("*.py")
    }
    assert "sim/pools/uniswap_v3/pool.py" in modules
    assert modules <= names, modules - names
    assert any(n.endswith("entry_points.txt") for n in names)
    if has_c_compiler():
        assert any(
            n.startswith("sim/pools/curve/_stableswap_native") and n.endswith(".so") for n in names
        )


def test_without_a_c_compiler_the_install_still_works_in_python(tmp_path: Path) -> None:
    """The StableSwap kernels are optional: a failing compiler leaves them out, nothing else."""
    if os.name != "posix" or shutil.which("false") is None:
        pytest.skip("needs a POSIX `false` to stand in for a broken compiler")
    src = tmp_path / "src"
    skip = shutil.ignore_patterns(
        ".git", ".venv", "build", "outputs", "docs", "*.so", "*.egg-info", ".*cache", "__pycache__"
    )
    shutil.copytree(ROOT, src, ignore=skip)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(src)],
        check=True,
        capture_output=True,
        env={**os.environ, "CC": "false"},
    )
    (wheel,) = tmp_path.glob("ammsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sim/pools/curve/stableswap.py" in names
    assert not any(n.endswith((".so", ".pyd")) for n in names)


def test_console_script_lists_bundled_scenarios() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sim.cli", "list"], capture_output=True, text=True, check=True
    ).stdout
    assert "quickstart" in out and "sandwich_attack" in out

"""Every lesson notebook in notebooks/ runs top to bottom, offline, on this venv's Python."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNELS = Path(sys.prefix) / "share" / "jupyter"
TIME_LIMIT_S = 20


@pytest.fixture(autouse=True)
def venv_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Look kernels up in this environment first (not in a user's ~/.local/share/jupyter)."""
    monkeypatch.setenv("JUPYTER_PATH", str(KERNELS))
    monkeypatch.setenv("MPLBACKEND", "Agg")


def test_the_python3_kernel_is_this_python() -> None:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve())
    cmd = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert cmd[0] == sys.executable  # "python" in kernel.json is replaced by this interpreter


def test_there_are_lesson_notebooks() -> None:
    assert len(NOTEBOOKS) >= 2


def test_every_lesson_of_the_teaching_guide_has_its_notebook() -> None:
    """docs/teaching.md lists exactly the notebooks on disk, and no lesson is still to come."""
    text = (ROOT / "docs" / "teaching.md").read_text()
    rows = [r for r in text.splitlines() if re.match(r"\| \d+ \|", r)]
    listed = re.findall(r"`(notebooks/[^`]+\.ipynb)`", "\n".join(rows))
    assert sorted(listed) == [f"notebooks/{p.name}" for p in NOTEBOOKS]
    for row in rows:  # | # | lesson | scenario / tool | notebook | status |
        number, status = row.split("|")[1].strip(), row.split("|")[5].strip()
        assert status == "ready", row
        notebook = next((n for n in listed if n in row), None)
        assert notebook and Path(notebook).name.startswith(f"{int(number):02d}_"), row
    assert "coming with issue" not in text


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit notebooks without outputs"
    )
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},  # any file a cell writes lands here
        allow_errors=False,
    )
    start = time.monotonic()
    client.execute(env={**os.environ, "MPLBACKEND": "Agg"})
    took = time.monotonic() - start
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    # a generous wall-clock ceiling (shared machines are noisy) that still catches a notebook
    # whose run has grown to minutes; each takes about 5 s of CPU on an idle machine
    assert took < 3 * TIME_LIMIT_S, f"{path.name}: {took:.1f}s"

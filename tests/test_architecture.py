"""The shape of the house: layers, no import cycles, small modules, a deliberate public API.

The layer order itself lives in pyproject.toml (`[tool.importlinter]`); these tests run it,
and add what import-linter does not check: cycles between single modules, module sizes.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import networkx as nx
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent

# Modules that mirror one contract file may run to 700 lines (the guide's rule); each names
# the contract it mirrors in its docstring.
CONTRACT_MIRRORS = {
    "sim/pools/uniswap_v2/pair.py": "UniswapV2Pair",
    "sim/pools/curve/template.py": "SwapTemplateBase.vy",
    "sim/pools/uniswap_v3/core.py": "UniswapV3Pool.sol",
}
MAX_LINES, MAX_MIRROR_LINES = 400, 700


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # counts imports inside functions and under TYPE_CHECKING as well
    return grimp.build_graph("sim", "agents", include_external_packages=False)


def test_import_linter_contracts_are_kept() -> None:
    """Each layer imports only the layers below it; no cycles between sibling packages
    (the contracts in pyproject.toml; the report is printed when one breaks)."""
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_there_is_no_import_cycle_between_modules(graph: grimp.ImportGraph) -> None:
    """Not even one closed by a lazy import or a type-only import."""
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert cycles == []


def test_the_cycle_test_sees_a_lazy_import(tmp_path: Path, monkeypatch) -> None:
    """The graph counts an import inside a function, which is how cycles used to hide."""
    pkg = tmp_path / "lazypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from lazypkg import b\n")
    (pkg / "b.py").write_text("from lazypkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    g = grimp.build_graph("lazypkg", cache_dir=None)
    assert g.direct_import_exists(importer="lazypkg.a", imported="lazypkg.b")
    assert g.direct_import_exists(importer="lazypkg.b", imported="lazypkg.a")


def _modules() -> list[Path]:
    return sorted(p for d in ("sim", "agents") for p in (ROOT / d).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_modules_are_small(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    lines = len(path.read_text().splitlines())
    limit = MAX_MIRROR_LINES if rel in CONTRACT_MIRRORS else MAX_LINES
    assert lines <= limit, f"{rel}: {lines} lines (at most {limit})"


@pytest.mark.parametrize(("rel", "contract"), sorted(CONTRACT_MIRRORS.items()))
def test_contract_mirrors_name_their_contract(rel: str, contract: str) -> None:
    """The 700-line allowance is for a module that mirrors one contract file, and says which."""
    doc = re.match(r'\s*"""(.*?)"""', (ROOT / rel).read_text(), re.S)
    assert doc is not None and contract in doc.group(1)


def test_sim_all_is_the_public_api() -> None:
    """`from sim import *` gives exactly the documented names, each of them real."""
    import sim

    assert sorted(dir(sim)) == sorted(sim.__all__)
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    readme = (ROOT / "README.md").read_text()
    used = set(re.findall(r"from sim import ([\w, ]+)", readme))
    for names in used:
        for name in names.split(","):
            assert name.strip() in sim.__all__, name
    with pytest.raises(AttributeError):
        sim.not_a_public_name  # noqa: B018


def test_test_modules_have_unique_basenames() -> None:
    """pytest imports test modules by basename (rootdir mode, no __init__.py): two files of
    one name in different folders stop the whole collection."""
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []

"""Tests for sim.input_files: files a scenario names stay in folders the user chose, regular
files only, size-capped before reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.input_files import InputRoots, confine, read_input


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/scen/{a.csv, sub/b.csv, in_link -> a.csv, out_link -> ../elsewhere/x.csv}."""
    scen, elsewhere = tmp_path / "scen", tmp_path / "elsewhere"
    (scen / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (scen / "a.csv").write_text("a")
    (scen / "sub" / "b.csv").write_text("b")
    (elsewhere / "x.csv").write_text("x")
    (scen / "in_link").symlink_to(scen / "a.csv")
    (scen / "out_link").symlink_to(elsewhere / "x.csv")
    return tmp_path


def test_paths_inside_the_scenarios_folder_resolve(tree: Path) -> None:
    roots = InputRoots(tree / "scen")
    assert confine("a.csv", roots) == (tree / "scen" / "a.csv").resolve()
    assert confine("sub/../sub/b.csv", roots) == (tree / "scen" / "sub" / "b.csv").resolve()
    assert confine(str(tree / "scen" / "a.csv"), roots) == (tree / "scen" / "a.csv").resolve()
    assert confine("in_link", roots) == (tree / "scen" / "a.csv").resolve()  # link stays inside


@pytest.mark.parametrize(
    "text",
    ["../elsewhere/x.csv", "sub/../../elsewhere/x.csv", "out_link", "/etc/passwd", "/"],
)
def test_paths_leading_outside_are_refused_with_the_flag_that_allows_them(
    tree: Path, text: str
) -> None:
    roots = InputRoots(tree / "scen")
    with pytest.raises(ScenarioError, match="outside the scenario's folder") as info:
        confine(text, roots)
    target = Path(os.path.realpath(tree / "scen" / text))
    assert str(info.value).endswith(f"pass --allow-path {target.parent}")


def test_an_allowed_folder_admits_its_files(tree: Path) -> None:
    roots = InputRoots(tree / "scen", (tree / "elsewhere",))
    x = (tree / "elsewhere" / "x.csv").resolve()
    assert confine("../elsewhere/x.csv", roots) == x
    assert confine("out_link", roots) == x
    with pytest.raises(ScenarioError, match="outside"):
        confine("../elsewhere/../../x.csv", roots)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("~/x.csv", "'~' is not expanded"),
        ("~", "'~' is not expanded"),
        ("", "not a usable file path"),
        ("a\x00b.csv", "not a usable file path"),
    ],
)
def test_home_and_unusable_paths_are_refused(tree: Path, text: str, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        confine(text, InputRoots(tree / "scen"))


@pytest.mark.parametrize("text", ["/proc/self/environ", "/proc/self/mem", "/dev/zero", "/sys"])
def test_kernel_files_are_refused_even_from_an_allowed_folder(tree: Path, text: str) -> None:
    roots = InputRoots(tree / "scen", (Path("/"),))
    with pytest.raises(ScenarioError, match="kernel files are never read"):
        confine(text, roots)


def test_only_regular_files_are_read(tree: Path) -> None:
    fifo = tree / "scen" / "fifo"
    os.mkfifo(fifo)
    (tree / "scen" / "dir").mkdir()
    for path in (fifo, tree / "scen" / "dir"):  # a FIFO is refused without blocking on it
        with pytest.raises(ScenarioError, match="not a regular file"):
            read_input(path, 100)
    with pytest.raises(ScenarioError, match="does not exist"):
        read_input(tree / "scen" / "nope.csv", 100)
    assert read_input(tree / "scen" / "a.csv", 1) == b"a"


def test_files_over_the_limit_are_refused_unread(tree: Path) -> None:
    big = tree / "scen" / "big.csv"
    with big.open("wb") as f:
        f.truncate(10**12)  # 1 TB, sparse: reading it would never end
    with pytest.raises(ScenarioError, match=r"larger than 999,999,999,999 bytes"):
        read_input(big, 10**12 - 1, "price CSV")
    (tree / "scen" / "c.csv").write_bytes(b"x" * 101)
    assert len(read_input(tree / "scen" / "c.csv", 101)) == 101
    with pytest.raises(ScenarioError, match="larger than 100 bytes"):
        read_input(tree / "scen" / "c.csv", 100)

"""Scenario files on disk: the bundled ones, finding a file by path or name, and reading its TOML.

Reading never fails with a traceback: syntax, encoding, size and I/O problems are each a
`ScenarioError` naming the file.
"""

from __future__ import annotations

import difflib
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, echo


def bundled_dir() -> Path:
    """Folder of the scenarios shipped with the package."""
    return Path(str(resources.files("sim.scenarios")))


def bundled() -> dict[str, Path]:
    """Bundled scenario names and their files."""
    return {p.stem: p for p in sorted(bundled_dir().glob("*.toml"))}


def resolve_path(name_or_path: str | Path) -> Path:
    """A scenario file from a path, or from a bundled scenario's name."""
    path = Path(name_or_path)
    shown = echo(str(name_or_path))
    try:
        if path.is_file():
            return path
        exists = path.exists()
    except (OSError, ValueError) as err:  # a name too long, a NUL byte: no such file
        raise ScenarioError(f"no scenario file {shown}: {getattr(err, 'strerror', err)}") from None
    shipped = bundled()
    key = path.stem if path.suffix == ".toml" and path.parent == Path(".") else str(name_or_path)
    if key in shipped and not exists:
        return shipped[key]
    if exists:
        raise ScenarioError(f"{shown}: is not a file")
    hint = difflib.get_close_matches(str(key)[:200], shipped, n=1)
    suggest = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise ScenarioError(
        f"no scenario file {shown}{suggest}; bundled scenarios: {', '.join(shipped) or 'none'}"
    )


MAX_TOML_BYTES = 10_000_000
"""Scenario files larger than this are refused (a scenario is a few kilobytes)."""


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax and encoding errors into `ScenarioError`."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_TOML_BYTES + 1)
        if len(data) > MAX_TOML_BYTES:
            raise ScenarioError(f"{path}: larger than {MAX_TOML_BYTES:,} bytes; not a scenario")
        return tomllib.loads(data.decode("utf-8"))
    except ScenarioError:
        raise  # a ValueError too: not the digit limit below
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: invalid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: invalid TOML: nested too deeply") from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path}: not UTF-8 text: {err}") from None
    except ValueError as err:  # an integer of more digits than Python converts (4,300)
        raise ScenarioError(f"{path}: invalid TOML: {str(err).split(':')[0]}") from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read: {err.strerror}") from None

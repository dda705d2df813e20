"""The one place that asks which version of a package is installed (ours or a dependency).

Run folders, reports and sweep plans record versions; a source checkout that was never
installed has no package metadata, so a lookup says "unknown" instead of failing.
"""

from __future__ import annotations

from importlib import metadata

__all__ = ["VERSION", "version"]


def version(name: str) -> str:
    """The installed version of distribution `name`, or "unknown" if it has none."""
    try:
        found = metadata.version(name)
    except (metadata.PackageNotFoundError, ValueError):
        return "unknown"
    return found if isinstance(found, str) and found else "unknown"


VERSION = version("ammsim")
"""This package's version ("unknown" when run from a checkout that is not installed)."""

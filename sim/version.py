"""The one place that asks which versions are installed (for manifests, reports and sweeps)."""

from __future__ import annotations

from importlib import metadata


def version(name: str) -> str:
    """The installed version of distribution `name`, or "unknown" (a source checkout run
    without installing, say): recording versions must never stop a run."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


VERSION = version("ammsim")
"""ammsim's own version."""

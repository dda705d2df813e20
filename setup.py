"""Builds the optional uint256 kernels of the StableSwap hot path (everything else is in
pyproject.toml). Without a C compiler the install still succeeds and the same integers
come from Python (sim/pools/curve/stableswap.py)."""

import sys

if sys.version_info < (3, 12):  # noqa: UP036 (this file runs before Requires-Python is read)
    # pip checks an index package's Requires-Python, but not the project being installed: without
    # this, Python 3.11 fails later naming Mesa, not ammsim's own need.
    sys.exit(
        f"error: ammsim needs Python 3.12 or newer; this is Python "
        f"{sys.version.split()[0]} ({sys.executable}).\n"
        "Make the environment with a newer Python, e.g. `python3.12 -m venv .venv`, "
        "or with pyenv: `pyenv install 3.12` (the repository's .python-version selects it)."
    )

from setuptools import Extension, setup  # after the check, so 3.11 hears the real need

setup(
    ext_modules=[
        Extension(
            "sim.pools.curve._stableswap_native",
            ["sim/pools/curve/_stableswap_native.c"],
            optional=True,
        )
    ]
)

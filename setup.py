"""Builds the optional uint256 kernels of the StableSwap hot path (everything else is in
pyproject.toml). Without a C compiler the install still succeeds and the same integers
come from Python (sim/pools/curve/stableswap.py)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "sim.pools.curve._stableswap_native",
            ["sim/pools/curve/_stableswap_native.c"],
            optional=True,
        )
    ]
)

"""Reference (off-chain, CEX) prices: one module per process family and the driver that runs them.

`ReferencePrices` (`reference.py`) advances every priced asset one block at a time; the
processes are `gbm.py` (GBM, Merton jump-diffusion), `regime.py` (regime switching),
`peg.py` (Ornstein-Uhlenbeck around a peg) and `csv_replay.py` (historical prices);
`correlations.py` couples their diffusive shocks; `volatility.py` holds the time unit
and `realised_vol`.
"""

from __future__ import annotations

from sim.market.prices.correlations import Correlations
from sim.market.prices.csv_replay import CsvReplay, load_price_csv, resolve_csv_path
from sim.market.prices.gbm import GBM, JumpDiffusion
from sim.market.prices.peg import Peg
from sim.market.prices.reference import FIXED_PARAMS, PriceSpec, ReferencePrices
from sim.market.prices.regime import RegimeSwitching
from sim.market.prices.volatility import dt_years, realised_vol

__all__ = [
    "FIXED_PARAMS",
    "GBM",
    "Correlations",
    "CsvReplay",
    "JumpDiffusion",
    "Peg",
    "PriceSpec",
    "ReferencePrices",
    "RegimeSwitching",
    "dt_years",
    "load_price_csv",
    "realised_vol",
    "resolve_csv_path",
]

"""Seeded reference (off-chain, CEX) price processes, generated in vectorised chunks.

The simulator asks for every priced asset's reference price once per block, for
up to millions of blocks, so `ReferencePrices` draws `chunk` blocks at a time
with numpy and hands out plain Python floats from lists (memory stays flat).

Determinism: all randomness comes from the `rng` given to `ReferencePrices`
(one draw of 128 bits of entropy at construction). From it every asset gets its
own named sub-streams (diffusion normals, jump uniforms, jump sizes, regime
uniforms), each consuming exactly one value per block. Hence

* the same seed gives the identical path, whatever the chunk size: the draws
  do not depend on `chunk`; the path is bitwise identical for gbm,
  jump_diffusion, regime and csv, and equal up to floating-point rounding
  (~1e-12 relative) for peg, whose AR(1) recursion is vectorised per chunk;
* an asset's path does not depend on which *other* assets exist or on the
  order of `specs`, unless it is correlated with them.

Time: a year is 365 days of 86,400 s (525,600 one-minute blocks).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field, TypeAdapter, ValidationError

from sim.errors import ScenarioError
from sim.input_files import InputRoots
from sim.market.prices.correlations import Correlations
from sim.market.prices.csv_replay import CsvReplay, PriceSeries, replay_series
from sim.market.prices.gbm import GBM, PRICE_RANGE, JumpDiffusion, gbm_increments
from sim.market.prices.peg import Peg, peg_log_path
from sim.market.prices.regime import RegimeSwitching, regime_increments
from sim.market.prices.volatility import dt_years

__all__ = ["FIXED_PARAMS", "PriceSpec", "ReferencePrices"]

PriceSpec = Annotated[
    GBM | JumpDiffusion | RegimeSwitching | Peg | CsvReplay, Field(discriminator="process")
]
"""One asset's reference price process, chosen by its `process` key."""

_PRICE_SPEC: TypeAdapter[Any] = TypeAdapter(PriceSpec)


_STREAMS = {"diffusion": 1, "jump_u": 2, "jump_z": 3, "regime_u": 4}
FIXED_PARAMS = frozenset({"process", "start", "start_regime", "path", "asset"})
"""Price-process fields a `set` event cannot change mid-run: they shape the path from block 0."""


@dataclass
class _Track:
    """Generation state of one asset for the current chunk (index 0 = chunk's first block)."""

    name: str
    spec: Any
    streams: dict[str, np.random.Generator]
    log_path: np.ndarray = field(default_factory=lambda: np.zeros(1))
    arr: np.ndarray = field(default_factory=lambda: np.zeros(1))
    path: list[float] = field(default_factory=list)
    z: np.ndarray = field(default_factory=lambda: np.zeros(0))
    jump_u: np.ndarray = field(default_factory=lambda: np.zeros(0))
    jump_z: np.ndarray = field(default_factory=lambda: np.zeros(0))
    regime_u: np.ndarray = field(default_factory=lambda: np.zeros(0))
    states: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=bool))
    series: PriceSeries | None = None
    multiplier: float = 1.0


class ReferencePrices:
    """Reference prices of every priced asset, advanced one block at a time.

    `prices` maps asset -> current price (block 0 = each start) and is updated
    in place by `advance`. Shocks and parameter changes apply immediately: the
    rest of the current chunk is regenerated from the same random draws.

    A `csv` process reads its file from `base_dir` (the scenario's folder) or an `allowed`
    folder only, through `replay_series` (see `sim.input_files`).

    Cost (measured, 60 s blocks, chunk 4096): about 60-90 ns per asset-block
    to generate (mostly numpy -> Python float conversion) plus about 40-50 ns
    per asset to copy into `prices`; ~260 ns per `advance()` call with one GBM
    asset and ~750 ns with four mixed processes, loop overhead included. Memory
    is a few arrays of `chunk` floats per asset, whatever the run length.
    """

    def __init__(
        self,
        specs: Mapping[str, PriceSpec | Mapping[str, Any]],
        block_time_s: float,
        rng: np.random.Generator,
        correlations: Correlations | Mapping[str, Any] | None = None,
        base_dir: str | Path | None = None,
        chunk: int = 4096,
        allowed: Sequence[Path] = (),
    ) -> None:
        self.dt = dt_years(block_time_s)
        self.block_time_s = float(block_time_s)
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise ScenarioError(f"chunk must be a positive integer, got {chunk!r}")
        self._n = chunk
        self._block0 = -chunk  # global block of chunk index 0 (block 0 = index n until refill)
        entropy = [int(x) for x in rng.integers(0, 2**63, size=2, dtype=np.int64)]

        self._tracks: dict[str, _Track] = {}
        roots = InputRoots(Path(base_dir) if base_dir is not None else Path.cwd(), tuple(allowed))
        for name in sorted(specs):
            if not isinstance(name, str) or not name:
                raise ScenarioError(f"asset names must be non-empty strings, got {name!r}")
            spec = self._validate(name, specs[name])
            salt = zlib.crc32(name.encode())
            streams = {
                kind: np.random.Generator(
                    np.random.PCG64(np.random.SeedSequence([*entropy, salt, code]))
                )
                for kind, code in _STREAMS.items()
            }
            track = _Track(name, spec, streams)
            if isinstance(spec, CsvReplay):
                series = replay_series(spec, name, roots)
                track.series = series
                track.log_path = np.array([math.log(self._csv_price(track, 0))])
            else:
                start = spec.initial if isinstance(spec, Peg) else spec.start
                track.log_path = np.array([math.log(start)])
                track.states = np.array([getattr(spec, "start_regime", "calm") == "volatile"])
            self._tracks[name] = track

        self._diffusive = [n for n, t in self._tracks.items() if t.series is None]
        self._chol: np.ndarray | None = None
        if correlations is not None:
            corr = (
                correlations
                if isinstance(correlations, Correlations)
                else Correlations.model_validate(correlations)
            )
            self._chol = self._cholesky(corr)

        self.prices: dict[str, float] = {n: self._initial(t) for n, t in self._tracks.items()}
        self._i = self._n  # forces a refill on the first advance
        self._rows: list[tuple[str, list[float]]] = []

    # ----------------------------------------------------------------- construction helpers

    @staticmethod
    def _validate(name: str, spec: Any) -> Any:
        if isinstance(spec, GBM | JumpDiffusion | RegimeSwitching | Peg | CsvReplay):
            return spec
        try:
            return _PRICE_SPEC.validate_python(spec)
        except ValidationError as exc:
            raise ScenarioError(f"price process for {name!r} is invalid: {exc}") from exc

    def _cholesky(self, corr: Correlations) -> np.ndarray | None:
        unknown = corr.named() - set(self._tracks)
        if unknown:
            raise ScenarioError(f"correlations name unknown asset(s): {', '.join(sorted(unknown))}")
        replayed = corr.named() - set(self._diffusive)
        if replayed:
            raise ScenarioError(
                f"correlations cannot involve CSV-replayed asset(s): {', '.join(sorted(replayed))}"
            )
        matrix = corr.matrix_for(self._diffusive)
        try:
            chol = np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            low = float(np.linalg.eigvalsh(matrix).min())
            raise ScenarioError(
                f"correlation matrix over {', '.join(self._diffusive)} is not positive definite "
                f"(smallest eigenvalue {low:.3g}); use |rho| < 1 and a consistent set of pairs"
            ) from None
        return None if np.array_equal(chol, np.eye(len(self._diffusive))) else chol

    # ----------------------------------------------------------------- generation

    def _initial(self, track: _Track) -> float:
        """Block-0 price exactly as configured (not exp(log(start)))."""
        if track.series is not None:
            return self._csv_price(track, 0)
        spec = track.spec
        return float(spec.initial if isinstance(spec, Peg) else spec.start)

    def _csv_price(self, track: _Track, block: int) -> float:
        return float(self._csv_prices(track, np.array([block]))[0])

    def _csv_prices(self, track: _Track, blocks: np.ndarray) -> np.ndarray:
        series = track.series
        assert series is not None
        return series.prices_at(blocks * self.block_time_s) * track.multiplier

    def _refill(self) -> None:
        """Draw the next chunk: every stream gives exactly one value per block."""
        n = self._n
        for track in self._tracks.values():
            carry_log = float(track.log_path[-1])
            carry_state = bool(track.states[-1])
            track.log_path = np.empty(n + 1)
            track.log_path[0] = carry_log
            track.states = np.empty(n + 1, dtype=bool)
            track.states[0] = carry_state
            if track.series is not None:
                continue
            spec = track.spec
            track.z = track.streams["diffusion"].standard_normal(n)
            if isinstance(spec, JumpDiffusion):
                track.jump_u = track.streams["jump_u"].random(n)
                track.jump_z = track.streams["jump_z"].standard_normal(n)
            elif isinstance(spec, RegimeSwitching):
                track.regime_u = track.streams["regime_u"].random(n)
        if self._chol is not None:
            raw = [self._tracks[n].z for n in self._diffusive]
            for i, name in enumerate(self._diffusive):
                mixed = self._chol[i, 0] * raw[0]
                for j in range(1, i + 1):
                    mixed = mixed + self._chol[i, j] * raw[j]
                self._tracks[name].z = mixed
        self._rows = []
        self._block0 = self.block
        self._i = 0  # chunk index 0 is the current block
        for name, track in self._tracks.items():
            track.arr = np.empty(n + 1)
            track.arr[0] = self.prices[name]
            track.path = [self.prices[name]]
            self._regenerate(track, 0)
            self._rows.append((name, track.path))

    def _regenerate(self, track: _Track, i: int) -> None:
        """Recompute the chunk's blocks i+1..n from the state at block i and the stored draws."""
        dt, spec = self.dt, track.spec
        if track.series is not None:
            blocks = self._block0 + np.arange(i + 1, self._n + 1)
            new = self._csv_prices(track, blocks)
            track.arr[i + 1 :] = new
            track.path[i + 1 :] = new.tolist()
            return
        x0 = float(track.log_path[i])
        z = track.z[i:]
        if isinstance(spec, Peg):
            logs = peg_log_path(spec, dt, x0, z)
        else:
            if isinstance(spec, RegimeSwitching):
                volatile = bool(track.states[i])
                states, inc = regime_increments(spec, dt, volatile, track.regime_u[i:], z)
                track.states[i:] = states
            elif isinstance(spec, JumpDiffusion):
                inc = gbm_increments(spec, dt, z, track.jump_u[i:], track.jump_z[i:])
            else:
                inc = gbm_increments(spec, dt, z)
            inc[0] += x0  # sequential sum from the carried level: bitwise chunk-independent
            logs = np.cumsum(inc, out=inc)
        track.log_path[i + 1 :] = logs
        new = np.exp(logs)
        track.arr[i + 1 :] = new
        track.path[i + 1 :] = new.tolist()

    # ----------------------------------------------------------------- public API

    def advance(self) -> dict[str, float]:
        """Move one block forward; returns `prices` (the same dict, updated in place)."""
        i = self._i + 1
        if i > self._n:
            self._refill()
            i = 1
        self._i = i
        prices = self.prices
        for name, path in self._rows:
            prices[name] = path[i]
        return prices

    def advance_many(self, n_blocks: int) -> dict[str, np.ndarray]:
        """Move `n_blocks` forward; returns each asset's prices at the new blocks as arrays.

        Same path as calling `advance` n_blocks times, but sliced out of chunks
        (for reports, agents' look-ahead-free batch studies and tests).
        """
        if n_blocks < 0:
            raise ValueError("n_blocks must be >= 0")
        out = {name: np.empty(n_blocks) for name in self._tracks}
        pos = 0
        while pos < n_blocks:
            if self._i >= self._n:
                self._refill()
            take = min(n_blocks - pos, self._n - self._i)
            for name, track in self._tracks.items():
                out[name][pos : pos + take] = track.arr[self._i + 1 : self._i + 1 + take]
            self._i += take
            pos += take
        if n_blocks:
            for name, track in self._tracks.items():
                self.prices[name] = track.path[self._i]
        return out

    def _track(self, asset: str) -> _Track:
        try:
            return self._tracks[asset]
        except KeyError:
            raise ScenarioError(
                f"unknown priced asset {asset!r} (known: {', '.join(self._tracks)})"
            ) from None

    def _ensure_chunk(self) -> None:
        """Make the current block part of a live chunk, so edits can regenerate its tail."""
        if self._i >= self._n:
            self._refill()

    def shock(self, asset: str, factor: float) -> None:
        """Multiply `asset`'s price by `factor` now; the jump persists in the future path.

        For a peg the shock moves the level and the process then reverts toward
        the peg; for a CSV replay every later replayed price is multiplied too.
        """
        if not (math.isfinite(factor) and factor > 0):
            raise ScenarioError(f"shock factor for {asset!r} must be positive, got {factor!r}")
        track = self._track(asset)
        self._ensure_chunk()
        i = self._i
        low, high = PRICE_RANGE
        if not low <= track.arr[i] * factor <= high:
            raise ScenarioError(
                f"a shock of x{factor:g} takes {asset} from {track.arr[i]:g} to "
                f"{track.arr[i] * factor:g}, outside the prices allowed ({low:g} to {high:g})"
            )
        if track.series is not None:
            track.multiplier *= factor
        else:
            track.log_path[i] += math.log(factor)
        track.arr[i] *= factor
        track.path[i] = float(track.arr[i])
        self.prices[asset] = track.path[i]
        self._regenerate(track, i)

    def set_param(self, asset: str, name: str, value: Any) -> None:
        """Change a process parameter (e.g. sigma) immediately: the next step already uses it.

        The rest of the chunk is regenerated from the draws already taken, so
        the random stream (and the path of every other asset) is unchanged.
        `start`, `process`, `start_regime`, `path` and `asset` cannot change.
        """
        track = self._track(asset)
        if name in FIXED_PARAMS:
            raise ScenarioError(f"{asset}: {name!r} cannot change during a run")
        spec = track.spec
        if name not in type(spec).model_fields:
            settable = sorted(set(type(spec).model_fields) - FIXED_PARAMS)
            raise ScenarioError(
                f"{asset}: process {spec.process!r} has no parameter {name!r} "
                f"(settable: {', '.join(settable) or 'none'})"
            )
        try:
            track.spec = type(spec).model_validate({**spec.model_dump(), name: value})
        except ValidationError as exc:
            raise ScenarioError(f"{asset}: invalid value for {name!r}: {exc}") from exc
        self._ensure_chunk()
        self._regenerate(track, self._i)

    def regime(self, asset: str) -> str:
        """Current regime of a regime-switching asset ("calm" or "volatile")."""
        track = self._track(asset)
        if not isinstance(track.spec, RegimeSwitching):
            raise ScenarioError(f"{asset!r} is not a regime-switching process")
        idx = self._i if self._i < len(track.states) else -1
        return "volatile" if track.states[idx] else "calm"

    @property
    def block(self) -> int:
        """Number of blocks advanced so far (0 before the first `advance`)."""
        return self._block0 + self._i

    @property
    def exhausted(self) -> frozenset[str]:
        """CSV-replayed assets whose file has ended: their last price is being held."""
        now = self.block * self.block_time_s
        return frozenset(
            name
            for name, t in self._tracks.items()
            if t.series is not None and now > t.series.last_rel_time
        )

    def spec(self, asset: str) -> Any:
        """The process currently in force for `asset` (reflects `set_param`)."""
        return self._track(asset).spec

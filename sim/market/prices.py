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

import csv
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, TypeAdapter, ValidationError, model_validator

from sim.config import Spec
from sim.errors import ScenarioError
from sim.units import SECONDS_PER_YEAR


def dt_years(block_time_s: float) -> float:
    """Length of one block in years, the unit of every annualised parameter."""
    if not (math.isfinite(block_time_s) and block_time_s > 0):
        raise ScenarioError(f"block_time_s must be a positive finite number, got {block_time_s!r}")
    return block_time_s / SECONDS_PER_YEAR


def realised_vol(prices: Sequence[float], block_time_s: float) -> float:
    """Annualised volatility: sample std (ddof=1) of per-block log returns / sqrt(dt).

    Fewer than three prices (under two returns) carry no dispersion
    information, so the result is 0.0 rather than an error.
    """
    dt = dt_years(block_time_s)
    arr = np.asarray(prices, dtype=float)
    if arr.ndim != 1:
        raise ValueError("prices must be a one-dimensional sequence")
    if arr.size < 3:
        return 0.0
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError("prices must be positive and finite to take log returns")
    returns = np.diff(np.log(arr))
    return float(np.std(returns, ddof=1) / math.sqrt(dt))


# --------------------------------------------------------------------------- configuration

_START = Field(
    ge=1e-12, le=1e12, description="Price at block 0, in units of the numeraire (e.g. USDC)."
)
_SIGMA = Field(
    default=0.5,
    ge=0,
    le=20,
    description="Annualised volatility of the log price (0.5 = 50%/sqrt(year)).",
)
_DRIFT = Field(
    default=0.0,
    ge=-10,
    le=10,
    description="Annualised expected return: E[price(t)] = start * exp(drift * t_years).",
)


class GBM(Spec):
    """Geometric Brownian motion: the default model of a freely traded asset."""

    process: Literal["gbm"] = "gbm"
    start: float = _START
    sigma: float = _SIGMA
    drift: float = _DRIFT


class JumpDiffusion(Spec):
    """Merton jump-diffusion: GBM plus Poisson jumps of log-normal size (crash risk).

    The drift is compensated for the jumps, so E[price] still grows at `drift`.
    """

    process: Literal["jump_diffusion"] = "jump_diffusion"
    start: float = _START
    sigma: float = _SIGMA
    drift: float = _DRIFT
    jump_rate_per_year: float = Field(
        default=12.0, ge=0, le=10_000, description="Expected number of jumps per year."
    )
    jump_mean: float = Field(
        default=-0.02, ge=-2, le=2, description="Mean of the log jump size (-0.1 = about -9.5%)."
    )
    jump_std: float = Field(default=0.05, ge=0, le=2, description="Std-dev of the log jump size.")


class RegimeSwitching(Spec):
    """GBM whose volatility switches between a calm and a volatile regime (a Markov chain).

    Switching rates are continuous-time; per block the switch probability is
    1 - exp(-rate * dt). The regime is drawn independently of the diffusion.
    """

    process: Literal["regime"] = "regime"
    start: float = _START
    drift: float = _DRIFT
    sigma_calm: float = Field(
        default=0.4, ge=0, le=20, description="Annualised volatility in the calm regime."
    )
    sigma_volatile: float = Field(
        default=1.2, ge=0, le=20, description="Annualised volatility in the volatile regime."
    )
    switch_to_volatile_per_year: float = Field(
        default=4.0, ge=0, le=100_000, description="Rate (per year) of calm -> volatile switches."
    )
    switch_to_calm_per_year: float = Field(
        default=12.0, ge=0, le=100_000, description="Rate (per year) of volatile -> calm switches."
    )
    start_regime: Literal["calm", "volatile"] = Field(
        default="calm", description="Regime at block 0."
    )


class Peg(Spec):
    """A pegged asset (stablecoin, LST): Ornstein-Uhlenbeck on log(price / peg).

    Discretised exactly, so any block time is valid. A shock moves the level and
    the process then reverts toward the peg with the configured half-life.
    """

    process: Literal["peg"] = "peg"
    peg: float = Field(default=1.0, ge=1e-12, le=1e12, description="Peg level in numeraire units.")
    start: float | None = Field(
        default=None,
        ge=1e-12,
        le=1e12,
        description="Price at block 0 in numeraire units (default: the peg).",
    )
    sigma: float = Field(
        default=0.05,
        ge=0,
        le=20,
        description="Annualised volatility of the log deviation from the peg (innovations).",
    )
    half_life_days: float = Field(
        default=1.0,
        gt=0,
        le=36_500,
        description="Days for a deviation from the peg to halve on average.",
    )

    @property
    def initial(self) -> float:
        """Price at block 0: `start`, or the peg when unset."""
        return self.peg if self.start is None else self.start


class CsvReplay(Spec):
    """Replay historical prices from a CSV (columns timestamp, asset, price).

    Block b has time first_timestamp_in_file + b * block_time_s and takes the
    last observation at or before it. Past the last row the last price is held
    and `ReferencePrices.exhausted` names the asset.
    """

    process: Literal["csv"] = "csv"
    path: str = Field(
        min_length=1,
        description="CSV file, relative to the scenario file's directory (or absolute).",
    )
    asset: str | None = Field(
        default=None,
        min_length=1,
        description="Value of the file's `asset` column to replay (default: this asset's name).",
    )


PriceSpec = Annotated[
    GBM | JumpDiffusion | RegimeSwitching | Peg | CsvReplay, Field(discriminator="process")
]
"""One asset's reference price process, chosen by its `process` key."""

_PRICE_SPEC: TypeAdapter[Any] = TypeAdapter(PriceSpec)


class Correlations(Spec):
    """Correlation of the diffusive shocks of assets (not of jumps or regimes).

    Either pairs, written as a bare table ``{"ETH:BTC" = 0.8}`` (unlisted pairs
    are 0), or ``assets`` plus a full symmetric ``matrix`` with unit diagonal.
    """

    pairs: dict[str, float] = Field(
        default_factory=dict,
        description='Correlation per pair, keyed "A:B"; each in [-1, 1]; unlisted pairs are 0.',
    )
    assets: list[str] | None = Field(
        default=None, description="Asset order of `matrix` (required with `matrix`)."
    )
    matrix: list[list[float]] | None = Field(
        default=None, description="Full correlation matrix (symmetric, unit diagonal)."
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_pairs(cls, data: Any) -> Any:
        """Accept a bare ``{"A:B": rho}`` table as `pairs`."""
        if isinstance(data, Mapping) and data and not {"pairs", "assets", "matrix"} & set(data):
            return {"pairs": dict(data)}
        return data

    @model_validator(mode="after")
    def _check(self) -> Correlations:
        seen: dict[frozenset[str], float] = {}
        for key, rho in self.pairs.items():
            parts = key.split(":")
            if len(parts) != 2 or not all(p.strip() for p in parts):
                raise ValueError(f"correlation key {key!r} must look like 'A:B'")
            a, b = (p.strip() for p in parts)
            if a == b:
                raise ValueError(f"correlation key {key!r} pairs an asset with itself")
            if not -1 <= rho <= 1:
                raise ValueError(f"correlation {key!r} = {rho} is outside [-1, 1]")
            pair = frozenset((a, b))
            if pair in seen and seen[pair] != rho:
                raise ValueError(f"correlation for {a}/{b} is given twice with different values")
            seen[pair] = rho
        if (self.assets is None) != (self.matrix is None):
            raise ValueError("`assets` and `matrix` must be given together")
        if self.matrix is not None and self.assets is not None:
            if self.pairs:
                raise ValueError("give either `pairs` or `assets` + `matrix`, not both")
            n = len(self.assets)
            if len(set(self.assets)) != n:
                raise ValueError("`assets` has duplicates")
            m = np.asarray(self.matrix, dtype=float)
            if m.shape != (n, n):
                raise ValueError(f"`matrix` must be {n}x{n} to match `assets`")
            if not np.allclose(m, m.T, atol=1e-12):
                raise ValueError("`matrix` must be symmetric")
            if not np.allclose(np.diag(m), 1.0, atol=1e-12):
                raise ValueError("`matrix` must have 1.0 on the diagonal")
            if np.any(np.abs(m) > 1):
                raise ValueError("`matrix` entries must lie in [-1, 1]")
        return self

    def named(self) -> set[str]:
        """Every asset the correlations mention."""
        if self.assets is not None:
            return set(self.assets)
        return {p.strip() for key in self.pairs for p in key.split(":")}

    def matrix_for(self, names: Sequence[str]) -> np.ndarray:
        """Correlation matrix in the order of `names` (assets not mentioned are uncorrelated)."""
        index = {n: i for i, n in enumerate(names)}
        out = np.eye(len(names))
        if self.assets is not None and self.matrix is not None:
            for i, a in enumerate(self.assets):
                for j, b in enumerate(self.assets):
                    if a in index and b in index:
                        out[index[a], index[b]] = self.matrix[i][j]
            return out
        for key, rho in self.pairs.items():
            a, b = (p.strip() for p in key.split(":"))
            if a in index and b in index:
                out[index[a], index[b]] = out[index[b], index[a]] = rho
        return out


# --------------------------------------------------------------------------- CSV loading


@dataclass(frozen=True)
class _Series:
    """One asset's rows of a CSV: seconds since the file's first timestamp, and prices."""

    rel_times: np.ndarray
    prices: np.ndarray
    last_rel_time: float


def resolve_csv_path(path: str, base_dir: str | Path | None) -> Path:
    """Resolve a CSV path against the scenario's directory; it must be an existing regular file.

    Absolute paths and paths leaving `base_dir` (``..``) are allowed, but only
    as plain files: devices, FIFOs and directories are rejected, and the file
    is only ever parsed as CSV text.
    """
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = Path(base_dir if base_dir is not None else ".") / p
    if not p.exists():
        raise ScenarioError(f"price CSV {str(p)!r} does not exist")
    if not p.is_file():
        raise ScenarioError(f"price CSV {str(p)!r} is not a regular file")
    return p


def _parse_timestamp(text: str) -> float:
    """Unix seconds from unix seconds or ISO-8601 text (naive times are UTC)."""
    try:
        value = float(text)
    except ValueError:
        when = datetime.fromisoformat(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp()
    if not math.isfinite(value):
        raise ValueError("timestamp is not finite")
    return value


def load_price_csv(path: Path) -> dict[str, _Series]:
    """Parse a price CSV into per-asset series on the file's common clock.

    Rows may come in any order; rows with equal timestamps keep file order so
    the last one wins under last-observation-carried-forward.
    """
    name = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ScenarioError(f"price CSV {name!r} cannot be read: {exc}") from exc
    rows: dict[str, tuple[list[float], list[float]]] = {}
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise ScenarioError(f"price CSV {name!r} is empty (no header row)") from None
        except (csv.Error, UnicodeDecodeError, OSError) as exc:
            raise ScenarioError(f"price CSV {name!r}: row 1: {exc}") from exc
        columns = [h.strip().lower() for h in header]
        missing = [c for c in ("timestamp", "asset", "price") if c not in columns]
        if missing:
            raise ScenarioError(
                f"price CSV {name!r}: missing column(s) {', '.join(missing)} "
                f"(header has: {', '.join(columns) or 'nothing'})"
            )
        it, ia, ip = (columns.index(c) for c in ("timestamp", "asset", "price"))
        width = max(it, ia, ip) + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError, OSError) as exc:
                raise ScenarioError(f"price CSV {name!r}: row {reader.line_num}: {exc}") from exc
            if not any(cell.strip() for cell in row):
                continue
            where = f"price CSV {name!r}: row {reader.line_num}"
            if len(row) < width:
                raise ScenarioError(f"{where}: expected at least {width} fields, got {len(row)}")
            ts_text, asset, price_text = row[it].strip(), row[ia].strip(), row[ip].strip()
            try:
                ts = _parse_timestamp(ts_text)
            except ValueError:
                raise ScenarioError(
                    f"{where}: cannot parse timestamp {ts_text!r} (ISO-8601 or unix seconds)"
                ) from None
            try:
                price = float(price_text)
            except ValueError:
                raise ScenarioError(f"{where}: cannot parse price {price_text!r}") from None
            if not (math.isfinite(price) and price > 0):
                raise ScenarioError(f"{where}: price must be positive and finite, got {price_text}")
            if not asset:
                raise ScenarioError(f"{where}: empty asset")
            times, prices = rows.setdefault(asset, ([], []))
            times.append(ts)
            prices.append(price)
    if not rows:
        raise ScenarioError(f"price CSV {name!r} has a header but no data rows")
    t0 = min(min(times) for times, _ in rows.values())
    out: dict[str, _Series] = {}
    for asset, (times, prices) in rows.items():
        t = np.asarray(times) - t0
        order = np.argsort(t, kind="stable")
        rel = t[order]
        out[asset] = _Series(rel, np.asarray(prices)[order], float(rel[-1]))
    return out


# --------------------------------------------------------------------------- engine helpers


def _poisson_counts(u: np.ndarray, lam: float) -> np.ndarray:
    """Poisson(lam) counts by inverting the CDF at uniforms `u`.

    Inversion (rather than rng.poisson) makes the count a pure function of one
    uniform per block, so a rate change can be replayed on the same draws.
    """
    if lam <= 0:
        return np.zeros(u.shape, dtype=np.int64)
    kmax = int(lam + 12 * math.sqrt(lam) + 20)
    k = np.arange(kmax + 1)
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, kmax + 1)))))
    cdf = np.cumsum(np.exp(-lam + k * math.log(lam) - log_fact))
    return np.minimum(np.searchsorted(cdf, u, side="right"), kmax)


def _regime_states(volatile0: bool, u: np.ndarray, p_up: float, p_down: float) -> np.ndarray:
    """Regime at each of len(u)+1 blocks: state k drives step k; u[k] decides state k+1."""
    n = u.size
    states = np.empty(n + 1, dtype=bool)
    up = np.flatnonzero(u < p_up)
    down = np.flatnonzero(u < p_down)
    pos, state = 0, volatile0
    while pos < n:
        events = down if state else up
        k = int(np.searchsorted(events, pos))
        if k == events.size:
            states[pos:] = state
            return states
        j = int(events[k])
        states[pos : j + 1] = state
        state = not state
        pos = j + 1
    states[n] = state
    return states


def _ar1(x0: float, phi: float, eps: np.ndarray) -> np.ndarray:
    """x[k+1] = phi * x[k] + eps[k] for k = 0..n-1, vectorised; returns x[1..n].

    Uses x[k] = phi^k (x0 + sum_j eps[j] phi^-(j+1)) over sub-blocks short
    enough that phi^-len stays below e^300.
    """
    n = eps.size
    out = np.empty(n)
    if n == 0:
        return out
    decay = -math.log(phi) if phi > 0 else math.inf
    if decay > 40:  # phi < 4e-18: the past is below rounding of a fresh innovation
        out[:] = eps
        out[0] += phi * x0
        return out
    step = n if decay == 0 else max(1, min(n, int(300 / decay)))
    powers = np.exp(-decay * np.arange(1, step + 1))
    pos, x = 0, x0
    while pos < n:
        e = eps[pos : pos + step]
        pw = powers[: e.size]
        out[pos : pos + e.size] = pw * (x + np.cumsum(e / pw))
        x = float(out[pos + e.size - 1])
        pos += e.size
    return out


_STREAMS = {"diffusion": 1, "jump_u": 2, "jump_z": 3, "regime_u": 4}
_FIXED_FIELDS = {"process", "start", "start_regime", "path", "asset"}


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
    series: _Series | None = None
    multiplier: float = 1.0


class ReferencePrices:
    """Reference prices of every priced asset, advanced one block at a time.

    `prices` maps asset -> current price (block 0 = each start) and is updated
    in place by `advance`. Shocks and parameter changes apply immediately: the
    rest of the current chunk is regenerated from the same random draws.

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
    ) -> None:
        self.dt = dt_years(block_time_s)
        self.block_time_s = float(block_time_s)
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise ScenarioError(f"chunk must be a positive integer, got {chunk!r}")
        self._n = chunk
        self._block0 = -chunk  # global block of chunk index 0 (block 0 = index n until refill)
        entropy = [int(x) for x in rng.integers(0, 2**63, size=2, dtype=np.int64)]

        self._tracks: dict[str, _Track] = {}
        csv_cache: dict[Path, dict[str, _Series]] = {}
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
                where = resolve_csv_path(spec.path, base_dir).resolve()
                if where not in csv_cache:
                    csv_cache[where] = load_price_csv(where)
                key = spec.asset or name
                table = csv_cache[where]
                if key not in table:
                    raise ScenarioError(
                        f"price CSV {str(where)!r} has no rows for asset {key!r} "
                        f"(assets in file: {', '.join(sorted(table))})"
                    )
                series = table[key]
                if series.rel_times[0] > 0:
                    raise ScenarioError(
                        f"price CSV {str(where)!r}: asset {key!r} has no price at the file's "
                        "first timestamp, where the replay starts"
                    )
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
        idx = np.searchsorted(series.rel_times, blocks * self.block_time_s, side="right") - 1
        return series.prices[np.maximum(idx, 0)] * track.multiplier

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
            theta = math.log(2) / (spec.half_life_days / 365)
            phi = math.exp(-theta * dt)
            scale = spec.sigma * math.sqrt(-math.expm1(-2 * theta * dt) / (2 * theta))
            log_peg = math.log(spec.peg)
            logs = log_peg + _ar1(x0 - log_peg, phi, scale * z)
        else:
            if isinstance(spec, RegimeSwitching):
                p_up = -math.expm1(-spec.switch_to_volatile_per_year * dt)
                p_down = -math.expm1(-spec.switch_to_calm_per_year * dt)
                states = _regime_states(bool(track.states[i]), track.regime_u[i:], p_up, p_down)
                track.states[i:] = states
                sigma = np.where(states[:-1], spec.sigma_volatile, spec.sigma_calm)
                inc = (spec.drift - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * z
            else:
                mu = spec.drift - 0.5 * spec.sigma**2
                inc_parts = spec.sigma * math.sqrt(dt) * z
                if isinstance(spec, JumpDiffusion):
                    kappa = math.expm1(spec.jump_mean + 0.5 * spec.jump_std**2)
                    mu -= spec.jump_rate_per_year * kappa
                    counts = _poisson_counts(track.jump_u[i:], spec.jump_rate_per_year * dt)
                    inc_parts = inc_parts + (
                        counts * spec.jump_mean + np.sqrt(counts) * spec.jump_std * track.jump_z[i:]
                    )
                inc = mu * dt + inc_parts
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
        if name in _FIXED_FIELDS:
            raise ScenarioError(f"{asset}: {name!r} cannot change during a run")
        spec = track.spec
        if name not in type(spec).model_fields:
            settable = sorted(set(type(spec).model_fields) - _FIXED_FIELDS)
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

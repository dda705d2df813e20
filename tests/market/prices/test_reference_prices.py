"""Reference price processes: statistics match their parameters, paths are reproducible.

Statistical checks use 4 standard errors, derived from the sample size in
each test, so a correct implementation fails about once in 15,000 runs per
check, and every seed is fixed so the suite is deterministic anyway.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from sim.errors import ScenarioError
from sim.market.prices import (
    GBM,
    Correlations,
    CsvReplay,
    JumpDiffusion,
    Peg,
    PriceSpec,
    ReferencePrices,
    RegimeSwitching,
    dt_years,
    realised_vol,
)

HOUR = 3600.0
DAY = 86_400.0


def engine(specs: dict, block_time_s: float = 60.0, seed: int = 1, **kw: object) -> ReferencePrices:
    return ReferencePrices(specs, block_time_s, np.random.default_rng(seed), **kw)


def path(specs: dict, n: int, block_time_s: float = 60.0, seed: int = 1, **kw: object) -> dict:
    """Prices at blocks 0..n for each asset."""
    rp = engine(specs, block_time_s, seed, **kw)
    start = dict(rp.prices)
    out = rp.advance_many(n)
    return {a: np.concatenate(([start[a]], out[a])) for a in out}


# --------------------------------------------------------------------------- helpers


def test_realised_vol_recovers_sigma_and_handles_edges() -> None:
    n = 50_000
    prices = path({"A": GBM(start=100, sigma=0.7, drift=0.2)}, n, block_time_s=HOUR)["A"]
    se = 0.7 / math.sqrt(2 * n)  # std error of a sample std-dev of normals
    assert abs(realised_vol(prices, HOUR) - 0.7) < 4 * se
    growth = 100 * np.exp(0.01 * np.arange(10))  # constant log return: no dispersion
    assert realised_vol(growth, HOUR) == pytest.approx(0.0, abs=1e-9)
    assert realised_vol([1.0, 2.0], HOUR) == 0.0
    with pytest.raises(ValueError):
        realised_vol([1.0, 0.0, 2.0], HOUR)


# --------------------------------------------------------------------------- statistics


def test_gbm_log_returns_have_configured_variance_and_mean() -> None:
    n, sigma, drift = 200_000, 0.8, 0.3
    dt = dt_years(HOUR)
    r = np.diff(np.log(path({"A": GBM(start=50, sigma=sigma, drift=drift)}, n, HOUR)["A"]))
    var = sigma**2 * dt
    assert abs(r.var(ddof=1) / var - 1) < 4 * math.sqrt(2 / (n - 1))
    mean = (drift - sigma**2 / 2) * dt
    assert abs(r.mean() - mean) < 4 * sigma * math.sqrt(dt / n)


@pytest.mark.parametrize(
    "spec",
    [
        GBM(start=10, sigma=0.8, drift=0.3),
        JumpDiffusion(
            start=10, sigma=0.5, drift=0.3, jump_rate_per_year=20, jump_mean=-0.1, jump_std=0.1
        ),
    ],
    ids=["gbm", "jump_diffusion"],
)
def test_expected_price_grows_at_drift(spec: GBM | JumpDiffusion) -> None:
    # Many independent assets in one engine = many independent one-year paths.
    m = 3000
    rp = engine({f"A{i}": spec for i in range(m)}, DAY, seed=7, chunk=365)
    rp.advance_many(365)
    final = np.array(list(rp.prices.values())) / spec.start
    t = 1.0  # years
    se = final.std(ddof=1) / math.sqrt(m)
    assert abs(final.mean() - math.exp(spec.drift * t)) < 4 * se
    # Without the Ito / jump compensation the mean would be off by far more than 4 se.
    assert 4 * se < 0.15


def test_jump_frequency_and_size_match() -> None:
    n, rate, jm, js = 200_000, 50.0, -0.05, 0.02
    spec = JumpDiffusion(
        start=1, sigma=0, drift=0, jump_rate_per_year=rate, jump_mean=jm, jump_std=js
    )
    r = np.diff(np.log(path({"A": spec}, n, HOUR)["A"]))
    lam = rate * dt_years(HOUR)
    base = -rate * math.expm1(jm + js**2 / 2) * dt_years(HOUR)  # compensator, no diffusion
    jumps = r[np.abs(r - base) > 1e-9] - base
    p = -math.expm1(-lam)
    assert abs(jumps.size - n * p) < 4 * math.sqrt(n * p * (1 - p))
    # Nearly all jump blocks hold one jump: mean size ~ jump_mean.
    assert abs(jumps.mean() - jm) < 4 * js / math.sqrt(jumps.size) + 2 * lam * abs(jm)


def test_many_jumps_per_block_sum_as_compound_poisson() -> None:
    # lam = 2 jumps per block: checks the Poisson counts and the sum of several jumps.
    n, jm, js = 50_000, 0.01, 0.02
    rate = 2.0 * 365
    spec = JumpDiffusion(
        start=1, sigma=0, drift=0, jump_rate_per_year=rate, jump_mean=jm, jump_std=js
    )
    r = np.diff(np.log(path({"A": spec}, n + 1, DAY)["A"][1:]))
    lam = 2.0
    base = -rate * math.expm1(jm + js**2 / 2) * dt_years(DAY)
    jumps = r - base
    p0 = math.exp(-lam)
    quiet = np.mean(np.abs(jumps) < 1e-12)
    assert abs(quiet - p0) < 4 * math.sqrt(p0 * (1 - p0) / n)
    var = lam * (jm**2 + js**2)
    m4 = lam * (jm**4 + 6 * jm**2 * js**2 + 3 * js**4) + 3 * var**2  # 4th central moment
    assert abs(jumps.var() - var) < 4 * math.sqrt((m4 - var**2) / n)
    assert abs(jumps.mean() - lam * jm) < 4 * math.sqrt(var / n)


def test_regime_switching_time_fractions() -> None:
    n = 200_000
    up, down = 200.0, 600.0
    spec = RegimeSwitching(
        start=5,
        drift=0,
        sigma_calm=0,  # calm blocks have exactly zero return: the regime is observable
        sigma_volatile=1.0,
        switch_to_volatile_per_year=up,
        switch_to_calm_per_year=down,
    )
    r = np.diff(np.log(path({"A": spec}, n + 1, HOUR)["A"][1:]))  # from block 1: see below
    dt = dt_years(HOUR)
    p_up, p_down = -math.expm1(-up * dt), -math.expm1(-down * dt)
    pi = p_up / (p_up + p_down)  # stationary share of volatile blocks (discrete chain)
    lam = 1 - p_up - p_down  # autocorrelation of the chain inflates the variance
    se = math.sqrt(pi * (1 - pi) * (1 + lam) / (1 - lam) / n)
    assert abs(np.mean(r != 0) - pi) < 4 * se
    volatile = r[r != 0]
    assert abs(volatile.std() / math.sqrt(dt) - 1.0) < 4 / math.sqrt(2 * volatile.size)


def test_regime_getter_matches_the_returns_and_start_regime() -> None:
    spec = RegimeSwitching(
        start=5,
        drift=0,
        sigma_calm=0,
        sigma_volatile=1.0,
        switch_to_volatile_per_year=300,
        switch_to_calm_per_year=300,
        start_regime="volatile",
    )
    rp = engine({"A": spec}, HOUR, chunk=100)
    assert rp.regime("A") == "volatile"
    seen = set()
    for _ in range(3000):
        before, regime = rp.prices["A"], rp.regime("A")
        after = rp.advance()["A"]
        if rp.block > 1:  # block 0 -> 1 may differ by rounding of exp(log(start))
            assert (after != before) == (regime == "volatile")
        seen.add(regime)
    assert seen == {"calm", "volatile"}
    frozen = spec.model_copy(update={"switch_to_volatile_per_year": 0, "start_regime": "calm"})
    calm = path({"A": frozen}, 500, HOUR)["A"]
    # Block 0 is exactly `start`; later blocks are exp(log(start)) (equal up to rounding).
    assert calm[1] == pytest.approx(5.0, rel=1e-15)
    assert np.all(np.diff(calm[1:]) == 0)


def test_peg_mean_reverts_with_configured_half_life() -> None:
    n, hl_days, sigma = 200_000, 0.1, 0.05
    x = np.log(path({"S": Peg(peg=1.0, sigma=sigma, half_life_days=hl_days)}, n)["S"])
    phi = 2 ** (-60 / (hl_days * DAY))
    phi_hat = float(x[1:] @ x[:-1] / (x[:-1] @ x[:-1]))
    assert abs(phi_hat - phi) < 4 * math.sqrt((1 - phi**2) / n)
    theta = math.log(2) / (hl_days / 365)
    innov = sigma * math.sqrt((1 - phi**2) / (2 * theta))
    resid = x[1:] - phi * x[:-1]
    assert abs(resid.std() / innov - 1) < 4 * math.sqrt(1 / (2 * n))


def test_peg_shock_decays_by_half_each_half_life() -> None:
    rp = engine({"S": Peg(peg=2.0, sigma=0, half_life_days=1)}, HOUR, chunk=10)
    assert rp.prices["S"] == 2.0
    rp.shock("S", 0.9)
    assert rp.prices["S"] == pytest.approx(1.8, rel=1e-15)
    out = rp.advance_many(48)["S"]  # 24 one-hour blocks per half-life
    assert math.log(out[23] / 2.0) == pytest.approx(0.5 * math.log(0.9), rel=1e-9)
    assert math.log(out[47] / 2.0) == pytest.approx(0.25 * math.log(0.9), rel=1e-9)


def test_correlated_assets_show_configured_correlation() -> None:
    n, rho = 100_000, 0.8
    specs = {
        "ETH": GBM(start=3000, sigma=0.8),
        "BTC": GBM(start=60000, sigma=0.6),
        "SOL": GBM(start=150, sigma=1.0),
    }
    p = path(specs, n, correlations={"ETH:BTC": rho})
    r = {a: np.diff(np.log(v)) for a, v in p.items()}
    assert abs(np.corrcoef(r["ETH"], r["BTC"])[0, 1] - rho) < 4 * (1 - rho**2) / math.sqrt(n)
    assert abs(np.corrcoef(r["ETH"], r["SOL"])[0, 1]) < 4 / math.sqrt(n)
    # Correlation must not change each asset's own volatility.
    assert abs(r["BTC"].std() / math.sqrt(dt_years(60)) / 0.6 - 1) < 4 / math.sqrt(2 * n)
    # The matrix form is the same specification.
    matrix = Correlations(
        assets=["BTC", "ETH"], matrix=[[1.0, rho], [rho, 1.0]]
    )  # order differs on purpose
    q = path(specs, 1000, correlations=matrix)
    for a in specs:
        np.testing.assert_array_equal(p[a][:1001], q[a])


def test_negative_correlation() -> None:
    n, rho = 50_000, -0.5
    p = path({"A": GBM(start=1), "B": GBM(start=1)}, n, correlations={"B:A": rho})
    c = np.corrcoef(np.diff(np.log(p["A"])), np.diff(np.log(p["B"])))[0, 1]
    assert abs(c - rho) < 4 * (1 - rho**2) / math.sqrt(n)


def test_bad_correlations_are_scenario_errors(tmp_path: Path) -> None:
    specs = {"A": GBM(start=1), "B": GBM(start=1), "C": GBM(start=1)}
    with pytest.raises(ScenarioError, match="positive definite"):
        engine(specs, correlations={"A:B": 0.9, "B:C": 0.9, "A:C": -0.9})
    with pytest.raises(ScenarioError, match="positive definite"):
        engine(specs, correlations={"A:B": 1.0})
    with pytest.raises(ScenarioError, match="unknown asset"):
        engine(specs, correlations={"A:Z": 0.5})
    (tmp_path / "p.csv").write_text("timestamp,asset,price\n0,C,1\n")
    mixed = {"A": GBM(start=1), "C": CsvReplay(path="p.csv")}
    with pytest.raises(ScenarioError, match="CSV"):
        engine(mixed, base_dir=tmp_path, correlations={"A:C": 0.5})
    for bad in ({"A:B": 1.5}, {"AB": 0.5}, {"A:A": 0.5}, {"A:B": 0.5, "B:A": 0.4}):
        with pytest.raises(ValidationError):
            Correlations.model_validate(bad)
    with pytest.raises(ValidationError, match="symmetric"):
        Correlations(assets=["A", "B"], matrix=[[1, 0.5], [0.4, 1]])
    with pytest.raises(ValidationError, match="diagonal"):
        Correlations(assets=["A", "B"], matrix=[[1, 0.5], [0.5, 0.9]])


# --------------------------------------------------------------------------- reproducibility

ALL = {
    "ETH": GBM(start=3000, sigma=0.8, drift=0.1),
    "BTC": JumpDiffusion(start=60000, jump_rate_per_year=2000),
    "SOL": RegimeSwitching(start=150, switch_to_volatile_per_year=500, switch_to_calm_per_year=500),
    "USDT": Peg(sigma=0.1, half_life_days=0.5),
}
CORR = {"ETH:BTC": 0.7, "SOL:ETH": 0.3}


def test_same_seed_same_path_different_seed_different() -> None:
    a = path(ALL, 5000, seed=3, correlations=CORR)
    b = path(ALL, 5000, seed=3, correlations=CORR)
    c = path(ALL, 5000, seed=4, correlations=CORR)
    for k in ALL:
        np.testing.assert_array_equal(a[k], b[k])
        assert not np.any(a[k][1:] == c[k][1:])


@pytest.mark.parametrize("chunk", [1, 7, 1000, 5000])
def test_chunk_size_does_not_change_the_path(chunk: int) -> None:
    ref = path(ALL, 5000, seed=3, correlations=CORR)
    rp = engine(ALL, seed=3, correlations=CORR, chunk=chunk)
    steps = [dict(rp.advance()) for _ in range(5000)]
    for k in ALL:
        got = np.array([ref[k][0]] + [s[k] for s in steps])
        if k == "USDT":  # AR(1) vectorised per chunk: equal up to rounding
            np.testing.assert_allclose(got, ref[k], rtol=1e-12)
        else:
            np.testing.assert_array_equal(got, ref[k])


def test_paths_ignore_spec_order_and_unrelated_assets() -> None:
    ref = path({"ETH": ALL["ETH"], "BTC": ALL["BTC"]}, 3000, seed=9)
    more = path({"ZZZ": GBM(start=1), "BTC": ALL["BTC"], "ETH": ALL["ETH"]}, 3000, seed=9)
    for k in ("ETH", "BTC"):
        np.testing.assert_array_equal(ref[k], more[k])


def test_advance_returns_the_same_dict_updated_in_place() -> None:
    rp = engine({"ETH": GBM(start=3000)})
    prices = rp.prices
    assert prices == {"ETH": 3000.0}
    out = rp.advance()
    assert out is prices and prices["ETH"] != 3000.0 and type(prices["ETH"]) is float
    assert rp.block == 1


# --------------------------------------------------------------------------- shocks, parameters


def test_shock_multiplies_now_and_persists() -> None:
    specs = {"ETH": GBM(start=3000, sigma=0.8), "BTC": JumpDiffusion(start=60000)}
    ref = path(specs, 300, seed=5)
    rp = engine(specs, seed=5, chunk=64)
    rp.advance_many(100)
    rp.shock("ETH", 0.5)
    assert rp.prices["ETH"] == pytest.approx(0.5 * ref["ETH"][100], rel=1e-12)
    out = rp.advance_many(200)
    np.testing.assert_allclose(out["ETH"], 0.5 * ref["ETH"][101:], rtol=1e-12)
    np.testing.assert_array_equal(out["BTC"], ref["BTC"][101:])  # others untouched
    with pytest.raises(ScenarioError):
        rp.shock("ETH", 0.0)
    with pytest.raises(ScenarioError, match="unknown"):
        rp.shock("DOGE", 2.0)


def test_set_param_takes_effect_on_the_next_block() -> None:
    specs = {"ETH": GBM(start=3000, sigma=0.8, drift=0.0), "BTC": GBM(start=60000)}
    ref = path(specs, 300, seed=5)
    rp = engine(specs, seed=5, chunk=64)
    rp.advance_many(100)
    rp.set_param("ETH", "sigma", 0.0)
    out = rp.advance_many(200)
    assert np.all(out["ETH"] == pytest.approx(ref["ETH"][100], rel=1e-12))  # no more moves
    np.testing.assert_array_equal(out["BTC"], ref["BTC"][101:])
    assert rp.spec("ETH").sigma == 0.0


def test_set_param_before_start_equals_configuring_it() -> None:
    rp = engine({"ETH": GBM(start=3000, sigma=0.2)}, seed=2)
    rp.set_param("ETH", "sigma", 0.9)
    got = rp.advance_many(500)["ETH"]
    want = path({"ETH": GBM(start=3000, sigma=0.9)}, 500, seed=2)["ETH"][1:]
    np.testing.assert_array_equal(got, want)


def test_set_param_rejects_bad_changes() -> None:
    rp = engine({"ETH": GBM(start=3000)})
    with pytest.raises(ScenarioError, match="sigma"):
        rp.set_param("ETH", "sigma", -1.0)
    with pytest.raises(ScenarioError, match="no parameter"):
        rp.set_param("ETH", "jump_rate_per_year", 3.0)
    with pytest.raises(ScenarioError, match="cannot change"):
        rp.set_param("ETH", "start", 1.0)
    assert rp.spec("ETH").sigma == 0.5  # unchanged after the failed calls


# --------------------------------------------------------------------------- CSV replay

CSV = """timestamp,asset,price
2024-01-01T00:00:00Z,ETH,100
2024-01-01T00:05:00Z,ETH,120
1704067350,ETH,110
2024-01-01T00:00:00,BTC,1000
2024-01-01T00:01:00+00:00,BTC,1005
2024-01-01T00:01:00+00:00,BTC,1010
"""


def test_csv_replay_resamples_by_last_observation(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "px.csv").write_text(CSV)
    specs = {
        "ETH": CsvReplay(path="data/px.csv"),
        "WBTC": CsvReplay(path="data/px.csv", asset="BTC"),
    }
    rp = engine(specs, 60, base_dir=tmp_path, chunk=4)
    eth, btc, ended = [rp.prices["ETH"]], [rp.prices["WBTC"]], [rp.exhausted]
    for _ in range(7):
        rp.advance()
        eth.append(rp.prices["ETH"])
        btc.append(rp.prices["WBTC"])
        ended.append(rp.exhausted)
    # blocks at 0, 60, ..., 420 s; ETH rows at 0, 150 (unix), 300 s; BTC at 0, 60 (dup: last wins)
    assert eth == [100, 100, 100, 110, 110, 120, 120, 120]
    assert btc == [1000, 1010, 1010, 1010, 1010, 1010, 1010, 1010]
    assert ended[1] == frozenset() and ended[2] == {"WBTC"}
    assert ended[5] == {"WBTC"} and ended[6] == {"ETH", "WBTC"}


def test_csv_shock_scales_replayed_prices(tmp_path: Path) -> None:
    (tmp_path / "px.csv").write_text(CSV)
    rp = engine({"ETH": CsvReplay(path="px.csv")}, 60, base_dir=tmp_path)
    rp.advance()
    rp.shock("ETH", 2.0)
    assert rp.prices["ETH"] == 200.0
    assert rp.advance_many(5)["ETH"].tolist() == [200, 220, 220, 240, 240]


def test_csv_paths_stay_inside_base_dir_unless_a_folder_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "px.csv").write_text(CSV)
    sub = tmp_path / "scenarios"
    sub.mkdir()
    for outside in ("../px.csv", str(tmp_path / "px.csv")):
        with pytest.raises(ScenarioError, match="outside the scenario's folder"):
            engine({"ETH": CsvReplay(path=outside)}, 60, base_dir=sub)
        rp = engine({"ETH": CsvReplay(path=outside)}, 60, base_dir=sub, allowed=[tmp_path])
        assert rp.prices["ETH"] == 100.0
    with pytest.raises(ScenarioError, match="not a regular file"):
        engine({"ETH": CsvReplay(path="..")}, 60, base_dir=sub, allowed=[tmp_path])
    with pytest.raises(ScenarioError, match=r"nope\.csv.*does not exist"):
        engine({"ETH": CsvReplay(path="nope.csv")}, 60, base_dir=sub)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("timestamp,asset\n0,ETH\n", "lacks column.s. price; expected columns timestamp"),
        ("", "empty"),
        ("timestamp,asset,price\n", "no data rows"),
        ("timestamp,asset,price\n0,ETH,1\nyesterday,ETH,2\n", "row 3: the timestamp is neither"),
        ("timestamp,asset,price\n0,ETH,1\n60,ETH,abc\n", "row 3: the price is not a number"),
        ("timestamp,asset,price\n0,ETH,1\n60,ETH,0\n", "row 3.*positive"),
        ("timestamp,asset,price\n0,ETH,1\n60,ETH,-5\n", "row 3.*positive"),
        ("timestamp,asset,price\n0,ETH,1\n60,ETH,nan\n", "row 3.*positive"),
        ("timestamp,asset,price\n0,ETH,1\n60,ETH\n", "row 3.*fields"),
        ("timestamp,asset,price\n0,BTC,1\n", "no rows whose asset column is 'ETH'"),
        ("timestamp,asset,price\n0,BTC,1\n60,ETH,1\n", "first timestamp"),
    ],
)
def test_bad_csv_names_file_and_row(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(ScenarioError, match=match) as info:
        engine({"ETH": CsvReplay(path="bad.csv")}, 60, base_dir=tmp_path)
    assert "bad.csv" in str(info.value)
    for cell in ("yesterday", "abc", "BTC"):  # the file's own text is never repeated
        assert cell not in str(info.value)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "bad",
    [
        {"process": "gbm", "start": 0},
        {"process": "gbm", "start": -1},
        {"process": "gbm", "start": math.nan},
        {"process": "gbm", "start": math.inf},
        {"process": "gbm", "start": 1, "sigma": -0.1},
        {"process": "gbm", "start": 1, "sigma": 21},
        {"process": "gbm", "start": 1, "sigma": math.nan},
        {"process": "gbm", "start": 1, "volatility": 0.5},
        {"process": "jump_diffusion", "start": 1, "jump_std": -1},
        {"process": "jump_diffusion", "start": 1, "jump_rate_per_year": -1},
        {"process": "regime", "start": 1, "sigma_calm": -1},
        {"process": "regime", "start": 1, "start_regime": "panic"},
        {"process": "peg", "half_life_days": 0},
        {"process": "peg", "start": 0},
        {"process": "csv", "path": ""},
        {"process": "brownian", "start": 1},
    ],
)
def test_invalid_specs_are_rejected(bad: dict) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(PriceSpec).validate_python(bad)


def test_dict_specs_dispatch_on_process_and_errors_name_the_asset() -> None:
    rp = engine({"USDC": {"process": "peg", "sigma": 0.0}, "ETH": {"process": "gbm", "start": 3}})
    assert isinstance(rp.spec("USDC"), Peg) and isinstance(rp.spec("ETH"), GBM)
    assert rp.prices == {"ETH": 3.0, "USDC": 1.0}
    with pytest.raises(ScenarioError, match="'ETH'"):
        engine({"ETH": {"process": "gbm", "start": -3}})

"""figure.png and the report's figures: every panel readable and none empty, the layout follows
the scenario's mechanisms, and a rug pull does not read as LPs gaining. Checked on the
matplotlib Figure objects (their lines, bars and titles), not on pixels."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim import run
from sim.report import figures as report
from sim.report.html_figures import detail_figure, lending_figure, mining_figure
from sim.report.plotting import READABLE_RATIO, magnitude_groups, plt
from sim.report.result import RunResult

# ---- reading a Figure ----------------------------------------------------------------------


def data_lines(ax: Axes) -> list[Any]:
    """Lines drawn in data coordinates (not the 0 line, the HF=1 line or a rug marker)."""
    return [ln for ln in ax.lines if ln.get_transform() == ax.transData]


def drawn_values(ax: Axes) -> list[np.ndarray]:
    """The y data of every line, bar and scatter of an axes, as float arrays."""
    out = [np.asarray(ln.get_ydata(), dtype=float) for ln in data_lines(ax)]
    out += [np.array([p.get_height()], dtype=float) for p in ax.patches if hasattr(p, "get_height")]
    out += [np.asarray(c.get_offsets(), dtype=float)[:, 1] for c in ax.collections]
    return out


def assert_no_empty_axes(fig: Figure) -> None:
    """Each axes shows finite data, and not only zeros."""
    assert fig.axes, "a figure without panels"
    for ax in fig.axes:
        values = [v[np.isfinite(v)] for v in drawn_values(ax)]
        finite = [v for v in values if v.size]
        assert finite, f"empty panel: {ax.get_title()!r}"
        assert any(np.any(v != 0) for v in finite), f"all-zero panel: {ax.get_title()!r}"


def titles(fig: Figure) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def line(fig: Figure, label: str) -> Any:
    """The one line whose label starts with `label`."""
    found = [ln for ax in fig.axes for ln in ax.lines if str(ln.get_label()).startswith(label)]
    assert len(found) == 1, [str(ln.get_label()) for ax in fig.axes for ln in ax.lines]
    return found[0]


# ---- a synthetic run: three pools of very different price, one of them never traded -------

DAYS = np.linspace(0.0, 1.0, 51)


def _pool(name: str, tokens: tuple[str, str], price: np.ndarray, traded: bool) -> dict[str, Any]:
    n = len(price)
    v = 1.0 + (0.002 * np.linspace(0, 1, n) if traded else 0.0)
    return {
        f"{name}.price": price,
        f"{name}.ref_price": price * (1 + 0.001 * np.sin(np.arange(n))),
        f"{name}.reserve.{tokens[0]}": np.full(n, 100.0) + (np.arange(n) if traded else 0),
        f"{name}.reserve.{tokens[1]}": np.full(n, 100.0),
        f"{name}.tvl": np.full(n, 1e6),
        f"{name}.fees": np.linspace(0, 500 if traded else 0, n),
        f"{name}.lvr": np.linspace(0, 100 if traded else 0, n),
        f"{name}.lp_value_per_share": np.full(n, 1.0) * v,
        f"{name}.hodl_value_per_share": np.full(n, 1.0),
    }


def synthetic(*, lending: bool = False) -> pd.DataFrame:
    ramp = np.linspace(1, 1.1, len(DAYS))
    cols: dict[str, Any] = {"block": np.arange(len(DAYS)) * 10, "time_days": DAYS}
    cols |= _pool("eth_usdc", ("ETH", "USDC"), 3000.0 * ramp, traded=True)
    cols |= _pool("farm_eth", ("FARM", "ETH"), 1.7e-4 / ramp, traded=True)
    cols |= _pool("scam_eth", ("SCAM", "ETH"), 1.6e-6 * ramp**20, traded=False)
    if lending:
        cols |= {
            "lending.aave.min_hf": np.full(len(DAYS), 1.04),
            "lending.aave.liquidations": np.zeros(len(DAYS)),
            "lending.aave.borrow_rate.ETH": np.full(len(DAYS), 0.022),
            "lending.aave.utilization.ETH": np.full(len(DAYS), 0.8),
        }
    return pd.DataFrame(cols)


SUMMARY = {"scenario": "synthetic", "seed": 1, "numeraire": "USDC"}


def price_owner(ts: pd.DataFrame, values: np.ndarray) -> str | None:
    """The pool whose price or reference price a line draws, if any."""
    for pool in report.pool_names(ts):
        for col in (f"{pool}.price", f"{pool}.ref_price"):
            if len(values) == len(ts) and np.allclose(values, ts[col], equal_nan=True):
                return pool
    return None


def test_prices_of_very_different_size_are_on_their_own_axes() -> None:
    ts = synthetic()
    fig = report.overview(ts, SUMMARY)
    seen: set[str] = set()
    for ax in fig.axes:
        owners = {price_owner(ts, np.asarray(ln.get_ydata(), float)) for ln in data_lines(ax)}
        owners.discard(None)
        assert len(owners) <= 1, (ax.get_title(), owners)
        seen |= owners
    assert seen == {"eth_usdc", "farm_eth", "scam_eth"}  # every pool's price is drawn somewhere
    # the pumped SCAM (x6.7 over the run) and its reference: on a readable axis each
    scam = next(ax for ax in fig.axes if ax.get_title().startswith("scam_eth:"))
    assert scam.get_title() == "scam_eth: SCAM in ETH"
    assert_no_empty_axes(fig)
    plt.close(fig)


def test_one_axes_price_plot_normalises_prices_of_different_size() -> None:
    """plot_prices (one axes, for notebooks and the dashboard): each as % of its start."""
    ts = synthetic()
    ax = report.plot_prices(ts)
    sizes = {str(i): float(np.nanmax(np.abs(ln.get_ydata()))) for i, ln in enumerate(ax.lines)}
    assert len(sizes) == 6
    assert len(magnitude_groups(sizes, READABLE_RATIO)) == 1, sizes
    assert "% of" in ax.get_title()
    plt.close(ax.figure)


def test_a_pool_nobody_traded_gets_no_fee_or_lp_line() -> None:
    """scam_eth never traded: its price is drawn, its all-zero fee and LP-vs-HODL lines are not;
    and pools of very different fees go to separate panels."""
    ts = synthetic()
    ts["farm_eth.fees"] = np.linspace(0, 5, len(ts))  # 100x less than eth_usdc's
    ts["farm_eth.lvr"] = 0.0
    fig = report.overview(ts, SUMMARY)
    labels = [str(ln.get_label()) for ax in fig.axes for ln in ax.lines]
    assert not [lab for lab in labels if lab.startswith("scam_eth")]
    fee_axes = [ax for ax in fig.axes if ax.get_title().startswith("Cumulative fees")]
    assert [[str(ln.get_label()) for ln in ax.lines] for ax in fee_axes] == [
        ["eth_usdc fees", "eth_usdc LVR"],
        ["farm_eth fees"],
    ]
    assert_no_empty_axes(fig)
    plt.close(fig)


def test_layout_follows_the_mechanisms() -> None:
    ts = synthetic(lending=True)
    plain = report.overview(synthetic(), SUMMARY)
    with_lending = report.overview(ts, SUMMARY)
    assert not [t for t in titles(plain) if "Health" in t or "Borrow" in t]
    assert len(with_lending.axes) > len(plain.axes)
    assert any(t.startswith("Health factors") for t in titles(with_lending))
    rates = next(ax for ax in with_lending.axes if ax.get_title().startswith("Borrow rate"))
    # a 2.2% rate and an 80% utilization: each on its own y axis
    assert [ln.get_label() for ln in data_lines(rates)] == ["aave ETH borrow rate"]
    assert_no_empty_axes(with_lending)
    for fig in (plain, with_lending):
        assert len(fig.axes) == len({id(a) for a in fig.axes})
        plt.close(fig)


def test_same_data_gives_byte_identical_png() -> None:
    ts = synthetic(lending=True)
    images = []
    for _ in range(2):
        buf = io.BytesIO()
        report.save(report.overview(ts, SUMMARY), buf)
        images.append(buf.getvalue())
    assert images[0] == images[1]


@pytest.mark.parametrize(("n", "expected"), [(1, (1, 1)), (4, (4, 1)), (5, (3, 2)), (7, (4, 2))])
def test_grid_leaves_few_empty_places(n: int, expected: tuple[int, int]) -> None:
    assert report.grid(n) == expected


# ---- bundled scenarios, short ----------------------------------------------------------------

RUG = {  # at block 1,500 the pool emptied by remove_liquidity would read as LPs +390% vs HODL
    "agents.scammer.trigger_block": 1_500,
    "agents.retail.count": 10,
    "output.record_every": 20,
}


@pytest.fixture(scope="module", params=["dump", "remove_liquidity"])
def rugged(request: pytest.FixtureRequest) -> RunResult:
    return run(
        "rug_pull", blocks=1_800, overrides={**RUG, "agents.scammer.pull": request.param}, out=None
    )


def test_rug_line_stops_at_the_rug_and_the_losses_are_shown(rugged: RunResult) -> None:
    """After a rug both LP share and HODL collapse, so their ratio can rise (dump) or be a
    ratio of dust (emptied pool): the LP-vs-HODL line ends before the rug, which is marked,
    and a panel shows what the developer took and what the victims lost."""
    (rug,) = rugged.summary["rug"]["rugs"]
    fig = report.overview(rugged.timeseries, rugged.summary)
    assert_no_empty_axes(fig)
    lp = line(fig, "scam_eth LP vs HODL")
    assert "until its rug" in lp.get_label()
    x, y = np.asarray(lp.get_xdata(), float), np.asarray(lp.get_ydata(), float)
    assert np.isfinite(y[x < rug["day"]]).any()
    assert not np.isfinite(y[x >= rug["day"]]).any()
    panel = next(ax for ax in fig.axes if ax.get_title().startswith("Rug pull"))
    heights = [p.get_height() for p in panel.patches]
    assert heights[0] == pytest.approx(rug["developer_gain"])
    victims = rugged.summary["rug"]["victims"]
    assert sum(heights[1:]) == pytest.approx(-sum(v["loss"] for v in victims.values()))
    marked = [ax for ax in fig.axes if any("scam_eth rug" in t.get_text() for t in ax.texts)]
    assert lp.axes in marked
    plt.close(fig)


def test_mining_figure_of_a_rug_run_has_no_empty_panel(rugged: RunResult) -> None:
    fig = mining_figure(rugged.timeseries, "FARM", [rugged.summary["rug"]["rugs"][0]["day"]])
    assert_no_empty_axes(fig)
    plt.close(fig)


def test_looping_yield_draws_lending_not_empty_amm_panels() -> None:
    """The wstETH/ETH pool is never traded in a short looping run: no fee, LP-vs-HODL or
    slippage panel; health factors and rates instead."""
    res = run("looping_yield", blocks=200, out=None)
    fig = report.overview(res.timeseries, res.summary)
    assert_no_empty_axes(fig)
    names = titles(fig)
    assert names[0] == "wsteth_eth: wstETH in ETH"
    assert not [t for t in names if t.startswith(("LP value", "Cumulative fees"))]
    assert [t for t in names if t.startswith("Health factors")]
    assert line(fig, "wstETH staking APR").get_ydata()[0] == pytest.approx(
        res.summary["staking"]["wstETH"]["apr_pct"]
    )
    for extra in (detail_figure(res), lending_figure(res.timeseries, ["aave"])):
        assert_no_empty_axes(extra)
        assert "Slippage per trade, bps" not in titles(extra)
        plt.close(extra)
    plt.close(fig)


@pytest.mark.parametrize(
    ("name", "blocks", "expected"),
    [
        ("quickstart", 300, ["eth_usdc: ETH in USDC", "LP value vs HODL, %"]),
        ("sandwich_attack", 300, ["Sandwiches"]),
        ("v3_band_strategies", 300, ["Range LP strategies"]),
        ("steth_depeg", 400, ["steth_eth: stETH in ETH", "LST pool TVL", "Health factors"]),
    ],
)
def test_each_scenario_gets_its_mechanisms_panels(
    name: str, blocks: int, expected: list[str]
) -> None:
    res = run(name, blocks=blocks, overrides={"output.record_every": 10}, out=None)
    fig = report.overview(res.timeseries, res.summary)
    assert_no_empty_axes(fig)
    for title in expected:
        assert [t for t in titles(fig) if t.startswith(title)], (title, titles(fig))
    details = detail_figure(res)
    assert_no_empty_axes(details)
    plt.close(details)
    plt.close(fig)

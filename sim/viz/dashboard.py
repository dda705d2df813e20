"""Live web dashboard of a scenario (Mesa SolaraViz), started by `ammsim viz SCENARIO`.

The scenario and any `--set` overrides reach this module through environment variables
(`AMMSIM_VIZ_SCENARIO`, `AMMSIM_VIZ_SETS` as JSON), so solara can import it as an app module
(`solara run sim.viz.dashboard` also works and shows the quickstart scenario).

Sliders and selects are derived from the scenario (`controls`): fees, amplification, volatility,
cohort sizes, retail slippage and trade rate, staking APR, the lending market's oracle, close
factor, LTV and liquidation bonus, reward emissions, base fee, block ordering. Their names are Python
identifiers (`pools__eth_usdc__fee_bps`) that `DashboardModel` maps back to dotted scenario
paths (`pools.eth_usdc.fee_bps`) when SolaraViz's Reset rebuilds the model.

Plots are matplotlib (rendered server-side to PNG): nothing is fetched from a CDN.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import solara
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from sim.model.model import MarketModel
from sim.report import figures as report
from sim.scenario.scenario import Scenario, load_scenario

SCENARIO_ENV = "AMMSIM_VIZ_SCENARIO"
SETS_ENV = "AMMSIM_VIZ_SETS"
MAX_POINTS = 800
"""Rows plotted at most (the time series is thinned evenly beyond that)."""


# ---------------------------------------------------------------------------------------------
# controls derived from the scenario


@dataclass(frozen=True)
class Control:
    """One dashboard input: its identifier, the scenario path it sets, and its widget options."""

    name: str
    path: str
    widget: dict[str, Any]


def param_name(path: str) -> str:
    """Identifier of a dotted scenario path: `pools.eth_usdc.fee_bps` -> `pools__eth_usdc__fee_bps`."""
    return path.replace(".", "__")


def _number(value: Any) -> float | None:
    """A plain number (or a constant distribution's value); None for a distribution."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if getattr(value, "dist", None) == "constant":
        return float(value.value)
    return None


REMOVABLE = frozenset({"noise_trader", "arbitrageur", "sandwicher", "liquidator"})
"""Cohort kinds whose count may go to 0 (other cohorts may hold the liquidity a scenario needs)."""


def _bounds(spec: Any, field: str) -> tuple[float, float]:
    """The `ge`/`le` bounds a spec model declares for a field (-inf/inf when none)."""
    lo, hi = -math.inf, math.inf
    for rule in type(spec).model_fields[field].metadata:
        lo = max(lo, getattr(rule, "ge", -math.inf))
        hi = min(hi, getattr(rule, "le", math.inf))
    return lo, hi


def _int_slider(path: str, value: int, lo: int, hi: int, step: int = 1) -> Control:
    widget = {"type": "SliderInt", "label": path, "value": int(value), "min": lo, "max": hi}
    widget["step"] = step
    return Control(param_name(path), path, widget)


def _float_slider(path: str, value: float, lo: float, hi: float, step: float) -> Control:
    widget = {"type": "SliderFloat", "label": path, "value": float(value), "min": lo, "max": hi}
    widget["step"] = step
    return Control(param_name(path), path, widget)


def _select(path: str, value: Any, values: list[Any]) -> Control:
    widget = {"type": "Select", "label": path, "value": value, "values": values}
    return Control(param_name(path), path, widget)


def controls(sc: Scenario) -> list[Control]:
    """The scenario's key parameters as dashboard inputs, with ranges around their values."""
    out: list[Control] = []
    for name, pool in sc.pools.items():
        p = f"pools.{name}"
        if pool.kind == "constant_product":
            out.append(_int_slider(f"{p}.fee_bps", pool.fee_bps, 0, max(100, 2 * pool.fee_bps)))
        elif pool.kind == "stableswap":
            out.append(
                _float_slider(f"{p}.fee_bps", pool.fee_bps, 0.0, max(50.0, pool.fee_bps), 0.5)
            )
            out.append(_int_slider(f"{p}.A", pool.A, 1, max(2000, 2 * pool.A)))
        elif pool.kind == "concentrated":
            tiers = sorted({1.0, 5.0, 30.0, 100.0, float(pool.fee_bps)})
            out.append(_select(f"{p}.fee_bps", float(pool.fee_bps), tiers))
    for asset, price in sc.prices.items():
        p = f"prices.{asset}"
        for field in ("sigma", "sigma_calm", "sigma_volatile"):
            value = getattr(price, field, None)
            if isinstance(value, int | float):
                hi = max(2.0, round(2 * value, 2))
                out.append(_float_slider(f"{p}.{field}", value, 0.0, hi, 0.01 if hi <= 2 else 0.05))
    for cohort, agent in sc.agents.items():
        p = f"agents.{cohort}"
        lo = 0 if agent.kind in REMOVABLE or not agent.count else 1
        ge, le = _bounds(agent, "count")
        lo, hi = max(lo, int(ge)), min(max(10, 2 * agent.count), int(le))
        if lo < hi:
            out.append(_int_slider(f"{p}.count", agent.count, lo, hi))
        if agent.kind == "noise_trader":
            slip = _number(agent.slippage_bps)
            if slip is not None:
                out.append(_float_slider(f"{p}.slippage_bps", slip, 0.0, max(500.0, 2 * slip), 5.0))
            for field, step in (("trades_per_day", 1.0), ("trades_per_block", 0.01)):
                rate = getattr(agent, field)
                if rate is not None:
                    hi = max(step * 100, 2 * rate)
                    out.append(_float_slider(f"{p}.{field}", rate, 0.0, hi, step))
                    break
    for name, st in sc.staking.items():
        hi = max(0.2, round(2 * st.apr, 3))
        out.append(_float_slider(f"staking.{name}.apr", st.apr, 0.0, hi, 0.005))
    for name, lm in sc.lending.items():
        p = f"lending.{name}"
        out.append(_select(f"{p}.oracle", lm.oracle, ["pool", "exchange_rate", "twap"]))
        out.append(_float_slider(f"{p}.close_factor", lm.close_factor, 0.05, 1.0, 0.05))
        for asset, a in lm.assets.items():
            if not a.collateral:
                continue
            # each range keeps the asset valid with the scenario's liquidation threshold:
            # ltv < LT, and (1 + bonus) * LT < 1 (LT itself has no slider, so any mix is valid)
            lt = a.liquidation_threshold
            ltv_hi = max(a.ltv, math.floor((lt - 0.005) * 100) / 100)
            out.append(_float_slider(f"{p}.assets.{asset}.ltv", a.ltv, 0.0, ltv_hi, 0.01))
            bonus_hi = max(a.liquidation_bonus, math.floor((1 / lt - 1.001) * 100) / 100)
            out.append(
                _float_slider(
                    f"{p}.assets.{asset}.liquidation_bonus",
                    a.liquidation_bonus,
                    0.0,
                    bonus_hi,
                    0.01,
                )
            )
    if sc.rewards is not None:
        for pool, em in sc.rewards.pools.items():
            hi = max(100.0, 2 * em.per_day)
            step = 10 ** math.floor(math.log10(hi / 100))
            out.append(_float_slider(f"rewards.pools.{pool}.per_day", em.per_day, 0.0, hi, step))
    chain = sc.chain
    hi_fee = max(100.0, 2 * chain.base_fee_gwei)
    out.append(_float_slider("chain.base_fee_gwei", chain.base_fee_gwei, 0.0, hi_fee, 0.5))
    out.append(_select("chain.ordering", chain.ordering, ["priority_fee", "random", "fifo"]))
    return out


# ---------------------------------------------------------------------------------------------
# the model


class DashboardModel(MarketModel):
    """`MarketModel` built from keyword parameters, as SolaraViz's Reset does.

    `source` is a scenario file or bundled name, `base_overrides` the `--set` values, and every
    other keyword a slider value named by `param_name` of its dotted path. The model stops
    (`running = False`) after the scenario's number of blocks.
    """

    def __init__(
        self,
        source: str = "quickstart",
        base_overrides: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        params.pop("scenario", None)  # Mesa's own scenario object, passed on Reset: not ours
        base = dict(base_overrides or {})
        paths = {c.name: c.path for c in controls(load_scenario(source, base))}
        overrides = dict(base)
        for name, value in params.items():
            overrides[paths.get(name, name.replace("__", "."))] = value
        spec = load_scenario(source, overrides)
        self.overrides = overrides
        super().__init__(spec)
        self.block_limit = spec.scenario.blocks
        self._frame: tuple[int, pd.DataFrame] | None = None

    def step(self) -> None:
        super().step()
        if self.market.block >= self.block_limit:
            self.running = False

    def frame(self) -> pd.DataFrame:
        """The time series so far (cached per block; thinned to at most `MAX_POINTS` rows)."""
        block = self.market.block
        if self._frame is None or self._frame[0] != block:
            df = self.datacollector.get_model_vars_dataframe()
            if len(df) > MAX_POINTS:
                stride = math.ceil(len(df) / MAX_POINTS)
                df = pd.concat([df.iloc[:-1:stride], df.iloc[[-1]]])
            self._frame = (block, df)
        return self._frame[1]


def configured() -> tuple[str, dict[str, Any]]:
    """Scenario and overrides given by `ammsim viz` through the environment (default: quickstart)."""
    source = os.environ.get(SCENARIO_ENV, "quickstart")
    sets = json.loads(os.environ.get(SETS_ENV, "{}") or "{}")
    return source, dict(sets)


def model_params(source: str, sets: Mapping[str, Any]) -> dict[str, Any]:
    """SolaraViz `model_params`: fixed scenario and overrides, then one input per control."""
    sc = load_scenario(source, sets)
    params: dict[str, Any] = {"source": source, "base_overrides": dict(sets)}
    for c in controls(sc):
        params[c.name] = c.widget
    return params


# ---------------------------------------------------------------------------------------------
# components: plain functions of the model (SolaraViz re-renders them after each step batch)


def _figure(draw: Callable[[Axes], Any], title: str | None = None) -> Any:
    fig = Figure(figsize=(6, 3.6))  # fixed margins: a layout engine doubles the render time
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.14, top=0.9)
    ax = fig.add_subplot()
    draw(ax)
    if title:
        ax.set_title(title)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_loc("upper left")  # "best" searches the data for a free spot on every frame
    return solara.FigureMatplotlib(fig, format="png", dpi=90)


def stats_text(model: DashboardModel) -> str:
    """The headline numbers as text lines (the browser test reads them)."""
    m = model.metrics
    n = model.market.numeraire
    block = model.market.block
    days = block * model.block_time_s / 86_400
    lines = [f"block {block:,} of {model.block_limit:,}  (day {days:.3f})"]
    fees = sum(p.fees_usd for p in m.pools.values())
    lines.append(f"fees {fees:,.2f} {n}")
    for name in model.market.pools:
        hodl = m.share_hodl(name)
        if hodl:
            vs = (m.share_value(name) / hodl - 1) * 100
            fee = getattr(model.spec.pools[name], "fee_bps", None)
            label = f"{name} (fee {fee:g} bps)" if fee is not None else name
            lines.append(f"{label}: fees {m.pools[name].fees_usd:,.2f} {n}, LP vs HODL {vs:+.4f}%")
    lines.append(f"arbitrage profit {m.arb_profit_usd:,.2f} {n}")
    slip = m.slippage_summary()
    if slip["trades"]:
        lines.append(
            f"retail trades {slip['trades']:,}, mean slippage {slip['mean_bps']:.1f} bps, "
            f"p95 {slip['p95_bps']:.1f} bps"
        )
    if m.mev_usd or m.sandwiches:
        lines.append(f"MEV extracted {m.mev_usd:,.2f} {n} in {m.sandwiches} sandwiches")
    liq = model.market.protocols.liquidations
    if model.market.protocols.lending:
        lines.append(f"liquidations {len(liq)}")
    return "\n".join(lines)


def spec_value(sc: Scenario, path: str) -> Any:
    """The value at a dotted path of a scenario (`pools.eth_usdc.fee_bps` -> 30)."""
    node: Any = sc
    for key in path.split("."):
        node = node[key] if isinstance(node, Mapping) else getattr(node, key)
    return node


def params_text(model: DashboardModel) -> str:
    """The settings this model was built with, one control per line (sliders show no numbers)."""
    lines = []
    for c in controls(model.spec):
        value = spec_value(model.spec, c.path)
        lines.append(f"{c.path} = {value:g}" if isinstance(value, float) else f"{c.path} = {value}")
    return "\n".join(lines)


_PRE = "font-size: 13px; white-space: pre-wrap; margin: 0"


def Stats(model: DashboardModel) -> Any:
    """Model time and headline numbers, and the settings of the running model, as text."""
    return solara.Card(
        "Numbers",
        children=[
            solara.HTML(
                tag="pre", unsafe_innerHTML=stats_text(model), classes=["ammsim-stats"], style=_PRE
            ),
            solara.Text("This run's settings (move a slider, then press Reset):"),
            solara.HTML(
                tag="pre",
                unsafe_innerHTML=params_text(model),
                classes=["ammsim-params"],
                style=_PRE,
            ),
        ],
    )


def PricePlot(model: DashboardModel) -> Any:
    """Reference price against each pool's price."""
    df = model.frame()
    return _figure(lambda ax: report.plot_prices(df, ax))


def ReservesPlot(model: DashboardModel) -> Any:
    """Each pool's reserves, each token relative to its start (so different units share an axis)."""
    df = model.frame()

    def draw(ax: Axes) -> None:
        for col in df.columns:
            if ".reserve." in col and df[col].iloc[0]:
                ax.plot(df["time_days"], df[col] / df[col].iloc[0], lw=1.1, label=col)
        ax.set_title("Pool reserves (relative to start)")
        ax.set_xlabel("days")
        ax.legend(fontsize=7)

    return _figure(draw)


def LpPlot(model: DashboardModel) -> Any:
    """LP value per share against holding (fees included) and the IL formula alone."""
    df = model.frame()
    return _figure(lambda ax: report.plot_lp_vs_hodl(df, ax))


def FeesPlot(model: DashboardModel) -> Any:
    """Cumulative fees (and loss-versus-rebalancing)."""
    df = model.frame()
    return _figure(lambda ax: report.plot_fees(df, ax))


def SlippagePlot(model: DashboardModel) -> Any:
    """Histogram of retail trades' slippage (fee included), basis points."""
    xs = list(model.metrics.retail_slippage_bps)

    def draw(ax: Axes) -> None:
        if xs:
            ax.hist(xs, bins=40, color="tab:purple", alpha=0.8)
        else:
            ax.text(0.5, 0.5, "no retail trades yet", ha="center", transform=ax.transAxes)
        ax.set_title(f"Retail slippage, bps ({len(xs):,} trades)")
        ax.set_xlabel("bps below the reference value")

    return _figure(draw)


def ArbPlot(model: DashboardModel) -> Any:
    """Cumulative arbitrage profit net of gas (and MEV extracted when there is any)."""
    df = model.frame()
    n = model.market.numeraire

    def draw(ax: Axes) -> None:
        ax.plot(df["time_days"], df["arb_profit_usd"], lw=1.2, label="arbitrage profit")
        if "mev_usd" in df and df["mev_usd"].abs().max() > 0:
            ax.plot(df["time_days"], df["mev_usd"], lw=1.2, color="tab:red", label="MEV extracted")
        ax.set_title(f"Arbitrage profit and MEV, {n}")
        ax.set_xlabel("days")
        ax.legend(fontsize=7)

    return _figure(draw)


def LendingPlot(model: DashboardModel) -> Any:
    """Health factors of every borrower now, and liquidations so far."""
    protocols = model.market.protocols
    hfs: list[float] = []
    for market in protocols.lending.values():
        for account in market.accounts():
            hf = market.health_factor(account)
            if math.isfinite(hf):
                hfs.append(min(hf, 5.0))
    liq = len(protocols.liquidations)

    def draw(ax: Axes) -> None:
        if hfs:
            ax.hist(hfs, bins=30, color="tab:orange")
        ax.axvline(1.0, color="tab:red", lw=1)
        ax.set_title(f"Borrowers' health factors (capped at 5); {liq} liquidations")
        ax.set_xlabel("health factor")

    return _figure(draw)


def HealthPlot(model: DashboardModel) -> Any:
    """Health-factor percentiles of borrowers over time, and liquidations so far."""
    df = model.frame()
    markets = list(model.spec.lending)

    def draw(ax: Axes) -> None:
        for m in markets:
            for q, style in (("min", "-"), ("p10", "--"), ("median", ":")):
                col = f"lending.{m}.{q}_hf"
                if col in df:
                    ax.plot(
                        df["time_days"],
                        df[col].clip(upper=5.0),
                        ls=style,
                        lw=1.1,
                        label=f"{m} {q} HF",
                    )
        ax.axhline(1.0, color="tab:red", lw=0.8)
        ax.set_xlabel("days")
        ax.legend(fontsize=7)
        right = ax.twinx()
        ax.figure.subplots_adjust(right=0.86)  # room for the right axis
        for m in markets:
            col = f"lending.{m}.liquidations"
            if col in df:
                right.step(
                    df["time_days"],
                    df[col],
                    where="post",
                    color="black",
                    lw=0.9,
                    label=f"{m} liquidations",
                )
        right.set_ylabel("liquidations (cumulative)")
        n = len(model.market.protocols.liquidations)
        ax.set_title(f"Health factors over time (capped at 5); {n} liquidations")

    return _figure(draw)


def DepegPlot(model: DashboardModel) -> Any:
    """Pegged assets' reference price against their peg; LSTs' pool rate against their
    exchange rate (the depeg of a liquid-staking token)."""
    df = model.frame()
    pegged = {a: p.peg for a, p in model.spec.prices.items() if p.process == "peg"}

    def draw(ax: Axes) -> None:
        for asset, peg in pegged.items():
            col = f"ref_price.{asset}"
            if col in df:
                (line,) = ax.plot(df["time_days"], df[col], lw=1.2, label=f"{asset} reference")
                ax.axhline(peg, color=line.get_color(), lw=0.6, ls=":")
        report.plot_lst_depeg(df, ax)
        ax.set_title("Depeg: market price vs peg / exchange rate")
        ax.set_xlabel("days")
        ax.legend(fontsize=7)

    return _figure(draw)


def RewardsPlot(model: DashboardModel) -> Any:
    """Liquidity mining: headline reward APR per pool, miners' realised APR, reward price."""
    df = model.frame()
    rewards = model.spec.rewards
    assert rewards is not None

    def draw(ax: Axes) -> None:
        report.plot_reward_apr(df, ax)
        ax.legend(fontsize=7)
        col = f"rewards.{rewards.token}.price"
        if col in df:
            right = ax.twinx()
            ax.figure.subplots_adjust(right=0.86)  # room for the right axis
            right.plot(df["time_days"], df[col], lw=0.9, ls="--", color="tab:gray")
            right.set_ylabel(f"{rewards.token} price (dashed)")
        ax.set_title(f"Reward APR (headline vs realised) and {rewards.token} price")

    return _figure(draw)


def components(sc: Scenario) -> list[Callable[[DashboardModel], Any]]:
    """The panels for a scenario: the common ones, then rewards, lending and depeg when present."""
    out: list[Callable[[DashboardModel], Any]] = [
        Stats,
        PricePlot,
        LpPlot,
        FeesPlot,
        ReservesPlot,
        SlippagePlot,
        ArbPlot,
    ]
    if sc.rewards is not None:
        out.append(RewardsPlot)
    if sc.lending:
        out += [LendingPlot, HealthPlot]
    if sc.staking or any(p.process == "peg" for p in sc.prices.values()):
        out.append(DepegPlot)
    return out


@solara.component
def Page() -> None:
    """The app: one model per browser session, built from the configured scenario."""
    source, sets = configured()
    params = solara.use_memo(lambda: model_params(source, sets), [source, json.dumps(sets)])
    model = solara.use_memo(lambda: DashboardModel(source, sets), [source, json.dumps(sets)])
    sc = model.spec
    SolaraViz(
        model,
        components=[(c, 0) for c in components(sc)],
        model_params=params,
        name=f"ammsim: {sc.scenario.name}",
        play_interval=50,
        render_interval=25,  # Mesa's slider moves in odd steps from 1
    )

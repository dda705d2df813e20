"""The report.html sections of protocols a scenario may have: liquidity mining, token launches,
rug pulls, liquid staking with lending. Each appears only when the run has its mechanism."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sim.model.mechanisms import Mechanism
from sim.report.html_figures import lending_figure, mining_figure
from sim.report.html_oracle_attack import oracle_attack_section
from sim.report.html_page import format_number, format_value, img, kv_table, png, table
from sim.report.html_tables import pool_table

if TYPE_CHECKING:
    import pandas as pd

    from sim.report.result import RunResult


def protocol_sections(result: RunResult, present: Iterable[Mechanism]) -> list[str]:
    """HTML sections (tables, and a figure for some) for the `present` mechanisms among liquidity
    mining, token launches, rug pulls, liquid staking and lending; nothing for the others."""
    s = result.summary
    n = str(s.get("numeraire", ""))
    ts = result.timeseries
    has = set(present)
    out: list[str] = []
    if Mechanism.MINING in has:
        out += mining_section(s, ts, n)
    if Mechanism.LAUNCHES in has:
        out += launch_section(s)
    if Mechanism.RUGS in has:
        out += rug_section(s, n)
    if Mechanism.ORACLE_ATTACKS in has:
        out += oracle_attack_section(s, n)
    if has & {Mechanism.STAKING, Mechanism.LENDING}:
        out += staking_lending_section(s, ts, n)
    return out


def launch_section(s: dict[str, Any]) -> list[str]:
    """Tokens launched in the run: who, where, price since, LP locked and top holder."""
    launches = s.get("launches") or {}
    if not launches:
        return []
    n = html.escape(str(s.get("numeraire", "")))
    rows = [
        [
            (html.escape(token), ""),
            (html.escape(str(x["deployer"])), ""),
            (html.escape(str(x["pool"])), ""),
            ("yes" if x["mint_authority"] else "no", ""),
            (html.escape(str(x["pull"])), ""),
            (
                f"{format_number(x['price_launch'])} → {format_number(x['price_end'])} "
                f"({format_number(x['price_change_pct'], '+.1f')}%)",
                "num",
            ),
            (f"{format_number(x['lp_locked_end_pct'], '.1f')}%", "num"),
            (f"{format_number(x['top_holder_end_pct'], '.1f')}%", "num"),
        ]
        for token, x in launches.items()
    ]
    return [
        "<h2>Token launches</h2>",
        "<p class='meta'>What a block explorer shows about each token launched in the run, at "
        f"the end; prices in {n}. The developer's plan (pull) is known to the simulation only: "
        "buyers see the mint authority, the LP lock and the top holder.</p>",
        table(
            [
                "token",
                "deployer",
                "pool",
                "mint authority",
                "developer's plan",
                "price: launch → end",
                "LP locked",
                "top holder",
            ],
            rows,
        ),
    ]


def mining_section(s: dict[str, Any], ts: pd.DataFrame, n: str) -> list[str]:
    """Liquidity mining: reward price, emissions, APRs and exits; the mining figure."""
    out: list[str] = []
    mining = s.get("mining") or {}
    if mining:
        token = html.escape(str(mining["reward_token"]))
        out.append("<h2>Liquidity mining</h2>")
        out.append(
            "<p class='meta'>Headline reward APR = emission per day × reward price × 365 / "
            "staked TVL, as a farm's front page shows it; realised APR = what miners actually "
            "got (sale proceeds plus unsold rewards at today's price) per dollar-day staked.</p>"
        )
        out.append(
            kv_table(
                [
                    (
                        f"{mining['reward_token']} price (start → low → end)",
                        f"{format_number(mining['reward_price_start'])} → "
                        f"{format_number(mining['reward_price_min'])} → {format_number(mining['reward_price_end'])}",
                    ),
                    (
                        "emitted / paid to miners",
                        f"{format_number(mining['emitted'], ',.0f')} / "
                        f"{format_number(mining['paid'], ',.0f')} {mining['reward_token']}",
                    ),
                    (
                        "not distributed (blocks with nothing staked)",
                        f"{format_number(mining['undistributed'], ',.0f')} {mining['reward_token']}",
                    ),
                    (
                        "miners' realised reward APR at the end",
                        f"{format_number(mining['realised_reward_apr_pct_end'], ',.1f')}%",
                    ),
                    ("miners who entered", f"{mining['miners_entered']} of {mining['miners']}"),
                    (
                        "exit reasons",
                        ", ".join(f"{k} {v}" for k, v in mining["exit_reasons"].items()) or "none",
                    ),
                ]
            )
        )
        out.append(pool_table(mining.get("pools") or {}, n))
        rugs = [r["day"] for r in (s.get("rug") or {}).get("rugs", []) if r.get("day") is not None]
        out.append(
            img(
                png(mining_figure(ts, str(mining["reward_token"]), rugs)),
                f"reward APR headline vs realised, {token} price, miners per pool",
            )
        )
    return out


def rug_section(s: dict[str, Any], n: str) -> list[str]:
    """Rug pulls: what each developer took, the conservation check, who lost what."""
    out: list[str] = []
    rug = s.get("rug") or {}
    if rug:
        out.append("<h2>Rug pull</h2>")
        rows = []
        for r in rug.get("rugs", []):
            if r.get("block") is None:
                rows.append(
                    [(html.escape(str(r.get("developer"))), ""), ("did not pull", "")]
                    + [("", "")] * 5
                )
                continue
            rows.append(
                [
                    (html.escape(str(r["developer"])), ""),
                    (html.escape(f"{r['variant']} (trigger {r['trigger']})"), ""),
                    (f"{r['block']:,} (day {r['day']:.2f})", "num"),
                    (
                        html.escape(
                            f"{format_number(r['quote_taken'])} {r['quote_token']} = "
                            f"{format_value('value', r['quote_taken_value'], n)}"
                        ),
                        "num",
                    ),
                    (html.escape(format_value("value", r["developer_gain"], n)), "num"),
                    (
                        html.escape(
                            f"{format_value('value', r['pool_tvl_before'], n)} → "
                            f"{format_value('value', r['pool_tvl_after'], n)}"
                        ),
                        "num",
                    ),
                    (
                        html.escape(
                            f"{format_number(r['price_before'])} → {format_number(r['price_after'])}"
                        ),
                        "num",
                    ),
                ]
            )
        out.append(
            table(
                [
                    "developer",
                    "pull",
                    "block",
                    "took from the pool",
                    "developer's gain",
                    "pool TVL",
                    "token price",
                ],
                rows,
            )
        )
        out.append(
            "<p class='meta'>Gains and losses: change of holdings (wallet plus pool claims) "
            "valued at the end prices, the pulled token at what selling it into its pool would "
            "fetch. Conservation: victims' losses = developer's gain + other "
            "agents' gains + gas + value left outside agents − rewards minted; residual "
            f"{html.escape(format_value('value', rug['conservation_residual'], n))}.</p>"
        )
        out.append(
            kv_table(
                [
                    ("victims' losses", format_value("value", rug["victims_loss"], n)),
                    ("developer's gain", format_value("value", rug["developer_gain"], n)),
                    ("other agents' gains", format_value("value", rug["others_gain"], n)),
                    ("gas (burned and tipped)", format_value("value", rug["gas_cost"], n)),
                    ("rewards minted", format_value("value", rug["minted"], n)),
                    (
                        "change held outside agents",
                        format_value("value", rug["outside_other"], n),
                    ),
                ]
            )
        )
        groups = []
        for group in ("miners", "buyers"):
            for label_, g in (rug.get(group) or {}).items():
                groups.append(
                    [
                        (html.escape(f"{label_} {group}"), ""),
                        (f"{g['agents']:,}", "num"),
                        (f"{g['exposed']:,}", "num"),
                        (html.escape(format_value("value", g["lost"], n)), "num"),
                        (html.escape(format_value("value", g["mean_gain"], n)), "num"),
                    ]
                )
        if groups:
            out.append("<h3>Caution vs naivety</h3>")
            out.append(
                table(["group", "agents", "exposed to the rug", "lost", "mean gain"], groups)
            )
        victims = sorted(rug.get("victims", {}).items(), key=lambda kv: -kv[1]["loss"])
        if victims:
            out.append(f"<details><summary>each victim's loss ({len(victims)})</summary>")
            out.append(
                table(
                    ["agent", "cohort", "kind", "cautious", "loss"],
                    [
                        [
                            (html.escape(name), ""),
                            (html.escape(str(v["cohort"])), ""),
                            (html.escape(str(v["kind"])), ""),
                            (html.escape(str(v["cautious"])), ""),
                            (html.escape(format_value("value", v["loss"], n)), "num"),
                        ]
                        for name, v in victims
                    ],
                )
            )
            out.append("</details>")
    return out


def staking_lending_section(s: dict[str, Any], ts: pd.DataFrame, n: str) -> list[str]:
    """Liquid staking and lending: the depeg, liquidations, bad debt, interest, loopers."""
    out: list[str] = []
    staking = s.get("staking") or {}
    lending = s.get("lending") or {}
    if staking or lending:
        out.append("<h2>Liquid staking and lending</h2>")
        rows_: list[tuple[str, str]] = []
        for lst, st in staking.items():
            rows_ += [
                (f"{lst} staking APR", f"{format_number(st['apr_pct'], '.2f')}%"),
                (f"{lst} exchange rate at the end", format_number(st["exchange_rate_end"], ".6f")),
                (
                    f"{lst} pool price: lowest / at the end",
                    f"{format_number(st['min_market_rate'], '.4f')} / {format_number(st['market_rate_end'], '.4f')}",
                ),
                (
                    f"{lst} deepest discount to the exchange rate (the depeg)",
                    f"{format_number(st['max_discount_pct'], '.2f')}%",
                ),
            ]
            if lps := st.get("pool_lps"):
                rows_ += [
                    (
                        f"{lst} pool LPs who withdrew (value taken)",
                        f"{lps['withdrawals']} of {lps['lps']} "
                        f"({format_value('value', lps['withdrawn_value'], n)})",
                    ),
                    (
                        f"{lps['pool']} TVL: start / lowest / end",
                        f"{format_value('value', lps['tvl_start'], n)} / "
                        f"{format_value('value', lps['tvl_min'], n)} / "
                        f"{format_value('value', lps['tvl_end'], n)}",
                    ),
                ]
        for name, lm in lending.items():
            apr = lm.get("looper_realised_apr_pct") or {}
            eq = lm.get("looper_equity_change_pct") or {}
            rows_ += [
                (f"{name}: oracle", str(lm["oracle"])),
                (
                    f"{name}: liquidations (accounts)",
                    f"{lm['liquidations']:,} ({lm['liquidated_accounts']:,})",
                ),
                (
                    f"{name}: debt repaid / collateral seized",
                    f"{format_value('value', lm['liquidated_debt'], n)} / "
                    f"{format_value('value', lm['collateral_seized'], n)}",
                ),
                (f"{name}: bad debt at its oracle", format_value("value", lm["bad_debt"], n)),
                (
                    f"{name}: deficit written off (Aave v3.3) / liquidation protocol fees",
                    f"{format_value('value', lm.get('deficit_created', 0.0), n)} / "
                    f"{format_value('value', lm.get('liquidation_protocol_fees', 0.0), n)}",
                ),
                (f"{name}: withdrawals blocked (no cash)", f"{lm.get('withdrawals_blocked', 0)}"),
                (f"{name}: lowest health factor", format_number(lm["min_health_factor"], ".4f")),
                (f"{name}: loopers liquidated", f"{lm['loopers_liquidated']} of {lm['loopers']}"),
                (
                    f"{name}: loopers' return over the run (mean, min, max) vs plain staking",
                    ", ".join(
                        f"{format_number(eq.get(k), '+.2f')}%" for k in ("mean", "min", "max")
                    )
                    + f" vs {format_number(lm.get('plain_staking_return_pct'), '+.3f')}%"
                    + f" (mean {format_number(lm.get('looper_days_in_loop'), '.1f')} days in the loop)",
                ),
                (
                    f"{name}: loopers' realised APR (mean, min, max) vs plain staking "
                    "(only from 7 days in the loop)",
                    ", ".join(
                        f"{format_number(apr.get(k), ',.1f')}%" for k in ("mean", "min", "max")
                    )
                    + f" vs {format_number(lm['plain_staking_apr_pct'], '.2f')}%",
                ),
            ]
            for asset, i in (lm.get("interest") or {}).items():
                rows_.append(
                    (
                        f"{name}: {asset} interest: borrowers paid = suppliers + treasury",
                        f"{format_number(i['borrow_interest'], ',.6g')} = {format_number(i['to_suppliers'], ',.6g')}"
                        f" + {format_number(i['to_treasury'], ',.6g')} {asset}; borrow rate "
                        f"{format_number(i['borrow_rate_end_pct'], '.2f')}% at "
                        f"{format_number(i['utilization_end_pct'], '.1f')}% utilization",
                    )
                )
            for liq, row in (lm.get("by_liquidator") or {}).items():
                rows_.append(
                    (
                        f"{name}: liquidator {liq}",
                        f"{row['count']} liquidations, {format_value('value', row['debt_repaid'], n)} "
                        "repaid",
                    )
                )
        out.append(kv_table(rows_))
        out.append(
            img(
                png(lending_figure(ts, list(lending))),
                "depeg path, health factors and liquidations, borrow rate and utilization",
            )
        )
    return out

"""`ammsim` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 user error (bad scenario, flag or file), 1 internal
failure (a bug, or a failed conservation check). Errors print one line
(`error: ...`); `--debug` shows the traceback of anything unexpected.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any

from sim.errors import AmmSimError, ConservationError, ScenarioError, UserInputError

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2

PLUGINS: tuple[str, ...] = (
    "sim.cli.sweep",
    "sim.cli.viz",
    "sim.cli.compare",
    "sim.cli.calc",
    "sim.cli.bench",
)
"""Modules that add subcommands: each has `register(subparsers)` that adds a parser and sets
`handler=fn(args) -> int` via `set_defaults`. They must import nothing heavy at module level."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so bad flags become exit 2 with one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserInputError(f"{self.prog}: {message}")


def parse_sets(items: Sequence[str] | None) -> dict[str, Any]:
    """`--set PATH=VALUE` pairs; values are read as TOML (numbers, booleans, lists), else strings."""
    from sim.scenario.scenario import parse_value

    out: dict[str, Any] = {}
    for item in items or ():
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise UserInputError(
                f"--set expects PATH=VALUE (e.g. pools.eth_usdc.fee_bps=5), got {item!r}"
            )
        out[path.strip()] = parse_value(value.strip())
    return out


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ammsim", description="Agent-based simulator of DeFi AMM markets.")
    p.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run a scenario and write its results")
    r.add_argument("scenario", help="scenario file, or the name of a bundled scenario")
    r.add_argument("--seed", type=int, help="base seed (default: the scenario's)")
    r.add_argument(
        "--replicate", type=int, help="replicate index k of the base seed (as in sweeps)"
    )
    r.add_argument("--blocks", type=int, help="number of blocks (default: the scenario's)")
    r.add_argument("--out", default="outputs", help="folder that receives the run folder")
    r.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a scenario field")
    r.add_argument(
        "--check", action="store_true", help="check token conservation after every block"
    )
    r.add_argument("--quiet", action="store_true", help="print only the run folder")

    v = sub.add_parser("validate", help="check a scenario file without running it")
    v.add_argument("scenario")
    v.add_argument("--set", action="append", metavar="PATH=VALUE")

    sub.add_parser("list", help="list bundled scenarios")

    s = sub.add_parser("schema", help="reference of every scenario field and output column")
    s.add_argument("--format", choices=["markdown", "json"], default="markdown")

    for module in PLUGINS:
        import_module(module).register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ammsim` command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        args = build_parser().parse_args(args_list)
        handler = getattr(args, "handler", None) or COMMANDS[args.command]
        return handler(args)
    except (ScenarioError, UserInputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USER
    except ConservationError as err:
        print(f"internal error: conservation check failed: {err}", file=sys.stderr)
        return EXIT_INTERNAL
    except AmmSimError as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # whoever read our output stopped reading (`ammsim list | head`): not a failure of ours
        with contextlib.suppress(OSError, ValueError, AttributeError):  # stdout not a file
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # as if killed by SIGPIPE, the shell's convention
    except Exception as err:
        if debug:
            raise
        print(
            f"internal error: {type(err).__name__}: {err} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def cmd_run(args: argparse.Namespace) -> int:
    from sim.runs.runner import run

    for flag in ("seed", "blocks", "replicate"):
        value = getattr(args, flag)
        if value is not None and value < (1 if flag == "blocks" else 0):
            raise UserInputError(
                f"--{flag} must be {'positive' if flag == 'blocks' else '>= 0'}, got {value}"
            )
    result = run(
        args.scenario,
        seed=args.seed,
        blocks=args.blocks,
        replicate=args.replicate,
        overrides=parse_sets(args.set),
        out=args.out,
        progress=not args.quiet,
        check_every_block=args.check,
    )
    if args.quiet:
        print(result.path)
    else:
        print(human_summary(result.summary))
        print(f"\nresults: {result.path}/")
        print("  report.html  summary.json  timeseries.csv  agents.csv  events.csv  flows.csv")
        print("  figure.png  scenario.toml  manifest.json")
    return EXIT_OK


def human_summary(s: dict[str, Any]) -> str:
    """A few lines a person reads after a run."""
    n = s["numeraire"]

    def money(x: float | None) -> str:
        return "n/a" if x is None else f"{x:,.2f} {n}"

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:+.3f}%"

    slip = s["slippage"]
    lines = [
        f"{s['scenario']}: {s['blocks']:,} blocks ({s['days']:.2f} days), seed {s['seed']}",
        f"  volume              {money(s['volume_usd'])}",
        f"  fees paid           {money(s['fees_usd'])}",
        f"  LP fee income       {money(s['lp_fee_income_usd'])}",
        f"  LP vs HODL          {pct(s['lp_vs_hodl_pct'])}  (impermanent loss alone: {pct(s['impermanent_loss_pct'])})",
        f"  arbitrage profit    {money(s['arbitrage_profit_usd'])}",
        f"  LVR                 {money(s['lvr_usd'])}  (LPs vs rebalancing = fees - LVR: "
        f"{s['lp_vs_rebalancing_usd']:+,.2f} {n})",
        f"  gas paid            {money(s['gas_usd'])}",
        f"  transactions        {s['txs']:,} ({s['reverts']:,} reverted)",
    ]
    if slip["trades"]:
        lines.append(
            f"  retail slippage     mean {slip['mean_bps']:.1f} bps, p95 {slip['p95_bps']:.1f} bps, "
            f"worst {slip['worst_bps']:.1f} bps over {slip['trades']:,} trades"
        )
    mev = s.get("mev") or {}
    if mev.get("sandwiches"):
        lines.append(
            f"  sandwiches          {mev['sandwiches']:,}: bots took {money(mev['bot_gross_usd'])} "
            f"({money(mev.get('bot_net_usd'))} after gas), victims lost {money(mev['victim_loss_usd'])}"
        )
        for cohort, c in mev["by_victim_cohort"].items():
            share = c.get("loss_per_volume_bps")
            share_text = f" ({share:.1f} bps of its volume)" if share is not None else ""
            tolerance = f", {c['slippage_bps']:g} bps tolerance" if "slippage_bps" in c else ""
            lines.append(
                f"    from {cohort:<14} {c['sandwiches']:,} sandwiches, lost "
                f"{money(c['victim_loss_usd'])}{share_text}{tolerance}"
            )
    lines += _protocol_lines(s, money)
    return "\n".join(lines)


def _protocol_lines(s: dict[str, Any], money: Any) -> list[str]:
    """Mining, rug, staking and lending headlines, when the scenario has them."""

    def num(x: float | None, fmt: str = ",.4g") -> str:
        return "n/a" if x is None else format(x, fmt)

    def row(label: str, text: str) -> str:
        return f"  {label:<19} {text}"

    lines = []
    mining = s.get("mining") or {}
    if mining:
        token = mining["reward_token"]
        lines.append(
            row(
                f"{token} price",
                f"{num(mining['reward_price_start'])} -> {num(mining['reward_price_end'])} "
                f"(low {num(mining['reward_price_min'])})",
            )
        )
        for pool, p in mining.get("pools", {}).items():
            lines.append(
                row(
                    f"mining {pool}",
                    f"headline APR peak {num(p['headline_apr_pct_peak'], ',.1f')}%, end "
                    f"{num(p['headline_apr_pct_end'], ',.1f')}%; miners peak {p['miners_peak']}, "
                    f"end {p['miners_end']} ({p['entries']} entries, {p['exits']} exits)",
                )
            )
        lines.append(
            row(
                "realised reward APR",
                f"{num(mining['realised_reward_apr_pct_end'], ',.1f')}% "
                f"({num(mining['emitted'], ',.0f')} {token} emitted, "
                f"{num(mining['paid'], ',.0f')} paid to miners)",
            )
        )
    rug = s.get("rug") or {}
    for r in rug.get("rugs", []):
        if r.get("block") is None:
            lines.append(row("rug", f"{r['developer']} did not pull"))
            continue
        lines.append(
            row(
                "rug",
                f"{r['variant']} in {r['pool']} at block {r['block']:,} (day {r['day']:.2f}, "
                f"trigger {r['trigger']}): took {money(r['quote_taken_usd'])}",
            )
        )
    if rug:
        lines.append(
            row(
                "rug victims",
                f"{len(rug['victims'])} lost {money(rug['victims_loss_usd'])}; developer gained "
                f"{money(rug['developer_gain_usd'])}",
            )
        )
        for group in ("miners", "buyers"):
            for label, g in rug.get(group, {}).items():
                lines.append(
                    row(
                        f"  {label} {group}",
                        f"{g['exposed']}/{g['agents']} exposed, lost {money(g['lost_usd'])}",
                    )
                )
    for lst, st in (s.get("staking") or {}).items():
        lines.append(
            row(
                f"{lst} depeg",
                f"deepest discount {num(st['max_discount_pct'], '.2f')}% (pool rate low "
                f"{num(st['min_market_rate'], '.4f')}, exchange rate "
                f"{num(st['exchange_rate_end'], '.4f')} at the end)",
            )
        )
    for name, lm in (s.get("lending") or {}).items():
        lines.append(
            row(
                f"lending {name}",
                f"{lm['liquidations']} liquidations ({money(lm['liquidated_debt_usd'])} repaid), "
                f"bad debt {money(lm['bad_debt_usd'])}, lowest HF "
                f"{num(lm['min_health_factor'], '.4f')}",
            )
        )
        apr = lm.get("looper_realised_apr_pct") or {}
        eq = lm.get("looper_equity_change_pct") or {}
        if eq.get("mean") is not None:
            # the return over the run; annualised only from 7 days in the loop
            annual = (
                f"realised APR mean {apr['mean']:,.1f}% vs plain staking "
                f"{num(lm.get('plain_staking_apr_pct'), '.2f')}%"
                if apr.get("mean") is not None
                else "not annualised (under 7 days in the loop)"
            )
            lines.append(
                row(
                    "loopers",
                    f"{lm['loopers_liquidated']}/{lm['loopers']} liquidated; return over "
                    f"{num(lm.get('looper_days_in_loop'), '.1f')} days "
                    f"{num(eq.get('mean'), '+.2f')}% on average vs plain staking "
                    f"{num(lm.get('plain_staking_return_pct'), '+.3f')}%; {annual}",
                )
            )
    return lines


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.scenario.scenario import load_scenario

    sc = load_scenario(args.scenario, parse_sets(args.set))
    agents = sum(a.count for a in sc.agents.values())
    print(
        f"ok: {sc.source or args.scenario}: {sc.scenario.name!r}, {sc.scenario.blocks:,} blocks, "
        f"{len(sc.pools)} pool(s), {agents} agent(s)"
    )
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from sim.scenario.files import bundled, read_toml

    for name, path in bundled().items():
        meta = read_toml(path).get("scenario", {})
        desc = " ".join(str(meta.get("description", "")).split())
        first = desc.split(". ")[0].rstrip(".")
        print(f"{name:<28} {first}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.report.schema import schema_json, schema_markdown

    if args.format == "json":
        print(json.dumps(schema_json(), indent=2))
    else:
        print(schema_markdown())
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "validate": cmd_validate,
    "list": cmd_list,
    "schema": cmd_schema,
}

if __name__ == "__main__":
    sys.exit(main())

"""`ammsim` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 user error (bad scenario, flag or file), 1 internal
failure (a bug, or a failed conservation check), 130 Ctrl-C, 143 SIGTERM. Errors print one line
(`error: ...`); `--debug` shows the traceback of anything unexpected.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from importlib import import_module

from sim.cli import interrupts
from sim.cli.allow import add_allow_flag
from sim.cli.exits import EXIT_INTERNAL, EXIT_OK, EXIT_USER
from sim.cli.headlines import human_summary
from sim.errors import AmmSimError, ConservationError, ScenarioError, UserInputError, clip

PLUGINS: tuple[str, ...] = (
    "sim.cli.sweep",
    "sim.cli.viz",
    "sim.cli.compare",
    "sim.cli.calc",
    "sim.cli.bench",
    "sim.cli.clean",
)
"""Modules that add subcommands: each has `register(subparsers)` that adds a parser and sets
`handler=fn(args) -> int` via `set_defaults`. They must import nothing heavy at module level."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so bad flags become exit 2 with one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserInputError(f"{self.prog}: {message}")


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
    add_allow_flag(r)

    v = sub.add_parser("validate", help="check a scenario file without running it")
    v.add_argument("scenario")
    v.add_argument("--set", action="append", metavar="PATH=VALUE")
    add_allow_flag(v)

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
    restore = interrupts.catch_sigterm()
    try:
        args = build_parser().parse_args(args_list)
        handler = getattr(args, "handler", None) or COMMANDS[args.command]
        return handler(args)
    except (ScenarioError, UserInputError) as err:
        print("error: " + "\n".join(map(clip, str(err).split("\n"))), file=sys.stderr)
        return EXIT_USER
    except ConservationError as err:
        print(f"internal error: conservation check failed: {err}", file=sys.stderr)
        return EXIT_INTERNAL
    except AmmSimError as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM (interrupts.Terminated)
        print(interrupts.message(err), file=sys.stderr)
        return interrupts.exit_code(err)
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
    finally:
        restore()


def cmd_run(args: argparse.Namespace) -> int:
    from sim.cli.preflight import check_sweep_table
    from sim.runs.runner import resolve, run
    from sim.scenario.paths import parse_sets

    for flag in ("seed", "blocks", "replicate"):
        value = getattr(args, flag)
        if value is not None and value < (1 if flag == "blocks" else 0):
            raise UserInputError(
                f"--{flag} must be {'positive' if flag == 'blocks' else '>= 0'}, got {value}"
            )
    sets = parse_sets(args.set)
    sc = resolve(
        args.scenario,
        seed=args.seed,
        blocks=args.blocks,
        replicate=args.replicate,
        overrides=sets,
        allow=args.allow_path,
    )
    check_sweep_table(sc, sets)
    result = run(
        sc,
        out=args.out,
        progress=not args.quiet,
        check_every_block=args.check,
        allow=args.allow_path,
    )
    if args.quiet:
        print(result.path)
    else:
        print(human_summary(result.summary))
        print(f"\nresults: {result.path}/")
        print("  report.html  summary.json  timeseries.csv  agents.csv  events.csv  flows.csv")
        print("  figure.png  scenario.toml  manifest.json")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Everything `run` checks before block 1: the file, the `[sweep]` table, the initial market."""
    from sim.cli.preflight import check_sweep_table
    from sim.runs.runner import build
    from sim.scenario.paths import parse_sets
    from sim.scenario.scenario import load_scenario

    sets = parse_sets(args.set)
    sc = load_scenario(args.scenario, sets, allow=args.allow_path)
    check_sweep_table(sc, sets)
    build(sc)
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
        print(_listing(name, desc, shutil.get_terminal_size().columns))
    return EXIT_OK


def _listing(name: str, description: str, columns: int) -> str:
    """A scenario's name and whole description, wrapped beside it; the name alone starts a line."""
    indent = " " * 29
    width = max(columns, 60)
    lines = textwrap.wrap(
        description,
        width=width,
        initial_indent=f"{name:<28} ",
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    ) or [name]
    return "\n".join(lines)


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

"""`ammsim sweep`: run a scenario over a grid and/or sample of parameters, times replicate seeds.

The sweep itself is `sim.sweep` (imported only when the command runs): this module turns flags
into one `SweepRequest` and prints what happens.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from sim.cli.allow import add_allow_flag

if TYPE_CHECKING:
    from sim.sweep.request import SweepRequest

EPILOG = """\
examples:
  ammsim sweep sweep_fee_vs_volatility
  ammsim sweep quickstart --grid pools.eth_usdc.fee_bps=5,30,100 --grid prices.ETH.sigma=0.4,0.8 --seeds 20
  ammsim sweep quickstart --sample lhs:64 --range prices.ETH.sigma=0.2:1.5 --range pools.eth_usdc.fee_bps=1:100
  ammsim sweep --resume outputs/quickstart/sweep-20261122T140720Z
  ammsim sweep quickstart --grid pools.eth_usdc.fee_bps=5,30 --engine dask --scheduler tcp://HOST:8786

writes <out>/<scenario>/sweep-<UTC time>/: sweep.json (the plan), results.jsonl (one line per
finished run, durable), results.csv (one row per run), summary.csv (per configuration: mean, std,
95% CI across seeds) and figures. Exit 0 when every run succeeded, 1 when some failed, 2 on a
user error (nothing runs then)."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `sweep` subcommand."""
    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep (grid / Latin hypercube x seeds) in parallel",
        description="Run a scenario over a grid and/or a sample of parameter values, times "
        "replicate seeds. The scenario's [sweep] table gives defaults; flags override or extend it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", nargs="?", help="scenario file, or the name of a bundled scenario")
    p.add_argument(
        "--grid",
        action="append",
        metavar="PATH=V1,V2,...",
        help="sweep a field over these values (repeat for a full grid)",
    )
    p.add_argument("--seeds", type=int, help="replicate seeds per configuration")
    p.add_argument("--sample", metavar="lhs:N|random:N", help="N sampled points over the ranges")
    p.add_argument(
        "--range", action="append", metavar="PATH=LO:HI", help="range of a sampled field"
    )
    p.add_argument("--blocks", type=int, help="blocks per run (default: the scenario's)")
    p.add_argument("--seed", type=int, help="base seed (default: the scenario's)")
    p.add_argument(
        "--set", action="append", metavar="PATH=VALUE", help="fix a scenario field for every run"
    )
    p.add_argument("--workers", type=int, help="parallel workers (default: CPU count)")
    p.add_argument("--engine", choices=["local", "dask"], help="local process pool, or Dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://HOST:8786")
    p.add_argument("--out", default="outputs", help="folder that receives the sweep folder")
    p.add_argument("--resume", metavar="DIR", help="finish the missing runs of a sweep folder")
    p.add_argument(
        "--retry-failed", action="store_true", help="with --resume: run failed runs again too"
    )
    p.add_argument(
        "--metric",
        action="append",
        metavar="NAME",
        help="a metric the table and figures show (repeat; fnmatch patterns such as "
        "'pools.*.fees'; default: the scenario's sweep.metrics, else chosen from the scenario)",
    )
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_allow_flag(p)
    p.set_defaults(handler=cmd_sweep)


PLAN_FLAGS = ("grid", "seeds", "sample", "range", "blocks", "seed", "set")


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.errors import UserInputError

    if args.scheduler and args.engine not in (None, "dask"):
        raise UserInputError("--scheduler needs --engine dask")
    engine = args.engine or ("dask" if args.scheduler else None)
    if args.resume:
        if args.scenario:
            raise UserInputError("give either a SCENARIO or --resume DIR, not both")
        changed = [f"--{f}" for f in PLAN_FLAGS if getattr(args, f) is not None]
        if changed:
            raise UserInputError(
                f"{', '.join(changed)}: a resumed sweep keeps its plan (sweep.json); "
                "start a new sweep to change it"
            )
    elif not args.scenario:
        raise UserInputError("ammsim sweep: give a SCENARIO (or --resume DIR)")
    elif args.retry_failed:
        raise UserInputError("--retry-failed only applies with --resume DIR")

    if engine in (None, "local"):
        from sim.sweep.executors.forkserver import start_forkserver

        start_forkserver(args.workers)
    from sim.sweep.results import finalize
    from sim.sweep.sweep import ignored_scheduler, open_sweep, run_missing

    request = _request(args, engine)
    try:
        plan, folder = open_sweep(request)
        if args.resume:
            print(f"resuming {folder}", file=sys.stderr)
            note = ignored_scheduler(plan, request)
            if note:
                print(f"note: {note}", file=sys.stderr)
        else:
            print(
                f"sweep {plan.scenario_name}: {len(plan.configs):,} configuration(s) x "
                f"{plan.seeds} seed(s) = {plan.runs:,} runs, base seed {plan.seed}\n"
                f"folder: {folder}/",
                file=sys.stderr,
            )
        run_missing(plan, folder, request)
    except KeyboardInterrupt:
        if "folder" in locals():
            print(
                f"interrupted: finished runs are kept; continue with\n"
                f"  ammsim sweep --resume {folder}",
                file=sys.stderr,
            )
        raise
    result = finalize(plan, folder, plots=request.plots, metrics=request.metrics)
    print(result.table)
    missing = f", {result.missing:,} not run" if result.missing else ""
    print(f"\n{result.runs:,} runs: {result.ok:,} ok, {result.failed:,} failed{missing}")
    print(f"results: {folder}/")
    print("  " + "  ".join(result.files))
    if result.failed or result.missing:
        print(
            f"some runs failed: see the error column of {folder}/results.csv "
            f"(rerun them with: ammsim sweep --resume {folder} --retry-failed)",
            file=sys.stderr,
        )
        return 1
    return 0


def _request(args: argparse.Namespace, engine: str | None) -> SweepRequest:
    """The sweep the flags ask for (flags already checked against each other)."""
    from sim.sweep.request import SweepRequest

    return SweepRequest(
        args.scenario,
        **({} if args.resume else _plan_fields(args)),
        engine=engine,
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        resume=args.resume,
        retry_failed=args.retry_failed,
        progress=not args.no_progress,
        plots=not args.no_plots,
        metrics=args.metric,
        allow=tuple(args.allow_path),
    )


def _plan_fields(args: argparse.Namespace) -> dict[str, Any]:
    from sim.scenario.paths import parse_sets
    from sim.sweep.values import parse_grid, parse_range, parse_sample

    grid = dict(parse_grid(g) for g in args.grid or ())
    ranges = dict(parse_range(r) for r in args.range or ())
    if args.sample:
        parse_sample(args.sample)
    return {
        "grid": grid,
        "seeds": args.seeds,
        "sample": args.sample,
        "ranges": ranges,
        "blocks": args.blocks,
        "seed": args.seed,
        "sets": parse_sets(args.set),
    }

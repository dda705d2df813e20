"""`ammsim bench`: throughput of the reference workloads (a benchmark, not a timed test)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "bench", help="measure blocks/s, swaps/s and memory on the reference workloads"
    )
    p.add_argument(
        "--short", action="store_true", help="quick mode for CI: 20,000 blocks per workload"
    )
    p.add_argument("--blocks", type=int, help="blocks per workload (default: a full year)")
    p.add_argument(
        "--only", choices=["cpmm", "stableswap"], action="append", help="run only these workloads"
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument(
        "--sweep",
        action="store_true",
        help="also time `ammsim sweep` of 8 runs on 1 and on 2 workers",
    )
    p.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from sim.errors import UserInputError
    from sim.runs.bench import (
        SHORT_BLOCKS,
        WORKLOADS,
        describe,
        exchange_rate,
        interpreter,
        run_isolated,
        table,
    )

    if args.blocks is not None and args.blocks < 1:
        raise UserInputError(f"--blocks must be positive, got {args.blocks}")
    blocks = args.blocks or (SHORT_BLOCKS if args.short else None)
    rows = []
    for key in args.only or list(WORKLOADS):
        print(f"running {WORKLOADS[key]} ({blocks or 'full'} blocks)...", file=sys.stderr)
        rows.append(run_isolated(WORKLOADS[key], blocks))
    micro = exchange_rate(20_000 if args.short else 100_000)
    python = interpreter()
    print(describe(python))
    print(table(rows))
    print(f"\nStableSwap exact exchange: {micro['exchange_per_cpu_s']:,.0f} calls per CPU-second")
    report: dict[str, object] = {"python": python, "workloads": rows, "stableswap_exchange": micro}
    if args.sweep:
        from sim.runs.bench import sweep_scaling

        scaling = sweep_scaling(blocks=3_600 if args.short else 14_400)
        report["sweep_scaling"] = scaling
        print(
            f"`ammsim sweep` of {scaling['runs']} runs: {scaling['wall_1_worker_s']:.1f} s on "
            f"1 worker, {scaling['wall_2_workers_s']:.1f} s on 2 (ratio {scaling['ratio']:.2f}; "
            f"fastest of {scaling['repeats']} taken in turn)"
        )
    from sim.runs import strict_json

    text = strict_json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0

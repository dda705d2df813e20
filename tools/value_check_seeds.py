"""Run every bundled scenario over several seeds and report each run's value check.

    python tools/value_check_seeds.py [--seeds 10] [--max-blocks N] [--every-block]

Each run ends with the value books' check (sim.model.value_books); this prints per run the
agents' P&L, the largest terms, the residual and its tolerance, and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys
import time

from sim.errors import ConservationError
from sim.model.model import MarketModel
from sim.runs.runner import advance, resolve
from sim.scenario.files import bundled


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--max-blocks", type=int, default=None)
    ap.add_argument("--every-block", action="store_true")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    failed = 0
    for name in args.only or bundled():
        for seed in range(1, args.seeds + 1):
            sc = resolve(name, seed=seed, blocks=None, replicate=None, overrides=None)
            blocks = sc.scenario.blocks
            if args.max_blocks:
                blocks = min(blocks, args.max_blocks)
                sc = resolve(name, seed=seed, blocks=blocks, replicate=None, overrides=None)
            t = time.perf_counter()
            model = MarketModel(sc, check_every_block=args.every_block)
            try:
                advance(model, blocks)
                model.check()
                closed = model.value_books.last
                assert closed is not None
                status = "ok"
            except ConservationError as err:
                failed += 1
                print(f"{name} seed {seed}: FAILED {err}", flush=True)
                continue
            limit = 1e-9 * max(closed.system_value, 1.0)
            top = sorted(closed.terms.items(), key=lambda kv: -abs(kv[1]))[:3]
            print(
                f"{name:32s} seed {seed:2d} {blocks:7d} blocks {status}: P&L {closed.pnl:+.6g}, "
                f"residual {closed.residual:+.2e} (limit {limit:.2e}); "
                + ", ".join(f"{k} {v:+.4g}" for k, v in top)
                + f" [{time.perf_counter() - t:.0f} s]",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

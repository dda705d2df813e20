"""Run every bundled scenario and record a hash of each output file, to prove a refactor
changed no behaviour.

    python tools/snapshot_outputs.py DIR            # write DIR/hashes.json (and the run folders)
    python tools/snapshot_outputs.py DIR --compare OLD/hashes.json

Each scenario runs twice, as the redesign issue asks: at its default seed and length, and at
seed 7 with --blocks 2000. Every file but manifest.json (which records the machine) is hashed.
Exits 1 and names the files that differ when --compare finds any.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# The CLI through its Python entry point, so that the tool runs on any checkout put first on
# PYTHONPATH (the baseline in a worktree as well as the current tree).
AMMSIM = [sys.executable, "-c", "import sys; from sim.cli.main import main; sys.exit(main())"]


def scenario_names() -> list[str]:
    out = subprocess.run([*AMMSIM, "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip() and not line[0].isspace()]


def run_one(out: Path, name: str, extra: list[str]) -> dict[str, str]:
    """Run one scenario into its own folder and hash every file but the manifest."""
    tag = name + ("-" + "-".join(a.lstrip("-") for a in extra) if extra else "")
    dest = out / tag
    dest.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    cmd = [*AMMSIM, "run", name, "--out", str(dest), "--quiet", *extra]
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    (run_dir,) = [p for p in dest.rglob("summary.json")]
    hashes = {}
    for f in sorted(run_dir.parent.iterdir()):
        if f.is_file() and f.name != "manifest.json":
            hashes[f"{tag}/{f.name}"] = hashlib.sha256(f.read_bytes()).hexdigest()
    return hashes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    names = args.only or scenario_names()
    jobs = [(n, []) for n in names] + [(n, ["--seed", "7", "--blocks", "2000"]) for n in names]
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(lambda j: run_one(args.out, *j), jobs))
    hashes = {k: v for r in results for k, v in r.items()}
    (args.out / "hashes.json").write_text(json.dumps(hashes, indent=1, sort_keys=True))
    print(f"{len(hashes)} files from {len(jobs)} runs")
    if args.compare:
        old = json.loads(args.compare.read_text())
        old = {
            k: v for k, v in old.items() if k.split("/")[0] in {k2.split("/")[0] for k2 in hashes}
        }
        differ = sorted(k for k in old.keys() | hashes.keys() if old.get(k) != hashes.get(k))
        for k in differ:
            print("differs:", k)
        print("identical" if not differ else f"{len(differ)} files differ")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

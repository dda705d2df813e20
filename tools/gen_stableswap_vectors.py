"""Write tests/vectors/stableswap.json: StableSwap reference vectors from curvesim.

Run by hand, never by the test suite. The reference is curvesim's port of the
Curve plain pool (`curvesim.pool.stableswap.pool.CurvePool`), which curvesim
validates against the Vyper contracts. It is independent of
`sim/pools/stableswap.py`: this script does not import ammsim.

    /root/.pyenv/versions/3.11.7/bin/python -m venv /tmp/curvesimvenv
    /tmp/curvesimvenv/bin/pip install curvesim==0.5.0
    /tmp/curvesimvenv/bin/python tools/gen_stableswap_vectors.py

curvesim's CurvePool keeps A without A_PRECISION (the 3pool-era formulas). For an
integer A the template's formulas with A_PRECISION = 100 give the very same
integers (every A_PRECISION factor cancels exactly inside each floor division),
so the vectors hold for SwapTemplateBase.vy as long as A is not mid-ramp; no
vector ramps A.

Each case: the pool's parameters, the first deposit, then a sequence of
operations. After every operation the file records the operation's result and
the whole state: balances, admin balances (the contract's token balance minus
`balances`), LP total supply and virtual price.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from curvesim.pool.stableswap.pool import CurvePool

OUT = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "stableswap.json"

CASES = [
    # name, decimals, A, fee, admin_fee, first deposit (whole coins), seed, steps
    ("2coin-18-18", (18, 18), 100, 4_000_000, 5_000_000_000, (1_000_000, 1_000_000), 1, 40),
    ("2coin-18-6-imbalanced", (18, 6), 2000, 1_000_000, 5_000_000_000, (5_000_000, 700_000), 2, 40),
    ("2coin-A1", (18, 18), 1, 30_000_000, 0, (10_000, 30_000), 3, 30),
    ("3pool-18-6-6", (18, 6, 6), 2000, 1_000_000, 5_000_000_000, (3_000_000,) * 3, 4, 50),
    ("3coin-18-18-18-A10", (18, 18, 18), 10, 30_000_000, 10_000_000_000, (1000, 2000, 500), 5, 40),
    ("4coin-18-6-6-18", (18, 6, 6, 18), 500, 4_000_000, 5_000_000_000, (250_000,) * 4, 6, 40),
]


def state(pool: CurvePool) -> dict[str, object]:
    return {
        "balances": [int(b) for b in pool.balances],
        "admin_balances": [int(a) for a in pool.admin_balances],
        "total_supply": int(pool.tokens),
        "virtual_price": int(pool.get_virtual_price()),
    }


def random_amount(rng: random.Random, balance: int, lo: float, hi: float) -> int:
    """An amount between lo and hi of `balance`, log-uniform, at least 1."""
    frac = 10 ** rng.uniform(lo, hi)
    return max(1, int(balance * frac))


def run_case(name, decimals, A, fee, admin_fee, deposit, seed, steps) -> dict[str, object]:
    rng = random.Random(seed)
    n = len(decimals)
    rates = [10 ** (36 - d) for d in decimals]
    first = [whole * 10**d for whole, d in zip(deposit, decimals, strict=True)]
    pool = CurvePool(A=A, D=list(first), n=n, rates=rates, fee=fee, admin_fee=admin_fee)
    minted = int(pool.tokens)
    ops: list[dict[str, object]] = []
    kinds = ["exchange"] * 5 + ["add_liquidity"] * 2 + ["remove_liquidity_one_coin"] * 2
    kinds += ["remove_liquidity_imbalance"] * 2 + ["remove_liquidity"]
    while len(ops) < steps:
        kind = rng.choice(kinds)
        if kind == "exchange":
            i, j = rng.sample(range(n), 2)
            dx = random_amount(rng, pool.balances[i], -6, -0.3)
            dy, dy_fee = pool.exchange(i, j, dx)
            op = {"op": kind, "args": [i, j, dx], "result": int(dy), "fee": int(dy_fee)}
        elif kind == "add_liquidity":
            amounts = [
                0 if rng.random() < 0.3 else random_amount(rng, b, -5, -0.5) for b in pool.balances
            ]
            if not any(amounts):
                amounts[0] = random_amount(rng, pool.balances[0], -5, -1)
            minted_now = pool.add_liquidity(amounts)
            op = {"op": kind, "args": [amounts], "result": int(minted_now)}
        elif kind == "remove_liquidity_one_coin":
            i = rng.randrange(n)
            burn = random_amount(rng, pool.tokens, -5, -1.3)
            dy, _ = pool.remove_liquidity_one_coin(burn, i)
            op = {"op": kind, "args": [burn, i], "result": int(dy)}
        elif kind == "remove_liquidity_imbalance":
            amounts = [
                0 if rng.random() < 0.3 else random_amount(rng, b, -5, -1.5) for b in pool.balances
            ]
            if not any(amounts):
                amounts[-1] = random_amount(rng, pool.balances[-1], -5, -2)
            burned, _ = pool.remove_liquidity_imbalance(amounts)
            op = {"op": kind, "args": [amounts], "result": int(burned)}
        else:
            burn = random_amount(rng, pool.tokens, -4, -1)
            before = list(pool.balances)
            pool.remove_liquidity(burn)
            paid = [int(b0 - b1) for b0, b1 in zip(before, pool.balances, strict=True)]
            op = {"op": kind, "args": [burn], "result": paid}
        op["state"] = state(pool)
        ops.append(op)
    return {
        "name": name,
        "decimals": list(decimals),
        "A": A,
        "fee": fee,
        "admin_fee": admin_fee,
        "first_deposit": first,
        "first_mint": minted,
        "ops": ops,
    }


def main() -> int:
    cases = [run_case(*case) for case in CASES]
    doc = {
        "source": "curvesim 0.5.0 curvesim.pool.stableswap.pool.CurvePool",
        "generator": "tools/gen_stableswap_vectors.py",
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    total = sum(len(c["ops"]) for c in cases)
    print(f"wrote {OUT} with {len(cases)} cases, {total} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())

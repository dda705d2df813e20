"""Write tests/vectors/stableswap.json: StableSwap reference vectors from two independent sources.

Run by hand, never by the test suite; neither source imports ammsim.

1. ``cases``: curvesim's port of the Curve plain pool
   (`curvesim.pool.stableswap.pool.CurvePool`, which curvesim validates against
   the Vyper contracts)::

       /root/.pyenv/versions/3.11.7/bin/python -m venv /tmp/curvesimvenv
       /tmp/curvesimvenv/bin/pip install curvesim==0.5.0
       /tmp/curvesimvenv/bin/python tools/gen_stableswap_vectors.py

   curvesim keeps A without A_PRECISION (the 3pool-era formulas). For an integer
   A the template's formulas with A_PRECISION = 100 give the very same integers
   (every A_PRECISION factor cancels exactly inside each floor division), so
   these cases hold for SwapTemplateBase.vy while A is not mid-ramp; none ramps.

2. ``evm_cases``: the contract itself, curve-contract
   ``contracts/pool-templates/base/SwapTemplateBase.vy``, compiled by vyper 0.2.16
   and run on py-evm through titanoboa, with A ramps, block time and reverts.
   The contract source is not part of this repository: save the template (its
   ``___N_COINS___``, ``___PRECISION_MUL___`` and ``___RATES___`` placeholders
   intact) and a minimal ERC20 with ``mint``/``burnFrom`` (used for the coins and
   the LP token) somewhere local, then::

       /root/.pyenv/versions/3.9.18/bin/python -m venv /tmp/vy02venv
       /tmp/vy02venv/bin/pip install vyper==0.2.16
       /root/.pyenv/versions/3.11.7/bin/python -m venv /tmp/boavenv
       /tmp/boavenv/bin/pip install titanoboa
       /tmp/boavenv/bin/python tools/gen_stableswap_vectors.py --evm \
           --template /tmp/vyref/SwapTemplateBase.vy --token /tmp/vyref/Token.vy \
           --vyper /tmp/vy02venv/bin/vyper

Each run rewrites only its own section of the JSON file and keeps the other.
Each case: the pool's parameters, the first deposit, then a sequence of
operations. After every operation the file records the operation's result (or
that it reverted) and the whole state: balances, admin balances (the contract's
token balance minus `balances`), LP total supply and virtual price (and, for the
EVM cases, the block time and A_precise).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def state(pool: Any) -> dict[str, object]:
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
    from curvesim.pool.stableswap.pool import CurvePool

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


EVM_CASES = [
    # name, decimals, A, fee, admin_fee, first deposit (whole coins), seed, steps
    ("evm-2coin-18-6-ramp", (18, 6), 100, 4_000_000, 5_000_000_000, (1_000_000, 800_000), 11, 60),
    ("evm-3pool-ramp", (18, 6, 6), 2000, 1_000_000, 5_000_000_000, (3_000_000,) * 3, 12, 60),
    ("evm-2coin-18-18-A1000", (18, 18), 1000, 30_000_000, 10_000_000_000, (50_000, 20_000), 13, 50),
    ("evm-4coin-ramp", (18, 6, 6, 18), 50, 4_000_000, 5_000_000_000, (250_000,) * 4, 14, 50),
]
T0 = 1_700_000_000


def compile_vyper(vyper: str, source: Path) -> tuple[list[dict[str, Any]], bytes]:
    out = subprocess.run(
        [vyper, "-f", "abi,bytecode", str(source)], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    return json.loads(out[0]), bytes.fromhex(out[1].strip().removeprefix("0x"))


def run_evm_case(
    template: str, token: tuple[list, bytes], vyper: str, workdir: Path, case: tuple
) -> dict[str, object]:
    import boa
    from eth_abi import encode

    name, decimals, A, fee, admin_fee, deposit, seed, steps = case
    n = len(decimals)
    source = (
        template.replace("___N_COINS___", str(n))
        .replace("___PRECISION_MUL___", str([10 ** (18 - d) for d in decimals]))
        .replace("___RATES___", str([10 ** (36 - d) for d in decimals]))
    )
    pool_file = workdir / f"pool_{name}.vy"
    pool_file.write_text(source)
    pool_abi, pool_code = compile_vyper(vyper, pool_file)
    token_abi, token_code = token

    boa.env.timestamp = T0
    me = boa.env.eoa

    def deploy(abi: list, code: bytes, types: list[str], args: list) -> Any:
        address, _ = boa.env.deploy_code(bytecode=code + encode(types, args))
        return boa.loads_abi(json.dumps(abi), name="c").at(address)

    coins = [deploy(token_abi, token_code, ["uint256"], [d]) for d in decimals]
    lp = deploy(token_abi, token_code, ["uint256"], [18])
    pool = deploy(
        pool_abi,
        pool_code,
        ["address", f"address[{n}]", "address", "uint256", "uint256", "uint256"],
        [me, [c.address for c in coins], lp.address, A, fee, admin_fee],
    )
    for c in coins:
        c.mint(me, 10**40)
        c.approve(pool.address, 2**256 - 1)

    def snapshot() -> dict[str, object]:
        return {
            "balances": [pool.balances(k) for k in range(n)],
            "admin_balances": [pool.admin_balances(k) for k in range(n)],
            "total_supply": lp.totalSupply(),
            "virtual_price": pool.get_virtual_price(),
            "A_precise": pool.A_precise(),
        }

    first = [whole * 10**d for whole, d in zip(deposit, decimals, strict=True)]
    minted = pool.add_liquidity(first, 0)
    rng = random.Random(seed)
    ops: list[dict[str, object]] = []
    kinds = ["exchange"] * 12 + ["add_liquidity"] * 4 + ["remove_liquidity_one_coin"] * 4
    kinds += ["remove_liquidity_imbalance"] * 4 + ["remove_liquidity"] * 2 + ["sleep"] * 2
    kinds += ["ramp_A", "exchange_min", "exchange_min", "stop_ramp_A"]
    boa.env.timestamp += 86400  # the first ramp may start a day after deployment
    while len(ops) < steps:
        # open with a ramp over a week, so most operations run mid-ramp
        kind = "first_ramp" if not ops else rng.choice(kinds)
        balances = [pool.balances(k) for k in range(n)]
        supply = lp.totalSupply()
        if kind == "sleep":
            boa.env.timestamp += rng.choice([12, 3600, 86400, 3 * 86400])
            ops.append({"op": "sleep", "time": boa.env.timestamp, "state": snapshot()})
            continue
        if kind in ("exchange", "exchange_min"):
            i, j = rng.sample(range(n), 2)
            dx = random_amount(rng, balances[i], -12 if rng.random() < 0.1 else -6, -0.3)
            min_dy = 0
            if kind == "exchange_min":
                try:
                    min_dy = pool.get_dy(i, j, dx) + rng.choice([0, 1])
                except Exception:
                    min_dy = 1
            call, args = "exchange", [i, j, dx, min_dy]
        elif kind == "add_liquidity":
            amounts = [
                0 if rng.random() < 0.3 else random_amount(rng, b, -5, -0.5) for b in balances
            ]
            call, args = kind, [amounts, 0]
        elif kind == "remove_liquidity_one_coin":
            call, args = kind, [random_amount(rng, supply, -5, -1.3), rng.randrange(n), 0]
        elif kind == "remove_liquidity_imbalance":
            amounts = [
                0 if rng.random() < 0.3 else random_amount(rng, b, -5, -1.5) for b in balances
            ]
            call, args = kind, [amounts, supply]
        elif kind == "remove_liquidity":
            call, args = kind, [random_amount(rng, supply, -4, -1), [0] * n]
        elif kind == "first_ramp":
            factor = rng.choice([0.2, 0.5, 3, 7])
            future = max(1, int(pool.A_precise() // 100 * factor))
            call, args = "ramp_A", [future, boa.env.timestamp + 7 * 86400 + 12345]
        elif kind == "ramp_A":
            current = pool.A_precise() // 100
            future = max(1, int(current * 10 ** rng.uniform(-1.1, 1.1)))
            duration = rng.choice([86400 - 1, 86400, 2 * 86400 + 7, 7 * 86400 + 12345])
            call, args = kind, [future, boa.env.timestamp + duration]
        else:
            call, args = "stop_ramp_A", []
        op: dict[str, object] = {"op": call, "args": args, "time": boa.env.timestamp}
        try:
            result = getattr(pool, call)(*args)
        except boa.BoaError:
            op["revert"] = True
        else:
            if isinstance(result, (list, tuple)):
                result = list(result)
            op["result"] = result
        op["state"] = snapshot()
        ops.append(op)
        boa.env.timestamp += rng.choice([0, 12, 600, 3600, 4 * 3600, 12 * 3600])
    return {
        "name": name,
        "decimals": list(decimals),
        "A": A,
        "fee": fee,
        "admin_fee": admin_fee,
        "start_time": T0,
        "first_deposit": first,
        "first_mint": minted,
        "ops": ops,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--evm", action="store_true", help="run the Vyper contract, not curvesim")
    parser.add_argument("--template", type=Path, help="SwapTemplateBase.vy, placeholders intact")
    parser.add_argument("--token", type=Path, help="a minimal ERC20 with mint and burnFrom")
    parser.add_argument("--vyper", default="vyper", help="a vyper 0.2.x compiler executable")
    args = parser.parse_args()
    doc: dict[str, Any] = json.loads(OUT.read_text()) if OUT.exists() else {}
    if args.evm:
        if not (args.template and args.token):
            parser.error("--evm needs --template and --token")
        workdir = Path("/tmp/gen_stableswap_vectors")
        workdir.mkdir(exist_ok=True)
        token = compile_vyper(args.vyper, args.token)
        template = args.template.read_text()
        version = subprocess.run(
            [args.vyper, "--version"], check=True, capture_output=True, text=True
        ).stdout.strip()
        cases = [run_evm_case(template, token, args.vyper, workdir, c) for c in EVM_CASES]
        doc["evm_source"] = f"{args.template.name} compiled by vyper {version}, run by titanoboa"
        # the template's own leading comments say what (if anything) differs from upstream
        notes = [ln[1:].strip() for ln in template.splitlines()[:8] if ln.startswith("#")]
        doc["evm_template_notes"] = [ln for ln in notes if not ln.startswith("@version")]
        doc["evm_cases"] = cases
    else:
        cases = [run_case(*case) for case in CASES]
        doc["source"] = "curvesim 0.5.0 curvesim.pool.stableswap.pool.CurvePool"
        doc["cases"] = cases
    doc["generator"] = "tools/gen_stableswap_vectors.py"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    total = sum(len(c["ops"]) for c in cases)
    print(f"wrote {OUT}: {len(cases)} {'EVM' if args.evm else 'curvesim'} cases, {total} ops")
    return 0


if __name__ == "__main__":
    sys.exit(main())

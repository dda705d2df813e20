"""Generate tests/vectors/uniswap_v2_oracle.json: the V2 pair's oracle run in py-evm.

Run by hand, never by the test suite (py-evm as for `gen_v2_vectors.py`):

    npm pack @uniswap/v2-core@1.0.1 @uniswap/v2-periphery@1.1.0-beta.0   # unpack both
    /tmp/evmvenv/bin/python tools/gen_v2_oracle_vectors.py \
        --core CORE/package/build --periphery PERIPHERY/package/build

It deploys the published `UniswapV2Factory`, two of v2-core's test `ERC20`s and the pair,
then the periphery's `ExampleOracleSimple` on that pair, and runs a seeded sequence of
operations, each in a block at a chosen timestamp (repeated timestamps share a block; one
jump crosses 2**32, where the pair's uint32 clock wraps): token transfers to the pair, then
`mint`, `swap`, `sync`, `skim` or nothing; LP transfers then `burn`; the oracle's `update`.
Some revert on purpose: a swap asking one wei more than `getAmountOut` ('UniswapV2: K'), a
swap with no output, sync or mint past uint112 ('UniswapV2: OVERFLOW'), an update before
the 24-hour period ('ExampleOracleSimple: PERIOD_NOT_ELAPSED'). After every operation it
records the pair's reserves, cumulative prices, `blockTimestampLast`, token balances, LP
supply and balances, and the oracle's slots and `consult` of one whole token each way.
`tests/pools/uniswap_v2/test_v2_oracle_vectors.py` replays the file on `ConstantProductPool`.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from eth_utils import to_canonical_address
from gen_v2_vectors import encode, revert_reason, selector, words
from gen_v3_vectors import TimedEvm

UINT112_MAX = 2**112 - 1
ZERO = b"\0" * 20
CONSULT_IN = 10**18


def code(build: Path, name: str) -> bytes:
    return bytes.fromhex(
        json.loads((build / f"{name}.json").read_text())["bytecode"].removeprefix("0x")
    )


class Harness:
    def __init__(self, evm: TimedEvm, core: Path) -> None:
        self.evm = evm
        self.me = evm.address["deployer"]
        factory = evm.deploy("deployer", code(core, "UniswapV2Factory"), encode(self.me))
        tokens = [evm.deploy("deployer", code(core, "ERC20"), encode(2**255)) for _ in range(2)]
        evm.must("deployer", factory, selector("createPair(address,address)") + encode(*tokens))
        out = evm.call(factory, selector("getPair(address,address)") + encode(*tokens))
        self.pair = to_canonical_address(out[12:32])
        self.token0, self.token1 = sorted(tokens)
        self.factory = factory
        self.oracle: bytes | None = None

    def read(self, to: bytes, signature: str, *args: int | bytes) -> list[int]:
        return words(self.evm.call(to, selector(signature) + encode(*args)))

    def transfer(self, token: bytes, amount: int) -> None:
        if amount:
            data = selector("transfer(address,uint256)") + encode(self.pair, amount)
            self.evm.must("deployer", token, data)

    def state(self) -> dict[str, Any]:
        r0, r1, last = self.read(self.pair, "getReserves()")
        state: dict[str, Any] = {
            "reserves": [str(r0), str(r1)],
            "block_timestamp_last": last,
            "price0_cumulative_last": str(self.read(self.pair, "price0CumulativeLast()")[0]),
            "price1_cumulative_last": str(self.read(self.pair, "price1CumulativeLast()")[0]),
            "balances": [
                str(self.read(t, "balanceOf(address)", self.pair)[0])
                for t in (self.token0, self.token1)
            ],
            "total_supply": str(self.read(self.pair, "totalSupply()")[0]),
            "lp": {
                name: str(self.read(self.pair, "balanceOf(address)", addr)[0])
                for name, addr in (("deployer", self.me), ("zero", ZERO))
            },
        }
        if self.oracle is not None:
            o = self.oracle
            consults = []
            for token in (self.token0, self.token1):
                data = selector("consult(address,uint256)") + encode(token, CONSULT_IN)
                ok, out = self.evm.send("deployer", o, data)
                consults.append(str(words(out)[0]) if ok else "revert:" + revert_reason(out))
            state["oracle"] = {
                "price0_cumulative_last": str(self.read(o, "price0CumulativeLast()")[0]),
                "price1_cumulative_last": str(self.read(o, "price1CumulativeLast()")[0]),
                "block_timestamp_last": self.read(o, "blockTimestampLast()")[0],
                "price0_average": str(self.read(o, "price0Average()")[0]),
                "price1_average": str(self.read(o, "price1Average()")[0]),
                "consult": consults,
            }
        return state

    def op(self, record: dict[str, Any], periphery: Path) -> dict[str, Any]:
        self.evm.at(record["time"])
        kind = record["op"]
        self.transfer(self.token0, int(record.get("transfer0", 0)))
        self.transfer(self.token1, int(record.get("transfer1", 0)))
        if int(record.get("transfer_lp", 0)):
            data = selector("transfer(address,uint256)") + encode(
                self.pair, int(record["transfer_lp"])
            )
            self.evm.must("deployer", self.pair, data)
        before = self.state()
        call: bytes | None = None
        target = self.pair
        if kind == "mint":
            call = selector("mint(address)") + encode(self.me)
        elif kind == "burn":
            call = selector("burn(address)") + encode(self.me)
        elif kind == "swap":
            out = (int(record["amount0_out"]), int(record["amount1_out"]))
            call = selector("swap(uint256,uint256,address,bytes)") + encode(*out, self.me, 128, 0)
        elif kind == "sync":
            call = selector("sync()")
        elif kind == "skim":
            call = selector("skim(address)") + encode(self.me)
        elif kind == "deploy_oracle":
            args = encode(self.factory, self.token0, self.token1)
            self.oracle = self.evm.deploy("deployer", code(periphery, "ExampleOracleSimple"), args)
        elif kind == "update":
            target, call = self.oracle, selector("update()")
        elif kind != "transfer":
            raise ValueError(kind)
        if call is not None:
            ok, out = self.evm.send("deployer", target, call)
            if not ok:
                record["revert"] = revert_reason(out)
        record["state"] = self.state()
        if "revert" in record and record["state"] != before:
            raise RuntimeError(f"a revert changed the state: {record}")
        return record


def amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountOut (fee 0.3%)."""
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


def run(harness: Harness, periphery: Path, seed: int, start: int) -> list[dict[str, Any]]:
    """Choose each operation from the state so far (sizes depend on the reserves), run it."""
    rng = random.Random(seed)
    ops: list[dict[str, Any]] = []
    t = start

    def do(record: dict[str, Any]) -> dict[str, Any]:
        ops.append(harness.op({"time": t, **record}, periphery))
        return ops[-1]["state"]

    state = do({"op": "mint", "transfer0": str(5 * 10**21), "transfer1": str(10**22)})
    state = do({"op": "deploy_oracle"})
    for step in range(60):
        if step == 38:
            t = 2**32 - 700  # a jump forward, then across the uint32 wrap
        t += rng.choice([0, 0, 1, 12, 13, 600, 3600, 7200, 30000, 86400])
        r0, r1 = (int(r) for r in state["reserves"])
        roll = rng.random()
        if step in (5, 30, 45):
            state = do({"op": "update"})
        elif step == 12:
            state = do({"op": "sync", "transfer0": str(UINT112_MAX - r0 + 1)})
            state = do({"op": "skim"})
        elif step == 20:
            big = {"transfer0": str(r0 // 10), "transfer1": str(UINT112_MAX)}
            state = do({"op": "mint", **big})
            state = do({"op": "skim"})
        elif step == 25:
            state = do({"op": "swap", "amount0_out": "0", "amount1_out": "0", "transfer0": "1000"})
            state = do({"op": "skim"})
        elif roll < 0.45:
            zero_for_one = rng.random() < 0.5
            r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
            a_in = rng.randint(r_in // 10_000, r_in // 5)
            out = amount_out(a_in, r_in, r_out)
            greedy = rng.random() < 0.3
            outs = (0, out + greedy) if zero_for_one else (out + greedy, 0)
            transfers = (a_in, 0) if zero_for_one else (0, a_in)
            rec = {"op": "swap", "amount0_out": str(outs[0]), "amount1_out": str(outs[1])}
            state = do({**rec, "transfer0": str(transfers[0]), "transfer1": str(transfers[1])})
            if greedy:  # the input stays in the pair: take the exact output for it now
                outs = (0, out) if zero_for_one else (out, 0)
                state = do({"op": "swap", "amount0_out": str(outs[0]), "amount1_out": str(outs[1])})
        elif roll < 0.6:
            f = rng.uniform(0.01, 0.3)
            state = do({"op": "mint", "transfer0": str(int(r0 * f)), "transfer1": str(int(r1 * f))})
        elif roll < 0.72:
            lp = int(state["lp"]["deployer"])
            state = do({"op": "burn", "transfer_lp": str(rng.randint(lp // 50, lp // 8))})
        elif roll < 0.82:
            amounts = {
                "transfer0": str(rng.randint(0, r0 // 20)),
                "transfer1": str(rng.randint(0, r1 // 20)),
            }
            state = do({"op": rng.choice(["sync", "transfer"]), **amounts})
        elif roll < 0.9:
            state = do({"op": "skim"})
        else:
            state = do({"op": "update"})
    return ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=Path, required=True)
    parser.add_argument("--periphery", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("tests/vectors/uniswap_v2_oracle.json"))
    args = parser.parse_args()
    start = 1_700_000_000
    evm = TimedEvm()
    evm.at(start - 100)
    harness = Harness(evm, args.core)
    ops = run(harness, args.periphery, 25, start)
    reverts = [op["revert"] for op in ops if "revert" in op]
    print(len(ops), "operations,", len(reverts), "reverted:", sorted(set(reverts)))
    doc = {
        "description": (
            "A Uniswap V2 pair (0.3%) and the periphery's ExampleOracleSimple on it after each "
            "operation, produced by executing the published bytecode in py-evm. 'time' is the "
            "block timestamp; transfer0/transfer1/transfer_lp are sent to the pair first (their "
            "own transactions, which succeed), then the call. A record with 'revert' failed "
            "with that reason and left the state as the transfers left it. 'consult' is the "
            f"oracle's consult of {CONSULT_IN} of token0 and of token1. Big integers are strings."
        ),
        "generator": "tools/gen_v2_oracle_vectors.py",
        "contracts": "@uniswap/v2-core@1.0.1 and @uniswap/v2-periphery@1.1.0-beta.0 build artifacts",
        "consult_amount_in": str(CONSULT_IN),
        "ops": ops,
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()

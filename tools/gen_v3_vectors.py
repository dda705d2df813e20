"""Generate tests/vectors/uniswap_v3_oracle.json by running the real Uniswap V3 bytecode in py-evm.

Run by hand, never by the test suite. Besides py-evm (as for `gen_v2_vectors.py`) it needs
the published v3-core artifacts and v3-core's two test contracts compiled with solc 0.7.6:

    npm pack @uniswap/v3-core@1.0.1 && tar xzf uniswap-v3-core-1.0.1.tgz   # -> package/artifacts
    npm install solc@0.7.6
    node tools/compile_v3_test_contracts.js V3_CORE_CHECKOUT test_contracts.json
    /tmp/evmvenv/bin/python tools/gen_v3_vectors.py --artifacts package/artifacts \
        --test-contracts test_contracts.json

(V3_CORE_CHECKOUT: a checkout of github.com/Uniswap/v3-core, for contracts/test/TestERC20.sol
and TestUniswapV3Callee.sol, compiled with the repository's optimizer settings.)

It deploys the published `UniswapV3Factory`, creates a 0.3% pool of two test tokens, and
drives it through `TestUniswapV3Callee` (mints, exact-input swaps, swaps to a price, flash
loans repaid exactly, a wei short or with a donation) and directly (burns,
`increaseObservationCardinalityNext`, `setFeeProtocol`), each in a block whose timestamp it
chooses; one scenario starts just below 2**32 so the pool's uint32 clock wraps. After every
operation it records slot0, liquidity, fee growth, protocol fees, the pool's token balances,
`observe` at several ages (or its revert) and `snapshotCumulativesInside` of every range.
`tests/pools/uniswap_v3/test_v3_vectors.py` replays the file on `UniswapV3Pool`.
"""

from __future__ import annotations

import argparse
import json
import random
from math import isqrt
from pathlib import Path
from typing import Any

from eth.chains.base import MiningChain
from eth_utils import to_canonical_address
from gen_v2_vectors import Evm, encode, revert_reason, selector, words

SECONDS_AGOS = (0, 1, 12, 100, 1000, 5000)
FULL = (-887220, 887220)
RANGES = [FULL, (-600, 600), (-1800, -600), (600, 2400), (-120, 60)]
MAX_U128 = 2**128 - 1


def signed(value: int, bits: int = 256) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def u(value: int) -> int:
    """An int as its uint256 ABI word (two's complement for negatives)."""
    return value % 2**256


class TimedEvm(Evm):
    """The V2 generator's chain, with each block's timestamp set by the caller."""

    def at(self, timestamp: int) -> None:
        chain: MiningChain = self.chain
        if chain.header.timestamp != timestamp:
            if self.txs_in_block:
                chain.mine_block()
                self.txs_in_block = 0
            parent = chain.get_canonical_head()
            chain.header = chain.create_header_from_parent(parent, timestamp=timestamp)

    def send(self, sender: str, to: bytes, data: bytes) -> tuple[bool, bytes]:
        vm = self.chain.get_vm()
        nonce = vm.state.get_nonce(self.address[sender])
        tx = vm.create_unsigned_transaction(
            nonce=nonce, gas_price=1, gas=8_000_000, to=to, value=0, data=data
        ).as_signed_transaction(self.keys[sender], chain_id=None)
        _, _, computation = self.chain.apply_transaction(tx)
        self.txs_in_block += 1
        if computation.is_error:
            return False, computation.output
        return True, computation.output


class PoolHarness:
    def __init__(self, evm: TimedEvm, factory_code: bytes, tests: dict[str, bytes]) -> None:
        self.evm = evm
        tokens = [evm.deploy("deployer", tests["TestERC20"], encode(2**255)) for _ in range(2)]
        self.token0, self.token1 = sorted(tokens)
        self.callee = evm.deploy("deployer", tests["TestUniswapV3Callee"])
        self.factory = evm.deploy("deployer", factory_code)
        evm.must(
            "deployer",
            self.factory,
            selector("createPool(address,address,uint24)") + encode(self.token0, self.token1, 3000),
        )
        out = evm.call(
            self.factory,
            selector("getPool(address,address,uint24)") + encode(self.token0, self.token1, 3000),
        )
        self.pool = to_canonical_address(out[12:32])
        for token in (self.token0, self.token1):
            evm.must(
                "deployer",
                token,
                selector("approve(address,uint256)") + encode(self.callee, 2**255),
            )
        self.me = evm.address["deployer"]

    def view(self, signature: str, *args: int | bytes) -> list[int]:
        return words(self.evm.call(self.pool, selector(signature) + encode(*args)))

    def observe_one(self, seconds_ago: int) -> list[str] | str:
        data = selector("observe(uint32[])") + encode(32, 1, seconds_ago)
        ok, out = self.evm.send("deployer", self.pool, data)
        if not ok:
            return "revert:" + revert_reason(out)
        w = words(out)  # offsets, len, tick cumulative, len, seconds per liquidity
        return [str(signed(w[3])), str(w[5])]

    def snapshot(self, lower: int, upper: int) -> list[str] | str:
        data = selector("snapshotCumulativesInside(int24,int24)") + encode(u(lower), u(upper))
        ok, out = self.evm.send("deployer", self.pool, data)
        if not ok:
            return "revert"
        w = words(out)
        return [str(signed(w[0])), str(w[1]), str(w[2])]

    def state(self) -> dict[str, Any]:
        sqrt_price, tick, index, cardinality, cardinality_next, fee_protocol, _ = self.view(
            "slot0()"
        )
        fees = self.view("protocolFees()")
        balance = [
            words(self.evm.call(t, selector("balanceOf(address)") + encode(self.pool)))[0]
            for t in (self.token0, self.token1)
        ]
        return {
            "sqrt_price_x96": str(sqrt_price),
            "tick": signed(tick),
            "observation_index": index,
            "observation_cardinality": cardinality,
            "observation_cardinality_next": cardinality_next,
            "fee_protocol": fee_protocol,
            "liquidity": str(self.view("liquidity()")[0]),
            "fee_growth_global0_x128": str(self.view("feeGrowthGlobal0X128()")[0]),
            "fee_growth_global1_x128": str(self.view("feeGrowthGlobal1X128()")[0]),
            "protocol_fees": [str(fees[0]), str(fees[1])],
            "balances": [str(balance[0]), str(balance[1])],
            "observe": {str(ago): self.observe_one(ago) for ago in SECONDS_AGOS},
            "snapshots": {f"{lo},{hi}": self.snapshot(lo, hi) for lo, hi in RANGES},
        }

    def op(self, record: dict[str, Any]) -> dict[str, Any]:
        """Execute one operation (at record['time']); adds 'revert' when it failed."""
        self.evm.at(record["time"])
        kind, me, pool, callee = record["op"], self.me, self.pool, self.callee
        if kind == "initialize":
            call = (pool, selector("initialize(uint160)") + encode(int(record["sqrt_price_x96"])))
        elif kind == "grow":
            call = (
                pool,
                selector("increaseObservationCardinalityNext(uint16)") + encode(record["next"]),
            )
        elif kind == "set_fee_protocol":
            call = (pool, selector("setFeeProtocol(uint8,uint8)") + encode(*record["fee_protocol"]))
        elif kind == "mint":
            args = encode(pool, me, u(record["lower"]), u(record["upper"]), int(record["amount"]))
            call = (callee, selector("mint(address,address,int24,int24,uint128)") + args)
        elif kind == "burn":
            args = encode(u(record["lower"]), u(record["upper"]), int(record["amount"]))
            call = (pool, selector("burn(int24,int24,uint128)") + args)
        elif kind == "swap":
            name = "swapExact0For1" if record["zero_for_one"] else "swapExact1For0"
            args = encode(pool, int(record["amount"]), me, int(record["limit"]))
            call = (callee, selector(f"{name}(address,uint256,address,uint160)") + args)
        elif kind == "swap_to":
            name = "swapToLowerSqrtPrice" if record["zero_for_one"] else "swapToHigherSqrtPrice"
            call = (
                callee,
                selector(f"{name}(address,uint160,address)")
                + encode(pool, int(record["limit"]), me),
            )
        elif kind == "flash":
            amounts = [int(record[k]) for k in ("amount0", "amount1", "pay0", "pay1")]
            sig = "flash(address,address,uint256,uint256,uint256,uint256)"
            call = (callee, selector(sig) + encode(pool, self.evm.address["alice"], *amounts))
        elif kind == "wait":
            call = None
        else:
            raise ValueError(kind)
        if call is not None:
            ok, out = self.evm.send("deployer", *call)
            if not ok:
                record["revert"] = revert_reason(out)
        record["state"] = self.state()
        return record


def sqrt_price(price: float) -> int:
    return isqrt(int(price * 2**192))


def scenario(rng: random.Random, start: int, protocol_fee: tuple[int, int]) -> list[dict[str, Any]]:
    """Operations with their block times (strings for big ints)."""
    t = start
    ops: list[dict[str, Any]] = [
        {"op": "initialize", "time": t, "sqrt_price_x96": str(2**96)},
        {"op": "grow", "time": t, "next": 8},
        {"op": "mint", "time": t, "lower": FULL[0], "upper": FULL[1], "amount": str(10**21)},
    ]
    if protocol_fee != (0, 0):
        ops.append({"op": "set_fee_protocol", "time": t, "fee_protocol": list(protocol_fee)})
    for lower, upper in RANGES[1:]:
        t += rng.choice([0, 1, 12])
        amount = str(rng.randint(10**19, 5 * 10**20))
        ops.append({"op": "mint", "time": t, "lower": lower, "upper": upper, "amount": amount})
    for step in range(60):
        t += rng.choice([0, 0, 1, 12, 12, 13, 60, 600, 3000])
        roll = rng.random()
        if step == 30:
            ops.append({"op": "grow", "time": t, "next": 13})
        elif roll < 0.45:
            zero_for_one = rng.random() < 0.5
            limit = (
                4295128740 if zero_for_one else 1461446703485210103287273052203988822378723970341
            )
            amount = str(rng.randint(10**15, 3 * 10**20))
            ops.append(
                {
                    "op": "swap",
                    "time": t,
                    "zero_for_one": zero_for_one,
                    "amount": amount,
                    "limit": str(limit),
                }
            )
        elif roll < 0.6:
            zero_for_one = rng.random() < 0.5
            price = rng.uniform(0.7, 0.99) if zero_for_one else rng.uniform(1.01, 1.4)
            ops.append(
                {
                    "op": "swap_to",
                    "time": t,
                    "zero_for_one": zero_for_one,
                    "limit": str(sqrt_price(price)),
                }
            )
        elif roll < 0.8:
            amount0, amount1 = rng.randint(0, 10**20), rng.randint(0, 10**20)
            fee0, fee1 = -(-amount0 * 3000 // 10**6), -(-amount1 * 3000 // 10**6)
            pay = rng.choice(["exact", "short0", "short1", "donate"])
            pay0 = (
                amount0
                + fee0
                - (pay == "short0")
                + (rng.randint(1, 10**15) if pay == "donate" else 0)
            )
            pay1 = amount1 + fee1 - (pay == "short1")
            ops.append(
                {
                    "op": "flash",
                    "time": t,
                    "amount0": str(amount0),
                    "amount1": str(amount1),
                    "pay0": str(pay0),
                    "pay1": str(pay1),
                }
            )
        elif roll < 0.9:
            lower, upper = rng.choice(RANGES[1:])
            ops.append(
                {
                    "op": rng.choice(["mint", "burn"]),
                    "time": t,
                    "lower": lower,
                    "upper": upper,
                    "amount": str(rng.randint(10**17, 10**19)),
                }
            )
        else:
            ops.append({"op": "wait", "time": t})
    return ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, required=True)
    parser.add_argument("--test-contracts", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("tests/vectors/uniswap_v3_oracle.json"))
    args = parser.parse_args()
    factory = json.loads(
        (args.artifacts / "contracts/UniswapV3Factory.sol/UniswapV3Factory.json").read_text()
    )
    tests = {k: bytes.fromhex(v) for k, v in json.loads(args.test_contracts.read_text()).items()}
    scenarios = []
    for name, seed, start, protocol_fee in [
        ("from_2023", 22, 1_700_000_000, (0, 0)),
        ("uint32_wrap_fee_on", 23, 2**32 - 3_000, (6, 8)),
    ]:
        evm = TimedEvm()
        evm.at(start - 100)
        harness = PoolHarness(evm, bytes.fromhex(factory["bytecode"][2:]), tests)
        ops = scenario(random.Random(seed), start, protocol_fee)
        scenarios.append({"name": name, "ops": [harness.op(op) for op in ops]})
        reverts = sum("revert" in op for op in scenarios[-1]["ops"])
        print(name, len(ops), "operations,", reverts, "reverted")
    doc = {
        "description": (
            "A Uniswap V3 pool (fee 3000) after each operation, produced by executing the "
            "published UniswapV3Factory/UniswapV3Pool bytecode in py-evm, driven through "
            "v3-core's TestUniswapV3Callee. 'time' is the block timestamp (the pool truncates "
            "it to uint32). A record with 'revert' failed on chain with that reason and left "
            "the state unchanged. 'observe' maps seconds ago to [tickCumulative, "
            "secondsPerLiquidityCumulativeX128] or 'revert:<reason>'; 'snapshots' maps "
            "'lower,upper' to snapshotCumulativesInside or 'revert'. Big integers are strings."
        ),
        "generator": "tools/gen_v3_vectors.py",
        "contracts": "@uniswap/v3-core@1.0.1 artifacts; test contracts from Uniswap/v3-core, solc 0.7.6",
        "ranges": [list(r) for r in RANGES],
        "seconds_agos": list(SECONDS_AGOS),
        "scenarios": scenarios,
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()

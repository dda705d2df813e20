"""Generate tests/vectors/uniswap_v2.json by running the real Uniswap V2 bytecode in py-evm.

Run by hand, never by the test suite. It needs two things that are not project
dependencies, kept out of the project venv:

    npm pack @uniswap/v2-core  &&  tar xzf uniswap-v2-core-*.tgz      # -> package/build/*.json
    python3.12 -m venv /tmp/evmvenv  &&  /tmp/evmvenv/bin/pip install py-evm
    /tmp/evmvenv/bin/python tools/gen_v2_vectors.py --build package/build

It deploys the published `UniswapV2Factory` (which CREATE2-deploys the published
`UniswapV2Pair`) and the package's test `ERC20` tokens on an Istanbul EVM, runs
scenarios of mints, swaps (each swap first tries one wei more output than the
V2 formula gives, which the pair must reject with 'UniswapV2: K', then the exact
output), burns and protocol-fee switches, all as signed transactions, and records
the pair's reserves, totalSupply, kLast and LP balances after every operation.
`tests/test_constant_product.py` replays the file on `ConstantProductPool`.

Only the generator and its JSON output belong in the repository, never the
contract sources or artifacts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from eth import constants
from eth.chains.base import MiningChain
from eth.tools.builder.chain import build, disable_pow_check, fork_at, genesis
from eth.vm.forks import IstanbulVM
from eth_keys import keys
from eth_utils import keccak, to_canonical_address, to_checksum_address

UINT112_MAX = 2**112 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
GAS = 8_000_000
HOLDERS = ("deployer", "alice", "bob", "carol", "fee_to")


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def encode(*args: int | bytes) -> bytes:
    """ABI-encode static arguments: ints as uint256, 20-byte addresses left-padded."""
    out = b""
    for arg in args:
        if isinstance(arg, bytes):
            out += arg.rjust(32, b"\0")
        else:
            out += arg.to_bytes(32, "big")
    return out


def words(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 32], "big") for i in range(0, len(data), 32)]


def revert_reason(output: bytes) -> str:
    # Error(string): selector, offset, length, bytes
    if output[:4] != selector("Error(string)"):
        return output.hex()
    length = int.from_bytes(output[36:68], "big")
    return output[68 : 68 + length].decode()


class Evm:
    """A throwaway chain with funded keys; every call is a signed transaction."""

    def __init__(self) -> None:
        self.keys = {
            name: keys.PrivateKey(keccak(text=f"ammsim-vectors-{name}")) for name in HOLDERS
        }
        self.address = {
            name: key.public_key.to_canonical_address() for name, key in self.keys.items()
        }
        state = {addr: {"balance": 10**30} for addr in self.address.values()}
        self.chain = build(
            MiningChain,
            fork_at(IstanbulVM, constants.GENESIS_BLOCK_NUMBER),
            disable_pow_check(),
            genesis(
                params={"gas_limit": 3_000_000_000, "timestamp": 1_600_000_000},
                state=state,
            ),
        )
        self.txs_in_block = 0

    def send(self, sender: str, to: bytes, data: bytes) -> tuple[bool, bytes]:
        """Apply one transaction; returns (success, output or revert data)."""
        vm = self.chain.get_vm()
        nonce = vm.state.get_nonce(self.address[sender])
        tx = vm.create_unsigned_transaction(
            nonce=nonce, gas_price=1, gas=GAS, to=to, value=0, data=data
        ).as_signed_transaction(self.keys[sender], chain_id=None)
        _, _, computation = self.chain.apply_transaction(tx)
        self.txs_in_block += 1
        if self.txs_in_block >= 16:
            self.chain.mine_block()
            self.txs_in_block = 0
        if computation.is_error:
            return False, computation.output
        return True, computation.output

    def must(self, sender: str, to: bytes, data: bytes) -> bytes:
        ok, out = self.send(sender, to, data)
        if not ok:
            raise RuntimeError(f"unexpected revert: {revert_reason(out)}")
        return out

    def deploy(self, sender: str, bytecode: bytes, args: bytes = b"") -> bytes:
        vm = self.chain.get_vm()
        nonce = vm.state.get_nonce(self.address[sender])
        tx = vm.create_unsigned_transaction(
            nonce=nonce, gas_price=1, gas=GAS, to=b"", value=0, data=bytecode + args
        ).as_signed_transaction(self.keys[sender], chain_id=None)
        _, _receipt, computation = self.chain.apply_transaction(tx)
        if computation.is_error:
            raise RuntimeError(f"deploy failed: {computation.error!r}")
        return computation.msg.storage_address

    def call(self, to: bytes, data: bytes) -> bytes:
        return self.must("deployer", to, data)


class PairHarness:
    """One factory-created pair of two fresh test tokens, driven like the ammsim pool API."""

    def __init__(self, evm: Evm, factory: bytes, erc20_code: bytes) -> None:
        self.evm = evm
        token_a = evm.deploy("deployer", erc20_code, encode(2**255))
        token_b = evm.deploy("deployer", erc20_code, encode(2**255))
        evm.must(
            "deployer", factory, selector("createPair(address,address)") + encode(token_a, token_b)
        )
        self.pair = to_canonical_address(
            evm.call(factory, selector("getPair(address,address)") + encode(token_a, token_b))[
                12:32
            ]
        )
        token0 = to_canonical_address(evm.call(self.pair, selector("token0()"))[12:32])
        self.token0, self.token1 = (token_a, token_b) if token0 == token_a else (token_b, token_a)
        self.factory = factory
        self.names = {addr: name for name, addr in evm.address.items()}

    def transfer(self, token: bytes, sender: str, to: bytes, amount: int) -> None:
        self.evm.must(sender, token, selector("transfer(address,uint256)") + encode(to, amount))

    def balance(self, token: bytes, holder: bytes) -> int:
        return words(self.evm.call(token, selector("balanceOf(address)") + encode(holder)))[0]

    def skim(self) -> None:
        """Return any tokens sent in by a reverted swap (the pair's own skim)."""
        self.evm.must(
            "deployer", self.pair, selector("skim(address)") + encode(self.evm.address["deployer"])
        )

    def state(self) -> dict[str, Any]:
        r0, r1, _ = words(self.evm.call(self.pair, selector("getReserves()")))
        total = words(self.evm.call(self.pair, selector("totalSupply()")))[0]
        k_last = words(self.evm.call(self.pair, selector("kLast()")))[0]
        balances = {}
        for name, addr in [*self.evm.address.items(), (ZERO_ADDRESS, b"\0" * 20)]:
            lp = self.balance(self.pair, addr)
            if lp:
                balances[name] = lp
        # the pair's token balances equal the reserves after every completed call
        if self.balance(self.token0, self.pair) != r0 or self.balance(self.token1, self.pair) != r1:
            raise RuntimeError("pair token balances differ from its reserves")
        return {
            "reserve0": str(r0),
            "reserve1": str(r1),
            "total_supply": str(total),
            "k_last": str(k_last),
            "balance_of": {k: str(v) for k, v in sorted(balances.items())},
        }

    def reserves(self) -> tuple[int, int]:
        r0, r1, _ = words(self.evm.call(self.pair, selector("getReserves()")))
        return r0, r1

    # ---- operations, each returning a JSON record ----
    def set_fee_to(self, holder: str | None) -> dict[str, Any]:
        addr = self.evm.address[holder] if holder else b"\0" * 20
        self.evm.must("deployer", self.factory, selector("setFeeTo(address)") + encode(addr))
        return {"op": "set_fee_to", "fee_to": holder}

    def mint(self, to: str, amount0: int, amount1: int) -> dict[str, Any]:
        if amount0:
            self.transfer(self.token0, "deployer", self.pair, amount0)
        if amount1:
            self.transfer(self.token1, "deployer", self.pair, amount1)
        ok, out = self.evm.send(
            "deployer", self.pair, selector("mint(address)") + encode(self.evm.address[to])
        )
        record: dict[str, Any] = {
            "op": "mint",
            "to": to,
            "amount0": str(amount0),
            "amount1": str(amount1),
        }
        if ok:
            record["liquidity"] = str(words(out)[0])
        else:
            record["revert"] = revert_reason(out)
            self.skim()
        return record

    def burn(self, holder: str, liquidity: int) -> dict[str, Any]:
        self.transfer(self.pair, holder, self.pair, liquidity)
        ok, out = self.evm.send(
            "deployer", self.pair, selector("burn(address)") + encode(self.evm.address[holder])
        )
        record: dict[str, Any] = {"op": "burn", "to": holder, "liquidity": str(liquidity)}
        if ok:
            a0, a1 = words(out)
            record["amount0"], record["amount1"] = str(a0), str(a1)
        else:
            # the LP tokens would now sit in the pair: scenarios only burn what pays out
            raise RuntimeError(f"burn reverted: {revert_reason(out)}")
        return record

    def raw_swap(
        self, amount0_out: int, amount1_out: int, amount0_in: int, amount1_in: int
    ) -> dict[str, Any]:
        if amount0_in:
            self.transfer(self.token0, "deployer", self.pair, amount0_in)
        if amount1_in:
            self.transfer(self.token1, "deployer", self.pair, amount1_in)
        ok, out = self.evm.send(
            "deployer",
            self.pair,
            selector("swap(uint256,uint256,address,bytes)")
            + encode(amount0_out, amount1_out, self.evm.address["carol"], 128, 0),
        )
        record: dict[str, Any] = {
            "op": "swap",
            "amount0_out": str(amount0_out),
            "amount1_out": str(amount1_out),
            "amount0_in": str(amount0_in),
            "amount1_in": str(amount1_in),
        }
        if not ok:
            record["revert"] = revert_reason(out)
            self.skim()
        return record

    def swap_exact_in(self, zero_for_one: bool, amount_in: int) -> list[dict[str, Any]]:
        """One wei too much output (must revert), then the V2 formula's output."""
        r0, r1 = self.reserves()
        r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
        out = v2_amount_out(amount_in, r_in, r_out)
        records = []
        for amount_out in (out + 1, out):
            if amount_out <= 0 or amount_out >= r_out:
                continue
            if zero_for_one:
                records.append(self.raw_swap(0, amount_out, amount_in, 0))
            else:
                records.append(self.raw_swap(amount_out, 0, 0, amount_in))
            records[-1]["state"] = self.state()
        return records


def v2_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountOut, written out here independently of ammsim."""
    amount_in_with_fee = amount_in * 997
    return amount_in_with_fee * reserve_out // (reserve_in * 1000 + amount_in_with_fee)


def with_state(pair: PairHarness, record: dict[str, Any]) -> dict[str, Any]:
    record["state"] = pair.state()
    return record


def scenario_basic(pair: PairHarness) -> list[dict[str, Any]]:
    """Mints (first, proportional, lopsided), swaps both ways, partial and full burns."""
    ops = [with_state(pair, pair.set_fee_to(None))]
    ops.append(with_state(pair, pair.mint("alice", 10 * 10**18, 40_000 * 10**6)))
    ops.append(with_state(pair, pair.mint("bob", 10**18, 4_000 * 10**6)))
    ops.append(with_state(pair, pair.mint("bob", 10**18, 9_000 * 10**6)))  # excess token1
    ops += pair.swap_exact_in(True, 10**17)
    ops += pair.swap_exact_in(False, 12_345 * 10**6)
    ops += pair.swap_exact_in(True, 1)  # 1 wei in
    ops += pair.swap_exact_in(False, 1)
    ops += pair.swap_exact_in(True, 3 * 10**18)
    ops.append(with_state(pair, pair.mint("carol", 0, 5 * 10**6)))  # one-sided: reverts
    ops.append(with_state(pair, pair.burn("bob", 10**9)))
    ops.append(with_state(pair, pair.burn("alice", int(pair.state()["balance_of"]["alice"]))))
    return ops


def scenario_protocol_fee(pair: PairHarness) -> list[dict[str, Any]]:
    """feeTo on from the start: mint, swaps, mint, swaps, burn; then off, swaps, on again."""
    ops = [with_state(pair, pair.set_fee_to("fee_to"))]
    ops.append(with_state(pair, pair.mint("alice", 1_000 * 10**18, 1_000 * 10**18)))
    for _ in range(4):
        ops += pair.swap_exact_in(True, 100 * 10**18)
        ops += pair.swap_exact_in(False, 100 * 10**18)
    ops.append(with_state(pair, pair.mint("bob", 10 * 10**18, 10 * 10**18)))
    for _ in range(3):
        ops += pair.swap_exact_in(True, 50 * 10**18)
        ops += pair.swap_exact_in(False, 60 * 10**18)
    ops.append(with_state(pair, pair.burn("alice", 10**20)))
    ops.append(with_state(pair, pair.set_fee_to(None)))
    ops += pair.swap_exact_in(True, 77 * 10**18)
    ops.append(with_state(pair, pair.mint("bob", 10**18, 10**18)))  # resets kLast to 0
    ops.append(with_state(pair, pair.set_fee_to("fee_to")))
    ops += pair.swap_exact_in(False, 33 * 10**18)
    ops.append(with_state(pair, pair.mint("bob", 10**18, 10**18)))  # kLast was 0: no fee yet
    ops += pair.swap_exact_in(True, 250 * 10**18)
    ops.append(with_state(pair, pair.burn("bob", 10**18)))  # now the fee is minted
    return ops


def scenario_extremes(pair: PairHarness) -> list[dict[str, Any]]:
    """Tiny first deposit, 1:10^6 imbalance, amounts near uint112, and the OVERFLOW revert."""
    ops = [with_state(pair, pair.set_fee_to(None))]
    ops.append(with_state(pair, pair.mint("alice", 1000, 1000)))  # sqrt = 1000: reverts
    ops.append(with_state(pair, pair.mint("alice", 1001, 1001)))  # 1 LP token
    ops.append(with_state(pair, pair.mint("bob", 10**12, 10**18)))
    ops += pair.swap_exact_in(True, 1)
    ops += pair.swap_exact_in(False, 10**6)
    ops += pair.swap_exact_in(False, 999_999)
    r0, r1 = pair.reserves()
    ops.append(with_state(pair, pair.mint("carol", UINT112_MAX - r0 - 10**9, UINT112_MAX // 2)))
    ops += pair.swap_exact_in(True, 10**6)  # fits
    r0, r1 = pair.reserves()
    ops += pair.swap_exact_in(True, UINT112_MAX - r0)  # exactly uint112: fits
    ops += pair.swap_exact_in(False, 10**9)
    r0, r1 = pair.reserves()
    ops += pair.swap_exact_in(True, UINT112_MAX - r0 + 1)  # one wei past uint112: OVERFLOW
    ops += pair.swap_exact_in(False, UINT112_MAX // 4)
    r0, r1 = pair.reserves()
    ops.append(with_state(pair, pair.mint("alice", UINT112_MAX - r0 + 1, r1)))  # OVERFLOW
    ops.append(with_state(pair, pair.burn("carol", int(pair.state()["balance_of"]["carol"]))))
    return ops


def scenario_random(pair: PairHarness, seed: int, steps: int) -> list[dict[str, Any]]:
    """A seeded random walk of mints, swaps and burns with the protocol fee on."""
    rng = random.Random(seed)
    ops = [with_state(pair, pair.set_fee_to("fee_to"))]
    ops.append(with_state(pair, pair.mint("alice", 5 * 10**20, 7 * 10**20)))
    for _ in range(steps):
        r0, r1 = pair.reserves()
        roll = rng.random()
        if roll < 0.6:
            zero_for_one = rng.random() < 0.5
            r_in = r0 if zero_for_one else r1
            amount_in = max(1, int(r_in * rng.choice([1e-9, 1e-4, 0.01, 0.1, 0.5, 2.0])))
            amount_in += rng.randrange(1000)
            ops += pair.swap_exact_in(zero_for_one, amount_in)
        elif roll < 0.8:
            to = rng.choice(["alice", "bob"])
            scale = rng.choice([1e-6, 0.01, 0.3])
            a0 = int(r0 * scale) + rng.randrange(10**6)
            a1 = int(r1 * scale * rng.choice([1.0, 1.0, 1.05, 0.9])) + rng.randrange(10**6)
            ops.append(with_state(pair, pair.mint(to, a0, a1)))
        else:
            balances = pair.state()["balance_of"]
            holders = [h for h in ("alice", "bob", "fee_to") if int(balances.get(h, 0)) > 0]
            if not holders:
                continue
            holder = rng.choice(holders)
            held = int(balances[holder])
            liquidity = max(1, int(held * rng.choice([0.01, 0.5, 1.0])))
            liquidity = min(held, liquidity)
            total = int(pair.state()["total_supply"])
            # skip burns the pair would reject for paying zero (the harness cannot undo them)
            if liquidity * r0 // total == 0 or liquidity * r1 // total == 0:
                continue
            ops.append(with_state(pair, pair.burn(holder, liquidity)))
    return ops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, required=True, help="@uniswap/v2-core build/ folder")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "tests/vectors/uniswap_v2.json",
    )
    parser.add_argument("--random-steps", type=int, default=120)
    args = parser.parse_args()

    def code(name: str) -> bytes:
        artifact = json.loads((args.build / f"{name}.json").read_text())
        return bytes.fromhex(artifact["bytecode"].removeprefix("0x"))

    package = json.loads((args.build.parent / "package.json").read_text())
    evm = Evm()
    factory = evm.deploy("deployer", code("UniswapV2Factory"), encode(evm.address["deployer"]))
    erc20 = code("ERC20")

    scenarios = []
    for name, runner in [
        ("basic", scenario_basic),
        ("protocol_fee", scenario_protocol_fee),
        ("extremes", scenario_extremes),
        ("random_fee_on", lambda p: scenario_random(p, seed=20240601, steps=args.random_steps)),
    ]:
        pair = PairHarness(evm, factory, erc20)
        ops = runner(pair)
        scenarios.append({"name": name, "ops": ops})
        print(f"{name}: {len(ops)} operations", file=sys.stderr)

    document = {
        "description": (
            "Uniswap V2 pair state after each operation, produced by executing the published "
            "UniswapV2Factory/UniswapV2Pair bytecode in py-evm (IstanbulVM). Integers are "
            "decimal strings. A record with 'revert' failed on chain with that reason and "
            "left the state unchanged. Swaps state the amounts sent in; 'to' is an LP holder name."
        ),
        "generator": "tools/gen_v2_vectors.py",
        "contracts": f"{package['name']}@{package['version']} build/UniswapV2Factory.json",
        "fee_bps": 30,
        "minimum_liquidity_holder": ZERO_ADDRESS,
        "holders": {name: to_checksum_address(addr) for name, addr in evm.address.items()},
        "scenarios": scenarios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

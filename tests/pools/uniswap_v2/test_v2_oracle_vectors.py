"""The V2 pair's oracle replayed against the real contracts: tests/vectors/uniswap_v2_oracle.json.

The vectors come from the published v2-core pair and v2-periphery's ExampleOracleSimple run
in py-evm (tools/gen_v2_oracle_vectors.py): token transfers to the pair, then mint, swap,
burn, sync, skim or nothing, and the oracle's update, at advancing and repeated timestamps
and across the uint32 wrap of the pair's clock, with reverts ('UniswapV2: K', 'OVERFLOW',
'INSUFFICIENT_OUTPUT_AMOUNT', 'PERIOD_NOT_ELAPSED'). After every operation the pool must
match the pair to the wei (reserves, cumulative prices, `blockTimestampLast`, balances, LP
supply and balances) and `oracle.average_price`/`consult` must match the deployed oracle.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from conftest import ROOT

from sim.errors import PoolError
from sim.pools.uniswap_v2.oracle import UINT32, average_price, consult
from sim.pools.uniswap_v2.pair import ZERO_ADDRESS, ConstantProductPool

VECTORS = json.loads((ROOT / "tests" / "vectors" / "uniswap_v2_oracle.json").read_text())
OPS: list[dict[str, Any]] = VECTORS["ops"]
ME = "deployer"
PERIOD = 24 * 60 * 60
"""ExampleOracleSimple.PERIOD."""


class OracleSimple:
    """ExampleOracleSimple, written with the mirror's oracle functions."""

    def __init__(self, pool: ConstantProductPool) -> None:
        self.pool = pool
        self.price0_cumulative_last = pool.price0_cumulative_last
        self.price1_cumulative_last = pool.price1_cumulative_last
        self.block_timestamp_last = pool.block_timestamp_last
        self.price0_average = self.price1_average = 0

    def update(self) -> None:
        pool = self.pool
        p0, p1, now = pool.oracle.current(pool.reserve0, pool.reserve1, pool.block_timestamp)
        elapsed = (now - self.block_timestamp_last) % UINT32
        if elapsed < PERIOD:
            raise PoolError("ExampleOracleSimple: PERIOD_NOT_ELAPSED")
        self.price0_average = average_price(self.price0_cumulative_last, p0, elapsed)
        self.price1_average = average_price(self.price1_cumulative_last, p1, elapsed)
        self.price0_cumulative_last, self.price1_cumulative_last = p0, p1
        self.block_timestamp_last = now

    def state(self, amount_in: int) -> dict[str, Any]:
        return {
            "price0_cumulative_last": str(self.price0_cumulative_last),
            "price1_cumulative_last": str(self.price1_cumulative_last),
            "block_timestamp_last": self.block_timestamp_last,
            "price0_average": str(self.price0_average),
            "price1_average": str(self.price1_average),
            "consult": [
                str(consult(self.price0_average, amount_in)),
                str(consult(self.price1_average, amount_in)),
            ],
        }


def state(pool: ConstantProductPool, oracle: OracleSimple | None) -> dict[str, Any]:
    holdings = pool.lp_reserves()
    out: dict[str, Any] = {
        "reserves": [str(pool.reserve0), str(pool.reserve1)],
        "block_timestamp_last": pool.block_timestamp_last,
        "price0_cumulative_last": str(pool.price0_cumulative_last),
        "price1_cumulative_last": str(pool.price1_cumulative_last),
        "balances": [str(holdings[0]), str(holdings[1])],
        "total_supply": str(pool.total_supply),
        "lp": {"deployer": str(pool.lp_shares(ME)), "zero": str(pool.lp_shares(ZERO_ADDRESS))},
    }
    if oracle is not None:
        out["oracle"] = oracle.state(int(VECTORS["consult_amount_in"]))
    return out


def call(
    pool: ConstantProductPool,
    oracle: OracleSimple | None,
    op: dict[str, Any],
    stated: tuple[int, int] = (0, 0),
) -> None:
    """The call after the transfers: the pair counts what was sent in, by `transfer_in`
    before or as the `stated` inputs."""
    kind = op["op"]
    if kind == "mint":
        pool.mint(ME, *stated)
    elif kind == "burn":
        pool.burn(ME, int(op["transfer_lp"]))
    elif kind == "swap":
        pool.swap(int(op["amount0_out"]), int(op["amount1_out"]), *stated)
    elif kind == "sync":
        pool.sync()
    elif kind == "skim":
        pool.skim()
    elif kind == "update":
        assert oracle is not None
        oracle.update()
    elif kind != "transfer":
        raise ValueError(kind)


def test_the_vectors_cover_the_oracle_and_its_reverts() -> None:
    reverts = {op.get("revert") for op in OPS} - {None}
    assert reverts == {
        "UniswapV2: K",
        "UniswapV2: OVERFLOW",
        "UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT",
        "ExampleOracleSimple: PERIOD_NOT_ELAPSED",
    }
    times = [op["time"] for op in OPS]
    assert max(times) > 2**32 > min(times)
    assert any(a == b for a, b in itertools.pairwise(times))  # repeated timestamps
    updated = [op for op in OPS if op["op"] == "update" and "revert" not in op]
    assert len(updated) >= 3 and any(op["time"] > 2**32 for op in updated)
    assert {op["op"] for op in OPS} >= {"mint", "burn", "swap", "sync", "skim", "transfer"}


@pytest.mark.parametrize("inputs", ["transfer_in", "stated"])
def test_pool_and_oracle_match_the_contracts_after_every_operation(inputs: str) -> None:
    """The pair's transfer-then-call maps to `transfer_in` then the call with zero stated
    inputs, or (for a mint or swap that succeeds) to the call stating the amounts sent."""
    pool = ConstantProductPool("T0/T1", ("T0", "T1"), (18, 18), fee_bps=30)
    oracle: OracleSimple | None = None
    for i, op in enumerate(OPS):
        pool.block_timestamp = op["time"]
        sent = int(op.get("transfer0", 0)), int(op.get("transfer1", 0))
        stated = inputs == "stated" and op["op"] in ("mint", "swap") and "revert" not in op
        if not stated:
            pool.transfer_in(*sent)
        if op["op"] == "deploy_oracle":
            oracle = OracleSimple(pool)
        elif "revert" in op:
            before = state(pool, oracle)
            with pytest.raises(PoolError) as raised:
                call(pool, oracle, op)
            assert str(raised.value).startswith(op["revert"]), f"op {i}: {raised.value}"
            assert state(pool, oracle) == before, f"op {i} reverted but changed the pool"
        else:
            call(pool, oracle, op, sent if stated else (0, 0))
        assert state(pool, oracle) == op["state"], f"op {i}: {op['op']} at {op['time']}"

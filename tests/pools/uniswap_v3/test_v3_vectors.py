"""UniswapV3Pool replayed against the real contract: tests/vectors/uniswap_v3_oracle.json.

The vectors come from the published v3-core bytecode run in py-evm (tools/gen_v3_vectors.py):
mints, burns, swaps, swaps to a price, flash loans (exact, a wei short, with a donation),
cardinality growth and a protocol fee, each in a block at a chosen time, one scenario across
the uint32 wrap of the pool's clock. After every operation the pool must match the contract
to the wei: slot0 (with the oracle fields), liquidity, fee growth, protocol fees, token
balances, `observe` at several ages (and its 'OLD' reverts) and `snapshotCumulativesInside`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ROOT

from sim.errors import PoolError
from sim.pools.uniswap_v3.core import UniswapV3Pool

VECTORS = json.loads((ROOT / "tests" / "vectors" / "uniswap_v3_oracle.json").read_text())
OWNER = "deployer"
INT256_MAX = 2**255 - 1
REASONS = {"SPL": "must lie strictly between", "F0": "F0: ", "F1": "F1: "}


def apply(pool: UniswapV3Pool, op: dict[str, Any]) -> None:
    kind = op["op"]
    if kind == "initialize":
        pool.initialize(int(op["sqrt_price_x96"]))
    elif kind == "grow":
        pool.increase_observation_cardinality_next(op["next"])
    elif kind == "set_fee_protocol":
        pool.set_fee_protocol(*op["fee_protocol"])
    elif kind == "mint":
        pool.mint(OWNER, op["lower"], op["upper"], int(op["amount"]))
    elif kind == "burn":
        pool.burn(OWNER, op["lower"], op["upper"], int(op["amount"]))
    elif kind == "swap":
        pool.swap(op["zero_for_one"], int(op["amount"]), int(op["limit"]))
    elif kind == "swap_to":
        pool.swap(op["zero_for_one"], INT256_MAX, int(op["limit"]))
    elif kind == "flash":
        amounts = [int(op[k]) for k in ("amount0", "amount1", "pay0", "pay1")]
        pool.flash(*amounts)
    elif kind != "wait":
        raise ValueError(kind)


def observe_one(pool: UniswapV3Pool, seconds_ago: int) -> list[str] | str:
    try:
        (tick_cumulative,), (spl,) = pool.observe([seconds_ago])
    except PoolError as error:
        return "revert:" + str(error).split(":")[0]
    return [str(tick_cumulative), str(spl)]


def snapshot(pool: UniswapV3Pool, lower: int, upper: int) -> list[str] | str:
    try:
        return [str(v) for v in pool.snapshot_cumulatives_inside(lower, upper)]
    except PoolError:
        return "revert"


def state(pool: UniswapV3Pool) -> dict[str, Any]:
    return {
        "sqrt_price_x96": str(pool.sqrt_price_x96),
        "tick": pool.tick,
        "observation_index": pool.observation_index,
        "observation_cardinality": pool.observation_cardinality,
        "observation_cardinality_next": pool.observation_cardinality_next,
        "fee_protocol": pool.fee_protocol,
        "liquidity": str(pool.liquidity),
        "fee_growth_global0_x128": str(pool.fee_growth_global0_x128),
        "fee_growth_global1_x128": str(pool.fee_growth_global1_x128),
        "protocol_fees": [str(f) for f in pool.protocol_fees],
        "balances": [str(pool.balance0), str(pool.balance1)],
        "observe": {str(ago): observe_one(pool, ago) for ago in VECTORS["seconds_agos"]},
        "snapshots": {f"{lo},{hi}": snapshot(pool, lo, hi) for lo, hi in VECTORS["ranges"]},
    }


def test_the_vectors_cover_the_oracle_and_flash() -> None:
    ops = [op for s in VECTORS["scenarios"] for op in s["ops"]]
    reverts = {op.get("revert") for op in ops} - {None}
    assert {"F0", "F1", "SPL"} <= reverts
    observed = [v for op in ops for v in op["state"]["observe"].values()]
    assert "revert:OLD" in observed and any(isinstance(v, list) for v in observed)
    assert max(op["time"] for op in ops) > 2**32 > min(op["time"] for op in ops)
    assert any(op["state"]["observation_cardinality"] == 13 for op in ops)


@pytest.mark.parametrize("scenario", VECTORS["scenarios"], ids=lambda s: s["name"])
def test_pool_matches_the_contract_after_every_operation(scenario: dict[str, Any]) -> None:
    pool = UniswapV3Pool("T0/T1", ("T0", "T1"), (18, 18), 3000)
    for i, op in enumerate(scenario["ops"]):
        pool.block_timestamp = op["time"]
        if "revert" in op:
            before = state(pool)
            with pytest.raises(PoolError, match=REASONS[op["revert"]]):
                apply(pool, op)
            assert state(pool) == before, f"op {i} reverted but changed the pool"
        else:
            apply(pool, op)
        assert state(pool) == op["state"], f"op {i}: {op['op']} at {op['time']}"

"""The bundled oracle_manipulation scenario: a flash-loan attack on a lending market that reads
a thin pool's spot price pays and leaves bad debt; against a TWAP of the same pool, or the
reference price, the attacker finds nothing to take. The value books close either way
(checked every block, as `--check` does)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.runs.runner import run

SCENARIO = Path(__file__).parents[2] / "scenarios" / "oracle_manipulation.toml"
BLOCKS = 40


def _run(**overrides: Any) -> dict[str, Any]:
    result = run(SCENARIO, blocks=BLOCKS, overrides=overrides, out=None, check_every_block=True)
    return result.summary


@pytest.fixture(scope="module")
def spot() -> dict[str, Any]:
    return _run()


def test_under_a_spot_oracle_the_attack_pays_and_leaves_bad_debt(spot: dict[str, Any]) -> None:
    attack = spot["oracle_attack"]
    lender = attack["markets"]["lender"]
    assert attack["attacks"] >= 1
    assert attack["borrowed"] > attack["flash_premiums"] > 0
    assert attack["attacker_profit"] > 100_000
    assert lender["oracle"] == "pool_spot"
    # what the attacker took came out of the lenders: the bad debt covers its profit
    assert lender["bad_debt"] > attack["attacker_profit"]
    assert lender["suppliers_loss_pct"] > 10
    assert attack["markets"]["aave"]["bad_debt"] == 0  # the flash lender was repaid
    assert spot["value"]["residual"] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(
    "overrides",
    [
        {"lending.lender.oracle": "pool_twap", "lending.lender.twap_window_s": 1800},
        {"lending.lender.oracle": "pool_twap", "lending.lender.twap_window_s": 600},
        {"lending.lender.oracle": "reference"},
    ],
    ids=["twap_30min", "twap_10min", "reference"],
)
def test_a_twap_or_the_reference_price_leaves_nothing_to_take(
    overrides: dict[str, Any], spot: dict[str, Any]
) -> None:
    summary = _run(**overrides)
    attack = summary["oracle_attack"]
    assert attack["attacks"] == 0
    assert attack["markets"]["lender"]["bad_debt"] == 0
    assert attack["attacker_profit"] < 1_000  # its gas money moving with ETH, nothing more
    assert attack["attacker_profit"] < spot["oracle_attack"]["attacker_profit"] / 100

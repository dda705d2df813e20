"""Tests for sim.chain.gas: who is paid what for gas, and the base-fee process."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from sim.chain.gas import BUILDER, BaseFee, GasUnits, charge_gas
from sim.chain.ledger import Ledger
from sim.units import GWEI


def funded(eth: int) -> Ledger:
    ledger = Ledger({"ETH": 18})
    ledger.mint("alice", "ETH", eth)
    ledger.wallet(BUILDER)
    return ledger


def test_base_fee_is_burned_and_the_tip_goes_to_the_builder() -> None:
    ledger = funded(10**18)
    paid = charge_gas(ledger, "alice", "ETH", 100_000, 20.0, 1.5)
    assert paid == 100_000 * 21.5 * GWEI == 2_150_000_000_000_000
    assert ledger.burned == {"ETH": 2_000_000_000_000_000}  # 100k gas at 20 gwei
    assert ledger.wallets[BUILDER]["ETH"] == 150_000_000_000_000  # 100k gas at 1.5 gwei
    assert ledger.wallets["alice"]["ETH"] == 10**18 - paid
    assert ledger.discrepancies() == {}


def test_a_short_wallet_pays_what_it_holds_base_fee_first() -> None:
    ledger = funded(2_500_000_000_000_000)
    paid = charge_gas(ledger, "alice", "ETH", 100_000, 20.0, 10.0)  # costs 3e15
    assert paid == 2_500_000_000_000_000
    assert ledger.burned == {"ETH": 2_000_000_000_000_000}
    assert ledger.wallets[BUILDER]["ETH"] == 500_000_000_000_000
    assert ledger.wallets["alice"]["ETH"] == 0


def test_free_gas_moves_nothing() -> None:
    ledger = funded(1)
    assert charge_gas(ledger, "alice", "ETH", 100_000, 0.0, 0.0) == 0
    assert ledger.burned == {} and ledger.wallets[BUILDER]["ETH"] == 0


def test_a_constant_base_fee_never_draws() -> None:
    rng = np.random.default_rng(3)
    fee = BaseFee(25.0, 0.0, 6.0, 12.0, rng)
    assert [fee.advance() for _ in range(3)] == [25.0, 25.0, 25.0]
    assert rng.random() == np.random.default_rng(3).random()  # the generator is untouched


def test_a_volatile_base_fee_mean_reverts_around_its_level_from_one_chunk_of_draws() -> None:
    fee = BaseFee(25.0, 1.0, 6.0, 12.0, np.random.default_rng(3))
    path = [fee.advance() for _ in range(4096)]
    noise = (1.0 / np.sqrt(7200) * np.random.default_rng(3).standard_normal(4096)).tolist()
    keep = 0.5 ** (1 / 1800)  # a six-hour half-life is 1800 twelve-second blocks
    dev = keep * (keep * 0.0 + noise[-1]) + noise[-2]  # draws are used last first
    assert path[1] == 25.0 * math.exp(dev)
    assert 10.0 < float(np.median(path)) < 60.0


def test_gas_units_are_validated() -> None:
    assert GasUnits().swap == 120_000
    with pytest.raises(ValidationError):
        GasUnits(swap=-1)

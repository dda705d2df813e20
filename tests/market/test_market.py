"""Tests for sim.market.market: prices, values and units in the numeraire, as agents read them."""

from __future__ import annotations

import numpy as np

from sim.chain.chain import Chain, ChainSpec
from sim.chain.ledger import Ledger
from sim.market.market import Market
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.protocols.hub import Protocols

E18 = 10**18


def make_market(base_fee_gwei: float = 0.0) -> tuple[Market, ConstantProductPool]:
    """USDC numeraire; ETH has a reference price (2000); NEW is priced by its NEW/USDC pool."""
    decimals = {"ETH": 18, "USDC": 6, "NEW": 18, "ODD": 8}
    ledger = Ledger(dict(decimals))
    chain = Chain(ChainSpec(base_fee_gwei=base_fee_gwei), ledger, np.random.default_rng(0), 12.0)
    pool = ConstantProductPool("new_usdc", ("NEW", "USDC"), (18, 6))
    pool.add_liquidity("lp", 1_000 * E18, 5_000 * 10**6)  # 5 USDC per NEW
    market = Market(
        numeraire="USDC",
        decimals=decimals,
        ledger=ledger,
        chain=chain,
        pools={"new_usdc": pool},
        ref_prices={"ETH": 2000.0},
        protocols=Protocols(ledger),
        price_pools={"NEW": (pool, "USDC")},
    )
    return market, pool


def test_prices_come_from_the_reference_the_numeraire_or_a_pool() -> None:
    market, pool = make_market()
    assert market.price("USDC") == 1.0
    assert market.price("ETH") == 2000.0
    assert market.price("NEW") == 5.0 == pool.spot_price("NEW", "USDC")
    assert market.price("ODD") == 0.0  # no process, no pool: no price


def test_a_pool_price_follows_the_pool() -> None:
    market, pool = make_market()
    pool.swap_exact_in("USDC", "NEW", 5_000 * 10**6)  # doubles the USDC side
    assert market.price("NEW") == pool.spot_price("NEW", "USDC")
    assert market.price("NEW") > 5.0


def test_values_of_amounts_and_wallets_in_the_numeraire() -> None:
    market, _ = make_market()
    assert market.value("ETH", 3 * E18) == 6000.0
    assert market.value("USDC", 1_500_000) == 1.5
    assert market.value("NEW", 2 * E18) == 10.0
    assert market.value("ODD", 10**8) == 0.0
    assert market.value("ETH", 0) == 0.0
    wallet = {"ETH": E18 // 2, "USDC": 2_000_000, "NEW": E18, "ODD": 5}
    assert market.wallet_value(wallet) == 1000.0 + 2.0 + 5.0


def test_units_convert_a_value_back_to_smallest_units() -> None:
    market, _ = make_market()
    assert market.units("ETH", 3000.0) == 1_500_000_000_000_000_000
    assert market.units("USDC", 2.5) == 2_500_000
    assert market.units("NEW", 10.0) == 2 * E18
    assert market.units("ODD", 100.0) == 0  # unpriced: nothing is worth a value


def test_gas_is_valued_in_the_numeraire_and_a_tip_can_be_sized() -> None:
    market, _ = make_market(base_fee_gwei=10.0)
    # 100k gas at 10 gwei = 1e15 wei = 0.001 ETH = 2 USDC
    assert market.gas_value(100_000) == 10**15 / E18 * 2000.0
    assert abs(market.gas_value(100_000) - 2.0) < 1e-12
    tip = market.priority_fee_for(100_000, 2.0)  # another 2 USDC on top: 10 gwei more
    assert abs(tip - 10.0) < 1e-9
    assert market.priority_fee_for(0, 2.0) == 0.0 and market.priority_fee_for(100_000, 0.0) == 0.0
    free, _ = make_market()
    assert free.gas_value(100_000) == 0.0


def test_pools_with_a_pair_and_the_shared_state() -> None:
    market, pool = make_market()
    assert market.pools_with("NEW", "USDC") == [pool]
    assert market.pools_with("USDC", "NEW") == [pool]
    assert market.pools_with("ETH", "USDC") == []
    assert market.scale == {"ETH": E18, "USDC": 10**6, "NEW": E18, "ODD": 10**8}
    assert market.protocols.pools is market.pools  # protocols reach the same pools
    market.chain.new_block()
    assert market.block == market.chain.block == 1

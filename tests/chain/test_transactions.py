"""Tests for sim.chain.transactions: executing swaps and calls, receipts, and quoting a target."""

from __future__ import annotations

import numpy as np
import pytest

from sim.chain.chain import Chain, ChainSpec
from sim.chain.ledger import Ledger
from sim.chain.transactions import (
    Bundle,
    Call,
    ChainContext,
    Receipt,
    SwapExactIn,
    Tx,
    quote_alone,
    swap_receipt,
)
from sim.errors import InsufficientBalance, SlippageExceeded
from sim.pools.uniswap_v2.pair import ConstantProductPool

E18 = 10**18


def setup() -> tuple[Chain, ConstantProductPool, ConstantProductPool]:
    ledger = Ledger({"ETH": 18, "USDC": 6, "DAI": 18})
    chain = Chain(ChainSpec(), ledger, np.random.default_rng(0), 12.0)
    eth_usdc = ConstantProductPool("eth_usdc", ("ETH", "USDC"), (18, 6))
    eth_usdc.add_liquidity("lp", 100 * E18, 200_000 * 10**6)
    usdc_dai = ConstantProductPool("usdc_dai", ("USDC", "DAI"), (6, 18))
    usdc_dai.add_liquidity("lp", 10**12, 10**6 * E18)
    ledger.mint("alice", "ETH", 2 * E18)
    return chain, eth_usdc, usdc_dai


def swap(
    path: tuple[ConstantProductPool, ...],
    tokens: tuple[str, ...],
    amount: int,
    minimum: int = 0,
    deadline: int = 10,
) -> SwapExactIn:
    return SwapExactIn(path, tokens, amount, minimum, deadline, 120_000)


def test_a_one_hop_swap_moves_the_wallet_and_returns_its_receipt() -> None:
    chain, pool, _ = setup()
    expected = pool.quote_exact_in("ETH", "USDC", E18)
    assert expected == 1_974_316_068  # 1 ETH into 100 ETH / 200k USDC at 30 bps
    receipt = swap((pool,), ("ETH", "USDC"), E18).execute(chain, "alice")
    assert (receipt.kind, receipt.pool, receipt.token_in, receipt.token_out) == (
        "swap",
        "eth_usdc",
        "ETH",
        "USDC",
    )
    assert receipt.amount_in == E18 and receipt.amount_out == expected
    assert [h.amount_out for h in receipt.hops] == [expected] and receipt.route == (pool,)
    assert chain.ledger.wallets["alice"] == {"ETH": E18, "USDC": expected, "DAI": 0}


def test_a_two_hop_swap_chains_the_exact_outputs() -> None:
    chain, eth_usdc, usdc_dai = setup()
    usdc = eth_usdc.quote_exact_in("ETH", "USDC", E18)
    dai = usdc_dai.quote_exact_in("USDC", "DAI", usdc)
    receipt = swap((eth_usdc, usdc_dai), ("ETH", "USDC", "DAI"), E18, dai).execute(chain, "alice")
    assert receipt.pool == "eth_usdc>usdc_dai" and receipt.amount_out == dai
    assert [h.amount_out for h in receipt.hops] == [usdc, dai]
    assert chain.ledger.wallets["alice"] == {"ETH": E18, "USDC": 0, "DAI": dai}


def test_a_route_below_its_minimum_reverts_before_any_pool_changes() -> None:
    chain, eth_usdc, usdc_dai = setup()
    usdc = eth_usdc.quote_exact_in("ETH", "USDC", E18)
    dai = usdc_dai.quote_exact_in("USDC", "DAI", usdc)
    before = (eth_usdc.get_reserves(), usdc_dai.get_reserves())
    action = swap((eth_usdc, usdc_dai), ("ETH", "USDC", "DAI"), E18, dai + 1)
    with pytest.raises(SlippageExceeded, match=f"route output {dai} DAI below minimum {dai + 1}"):
        action.execute(chain, "alice")
    assert (eth_usdc.get_reserves(), usdc_dai.get_reserves()) == before
    assert chain.ledger.wallets["alice"]["ETH"] == 2 * E18


def test_expired_and_unfunded_swaps_revert() -> None:
    chain, pool, _ = setup()
    chain.block = 11
    with pytest.raises(SlippageExceeded, match="deadline block 10, now 11"):
        swap((pool,), ("ETH", "USDC"), E18).execute(chain, "alice")
    chain.block = 10  # the deadline block itself is still in time
    with pytest.raises(InsufficientBalance, match="alice holds 2000000000000000000 ETH"):
        swap((pool,), ("ETH", "USDC"), 3 * E18).execute(chain, "alice")


def test_quote_alone_is_the_targets_output_on_the_current_state() -> None:
    _, eth_usdc, usdc_dai = setup()
    two_hop = swap((eth_usdc, usdc_dai), ("ETH", "USDC", "DAI"), E18)
    usdc = eth_usdc.quote_exact_in("ETH", "USDC", E18)
    assert quote_alone(two_hop) == usdc_dai.quote_exact_in("USDC", "DAI", usdc)
    assert quote_alone(swap((eth_usdc,), ("ETH", "USDC"), 0)) == 0  # a reverting quote
    assert quote_alone(Call(lambda c, s: Receipt("noop"), 21_000)) == 0  # not a swap


def test_calls_bundles_and_swap_receipts() -> None:
    chain, pool, _ = setup()
    seen: list[tuple[int, str]] = []

    def fn(c: ChainContext, sender: str) -> Receipt:
        seen.append((c.block, sender))
        return Receipt("custom", detail={"x": 1})

    call = Call(fn, 50_000, (pool,))
    assert call.execute(chain, "bob").detail == {"x": 1} and seen == [(0, "bob")]
    assert call.pools() == (pool,)
    target = Tx("alice", call, 1.0)
    bundle = Bundle(target, [Tx("s", call, 4.0)], [Tx("s", call, 2.5)], "s")
    assert bundle.bid_gwei == 4.0 and Bundle(target, [], [], "s").bid_gwei == 0.0
    spot = pool.spot_price("ETH", "USDC")
    swaps = [
        pool.swap_exact_in("ETH", "USDC", E18 // 2),
        pool.swap_exact_in("ETH", "USDC", E18 // 2),
    ]
    receipt = swap_receipt(pool, swaps, spot, {"why": "test"})
    assert receipt.amount_in == E18 and receipt.amount_out == sum(s.amount_out for s in swaps)
    assert receipt.spot_before == spot and receipt.spot_after == pool.spot_price("ETH", "USDC")
    assert receipt.route == (pool, pool) and receipt.detail == {"why": "test"}
    assert repr(receipt).startswith("Receipt(amount_in=1000000000000000000, amount_out=")

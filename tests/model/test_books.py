"""The books' hooks on constructed receipts: what an LP earns, what a trade gained, what a
sandwich took, worked out by hand on one constant-product pool.

The pool: two LPs deposit 100 ETH + 1,000,000 USDC each (ETH at 10,000 USDC, the
reference price), so the supply is 2e16 LP tokens, 1,000 of them locked for good.
A 3,000 USDC swap at 30 bps pays a 9,000,000-unit fee: exactly 9 USDC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.chain.chain import Chain, ChainSpec
from sim.chain.intents import Intent
from sim.chain.ledger import Ledger
from sim.chain.transactions import Bundle, Receipt, SwapExactIn, Tx
from sim.market.market import Market
from sim.model.balance_sheet import sheet, total
from sim.model.books import Books
from sim.model.event_log import EVENT_COLUMNS, EventLog
from sim.pools.base import Swap
from sim.pools.liquidity import deposit, withdraw
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.protocols.hub import Protocols

E18 = 10**18
USDC = 10**6
GAS_WEI = 10**15  # 0.001 ETH = 10 USDC at the reference price


def make_books(
    fee_to: str | None = None, prices: dict[str, float] | None = None
) -> tuple[Books, Market, ConstantProductPool]:
    decimals = {"ETH": 18, "USDC": 6}
    ledger = Ledger(decimals)
    chain = Chain(ChainSpec(), ledger, np.random.default_rng(1), 12.0)
    pool = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6), fee_bps=30, fee_to=fee_to)
    market = Market(
        numeraire="USDC",
        decimals=decimals,
        ledger=ledger,
        chain=chain,
        pools={"cp": pool},
        ref_prices={"ETH": 10_000.0} if prices is None else prices,
        protocols=Protocols(ledger),
    )
    for lp in ("lp_a", "lp_b"):
        ledger.mint(lp, "ETH", 100 * E18)
        ledger.mint(lp, "USDC", 1_000_000 * USDC)
        deposit(pool, lp, ledger.wallet(lp), {"ETH": 100 * E18, "USDC": 1_000_000 * USDC})
    books = Books(market, EventLog(None))
    books.start(["lp_a", "lp_b", "trader"])
    return books, market, pool


def swap(
    books: Books, pool: ConstantProductPool, sender: str, label: str, paid_wei: int = 0
) -> Swap:
    """3,000 USDC into the pool, booked as `sender`'s transaction labelled `label`."""
    amount = 3_000 * USDC
    action = SwapExactIn((pool,), ("USDC", "ETH"), amount, 0, 10**9, 100_000)
    hop = pool.swap_exact_in("USDC", "ETH", amount, 0)
    receipt = Receipt(
        kind="swap",
        pool="cp",
        token_in="USDC",
        token_out="ETH",
        amount_in=amount,
        amount_out=hop.amount_out,
        hops=[hop],
        route=(pool,),
    )
    books.on_receipt(Tx(sender, action, 0.0, label), receipt, "", paid_wei)
    return hop


def eth_value(units: int) -> float:
    return units / E18 * 10_000.0


def row(books: Books, k: int = -1) -> dict[str, Any]:
    return dict(zip(EVENT_COLUMNS, books.events.rows[k], strict=True))


def test_start_snapshots_every_holders_tokens_and_one_shares_claim() -> None:
    books, _, pool = make_books()
    assert pool.total_supply == 2 * 10**16 and pool.balance_of["lp_a"] == 10**16 - 1_000
    # lp_b owns half the supply; lp_a half less the 1,000 locked tokens' claim (1e7 wei and
    # a tenth of a USDC unit: the pro-rata claim rounds down)
    holders = {h: total(sheet(books.market, h)) for h in ("lp_a", "lp_b", "trader")}
    assert holders == {
        "lp_a": {"ETH": 100 * E18 - 10**7, "USDC": 1_000_000 * USDC - 1},
        "lp_b": {"ETH": 100 * E18, "USDC": 1_000_000 * USDC},
        "trader": {},
    }
    ledger = books.market.ledger
    assert (ledger.minted, ledger.burned) == ({"ETH": 200 * E18, "USDC": 2_000_000 * USDC}, {})
    st = books.pools["cp"]
    assert st.start_claim_per_share == (10_000.0, 1e-4)  # units of ETH and USDC per LP token
    assert st.start_ratio == 10_000.0 and st.lp_fee_share == 1.0 and st.priced
    assert books.agents["lp_a"].lp_shares_seen == {"cp": (10**16 - 1_000, 0.0, 0.0)}
    assert "trader" not in books.agents  # no shares, nothing booked yet
    assert books.share_value("cp") == books.share_hodl("cp") == st.start_value_per_share > 0


def test_a_retail_swap_books_its_fee_to_the_lps_pro_rata() -> None:
    books, _, pool = make_books()
    hop = swap(books, pool, "trader", Intent.RETAIL)
    assert hop.fee == 9 * USDC
    ps = books.pools["cp"]
    assert (ps.volume, ps.fees, ps.lp_fees, ps.swaps) == (3_000.0, 9.0, 9.0, 1)
    # LP fee income: shares / supply of 9 USDC
    assert books.lp_fee_income("lp_b") == pytest.approx(4.5, rel=1e-12)
    assert books.lp_fee_income("lp_a") == pytest.approx(4.5 * (1 - 1e-13), rel=1e-12)
    assert books.lp_fee_income("trader") == 0.0
    # the trader: paid 3,000, got ETH worth value_out; the fee is part of the shortfall
    out = eth_value(hop.amount_out)
    st = books.agents["trader"]
    assert (st.swaps, st.volume, st.fees_paid) == (1, 3_000.0, 9.0)
    assert st.trade_pnl == out - 3_000.0
    assert st.slippage == -(out - 3_000.0 + 9.0)
    assert list(books.retail_slippage_bps) == [(1.0 - out / 3_000.0) * 10_000]
    assert books.arb_profit == 0.0
    # at the reference price, retail price impact is negative LVR (arbitrage takes it back)
    assert ps.lvr == out - (3_000.0 - 9.0) < 0 and ps.arb_gain == 0.0
    assert books.flows == {("trader", "cp", "swap"): [1, 3_000.0]}
    r = row(books)
    assert (r["label"], r["kind"], r["status"], r["fee_value"]) == ("retail", "swap", "ok", "9")


@pytest.mark.parametrize("label", [Intent.ARBITRAGE, "arbitrage"])
def test_arbitrage_books_its_profit_after_gas(label: str) -> None:
    """The books compare against the enum; agents that still send the plain string count too."""
    books, _, pool = make_books()
    hop = swap(books, pool, "arb", label, paid_wei=GAS_WEI)
    out = eth_value(hop.amount_out)
    st = books.agents["arb"]
    assert st.gas_cost == 10.0
    assert books.arb_profit == (out - 3_000.0) - 10.0
    assert books.pools["cp"].arb_gain == books.pools["cp"].lvr == out - 2_991.0
    assert len(books.retail_slippage_bps) == 0


def test_other_intents_are_neither_retail_nor_arbitrage() -> None:
    books, _, pool = make_books()
    swap(books, pool, "miner", Intent.ZAP)
    assert len(books.retail_slippage_bps) == 0
    assert books.arb_profit == 0.0 and books.pools["cp"].arb_gain == 0.0
    assert books.agents["miner"].swaps == 1


def test_each_pool_keeps_its_own_retail_slippage() -> None:
    books, _, pool = make_books()
    swap(books, pool, "arb", Intent.ARBITRAGE)
    assert len(books.pools["cp"].retail_slippage_bps) == 0  # arbitrage is not retail
    swap(books, pool, "trader", Intent.RETAIL)
    swap(books, pool, "trader", Intent.RETAIL)
    by_pool = list(books.pools["cp"].retail_slippage_bps)
    assert by_pool == list(books.retail_slippage_bps) and len(by_pool) == 2
    assert by_pool[1] > by_pool[0] > 30.0  # the fee, then more impact on a moved pool


def test_a_multi_hop_retail_trade_books_each_hops_own_slippage_in_its_pool() -> None:
    """USDC -> ETH in `cp`, ETH -> DAI in `dai`: each pool gets its hop's shortfall at reference
    prices, the run's retail list the whole trade's."""
    decimals = {"ETH": 18, "USDC": 6, "DAI": 18}
    ledger = Ledger(decimals)
    chain = Chain(ChainSpec(), ledger, np.random.default_rng(1), 12.0)
    cp = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6), fee_bps=30)
    dai = ConstantProductPool("dai", ("ETH", "DAI"), (18, 18), fee_bps=5)
    for pool, other, units in ((cp, "USDC", USDC), (dai, "DAI", E18)):
        ledger.mint("lp", "ETH", 100 * E18)
        ledger.mint("lp", other, 1_000_000 * units)
        deposit(pool, "lp", ledger.wallet("lp"), {"ETH": 100 * E18, other: 1_000_000 * units})
    market = Market(
        numeraire="USDC",
        decimals=decimals,
        ledger=ledger,
        chain=chain,
        pools={"cp": cp, "dai": dai},
        ref_prices={"ETH": 10_000.0, "DAI": 1.0},
        protocols=Protocols(ledger),
    )
    books = Books(market, EventLog(None))
    books.start(["lp", "trader"])
    amount = 3_000 * USDC
    h1 = cp.swap_exact_in("USDC", "ETH", amount, 0)
    h2 = dai.swap_exact_in("ETH", "DAI", h1.amount_out, 0)
    receipt = Receipt(
        kind="swap",
        pool="cp>dai",
        token_in="USDC",
        token_out="DAI",
        amount_in=amount,
        amount_out=h2.amount_out,
        hops=[h1, h2],
        route=(cp, dai),
    )
    action = SwapExactIn((cp, dai), ("USDC", "ETH", "DAI"), amount, 0, 10**9, 200_000)
    books.on_receipt(Tx("trader", action, 0.0, Intent.RETAIL), receipt, "", 0)
    eth = eth_value(h1.amount_out)
    out = h2.amount_out / E18
    assert list(books.pools["cp"].retail_slippage_bps) == [(1.0 - eth / 3_000.0) * 10_000]
    assert list(books.pools["dai"].retail_slippage_bps) == [(1.0 - out / eth) * 10_000]
    assert list(books.retail_slippage_bps) == [(1.0 - out / 3_000.0) * 10_000]


def test_a_protocol_fee_leaves_the_lps_five_sixths() -> None:
    books, _, pool = make_books(fee_to="treasury")
    swap(books, pool, "trader", Intent.RETAIL)
    ps = books.pools["cp"]
    assert ps.lp_fee_share == 5 / 6
    assert ps.fees == 9.0 and ps.lp_fees == pytest.approx(7.5, rel=1e-15)


def test_an_lp_that_leaves_keeps_what_it_earned_and_earns_no_more() -> None:
    books, market, pool = make_books()
    swap(books, pool, "trader", Intent.RETAIL)
    # lp_b withdraws everything; the receipt settles its fees so far
    paid = withdraw(pool, "lp_b", market.ledger.wallet("lp_b"), pool.balance_of["lp_b"])
    action = SwapExactIn((pool,), ("USDC", "ETH"), 1, 0, 10**9, 100_000)
    receipt = Receipt(kind="remove_liquidity", pool="cp", detail=dict(paid))
    books.on_receipt(Tx("lp_b", action, 0.0, Intent.LP), receipt, "", 0)
    earned = books.agents["lp_b"].lp_fee_income
    assert earned == pytest.approx(4.5, rel=1e-12)
    assert books.agents["lp_b"].lp_shares_seen["cp"] == (
        0,
        4.5e-16,
        books.pools["cp"].lvr_per_share,
    )
    swap(books, pool, "trader", Intent.RETAIL)  # 9 USDC more, now all to lp_a's shares
    assert books.lp_fee_income("lp_b") == earned
    supply_a = 10**16 - 1_000
    assert books.lp_fee_income("lp_a") == pytest.approx(
        9.0 * supply_a / (2 * 10**16) + 9.0 * supply_a / (10**16), rel=1e-12
    )
    r = row(books, -2)  # the withdrawal's row: kind and pool from the receipt, detail as note
    assert (r["kind"], r["pool"], r["label"]) == ("remove_liquidity", "cp", "lp")
    assert r["note"] == f"ETH={paid['ETH']};USDC={paid['USDC']}"


def test_reverted_and_dropped_transactions() -> None:
    books, _, pool = make_books()
    action = SwapExactIn((pool,), ("USDC", "ETH"), 1, 0, 10**9, 100_000)
    books.on_receipt(Tx("a", action, 2.0, Intent.RETAIL), None, "UniswapV2: K", GAS_WEI)
    books.on_receipt(Tx("a", action, 2.0, Intent.RETAIL), None, "cannot pay gas", -1)
    st = books.agents["a"]
    assert (st.reverts, st.dropped, st.swaps, st.gas_cost) == (1, 1, 0, 10.0)
    reverted, dropped = row(books, 0), row(books, 1)
    assert (reverted["status"], reverted["kind"], reverted["pool"]) == (
        "reverted",
        "swapexactin",
        "cp",
    )
    assert (reverted["note"], reverted["gas_cost"], reverted["tx_index"]) == (
        "UniswapV2: K",
        "10",
        1,
    )
    assert (dropped["status"], dropped["gas_cost"], dropped["tx_index"]) == ("dropped", "0", 2)


def test_a_sandwich_books_the_bots_gain_and_the_victims_loss() -> None:
    books, _, pool = make_books()
    action = SwapExactIn((pool,), ("USDC", "ETH"), 1, 0, 10**9, 100_000)
    front = Receipt("swap", "cp", "USDC", "ETH", 1_000 * USDC, 10**17)
    victim = Receipt("swap", "cp", "USDC", "ETH", 500 * USDC, 4 * 10**16)
    back = Receipt("swap", "cp", "ETH", "USDC", 10**17, 1_010 * USDC)
    target = Tx("retail#3", action, 1.0, Intent.RETAIL)
    bundle = Bundle(
        target,
        [Tx("bot#9", action, 2.0, Intent.FRONTRUN)],
        [Tx("bot#9", action, 2.0, Intent.BACKRUN)],
        "bot#9",
    )
    books.on_bundle(bundle, [front, victim, back], 4 * 10**16 + GAS_WEI)
    assert (books.sandwiches, books.mev) == (1, 10.0)
    assert books.agents["bot#9"].mev_gained == 10.0
    assert books.agents["retail#3"].mev_lost == 10.0
    assert books.flows[("bot#9", "retail#3", "sandwich")] == [1, 10.0]
    assert books.sandwich_rows[0]["victim_cohort"] == "retail"
    note = row(books)
    assert (note["sender"], note["label"], note["kind"]) == ("scenario", "sandwich", "event")
    assert note["note"] == "bot#9 sandwiched retail#3: bot +10.00, victim -10.00"


def test_impermanent_loss_formula_and_holdings() -> None:
    prices = {"ETH": 10_000.0}
    books, market, _ = make_books(prices=prices)
    assert books.il_formula("cp") == 0.0
    prices["ETH"] = 40_000.0
    assert books.il_formula("cp") == pytest.approx(-20.0, abs=1e-12)  # 2*sqrt(4)/5 - 1
    # what one share held at the start, at today's prices, against what it holds (no trades)
    assert books.share_hodl("cp") == books.share_value("cp")
    market.ledger.mint("lp_b", "USDC", 5 * USDC)
    assert total(sheet(market, "lp_b")) == {"ETH": 100 * E18, "USDC": 1_000_005 * USDC}
    assert total(sheet(market, "nobody")) == {}


def test_slippage_summary_quantiles() -> None:
    books, _, _ = make_books()
    assert books.slippage_summary() == {
        "trades": 0,
        "mean_bps": None,
        "p50_bps": None,
        "p95_bps": None,
        "worst_bps": None,
    }
    books.retail_slippage_bps.extend([float(x) for x in range(20, 0, -1)])  # 20 .. 1 bps
    assert books.slippage_summary() == {
        "trades": 20,
        "mean_bps": 10.5,
        "p50_bps": 11.0,
        "p95_bps": 20.0,
        "worst_bps": 20.0,
    }

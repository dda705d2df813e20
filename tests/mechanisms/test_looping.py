"""LST looping on a lending market: the leverage bound, the liquidation price, liquidations, interest.

Small model runs built from scenario dicts (values in ETH, no gas unless a test needs it).
The "price shock" of an LST has to come from trading, since the LST has no exogenous
price: a whale sells LST into its pool through an ordinary transaction.
"""

from __future__ import annotations

import pytest
from lending_cases import E18, make, of_kind, whale_sell

from agents.lending_supplier import LendingSupplier
from agents.liquidator import Liquidator
from agents.lst_looper import LstLooper
from sim.errors import ProtocolError
from sim.model.model import MarketModel
from sim.runs.runner import run
from sim.scenario.scenario import load_scenario
from sim.units import BPS, WAD

# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ltv", [0.5, 0.8, 0.9])
def test_looping_never_exceeds_one_over_one_minus_ltv(ltv: float) -> None:
    lt = round(ltv + 0.03, 4)
    model = make(
        lending__aave__assets__stETH__ltv=ltv,
        lending__aave__assets__stETH__liquidation_threshold=lt,
        lending__aave__assets__stETH__liquidation_bonus=0.01,
        agents__loopers__target_leverage=1_000.0,
        agents__loopers__max_loops=200,
        agents__loopers__count=2,
        chain__block_gas_limit=10**9,  # room for 200 rounds in one transaction
    )
    for _ in range(3):
        model.step()
    bound = 1 / (1 - ltv)
    for looper in of_kind(model, LstLooper):
        assert looper.entered
        # the geometric series 1 + ltv + ltv^2 + ... approaches the bound from below
        assert looper.leverage() < bound
        assert looper.leverage() > bound * 0.999
        # (two blocks of interest have accrued on the debt since the loop)
        assert looper.lending.account_data(looper.name).ltv_used <= ltv * (1 + 1e-6)
    model.check()


def test_a_loop_takes_no_more_rounds_than_a_block_holds() -> None:
    """At mainnet's 30M block gas limit a stake-supply-borrow round (590k gas) fits about 50
    times: the looper stops there, below its target, and its transaction is included."""
    model = make(
        lending__aave__assets__stETH__ltv=0.9,
        lending__aave__assets__stETH__liquidation_threshold=0.93,
        lending__aave__assets__stETH__liquidation_bonus=0.01,
        agents__loopers__target_leverage=1_000.0,
        agents__loopers__max_loops=200,
    )
    model.step()
    (looper,) = of_kind(model, LstLooper)
    gas = model.market.chain.gas
    per_round = gas.stake + 2 * gas.lending
    cap = (30_000_000 - gas.stake - gas.lending) // per_round
    assert looper.entered and looper.loops_done == cap < 200
    # leverage of `cap` rounds of the geometric series, below 1 / (1 - ltv) = 10
    assert looper.leverage() == pytest.approx((1 - 0.9 ** (cap + 1)) / 0.1, rel=1e-4)
    model.check()


def test_looping_reaches_a_reachable_target() -> None:
    model = make(agents__loopers__target_leverage=3.0)
    model.step()
    (looper,) = of_kind(model, LstLooper)
    assert looper.leverage() == pytest.approx(3.0, rel=1e-6)
    assert looper.loops_done > 1
    # every round staked: no LST or borrowed ETH left idle beyond the gas reserve
    assert looper.wallet["stETH"] == 0
    model.check()


def test_liquidation_starts_at_ltv_used_over_lt_of_exchange_value() -> None:
    """A whale sells LST step by step; the first liquidation comes in the block after the
    pool price crossed LTV_used / LT times the exchange rate, and not before."""
    model = make(agents__loopers__target_leverage=4.5)
    model.step()
    (looper,) = of_kind(model, LstLooper)
    lm = looper.lending
    lt = 0.85
    history: list[tuple[int, float, float]] = []  # (block, price / rate, LTV_used / LT)
    for _ in range(400):
        whale_sell(model, 150 * E18)
        model.step()
        rate = looper.staking.exchange_rate()
        price = model.market.price("stETH")
        debt = lm.debt(looper.name, "ETH") / E18
        col = lm.supplied(looper.name, "stETH") / E18 * rate
        history.append((model.market.block, price / rate, debt / col / lt))
        if model.market.protocols.liquidations:
            break
    first = model.market.protocols.liquidations[0]
    assert first.borrower == looper.name
    by_block = {b: (p, threshold) for b, p, threshold in history}
    seen_p, seen_threshold = by_block[first.block - 1]  # the state the liquidator read
    assert seen_p < seen_threshold
    prev_p, prev_threshold = by_block[first.block - 2]
    assert prev_p >= prev_threshold  # one block earlier it was not liquidatable
    # the threshold itself: LTV_used / LT at 4.5x leverage = (3.5 / 4.5) / 0.85
    assert seen_threshold == pytest.approx(3.5 / 4.5 / lt, rel=1e-3)
    assert seen_p == pytest.approx(seen_threshold, abs=0.01)
    model.check()


def test_each_liquidation_moves_exactly_debt_repaid_plus_bonus() -> None:
    model = make(
        agents__loopers__target_leverage=4.5,
        agents__loopers__count=3,
        agents__liquidators__sell=False,
    )
    model.step()
    market = model.market
    (liq,) = of_kind(model, Liquidator)
    lm = liq.lending
    loopers = of_kind(model, LstLooper)
    checked = 0
    for _ in range(300):
        whale_sell(model, 100 * E18)
        model.step()  # the sale moves the pool (and the oracle); the next block is quiet
        before_n = len(market.protocols.liquidations)
        w_before = dict(liq.wallet)
        books = {a.name: (lm.debt(a.name, "ETH"), lm.supplied(a.name, "stETH")) for a in loopers}
        cash = (lm.totals("ETH").cash, lm.totals("stETH").cash)
        p_lst, p_eth = lm.oracle("stETH"), lm.oracle("ETH")
        model.step()
        recs = market.protocols.liquidations[before_n:]
        if len(recs) != 1:
            continue
        (rec,) = recs
        # the liquidator paid exactly the debt repaid and received exactly the collateral seized
        assert liq.wallet["ETH"] == w_before["ETH"] - rec.repaid
        assert liq.wallet["stETH"] == w_before["stETH"] + rec.seized
        # the market's cash moved by the same amounts
        assert lm.totals("ETH").cash == cash[0] + rec.repaid
        assert lm.totals("stETH").cash == cash[1] - rec.seized
        # the borrower's books moved by the same amounts (scaled-balance rounding: 2 wei)
        debt0, col0 = books[rec.borrower]
        debt1, col1 = lm.debt(rec.borrower, "ETH"), lm.supplied(rec.borrower, "stETH")
        interest = 10**12  # one block of interest on the remaining debt, at most
        assert 0 <= debt0 - debt1 - rec.repaid + interest <= interest + 2
        # the borrower loses the seizure and the protocol fee (to the treasury)
        assert abs(col0 - col1 - rec.seized - rec.protocol_fee) <= 2
        # seized + fee = repaid valued at the oracle, plus the 5% bonus; the fee is 10% of the
        # bonus part (Aave v3.3's integer formula)
        price_lst, price_eth = round(p_lst * WAD), round(p_eth * WAD)
        base = price_eth * rec.repaid // price_lst
        gross = (base * 10_500 + BPS // 2) // BPS
        bonus = gross - (gross * BPS + 10_500 // 2) // 10_500
        assert rec.protocol_fee == (bonus * 1_000 + BPS // 2) // BPS
        assert rec.seized == gross - rec.protocol_fee
        assert gross * p_lst / (rec.repaid * p_eth) == pytest.approx(1.05, rel=1e-9)
        checked += 1
        if checked >= 3:
            break
    assert checked >= 1
    model.check()


def test_borrow_interest_equals_supplier_interest_plus_reserve_factor() -> None:
    """Over a looping_yield run: what borrowers owe in interest, suppliers and the treasury
    receive, to a few wei."""
    result_model: list[MarketModel] = []
    sc = load_scenario("scenarios/looping_yield.toml", blocks=6_000)
    model = MarketModel(sc)
    for _ in range(6_000):
        model.step()
    result_model.append(model)
    market = model.market
    lm = market.protocols.lending["aave"]
    loopers = of_kind(model, LstLooper)
    suppliers = of_kind(model, LendingSupplier)
    assert loopers and suppliers
    liquidated = sum(r.repaid for r in market.protocols.liquidations)
    borrowed = sum(a.borrowed for a in loopers)
    repaid = sum(a.repaid for a in loopers) + liquidated
    owed = sum(a.debt() for a in loopers)
    borrow_interest = owed + repaid - borrowed
    supplier_interest = sum(a.interest_earned() for a in suppliers)
    treasury = lm.treasury["ETH"]
    reserve = lm.reserves["ETH"]
    assert borrow_interest > 10**18  # a meaningful amount: more than 1 ETH
    # borrowers' side: per account debts round up (1 wei each) against the aggregate, and so
    # does each borrow once the index has left 1 (loops wait for room in a block: < 1 wei each)
    rounds = sum(a.loops_done for a in loopers)
    assert abs(borrow_interest - reserve.interest_accrued) <= rounds + len(loopers) + 2
    # suppliers' side: balances round down per account and per block of index growth
    gap = reserve.interest_accrued - supplier_interest - treasury
    assert 0 <= gap <= 2 * 6_000 + len(suppliers) + 2
    assert reserve.interest_to_treasury == pytest.approx(0.15 * reserve.interest_accrued, rel=1e-6)
    model.check()
    market.protocols.staking["wstETH"].check()


def test_looping_yield_beats_staking_until_the_borrow_rate_does() -> None:
    """Realised APR of loopers vs plain staking: above it while borrow < staking APR."""
    result = run("scenarios/looping_yield.toml", blocks=7_000, out=None)
    lending = result.summary["lending"]["aave"]
    staking = lending["plain_staking_apr_pct"]
    assert staking == pytest.approx(3.5, rel=0.01)
    rows = result.agents[result.agents.kind == "lst_looper"]
    entered = rows[rows.realised_apr_pct.notna()]
    assert len(entered) >= 30
    # borrow rate ~2.2% < 3.5%: every loop earns more than staking, the more leveraged the more
    assert (entered.realised_apr_pct > staking).all()
    lev = entered.sort_values("leverage")
    assert lev.realised_apr_pct.iloc[-1] > lev.realised_apr_pct.iloc[0]
    assert lending["liquidations"] == 0


def test_unprofitable_liquidation_reverts_and_changes_nothing() -> None:
    """The liquidator's atomic call quotes both legs first: if the sale no longer covers the
    repayment, it raises before touching any book."""
    model = make(agents__loopers__target_leverage=4.5, agents__liquidators__active=False)
    model.step()
    market = model.market
    (liq,) = of_kind(model, Liquidator)
    (looper,) = of_kind(model, LstLooper)
    for _ in range(400):
        whale_sell(model, 150 * E18)
        model.step()
        if liq.lending.health_factor(looper.name) < 1:
            break
    lm, pool = liq.lending, market.pools["steth_eth"]
    assert lm.health_factor(looper.name) < 1
    cover = lm.debt(looper.name, "ETH") // 2
    before = (
        dict(liq.wallet),
        lm.debt(looper.name, "ETH"),
        lm.supplied(looper.name, "stETH"),
        list(pool.balances),  # type: ignore[attr-defined]
    )
    with pytest.raises(ProtocolError, match="no longer pays"):
        liq.execute(market.chain, liq.name, looper.name, "stETH", cover, 10**30, pool)
    after = (
        dict(liq.wallet),
        lm.debt(looper.name, "ETH"),
        lm.supplied(looper.name, "stETH"),
        list(pool.balances),  # type: ignore[attr-defined]
    )
    assert after == before
    assert not market.protocols.liquidations
    # the same call with a reachable minimum goes through, and sells the seizure in the pool
    receipt = liq.execute(market.chain, liq.name, looper.name, "stETH", cover, 0, pool)
    (rec,) = market.protocols.liquidations
    assert receipt.amount_in == rec.seized and receipt.amount_out > rec.repaid
    assert liq.wallet["stETH"] == before[0]["stETH"]
    assert liq.wallet["ETH"] == before[0]["ETH"] - rec.repaid + receipt.amount_out
    model.check()


def test_the_bundled_lesson_shows_leverage_turning_into_a_loss() -> None:
    """looping_yield's description: the second wave pushes ETH utilization past the kink, the
    borrow rate passes the staking APR and leveraged staking loses, the more so the higher
    the leverage. At its bundled seed, over its full 90 days."""
    from sim import run

    result = run("looping_yield", out=None)
    aave = result.summary["lending"]["aave"]
    assert aave["interest"]["ETH"]["borrow_rate_end_pct"] > aave["plain_staking_apr_pct"]
    assert aave["looper_realised_apr_pct"]["mean"] < 0 < aave["plain_staking_apr_pct"]
    loopers = result.agents[result.agents["kind"] == "lst_looper"]
    loopers = loopers[loopers["days_in_loop"] > 40]  # in the loop when the rate rose
    levered = loopers.sort_values("target_leverage")
    half = len(levered) // 2
    low, high = levered.iloc[:half], levered.iloc[half:]
    assert high["realised_apr_pct"].mean() < low["realised_apr_pct"].mean()

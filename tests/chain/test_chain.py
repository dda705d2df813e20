"""Chain and pool state machinery: exact pool snapshots, the block gas limit, pending transactions.

* `Pool.snapshot()` / `restore()` must give back the state field by field (the sandwich bot
  plans on the live pool and rolls it back, and a bundle that reverts is rolled back the
  same way): checked after random swaps, tick-crossing ones included, and liquidity calls.
* With a binding block gas limit, transactions spill to later blocks in order, a spilled
  swap past its deadline reverts and pays gas, and no token is created or lost.
"""

from __future__ import annotations

import copy
import dataclasses
import random
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from agents.arbitrageur import Arbitrageur
from agents.sandwicher import SandwichBot
from sim.chain.chain import Chain, ChainSpec
from sim.chain.gas import BUILDER, GasUnits
from sim.chain.ledger import Ledger
from sim.chain.transactions import Bundle, Call, Receipt, SwapExactIn, Tx
from sim.errors import PoolError
from sim.model.model import MarketModel
from sim.pools.base import Pool
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.views import nearest_usable_tick, price_to_tick
from sim.scenario.scenario import load_scenario
from sim.units import GWEI

E18 = 10**18

# ---------------------------------------------------------------- snapshot / restore


def state(obj: Any) -> Any:
    """The whole state of `obj` as plain nested data, with every scalar's type (1 != True)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (
            type(obj).__name__,
            [(f.name, state(getattr(obj, f.name))) for f in dataclasses.fields(obj)],
        )
    if isinstance(obj, dict):
        return ("dict", [(state(k), state(v)) for k, v in obj.items()])  # order included
    if isinstance(obj, list | tuple | set):
        items = sorted(obj) if isinstance(obj, set) else obj
        return (type(obj).__name__, [state(v) for v in items])
    if isinstance(obj, Pool):
        return ("pool", sorted((k, state(v)) for k, v in vars(obj).items()))
    if isinstance(obj, int | float | str | bool) or obj is None:
        return (type(obj).__name__, obj)
    return (type(obj).__name__, id(obj))  # any other object: must be the very same one


def containers(pool: Pool) -> dict[str, int]:
    """Identity of the pool's mutable containers (restore refills them in place)."""
    return {k: id(v) for k, v in vars(pool).items() if isinstance(v, list | dict | set)}


def cp_pool() -> ConstantProductPool:
    pool = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6), fee_bps=30, fee_to="protocol")
    pool.mint("lp1", 1_000 * E18, 3_000_000 * 10**6)
    pool.mint("lp2", 10 * E18, 30_000 * 10**6)
    return pool


def ss_pool() -> StableSwapPool:
    pool = StableSwapPool("ss", ("DAI", "USDC", "USDT"), (18, 6, 6), A=200, fee=4_000_000)
    pool.add_liquidity([10**6 * E18, 10**6 * 10**6, 10**6 * 10**6], 0, "lp1")
    pool.add_liquidity([10**5 * E18, 2 * 10**5 * 10**6, 10**5 * 10**6], 0, "lp2")
    return pool


def v3_pool() -> ConcentratedPool:
    """ETH/USDC at 3000, fee 30 bps, a full-range position and many narrow ones (ticks to cross)."""
    pool = ConcentratedPool.from_price("v3", ("ETH", "USDC"), (18, 6), 3000, 3000.0)
    pool.set_fee_protocol(4, 5)
    spacing = pool.tick_spacing
    full = (nearest_usable_tick(-887272, spacing), nearest_usable_tick(887272, spacing))
    pool.mint("full", *full, 10**16)
    centre = price_to_tick(3000.0, 18, 6)
    for k in range(1, 12):
        lo = nearest_usable_tick(centre - 240 * k, spacing)
        hi = nearest_usable_tick(centre + 240 * k, spacing)
        pool.mint(f"band{k}", lo, hi, 10**15)
    return pool


POOLS = {"constant_product": cp_pool, "stableswap": ss_pool, "concentrated": v3_pool}


def random_swap(pool: Pool, rng: random.Random) -> bool:
    """A random exact-input swap between 0.001% and 10% of the input reserve (may revert)."""
    t_in, t_out = rng.sample(list(pool.tokens), 2)
    reserve = pool.holdings()[t_in]
    amount = max(1, int(reserve * 10 ** rng.uniform(-5, -1)))
    try:
        pool.swap_exact_in(t_in, t_out, amount)
    except PoolError:
        return False
    return True


def random_liquidity_call(pool: Pool, rng: random.Random) -> None:
    """A deposit, a withdrawal or (V3) a fee collection, as agents make them."""
    who = rng.choice(["lp1", "lp2", "new"])
    if isinstance(pool, ConstantProductPool):
        if rng.random() < 0.5:
            pool.add_liquidity(who, 5 * E18, 15_000 * 10**6)
        elif pool.balance_of.get(who):
            pool.remove_liquidity(who, pool.balance_of[who] // 3)
    elif isinstance(pool, StableSwapPool):
        if rng.random() < 0.5:
            pool.add_liquidity([1000 * E18, 0, 500 * 10**6], 0, who)
        elif pool.balance_of.get(who):
            pool.remove_liquidity_one_coin(pool.balance_of[who] // 4, rng.randrange(3), 0, who)
    else:
        assert isinstance(pool, ConcentratedPool)
        k = rng.randrange(1, 12)
        owner = f"band{k}"
        key = next(key for key in pool.positions if key[0] == owner)
        if rng.random() < 0.4:
            pool.burn(owner, key[1], key[2], pool.positions[key].liquidity // 2)
            pool.collect(owner, key[1], key[2], 2**127, 2**127)
        else:
            lo = nearest_usable_tick(pool.tick - 600, pool.tick_spacing)
            hi = nearest_usable_tick(pool.tick + 420, pool.tick_spacing)
            pool.mint(f"new{rng.randrange(99)}", lo, hi, 10**13)  # may initialise new ticks


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("seed", range(4))
def test_restore_gives_back_the_state_field_by_field(kind: str, seed: int) -> None:
    rng = random.Random(seed)
    pool = POOLS[kind]()
    for _ in range(5):
        random_swap(pool, rng)
    before, ids = state(pool), containers(pool)
    twin = copy.deepcopy(pool)  # never touched: what the pool must behave like after restore
    snap = pool.snapshot()
    crossed = 0
    for _round in range(3):  # a snapshot serves many restores (the bot's trials)
        for _ in range(rng.randrange(1, 8)):
            if random_swap(pool, rng) and isinstance(pool, ConcentratedPool):
                crossed += pool.last_swap_ticks_crossed
        if rng.random() < 0.7:
            random_liquidity_call(pool, rng)
        assert state(pool) != before  # the trial did change the pool
        pool.restore(snap)
        assert state(pool) == before
        assert containers(pool) == ids
    if kind == "concentrated":
        assert crossed > 0  # the trials did cross initialized ticks
    # the restored pool and the untouched copy now behave identically
    follow = random.Random(seed + 100)
    ops = [(tuple(follow.sample(list(pool.tokens), 2)), follow.uniform(-5, -1)) for _ in range(6)]
    for (t_in, t_out), exponent in ops:
        amount = max(1, int(pool.holdings()[t_in] * 10**exponent))
        assert pool.swap_exact_in(t_in, t_out, amount) == twin.swap_exact_in(t_in, t_out, amount)
    assert state(pool) == state(twin)


def test_restore_after_a_swap_that_reverts_midway_through_a_trial() -> None:
    pool = v3_pool()
    before = state(pool)
    snap = pool.snapshot()
    pool.swap_exact_in("ETH", "USDC", 50 * E18)
    with pytest.raises(PoolError):
        pool.swap_exact_in("USDC", "ETH", 10**6, min_amount_out=10**30)
    pool.restore(snap)
    assert state(pool) == before


def test_generic_snapshot_is_not_enough_for_v3_tick_records() -> None:
    """Why V3 overrides snapshot: a crossing rewrites a tick record in place, which a shallow
    copy of the pool's containers shares with the live pool."""
    pool = v3_pool()
    before = state(pool)
    snap = Pool.snapshot(pool)
    pool.swap_exact_in("ETH", "USDC", 200 * E18)
    assert pool.last_swap_ticks_crossed > 0
    Pool.restore(pool, snap)
    assert state(pool) != before
    pool = v3_pool()
    snap = pool.snapshot()
    pool.swap_exact_in("ETH", "USDC", 200 * E18)
    pool.restore(snap)
    assert state(pool) == before


def test_containers_of_generic_pools_hold_only_immutable_values() -> None:
    """The generic snapshot copies containers one level deep: exact only for flat ones."""
    atomic = (int, str, bool, float, tuple, type(None))
    for make in (cp_pool, ss_pool):
        pool = make()
        for name, value in vars(pool).items():
            if isinstance(value, dict):
                items = [*value.keys(), *value.values()]
            elif isinstance(value, list | set):
                items = list(value)
            else:
                continue
            mutable = [v for v in items if not isinstance(v, atomic)]
            # stableswap-ng rate oracles are shared references the pool never mutates
            assert name == "rate_oracles" or not mutable, (pool.kind, name)


# ---------------------------------------------------------------- a chain on its own


def make_chain(
    limit: int = 30_000_000, ordering: str = "priority_fee", base_fee: float = 10.0
) -> tuple[Chain, ConstantProductPool, list[tuple[int, str, Receipt | None, str, int]]]:
    ledger = Ledger({"ETH": 18, "USDC": 6})
    gas = GasUnits(lending=200_000, liquidation=200_000)  # every kind fits a 250k block
    spec = ChainSpec(ordering=ordering, base_fee_gwei=base_fee, block_gas_limit=limit, gas=gas)
    log: list[tuple[int, str, Receipt | None, str, int]] = []
    chain = Chain(spec, ledger, np.random.default_rng(1), 12.0)
    chain.on_receipt = lambda tx, receipt, reason, paid: log.append(
        (chain.block, tx.label, receipt, reason, paid)
    )
    pool = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6), fee_bps=30)
    ledger.mint("genesis", "ETH", 1_000 * E18)
    ledger.mint("genesis", "USDC", 3_000_000 * 10**6)
    ledger.wallets["genesis"]["ETH"] -= 1_000 * E18
    ledger.wallets["genesis"]["USDC"] -= 3_000_000 * 10**6
    pool.mint("genesis", 1_000 * E18, 3_000_000 * 10**6)
    ledger.add_venue("cp", pool.holdings)
    for who in "abcdefg":
        ledger.mint(who, "ETH", 10 * E18)
        ledger.mint(who, "USDC", 100_000 * 10**6)
    ledger.check(0)
    return chain, pool, log


def swap_tx(
    chain: Chain, pool: ConstantProductPool, who: str, tip: float, deadline: int, usdc: int = 1_000
) -> Tx:
    action = SwapExactIn((pool,), ("USDC", "ETH"), usdc * 10**6, 0, deadline, chain.gas.swap)
    return chain.submit(Tx(who, action, tip, who))


def test_without_a_binding_limit_every_transaction_is_included_at_once() -> None:
    chain, pool, log = make_chain()
    chain.new_block()
    for i, who in enumerate("abcde"):
        swap_tx(chain, pool, who, tip=float(i), deadline=1)
    chain.build_block()
    assert [label for _, label, *_ in log] == list("edcba")
    assert chain.mempool == [] and chain.backlog == 0
    assert chain.gas_used == 5 * chain.gas.swap
    chain.ledger.check(1)


def test_a_full_block_spills_in_order_and_an_expired_swap_reverts_paying_gas() -> None:
    """Limit 300k, swaps of 120k: two fit a block. The third-highest tip has a deadline of
    block 1, spills to block 2, is included first there, reverts as expired and pays the
    revert gas; the others execute in priority order, ties by arrival."""
    chain, pool, log = make_chain(limit=300_000)
    ledger = chain.ledger
    chain.new_block()
    swap_tx(chain, pool, "a", tip=5.0, deadline=10)
    swap_tx(chain, pool, "b", tip=4.0, deadline=10)
    late = swap_tx(chain, pool, "c", tip=3.0, deadline=1)
    swap_tx(chain, pool, "d", tip=2.0, deadline=10)
    chain.build_block()
    assert [(b, label) for b, label, *_ in log] == [(1, "a"), (1, "b")]
    assert chain.gas_used == 240_000 and chain.backlog == 2
    assert [tx.label for tx in chain.pending()] == ["c", "d"]  # still visible to searchers
    ledger.check(1)

    chain.new_block()
    assert chain.pending_from("c") == [late]
    swap_tx(chain, pool, "e", tip=2.0, deadline=10)  # same tip as d, arrived later
    swap_tx(chain, pool, "f", tip=1.0, deadline=10)
    c_before = dict(ledger.wallets["c"])
    tips_before = ledger.wallets[BUILDER]["ETH"]
    chain.build_block()
    assert [(b, label) for b, label, *_ in log[2:]] == [(2, "c"), (2, "d"), (2, "e")]
    _, _, receipt, reason, paid = log[2]
    assert receipt is None and "expired" in reason
    revert = chain.gas.revert
    assert paid == revert * (10 + 3) * GWEI
    assert ledger.wallets["c"]["ETH"] == c_before["ETH"] - paid
    assert ledger.wallets["c"]["USDC"] == c_before["USDC"]  # the swap itself did nothing
    # 45k (revert) + 120k + 120k = 285k used; f (120k more) waits for block 3
    assert chain.gas_used == revert + 240_000 and chain.backlog == 1
    assert (
        ledger.wallets[BUILDER]["ETH"] - tips_before
        == (revert * 3 + 120_000 * 2 + 120_000 * 2) * GWEI
    )
    ledger.check(2)

    chain.new_block()
    chain.build_block()
    assert [(b, label) for b, label, *_ in log[5:]] == [(3, "f")]
    assert log[5][2] is not None
    assert chain.mempool == [] and chain.backlog == 0
    ledger.check(3)
    assert chain.tx_count == 6 and chain.revert_count == 1


@pytest.mark.parametrize("ordering", ["fifo", "random"])
def test_spilled_transactions_keep_their_turn_under_other_orderings(ordering: str) -> None:
    chain, pool, log = make_chain(limit=250_000, ordering=ordering, base_fee=0.0)
    for block in range(1, 5):
        chain.new_block()
        for who in "abc":
            swap_tx(chain, pool, who, tip=0.0, deadline=100)
        chain.build_block()
        assert chain.gas_used == 240_000  # two 120k swaps fill each block
        chain.ledger.check(block)
    assert len(log) == 8 and chain.backlog == 4
    if ordering == "fifo":  # strictly by arrival, across blocks
        seqs = [tx.seq for tx in chain.mempool]
        assert seqs == sorted(seqs) and seqs[0] == 8


def test_a_bundle_takes_the_gas_of_all_its_legs() -> None:
    """A bundle that does not fit the room left is dropped; its target stays pending and
    is included alone in the next block. One larger than a whole block runs its target alone."""
    chain, pool, log = make_chain(limit=400_000)
    bundles: list[Bundle] = []
    chain.on_bundle = lambda b, receipts, alone: bundles.append(b)
    chain.new_block()
    swap_tx(chain, pool, "a", tip=10.0, deadline=10)
    target = swap_tx(chain, pool, "b", tip=1.0, deadline=10)

    def leg(t_in: str, t_out: str, amount: int) -> Tx:
        action = SwapExactIn((pool,), (t_in, t_out), amount, 0, chain.block, chain.gas.swap)
        return Tx("g", action, 5.0, "leg")

    chain.submit_bundle(
        Bundle(target, [leg("USDC", "ETH", 10**9)], [leg("ETH", "USDC", 10**17)], "g")
    )
    chain.build_block()
    assert [label for _, label, *_ in log] == ["a"]  # a: 120k; the bundle's 360k does not fit
    assert chain.pending() == [target] and not bundles and chain.bundles == []
    chain.new_block()
    chain.build_block()
    assert [(b, label) for b, label, *_ in log[1:]] == [(2, "b")]

    chain, pool, log = make_chain(limit=300_000)
    chain.new_block()
    target = swap_tx(chain, pool, "b", tip=1.0, deadline=10)
    chain.submit_bundle(
        Bundle(target, [leg("USDC", "ETH", 10**9)], [leg("ETH", "USDC", 10**17)], "g")
    )
    chain.build_block()
    assert [label for _, label, *_ in log] == ["b"] and chain.mempool == []


def test_a_transaction_larger_than_a_block_is_dropped_not_stuck() -> None:
    chain, pool, log = make_chain(limit=500_000)
    chain.new_block()
    huge = Call(lambda c, s: Receipt(kind="noop"), gas_units=600_000)
    chain.submit(Tx("a", huge, 100.0, "huge"))
    swap_tx(chain, pool, "b", tip=1.0, deadline=10)
    chain.build_block()
    assert (log[0][1], log[0][4]) == ("huge", -1)
    assert "more gas than a block" in log[0][3]
    assert [label for _, label, *_ in log[1:]] == ["b"] and log[1][2] is not None
    assert chain.mempool == [] and chain.tx_count == 1


def test_cancel_withdraws_only_the_given_pending_transactions() -> None:
    chain, pool, log = make_chain(limit=250_000)
    chain.new_block()
    for who in "aab":
        swap_tx(chain, pool, who, tip=0.0, deadline=10)
    assert len(chain.pending_from("a")) == 2 and chain.pending_from("a", label="x") == []
    assert chain.cancel(chain.pending_from("a")[:1]) == 1
    assert chain.cancel(chain.pending_from("a")[:1] * 2) == 1
    assert chain.cancel([]) == 0
    assert [tx.sender for tx in chain.pending()] == ["b"]
    chain.build_block()
    assert [label for _, label, *_ in log] == ["b"]


def test_each_transaction_carries_its_outcome() -> None:
    """A sender reads its transactions' status, as it would read receipts."""
    chain, pool, _ = make_chain(limit=250_000)
    chain.new_block()
    ok = swap_tx(chain, pool, "a", tip=3.0, deadline=10)
    expired = swap_tx(chain, pool, "b", tip=2.0, deadline=0)  # past its deadline: reverts
    waiting = swap_tx(chain, pool, "c", tip=1.0, deadline=10)  # does not fit: stays pending
    withdrawn = swap_tx(chain, pool, "d", tip=0.5, deadline=10)
    huge = chain.submit(Tx("e", Call(lambda c, s: Receipt(kind="noop"), 600_000), 9.0, "huge"))
    assert ok.status == "pending"
    chain.build_block()
    chain.cancel([withdrawn])
    statuses = [tx.status for tx in (ok, expired, waiting, withdrawn, huge)]
    assert statuses == ["ok", "reverted", "pending", "cancelled", "dropped"]


def test_gas_limit_is_validated_and_documented() -> None:
    assert ChainSpec().block_gas_limit == 30_000_000
    with pytest.raises(ValidationError, match="liquidation"):
        ChainSpec(block_gas_limit=300_000)  # a liquidation takes 400k
    with pytest.raises(ValidationError):
        ChainSpec(block_gas_limit=0)
    description = ChainSpec.model_fields["block_gas_limit"].description or ""
    assert "pending" in description and "deadline" in description


# ---------------------------------------------------------------- in the model


def test_binding_gas_limit_in_a_market_spills_expires_and_conserves(raw: dict) -> None:
    """Room for five swaps a block against ~6 wanted, first come first served: transactions
    wait, retail swaps with a one-block deadline expire and revert paying gas, every token is
    accounted for after every block, and an arbitrageur's trade left pending by a full block
    (sized on an old state, expiring at once) is withdrawn, never included late."""
    raw["chain"].update(block_gas_limit=600_000, base_fee_gwei=2.0, ordering="fifo")
    raw["agents"]["retail"].update(trades_per_block=0.45, deadline_blocks=1)
    model = MarketModel(load_scenario(raw), check_every_block=True)
    chain = model.market.chain
    arbs = {a.name for a in model.market_agents if isinstance(a, Arbitrageur)}
    expired: list[int] = []
    late_arb: list[Tx] = []
    hook = chain.on_receipt
    assert hook is not None

    def spy(tx, receipt, reason, paid):  # type: ignore[no-untyped-def]
        if receipt is None and "expired" in reason:
            expired.append(paid)
        if tx.sender in arbs and tx.block != chain.block:
            late_arb.append(tx)
        hook(tx, receipt, reason, paid)

    chain.on_receipt = spy
    spilled = arb_spilled = 0
    for _ in range(200):
        model.step()
        assert chain.gas_used <= 600_000
        spilled += chain.backlog
        arb_spilled += sum(tx.sender in arbs for tx in chain.pending())
    assert spilled > 100 and arb_spilled > 5
    assert len(expired) > 5 and all(paid > 0 for paid in expired)
    assert late_arb == []
    model.check()


# ---------------------------------------------------------------- trade budgets


def test_bots_and_arbitrageurs_never_trade_their_gas_reserve(raw: dict) -> None:
    """With no capital and a large ETH gas reserve, a sandwich bot has nothing to front-run
    with and an arbitrageur nothing to sell but USDC: the reserve only ever pays gas."""
    raw["chain"]["base_fee_gwei"] = 1.0
    raw["agents"]["retail"].update(slippage_bps=300, size=30_000)
    raw["agents"]["bot"] = {
        "kind": "sandwich_bot",
        "count": 1,
        "capital": 0,
        "gas_reserve": 100.0,
    }
    raw["agents"]["arbs"].update(count=1, capital=0, gas_reserve=100.0)
    model = MarketModel(load_scenario(raw))
    bot = next(a for a in model.market_agents if isinstance(a, SandwichBot))
    arb = next(a for a in model.market_agents if isinstance(a, Arbitrageur))
    reserve = 100 * E18
    assert bot.wallet["ETH"] == arb.wallet["ETH"] == reserve
    assert bot.spendable("ETH") == arb.spendable("ETH") == 0
    model.run_for(200)
    assert bot.attempts == 0 and model.metrics.sandwiches == 0
    assert model.metrics.agent(arb.name).swaps == 0  # it only ever held its gas money
    assert arb.wallet["ETH"] == reserve and arb.wallet["USDC"] == 0


def test_trade_budget_is_the_wallet_less_the_native_reserve(raw: dict) -> None:
    raw["agents"]["bot"] = {"kind": "sandwich_bot", "count": 1, "gas_reserve": 2.0}
    model = MarketModel(load_scenario(raw))
    bot = next(a for a in model.market_agents if isinstance(a, SandwichBot))
    arb = next(a for a in model.market_agents if isinstance(a, Arbitrageur))
    for agent, keep in ((bot, 2 * E18), (arb, E18 // 2)):
        assert agent.spendable("ETH") == agent.wallet["ETH"] - keep > 0
        assert agent.spendable("USDC") == agent.wallet["USDC"] > 0
        agent.wallet["ETH"] = keep // 3  # gas spent below the reserve: nothing to trade
        assert agent.spendable("ETH") == 0

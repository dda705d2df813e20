"""The model as a whole: conservation, arbitrage keeps prices in the no-arbitrage band, determinism."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.errors import ConservationError
from sim.model.model import MarketModel
from sim.runs.runner import run
from sim.scenario.scenario import load_scenario


def test_tokens_only_move_across_a_run(raw: dict) -> None:
    raw["chain"]["base_fee_gwei"] = 3.0
    raw["agents"]["leaver"] = {  # burns its LP shares half-way
        "kind": "liquidity_provider",
        "count": 1,
        "pool": "eth_usdc",
        "capital": 500_000,
        "exit_block": 150,
    }
    model = MarketModel(load_scenario(raw), check_every_block=True)
    start_supply = {t: model.market.ledger.supply(t) for t in ("ETH", "USDC")}
    pool = model.market.pools["eth_usdc"]
    shares_before = pool.total_supply
    leaver = sum(v for h, v in pool.balance_of.items() if h.startswith("leaver#"))
    assert leaver > 0
    for _ in range(300):
        model.step()
        assert sum(pool.balance_of.values()) == pool.total_supply  # shares minted/burned in step
    assert sum(v for h, v in pool.balance_of.items() if h.startswith("leaver#")) == 0
    assert pool.total_supply == shares_before - leaver  # exactly the leaver's shares burned
    ledger = model.market.ledger
    assert ledger.discrepancies() == {}
    # gas burns ETH explicitly; USDC supply is untouched by trading
    assert ledger.supply("USDC") == start_supply["USDC"]
    assert ledger.burned["ETH"] > 0
    assert ledger.supply("ETH") == start_supply["ETH"] - ledger.burned["ETH"]
    pool = model.market.pools["eth_usdc"]
    assert sum(pool.balance_of.values()) == pool.total_supply
    assert model.market.chain.tx_count > 50


def test_a_leak_is_caught_with_block_and_token(raw: dict) -> None:
    model = MarketModel(load_scenario(raw))
    model.run_for(5)
    some_agent = model.market_agents[-1]
    some_agent.wallet["USDC"] += 1  # created out of thin air
    with pytest.raises(ConservationError, match=r"block 5: .*USDC: held - supply = 1 units"):
        model.check()


def _band_violations(raw: dict, fee_bps: int, base_fee_gwei: float) -> tuple[int, int]:
    """Blocks (of 400) at whose end a profitable arbitrage against the reference price remains."""
    raw["agents"] = {
        "lps": raw["agents"]["lps"],
        "arbs": {"kind": "arbitrageur", "count": 1, "capital": 5_000_000},
    }
    raw["pools"]["eth_usdc"]["fee_bps"] = fee_bps
    raw["chain"]["base_fee_gwei"] = base_fee_gwei
    raw["prices"]["ETH"]["sigma"] = 2.0
    model = MarketModel(load_scenario(raw))
    pool = model.market.pools["eth_usdc"]
    fee = fee_bps / 10_000
    outside, checked = 0, 0
    for _ in range(400):
        model.step()
        ref = model.market.price("ETH")
        spot = pool.spot_price("ETH", "USDC")
        gap = abs(math.log(spot / ref))
        fee_band = -math.log(1 - fee) + 1e-9
        checked += 1
        if gap > fee_band:
            # outside the fee band only when gas makes the remaining trade unprofitable
            arb = model.market_agents[-1]
            trade = arb.best_trade(pool)
            if trade is not None and trade[4] > model.market.gas_value(model.market.chain.gas.swap):
                outside += 1
    return outside, checked


def test_arbitrage_keeps_price_in_fee_band_without_gas(raw: dict) -> None:
    raw_copy = raw
    outside, checked = _band_violations(raw_copy, fee_bps=30, base_fee_gwei=0.0)
    assert checked == 400 and outside == 0


def test_arbitrage_band_widens_with_gas_but_no_profitable_trade_is_left(raw: dict) -> None:
    outside, _ = _band_violations(raw, fee_bps=5, base_fee_gwei=50.0)
    assert outside == 0


def test_after_each_arbitrage_trade_the_price_sits_at_the_fee_band(raw: dict) -> None:
    """Every executed arbitrage swap leaves the marginal price within the fee band of the reference."""
    model = MarketModel(load_scenario(raw))
    seen: list[float] = []
    hook = model.market.chain.on_receipt

    def spy(tx, receipt, reason, paid):  # type: ignore[no-untyped-def]
        if receipt is not None and tx.label == "arbitrage":
            pool = receipt.route[0]
            spot = pool.spot_price("ETH", "USDC")
            seen.append(abs(math.log(spot / model.market.price("ETH"))))
        hook(tx, receipt, reason, paid)

    model.market.chain.on_receipt = spy
    model.run_for(300)
    assert len(seen) > 20
    assert max(seen) <= -math.log(1 - 0.003) + 1e-6


def test_noise_traders_pay_fees_and_lps_earn_them(raw: dict) -> None:
    result = run(raw, out=None)
    s = result.summary
    assert s["fees"] > 0
    assert s["lp_fee_income"] == pytest.approx(s["fees"], rel=1e-9)
    lps = result.agents[result.agents.kind == "liquidity_provider"]
    retail = result.agents[result.agents.kind == "noise_trader"]
    assert (lps.lp_fee_income > 0).all()
    assert retail.fees_paid.sum() > 0
    # LP income is pro rata: equal capital => equal income
    assert lps.lp_fee_income.max() == pytest.approx(lps.lp_fee_income.min(), rel=1e-6)


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_same_seed_gives_byte_identical_outputs(raw: dict, tmp_path: Path) -> None:
    a = run(raw, out=tmp_path / "a")
    b = run(raw, out=tmp_path / "b")
    fa, fb = _files(a.path), _files(b.path)
    for name in ("timeseries.csv", "agents.csv", "events.csv", "summary.json", "figure.png"):
        assert fa[name] == fb[name], name
    c = run(raw, seed=8, out=tmp_path / "c")
    assert _files(c.path)["timeseries.csv"] != fa["timeseries.csv"]


def test_run_folder_is_complete_and_atomic(raw: dict, tmp_path: Path) -> None:
    result = run(raw, out=tmp_path)
    names = set(_files(result.path))
    assert {
        "scenario.toml",
        "timeseries.csv",
        "agents.csv",
        "events.csv",
        "summary.json",
        "figure.png",
    } <= names
    assert "INCOMPLETE" not in names
    assert not any(p.name.endswith(".partial") for p in result.path.parent.iterdir())
    assert result.path.name.endswith("-seed7")
    # the resolved scenario reruns to the same result
    again = run(result.path / "scenario.toml", out=tmp_path / "again")
    assert again.timeseries.equals(result.timeseries)


def test_failed_run_leaves_folder_marked_incomplete(raw: dict, tmp_path: Path, monkeypatch) -> None:
    import sim.runs.runner

    def boom(model, blocks, progress=False):  # type: ignore[no-untyped-def]
        model.run_for(3)
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(sim.runs.runner, "advance", boom)
    with pytest.raises(RuntimeError):
        run(raw, out=tmp_path)
    folders = list((tmp_path / "tiny").iterdir())
    assert len(folders) == 1 and folders[0].name.endswith(".partial")
    assert "simulated crash" in (folders[0] / "INCOMPLETE").read_text()


def test_replicates_differ_and_reproduce(raw: dict) -> None:
    r0 = run(raw, replicate=0, out=None)
    r1 = run(raw, replicate=1, out=None)
    r0b = run(raw, replicate=0, out=None)
    assert r0.summary["volume"] != r1.summary["volume"]
    assert r0.summary == r0b.summary


def _stablecoin_arb(raw: dict, gas_reserve: float, base_fee_gwei: float) -> MarketModel:
    """A USDT/USDC pool kept on peg by one arbitrageur whose only ETH is its gas reserve."""
    raw["tokens"] = {"ETH": {"decimals": 18}, "USDC": {"decimals": 6}, "USDT": {"decimals": 6}}
    raw["prices"]["USDT"] = {"process": "peg", "sigma": 0.5, "half_life_days": 0.05}
    raw["pools"] = {"usdt_usdc": {"kind": "stableswap", "tokens": ["USDT", "USDC"], "A": 100}}
    raw["chain"]["base_fee_gwei"] = base_fee_gwei
    raw["agents"] = {
        "lps": {**raw["agents"]["lps"], "pool": "usdt_usdc"},
        "arbs": {
            "kind": "arbitrageur",
            "capital": 2_000_000,
            "gas_reserve": gas_reserve,
            "bid_share": 0.9,
        },
    }
    return MarketModel(load_scenario(raw))


def test_an_arbitrageur_short_of_gas_money_bids_what_it_has_and_keeps_trading(raw: dict) -> None:
    model = _stablecoin_arb(raw, gas_reserve=0.00002, base_fee_gwei=0.0)
    arb = model.market_agents[-1]
    stats = model.metrics.agent(arb.name)
    model.run_for(200)
    assert arb.wallet["ETH"] < 10**12  # its 0.00002 ETH went on tips within 200 blocks
    swaps_before = stats.swaps
    model.run_for(200)
    # bidding only what it holds, none of its transactions is dropped for want of gas, and
    # without a base fee it goes on trading once the reserve is gone
    assert stats.dropped == 0
    assert stats.swaps - swaps_before >= 20
    assert arb.wallet["ETH"] >= 0


def test_an_arbitrageur_that_cannot_pay_the_base_fee_sends_nothing(raw: dict) -> None:
    model = _stablecoin_arb(raw, gas_reserve=0.0, base_fee_gwei=20.0)
    arb = model.market_agents[-1]
    model.run_for(200)
    stats = model.metrics.agent(arb.name)
    assert (stats.swaps, stats.dropped, stats.reverts, arb.opportunities) == (0, 0, 0, 0)


def test_free_swaps_need_no_gas_money(raw: dict) -> None:
    raw["chain"]["gas"] = {"swap": 0}
    model = _stablecoin_arb(raw, gas_reserve=0.0, base_fee_gwei=20.0)
    model.run_for(200)
    stats = model.metrics.agent(model.market_agents[-1].name)
    assert stats.swaps > 0 and stats.dropped == 0

"""events.csv: its columns, how rows are made and written, and that intents write as strings."""

from __future__ import annotations

from pathlib import Path

from sim.chain.intents import Intent
from sim.chain.transactions import Receipt, SwapExactIn, Tx
from sim.model.event_log import (
    EVENT_COLUMNS,
    EventLog,
    action_row,
    csv_number,
    iter_events,
    note_row,
    swap_row,
)
from sim.pools.uniswap_v2.pair import ConstantProductPool

POOL = ConstantProductPool("cp", ("ETH", "USDC"), (18, 6))
ACTION = SwapExactIn((POOL,), ("USDC", "ETH"), 1, 0, 10, 100_000)


def test_numbers_are_written_with_twelve_significant_digits() -> None:
    assert csv_number(0.1 + 0.2) == "0.3"
    assert csv_number(1 / 3) == "0.333333333333"
    assert csv_number(123456789.0123456) == "123456789.012"
    assert csv_number(1e-20) == "1e-20"
    assert csv_number(-0.0) == "-0"
    assert csv_number(3.0) == "3"


def test_a_swap_row_has_every_column_in_whole_tokens() -> None:
    tx = Tx("retail#1", ACTION, 1.5, Intent.RETAIL)
    r = Receipt("swap", "cp", "USDC", "ETH", 3_000 * 10**6, 10**18 // 4)
    row = swap_row(7, 3, tx, r, {"ETH": 18, "USDC": 6}, "ok", "", 0.25, 3000.0, 2500.0, 9.0, 1.5)
    assert dict(zip(EVENT_COLUMNS, row, strict=True)) == {
        "block": 7,
        "tx_index": 3,
        "sender": "retail#1",
        "label": "retail",
        "kind": "swap",
        "status": "ok",
        "pool": "cp",
        "token_in": "USDC",
        "amount_in": "3000",
        "token_out": "ETH",
        "amount_out": "0.25",
        "value_in": "3000",
        "value_out": "2500",
        "fee_value": "9",
        "slippage_bps": "1.5",
        "gas_cost": "0.25",
        "priority_fee_gwei": "1.5",
        "note": "",
    }
    no_slippage = swap_row(7, 3, tx, r, {"ETH": 18, "USDC": 6}, "ok", "", 0, 0, 0, 0, None)
    assert no_slippage[EVENT_COLUMNS.index("slippage_bps")] == ""


def test_other_rows_name_the_action_and_its_detail() -> None:
    tx = Tx("lp#2", ACTION, 0.0, Intent.LP)
    r = Receipt("add_liquidity", "cp", detail={"ETH": 5, "USDC": 7})
    row = dict(zip(EVENT_COLUMNS, action_row(4, 1, tx, r, "ok", "", 0.5), strict=True))
    assert (row["kind"], row["pool"], row["note"], row["gas_cost"]) == (
        "add_liquidity",
        "cp",
        "ETH=5;USDC=7",
        "0.5",
    )
    assert row["token_in"] == row["amount_in"] == row["slippage_bps"] == ""
    # no receipt (reverted or dropped): the action's class and route; the reason is the note
    row = dict(zip(EVENT_COLUMNS, action_row(4, 2, tx, None, "reverted", "K", 0.5), strict=True))
    assert (row["kind"], row["pool"], row["status"], row["note"]) == (
        "swapexactin",
        "cp",
        "reverted",
        "K",
    )
    note = note_row(9, 5, "crash", "ETH -30%")
    assert len(note) == len(EVENT_COLUMNS)
    assert note[:6] == (9, 5, "scenario", "crash", "event", "ok") and note[-1] == "ETH -30%"


def test_the_log_streams_to_a_file_or_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    log = EventLog(path)
    tx = Tx("arb#1", ACTION, 2.0, Intent.ARBITRAGE)
    log.write(action_row(1, 1, tx, None, "dropped", "no gas", 0.0))
    log.write(note_row(1, 1, "rug", "took 5 ETH"))
    log.close()
    # an intent is written as its plain string: the file is what agents' strings wrote
    assert path.read_text().splitlines() == [
        ",".join(EVENT_COLUMNS),
        "1,1,arb#1,arbitrage,swapexactin,dropped,cp,,,,,,,,,0,2,no gas",
        "1,1,scenario,rug,event,ok,,,,,,,,,,,,took 5 ETH",
    ]
    assert log.count == 2 and log.rows == []
    back = list(iter_events(path))
    assert [r["label"] for r in back] == ["arbitrage", "rug"]
    memory = EventLog(None)
    memory.write(note_row(2, 0, "x", "y"))
    assert memory.count == 1 and memory.rows == [note_row(2, 0, "x", "y")]
    off = EventLog(tmp_path / "none.csv", enabled=False)
    off.write(note_row(2, 0, "x", "y"))
    assert off.count == 0 and off.rows == [] and not (tmp_path / "none.csv").exists()

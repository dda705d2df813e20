"""Intents: one enum of the labels transactions carry, written as the same strings."""

from __future__ import annotations

import csv
import io

from sim.chain.intents import Intent
from sim.runs.runner import run


def test_an_intent_is_its_string() -> None:
    assert Intent.ARBITRAGE == "arbitrage" and Intent("retail") is Intent.RETAIL
    assert f"{Intent.RUG}" == str(Intent.RUG) == "rug"
    out = io.StringIO()
    csv.writer(out).writerow([Intent.TOKEN_BUY, Intent.BUY_AND_REDEEM])
    assert out.getvalue() == "token_buy,buy_and_redeem\r\n"
    assert len({i.value for i in Intent}) == len(Intent)


def test_every_transaction_label_agents_send_is_an_intent() -> None:
    """Short runs of scenarios between them sending most intents: none is left out of the enum."""
    seen: set[str] = set()
    for name in ("quickstart", "sandwich_attack", "rug_pull", "steth_depeg", "v3_band_strategies"):
        events = run(name, blocks=400, out=None).events
        seen |= set(events.loc[events["kind"] != "event", "label"])
    assert seen <= {i.value for i in Intent}
    assert {"retail", "arbitrage", "frontrun", "backrun", "panic_sell"} <= seen

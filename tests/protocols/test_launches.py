"""Tests for sim.protocols.launches: launch records, LP locks and holder concentration."""

from __future__ import annotations

import pytest

from sim.chain.ledger import Ledger
from sim.errors import ProtocolError
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.protocols.hub import Protocols
from sim.protocols.launches import (
    TokenLaunch,
    holder_concentration,
    launch_of,
    launches,
    lock_lp,
    locked_lp,
    locked_lp_share,
    register_launch,
)

E18 = 10**18


def test_launches_are_public_records_in_order() -> None:
    protocols = Protocols(Ledger({"MOON": 18}))
    first = TokenLaunch("MOON", "dev", "moon_eth", 0, mint_authority=True)
    second = TokenLaunch("STAR", "dev2", "star_eth", 5, mint_authority=False)
    register_launch(protocols, first)
    register_launch(protocols, second)
    assert launches(protocols) == [first, second]
    assert launch_of(protocols, "STAR") is second and launch_of(protocols, "ETH") is None
    launches(protocols).clear()  # a copy: the records stay
    assert protocols.launchpad.launches == [first, second]


def test_lp_locks_expire_at_their_block() -> None:
    protocols = Protocols(Ledger({"MOON": 18, "ETH": 18}))
    pool = ConstantProductPool("moon_eth", ("MOON", "ETH"), (18, 18))
    pool.add_liquidity("dev", 1_000_000 * E18, 100 * E18)  # 10_000 * E18 LP shares
    shares = pool.balance_of["dev"]
    lock_lp(protocols, "moon_eth", "dev", shares // 2, until_block=100)
    lock_lp(protocols, "moon_eth", "dev", shares // 4, until_block=200)
    assert locked_lp(protocols, "moon_eth", "dev", 99) == shares // 2 + shares // 4
    assert locked_lp(protocols, "moon_eth", "dev", 100) == shares // 4
    assert locked_lp(protocols, "moon_eth", None, 200) == 0
    assert locked_lp(protocols, "moon_eth", "alice", 0) == 0
    assert locked_lp_share(protocols, pool, 0) == (shares // 2 + shares // 4) / pool.total_supply
    assert locked_lp_share(protocols, pool, 0, until=150) == (shares // 4) / pool.total_supply
    empty = ConstantProductPool("empty", ("MOON", "ETH"), (18, 18))
    assert locked_lp_share(protocols, empty, 0) == 0.0
    with pytest.raises(ProtocolError, match="shares must be >= 0"):
        lock_lp(protocols, "moon_eth", "dev", -1, until_block=5)


def test_holder_concentration_is_the_top_wallets_share_of_supply() -> None:
    ledger = Ledger({"MOON": 18})
    ledger.mint("dev", "MOON", 90 * E18)
    ledger.mint("alice", "MOON", 6 * E18)
    ledger.mint("bob", "MOON", 4 * E18)
    assert holder_concentration(ledger, "MOON") == 0.9
    assert holder_concentration(ledger, "MOON", exclude=("dev",)) == 0.06
    assert holder_concentration(ledger, "ETH") == 0.0  # no supply

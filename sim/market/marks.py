"""Marks: the one price per token that P&L and the value books use, chosen so that no
holding is valued above what it would fetch.

A token with a reference price (a price process, or the numeraire) is marked at it. Any other
token (a freshly launched token, a reward token, a liquid-staking token) has only the pools
it trades in, and a pool's spot price says what the *next unit* fetches, not what holders
could get for all they hold: a pool emptied by a rug still quotes its last price on a few
wei of reserves. Such a token is marked at its exit value: the average price that selling
every unit agents hold outside its pricing pool into that pool would fetch now, never above
the spot price. A liquid-staking token is worth at least its redemption through its staking
protocol (exchange rate x underlying, the queue's wait ignored). One mark per token means
value moves between holders but is never created by the marking itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import AmmSimError
from sim.market.market import Market

MARKING_RULE = (
    "tokens with a reference price (or the numeraire) are marked at it; any other token at "
    "its exit value: the average price selling every unit agents hold outside its pricing "
    "pool into that pool would fetch at the end state (never above the pool's spot price), "
    "and a liquid-staking token at least at its redemption value (exchange rate x "
    "underlying); start and end holdings of such a token share that one mark"
)
"""The rule in one sentence, for README, `ammsim schema` and summary.json."""


def exit_marks(market: Market, outside: Mapping[str, int]) -> dict[str, float]:
    """Numeraire value of one whole unit of every token of `market`.

    `outside` gives, per token without a reference price, the units agents hold outside its
    pricing pool (wallets, other pools, lending, queued withdrawals): what would be sold.
    """
    marks: dict[str, float] = {}
    for token in market.decimals:
        _mark(market, token, outside, marks, set())
    return marks


def _mark(
    market: Market, token: str, outside: Mapping[str, int], marks: dict[str, float], seen: set[str]
) -> float:
    known = marks.get(token)
    if known is not None:
        return known
    if token == market.numeraire:
        mark = 1.0
    elif token in market.ref_prices:
        mark = float(market.ref_prices[token])
    else:
        mark = 0.0
        via = market.price_pools.get(token)
        if via is not None and token not in seen:
            seen.add(token)
            _, quote = via
            quote_mark = _mark(market, quote, outside, marks, seen)
            mark = _pool_exit(market, token, quote, outside.get(token, 0), quote_mark)
        staking = market.protocols.staking.get(token)
        if staking is not None:
            underlying = _mark(market, staking.spec.underlying, outside, marks, seen | {token})
            mark = max(mark, staking.exchange_rate() * underlying)
    marks[token] = mark
    return mark


def _pool_exit(market: Market, token: str, quote: str, amount: int, quote_mark: float) -> float:
    """Average value per whole `token` of selling `amount` units into its pricing pool, capped
    at the spot price; the spot price when nothing would be sold."""
    pool, _ = market.price_pools[token]
    try:
        spot = pool.spot_price(token, quote) * quote_mark
    except (AmmSimError, ArithmeticError):
        return 0.0
    if amount <= 0:
        return max(spot, 0.0)
    try:
        paid = pool.quote_exact_in(token, quote, amount)
    except (AmmSimError, ArithmeticError):
        return 0.0
    average = paid / market.scale[quote] * quote_mark / (amount / market.scale[token])
    return max(0.0, min(spot, average))

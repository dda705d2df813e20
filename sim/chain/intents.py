"""Why a transaction was sent: the intent it carries (`Tx.label`, events.csv's `label`).

One enum instead of loose strings, so the books can tell arbitrage from retail flow by a
name that a typo cannot miss. The values are the strings agents have always used: an
`Intent` is a `str`, so it compares equal to them and writes the same events.csv.
"""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """Every label an agent gives its transactions, grouped by who sends it."""

    # traders
    RETAIL = "retail"  # noise_trader: a swap for its own sake (slippage is measured on these)
    ARBITRAGE = "arbitrage"  # arbitrageur: pool price back to the reference (profit is booked)
    PANIC_SELL = "panic_sell"  # panic_seller: sells its LST into the pool in a panic
    DIP_BUY = "dip_buy"  # panic_seller: buys the LST below its exchange rate
    TOKEN_BUY = "token_buy"  # token_buyer
    TOKEN_SELL = "token_sell"  # token_buyer
    # liquidity providers
    LP = "lp"  # liquidity_provider and range_lp: enter or exit a pool
    REBALANCE = "rebalance"  # range_lp: re-centre its bands
    HEDGE = "hedge"  # range_lp: adjust its perp hedge
    MINE = "mine"  # mining_lp: enter or leave a farm
    ZAP = "zap"  # mining_lp: swap its funds into the pool's ratio
    HARVEST = "harvest"  # mining_lp: claim rewards
    REWARD_SELL = "reward_sell"  # mining_lp: sell harvested rewards
    # staking and lending
    UNSTAKE = "unstake"  # panic_seller: queue a withdrawal at the staking protocol
    CLAIM = "claim"  # panic_seller, lst_arbitrageur: claim a finished withdrawal
    STAKE_AND_SELL = "stake_and_sell"  # lst_arbitrageur: LST above its rate
    BUY_AND_REDEEM = "buy_and_redeem"  # lst_arbitrageur: LST below its rate
    LOOP = "loop"  # lst_looper: lever up
    DELEVERAGE = "deleverage"  # lst_looper
    LEND_WITHDRAW = "lend_withdraw"  # lending_supplier: take its supply back
    LIQUIDATION = "liquidation"  # liquidator
    # searchers and scams
    FRONTRUN = "frontrun"  # sandwich_bot: the bundle's first leg
    BACKRUN = "backrun"  # sandwich_bot: the bundle's last leg
    RUG = "rug"  # token_developer: the pull
    ORACLE_ATTACK = "oracle_attack"  # oracle_attacker: flash loan, pump, borrow, dump, repay

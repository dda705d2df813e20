"""Uniswap V3: concentrated liquidity, one module per v3-core library, the pool, and float views."""

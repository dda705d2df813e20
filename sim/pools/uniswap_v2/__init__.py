"""Uniswap V2: the constant-product pair (UniswapV2Pair.sol with UniswapV2Library's pricing)."""

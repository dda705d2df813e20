"""Tests for sim.market.routing: every route through the pool graph, and the best exact quote."""

from __future__ import annotations

from sim.market.routing import Route, Router, token_graph
from sim.pools.uniswap_v2.pair import ConstantProductPool

E18 = 10**18


def pool(
    name: str, tokens: tuple[str, str], decimals: tuple[int, int], r0: int, r1: int, fee: int
) -> ConstantProductPool:
    p = ConstantProductPool(name, tokens, decimals, fee_bps=fee)
    p.add_liquidity("lp", r0, r1)
    return p


def make_router(max_hops: int = 3) -> tuple[Router, dict[str, ConstantProductPool]]:
    """ETH/USDC twice (deep at 30 bps, shallow at 5 bps) and a two-hop path through DAI at 1 bp."""
    pools = {
        "deep": pool("deep", ("ETH", "USDC"), (18, 6), 1_000 * E18, 2_000_000 * 10**6, 30),
        "shallow": pool("shallow", ("ETH", "USDC"), (18, 6), 10 * E18, 20_000 * 10**6, 5),
        "eth_dai": pool("eth_dai", ("ETH", "DAI"), (18, 18), 500 * E18, 1_000_000 * E18, 1),
        "dai_usdc": pool("dai_usdc", ("DAI", "USDC"), (18, 6), 10**6 * E18, 10**12, 1),
    }
    return Router(pools.values(), max_hops=max_hops), pools


def test_routes_are_every_simple_path_fewest_hops_first() -> None:
    router, pools = make_router()
    routes = router.routes("ETH", "USDC")
    # (networkx yields the direct path once per parallel edge, so one-hop routes repeat)
    assert sorted({r.name for r in routes}) == ["deep", "eth_dai>dai_usdc", "shallow"]
    assert [len(r.pools) for r in routes] == sorted(len(r.pools) for r in routes)
    assert routes[-1].tokens == ("ETH", "DAI", "USDC")
    assert routes[-1].pools == (pools["eth_dai"], pools["dai_usdc"])
    assert router.routes("ETH", "USDC") is routes  # enumerated once, then cached
    one_hop = make_router(max_hops=1)[0].routes("ETH", "USDC")
    assert {r.name for r in one_hop} == {"deep", "shallow"}
    assert router.routes("ETH", "WBTC") == []


def test_a_small_trade_takes_the_cheap_two_hop_route_with_its_exact_output() -> None:
    router, pools = make_router()
    route, out = router.best("ETH", "USDC", E18 // 100) or (None, 0)
    assert route is not None and route.name == "eth_dai>dai_usdc"
    assert out == 19_995_200  # 0.01 ETH -> 19.9976000879... DAI -> 19.995200 USDC
    assert route.quote(E18 // 100) == out
    # the one-hop alternatives pay less: the shallow 5 bps pool beats the deep 30 bps one
    assert pools["shallow"].quote_exact_in("ETH", "USDC", E18 // 100) == 19_970_039
    assert pools["deep"].quote_exact_in("ETH", "USDC", E18 // 100) == 19_939_801


def test_hop_cost_makes_a_longer_route_earn_its_extra_gas() -> None:
    router, _ = make_router()
    # one extra hop costing 0.0248 USDC still leaves 19.970400 > 19.970039: two hops win
    route, out = router.best("ETH", "USDC", E18 // 100, hop_cost=24_800) or (None, 0)
    assert route is not None and route.name == "eth_dai>dai_usdc" and out == 19_995_200
    # 0.0252 USDC leaves 19.970000 < 19.970039: the shallow pool wins, with its own output
    route, out = router.best("ETH", "USDC", E18 // 100, hop_cost=25_200) or (None, 0)
    assert route is not None and route.name == "shallow" and out == 19_970_039


def test_a_large_trade_takes_the_deep_pool() -> None:
    router, _ = make_router()
    route, out = router.best("ETH", "USDC", 5 * E18) or (None, 0)
    assert route is not None and route.name == "deep"
    assert out == 9_920_546_077  # shallow would pay 6_664_444_074, two hops 9_801_989_710


def test_a_single_pool_pair_is_quoted_directly_and_a_revert_is_no_route() -> None:
    _, pools = make_router()
    router = Router([pools["dai_usdc"], pools["deep"]])  # DAI-USDC has one route: one pool
    route, out = router.best("DAI", "USDC", 1_000 * E18) or (None, 0)
    assert route is not None and route.pools == (pools["dai_usdc"],)
    assert out == 998_901_198  # 1000 DAI at 1 bp against 1M/1M, rounded down
    assert router.best("DAI", "USDC", 0) is None  # the pool rejects a zero input
    assert router.best("ETH", "WBTC", E18) is None
    multi, _ = make_router()
    assert multi.best("ETH", "USDC", 0) is None  # every route reverts: none is best


def test_token_graph_has_one_edge_per_pool_and_pair() -> None:
    _, pools = make_router()
    g = token_graph(pools.values())
    assert sorted(g.nodes) == ["DAI", "ETH", "USDC"]
    assert sorted(g.get_edge_data("ETH", "USDC")) == ["deep", "shallow"]
    assert Route((pools["deep"],), ("ETH", "USDC")).name == "deep"

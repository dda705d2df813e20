"""The market as a graph: tokens are nodes, pools are edges; routes are paths through it.

Traders take the route with the best exact quote (multi-hop where it pays);
arbitrageurs walk the same graph for cycles (`agents.arbitrageur.candidate_cycles`).
Paths are enumerated once per token pair and cached: the pool graph only changes
when a pool is created.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import networkx as nx

from sim.errors import PoolError
from sim.pools.base import Pool


@dataclass(frozen=True, slots=True)
class Route:
    """A path of pools and the tokens between them (`tokens[0]` in, `tokens[-1]` out)."""

    pools: tuple[Pool, ...]
    tokens: tuple[str, ...]

    def quote(self, amount_in: int) -> int:
        """Exact output of the whole route; never mutates."""
        amount = amount_in
        for pool, a, b in zip(self.pools, self.tokens, self.tokens[1:], strict=False):
            amount = pool.quote_exact_in(a, b, amount)
        return amount

    @property
    def name(self) -> str:
        return ">".join(p.name for p in self.pools)


class Router:
    """Finds the best route between two tokens over a fixed set of pools."""

    def __init__(self, pools: Iterable[Pool], max_hops: int = 3) -> None:
        self.pools = list(pools)
        self.max_hops = max_hops
        self.graph = token_graph(self.pools)
        self.multi_hop = max_hops > 1 and len(self.pools) > 1  # routes may have several hops
        self._routes: dict[tuple[str, str], list[Route]] = {}
        self._only: dict[tuple[str, str], Route] = {}  # pairs with a single one-pool route

    def routes(self, token_in: str, token_out: str) -> list[Route]:
        """Every simple route of at most `max_hops` pools from `token_in` to `token_out`."""
        key = (token_in, token_out)
        found = self._routes.get(key)
        if found is None:
            found = []
            g = self.graph
            if token_in in g and token_out in g:
                for nodes in nx.all_simple_paths(g, token_in, token_out, cutoff=self.max_hops):
                    found.extend(_expand(g, nodes))
            found.sort(key=lambda r: len(r.pools))
            self._routes[key] = found
        return found

    def best(
        self, token_in: str, token_out: str, amount_in: int, hop_cost: int = 0
    ) -> tuple[Route, int] | None:
        """The route paying the most `token_out` for `amount_in`, with its exact output.

        `hop_cost` is what each hop beyond the first costs in `token_out` units (its gas),
        so a longer route wins only when it pays more than its extra gas.
        """
        key = (token_in, token_out)
        route = self._only.get(key)
        if route is None:
            routes = self.routes(token_in, token_out)
            if len(routes) == 1 and len(routes[0].pools) == 1:
                route = self._only[key] = routes[0]
        if route is not None:  # the common case: one pool, nothing to compare
            try:
                return route, route.pools[0].quote_exact_in(token_in, token_out, amount_in)
            except PoolError:
                return None
        best: tuple[Route, int] | None = None
        best_net = 0
        for route in routes:
            try:
                out = route.quote(amount_in)
            except PoolError:
                continue
            net = out - hop_cost * (len(route.pools) - 1)
            if best is None or net > best_net:
                best, best_net = (route, out), net
        return best


def token_graph(pools: Iterable[Pool]) -> nx.MultiGraph:
    """Tokens as nodes, one edge per pool and token pair it trades."""
    g = nx.MultiGraph()
    for pool in pools:
        toks = pool.tokens
        for i, a in enumerate(toks):
            for b in toks[i + 1 :]:
                g.add_edge(a, b, key=pool.name, pool=pool)
    return g


def _expand(g: nx.MultiGraph, nodes: list[str]) -> list[Route]:
    """All pool choices along a node path (parallel pools give parallel routes)."""
    routes: list[tuple[Pool, ...]] = [()]
    for a, b in pairwise(nodes):
        edges = [data["pool"] for data in g.get_edge_data(a, b).values()]
        routes = [(*r, p) for r in routes for p in edges if p not in r]
    return [Route(r, tuple(nodes)) for r in routes]

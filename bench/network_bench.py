#!/usr/bin/env python3
"""Issue 5's network benchmark: the analysis suite of thc_graph.network against igraph, measure by measure, on
the same synthetic actor network in the same run.

Run from the project's folder (igraph is in the `bench` extra: `.venv/bin/pip install -e '.[bench]'`):

    .venv/bin/python bench/network_bench.py --actors 10000 --ties 100000 --out bench/out/network-10k.json

The network: ACTORS actors and TIES weighted ties (Holme–Kim power-law clustered graph, so it has hubs,
triangles and communities like an actor map), each actor of one of seven types, seeded. Each step of
`network.steps()` is timed, and beside it igraph's equivalent (exact: igraph is C and has no sampling).
Also reported: networkx's exact betweenness on a sample of sources scaled up (what the suite would cost without
sampling), a networkx backend (--backend graphblas) for the measures it implements, and how close the sampled
betweenness is to igraph's exact one.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SHARED_BENCH))

from benchlib import md_table, versions  # noqa: E402

from thc_graph import network  # noqa: E402

TYPES = ("PublicAuthority", "CivilSocietyOrganization", "Company", "Network", "InformalGroup", "Person",
         "Organization")


def synthetic(actors: int, ties: int, seed: int) -> nx.Graph:
    """A connected power-law clustered actor network with about `ties` ties, in sorted order like build()."""
    m = max(1, round(ties / actors))
    raw = nx.powerlaw_cluster_graph(actors, m, 0.3, seed=seed)
    rng = random.Random(seed)
    graph = nx.Graph(name="actors")
    name = {n: f"https://w3id.org/thc/id/actor/a-{n:06d}" for n in raw}
    for n in sorted(raw):
        graph.add_node(name[n], type=rng.choice(TYPES), label=f"Acteur {n}", kind="actor")
    for a, b in sorted((min(a, b), max(a, b)) for a, b in raw.edges):
        graph.add_edge(name[a], name[b], weight=rng.choice((1, 1, 1, 2, 3)), tie_types=["partner"], ties=[],
                       sources=[])
    return graph


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def igraph_suite(graph: nx.Graph):  # type: ignore[no-untyped-def]
    """igraph's equivalent of each step (exact), as functions to time; the conversion is timed here."""
    import igraph as ig

    times: dict[str, float] = {}
    out: dict[str, object] = {}
    nodes = list(graph)
    index = {n: i for i, n in enumerate(nodes)}
    start = time.perf_counter()
    g = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in graph.edges])
    g.es["weight"] = [d["weight"] for _, _, d in graph.edges(data=True)]
    types = sorted(set(TYPES))
    g.vs["type"] = [types.index(graph.nodes[n]["type"]) for n in nodes]
    times["convert"] = time.perf_counter() - start
    w = g.es["weight"]

    def degree() -> None:
        g.degree()
        g.strength(weights=w)
        g.density()

    def betweenness() -> None:
        out["betweenness"] = g.betweenness(directed=False)

    def closeness() -> None:
        g.closeness()

    def eigenvector() -> None:
        g.eigenvector_centrality(weights=w)

    def pagerank() -> None:
        g.pagerank(weights=w)

    def clustering() -> None:
        g.transitivity_local_undirected(mode="zero")
        g.transitivity_avglocal_undirected(mode="zero")

    def kcore() -> None:
        g.coreness()

    def louvain() -> None:
        parts = g.community_multilevel(weights=w)
        parts.modularity  # noqa: B018

    def burt() -> None:
        g.constraint(weights=w)  # igraph has no effective size; constraint only

    def cuts() -> None:
        g.bridges()
        g.articulation_points()

    def components() -> None:
        g.connected_components()
        g.diameter(directed=False)

    def assortativity() -> None:
        g.assortativity_nominal("type", directed=False)

    out["nodes"] = nodes
    steps = {"degree": degree, "betweenness": betweenness, "closeness": closeness, "eigenvector": eigenvector,
             "pagerank": pagerank, "clustering": clustering, "k-core": kcore, "louvain": louvain, "burt": burt,
             "bridges": cuts, "components": components, "assortativity": assortativity}
    return times, out, steps


def ours(graph: nx.Graph, seed: int, exact_limit: int, samples: int, backend: str | None,
         only: tuple[str, ...] = (), anchor: dict | None = None, anchor_times: dict | None = None,  # type: ignore[type-arg]
         ) -> tuple[dict[str, float], network.Analysis]:
    """Time each step of the suite; with `anchor`, run igraph's same step just before (interleaved, so that both
    meet the same load on a shared machine)."""
    result = network.Analysis(graph, seed)
    times = {}
    for name, step in network.steps(result, exact_limit=exact_limit, samples=samples, backend=backend):
        if only and name not in only:
            continue
        if anchor is not None and anchor_times is not None:
            anchor_times[name] = timed(anchor[name])[0]
        times[name] = timed(step)[0]
        extra = f" (igraph {anchor_times[name]:.2f} s)" if anchor_times else ""
        print(f"  thc {name}: {times[name]:.2f} s{extra}", file=sys.stderr)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=10000)
    parser.add_argument("--ties", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--samples", type=int, default=network.SAMPLES)
    parser.add_argument("--exact-limit", type=int, default=network.EXACT_LIMIT)
    parser.add_argument("--backend", choices=sorted(network.BACKENDS), default=None,
                        help="also time the suite with this networkx backend (graphblas: clustering, PageRank)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    graph = synthetic(args.actors, args.ties, args.seed)
    print(f"network: {graph.number_of_nodes()} actors, {graph.number_of_edges()} ties", file=sys.stderr)
    ig_times, ig_out, ig_steps = igraph_suite(graph)
    thc_times, result = ours(graph, args.seed, args.exact_limit, args.samples, None, anchor=ig_steps,
                             anchor_times=ig_times)
    backend_times = None
    if args.backend:
        backend_times, _ = ours(graph, args.seed, args.exact_limit, args.samples, args.backend,
                                only=("clustering", "pagerank"))

    # What exact betweenness would cost in networkx: the time per source, from 20 sources, times n.
    per_source, _ = timed(nx.betweenness_centrality, graph, k=20, seed=args.seed)
    exact_estimate = per_source / 20 * graph.number_of_nodes()

    # How good the sampled betweenness is: rank correlation with igraph's exact values, top-100 overlap.
    from scipy.stats import spearmanr

    nodes = ig_out["nodes"]
    exact = ig_out["betweenness"]
    sampled = [result.node_measures["betweenness"][n] for n in nodes]
    rho = float(spearmanr(exact, sampled).statistic)
    top_exact = set(sorted(range(len(nodes)), key=lambda i: -exact[i])[:100])  # type: ignore[index]
    top_sampled = set(sorted(range(len(nodes)), key=lambda i: -sampled[i])[:100])
    overlap = len(top_exact & top_sampled)

    rows = []
    for name in thc_times:
        ratio = thc_times[name] / ig_times[name] if ig_times[name] > 0 else float("inf")
        how = result.computations.get({"k-core": "core-number", "louvain": "modularity", "burt": "constraint",
                                       "bridges": "bridges", "components": "diameter",
                                       "assortativity": "type-assortativity"}.get(name, name), {})
        rows.append([name, f"{thc_times[name]:.3f}", f"{ig_times[name]:.3f}", f"{ratio:.1f}×",
                     how.get("method", "exact") + (f" (k={how['samples']})" if "samples" in how else "")])
    thc_total = sum(thc_times.values())
    ig_total = sum(v for k, v in ig_times.items() if k != "convert")
    rows.append(["**whole suite**", f"{thc_total:.2f}", f"{ig_total:.2f}", f"**{thc_total / ig_total:.1f}×**", ""])
    print(md_table(["step", "thc (s)", "igraph (s)", "ratio", "thc method"], rows))
    print(f"\nnetworkx exact betweenness, estimated from 20 sources: {exact_estimate:.0f} s "
          f"({exact_estimate / ig_times['betweenness']:.0f}× igraph)")
    print(f"sampled betweenness (k={args.samples}) vs igraph exact: Spearman ρ = {rho:.3f}, "
          f"top-100 overlap {overlap}/100")
    if backend_times:
        total = thc_total - sum(thc_times[k] - backend_times[k] for k in backend_times)
        steps = ", ".join(f"{k} {backend_times[k]:.2f} s ({backend_times[k] / ig_times[k]:.1f}×)"
                          for k in ("clustering", "pagerank"))
        print(f"with backend {args.backend}: {steps}; whole suite {total:.2f} s ({total / ig_total:.1f}× igraph)")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({
            "actors": graph.number_of_nodes(), "ties": graph.number_of_edges(), "seed": args.seed,
            "samples": args.samples, "thc": thc_times, "igraph": ig_times, "backend": args.backend,
            "thc_backend": backend_times, "nx_exact_betweenness_estimate": exact_estimate,
            "betweenness_spearman": rho, "betweenness_top100_overlap": overlap,
            "computations": result.computations, "versions": versions(),
        }, indent=1, default=str))


if __name__ == "__main__":
    main()

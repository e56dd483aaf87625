#!/usr/bin/env python3
"""Draw the actor network of the newest published analysis as a PNG (docs/img/), with matplotlib (`bench` extra).

    .venv/bin/python bench/network_figure.py --store var/store --out docs/img/network-seed.png

Nodes are coloured by Louvain community and sized by betweenness; labels for the eight most central actors;
isolated actors are left out.
The layout is networkx's spring layout with a fixed seed, so the same run gives the same picture.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from thc_graph import network  # noqa: E402
from thc_graph.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", default="var/store")
    parser.add_argument("--run", help="a run id (default: the newest)")
    parser.add_argument("--out", type=Path, default=Path("docs/img/network.png"))
    parser.add_argument("--title", default=None)
    parser.add_argument("--labels", type=int, default=8, help="label this many actors (by betweenness)")
    args = parser.parse_args()

    info, graph = network.published(Store(args.store), args.run)
    graph = graph.subgraph(sorted(n for n in graph if graph.degree(n))).copy()  # isolated actors left out
    betweenness = {n: graph.nodes[n].get("measures", {}).get("betweenness", 0.0) for n in graph}
    communities = {n: graph.nodes[n].get("community", 0) for n in graph}
    top = max(betweenness.values(), default=0) or 1.0
    # Each component laid out on its own: the largest on the left, the others stacked on the right.
    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    positions = {}
    for i, part in enumerate(parts):
        sub = graph.subgraph(part)
        center = (0.0, 0.0) if i == 0 else (1.9, 0.9 - 1.8 * (i - 1) / max(len(parts) - 1, 1))
        scale = 1.0 if i == 0 else max(0.12, 0.75 * (len(part) / len(parts[0])) ** 0.5)
        positions.update(nx.spring_layout(sub, seed=1, weight=None, center=center, scale=scale,
                                          k=2.0 / max(len(part), 1) ** 0.5, iterations=200))
    figure, axes = plt.subplots(figsize=(11, 8), dpi=110)
    cmap = plt.get_cmap("tab10")
    nx.draw_networkx_edges(graph, positions, ax=axes, alpha=0.35,
                           width=[0.8 + 0.6 * d.get("weight", 1) for _, _, d in graph.edges(data=True)])
    nx.draw_networkx_nodes(graph, positions, ax=axes,
                           node_size=[60 + 1400 * betweenness[n] / top for n in graph],
                           node_color=[cmap((communities[n] - 1) % 10) for n in graph], linewidths=0.5,
                           edgecolors="black")
    labelled = sorted(graph, key=lambda n: -betweenness[n])[: args.labels]
    for rank, node in enumerate(labelled):
        x, y = positions[node]
        text = graph.nodes[node].get("label", node.rpartition("/")[2])
        text = text if len(text) <= 32 else text[:31] + "…"
        axes.annotate(text, (x, y), xytext=(8, 10 - 14 * (rank % 4)), textcoords="offset points", fontsize=7,
                      bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.8, "lw": 0},
                      arrowprops={"arrowstyle": "-", "lw": 0.5})
    window = info["window"].describe()
    axes.set_title(args.title or f"Actor network, run {info['run']} ({window}, seed {info['seed']}): "
                   f"{graph.number_of_nodes()} actors, {graph.number_of_edges()} ties; colour = community, "
                   "size = betweenness", fontsize=9)
    axes.axis("off")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

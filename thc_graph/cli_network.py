"""`thc analyze`: build the actor networks, measure them, publish the run as a named graph, export for Gephi."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import networkx as nx

from . import network
from .cli import Context, handle_errors, pass_context


@click.command(name="analyze")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Seed of every random draw (samples, Louvain): same data and seed, same results.")
@click.option("--as-of", "as_of", metavar="DATE", help="Keep the ties in force on this day (YYYY-MM-DD).")
@click.option("--from", "start", metavar="DATE", help="Keep the ties in force at some time on or after this day.")
@click.option("--to", "end", metavar="DATE", help="Keep the ties in force at some time on or before this day.")
@click.option("--export", "export_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Also write every network as GEXF, GraphML, node-link JSON and CSV node/edge lists in DIR.")
@click.option("--network", "measure", type=click.Choice(network.MEASURABLE), default="actors", show_default=True,
              help="The network to measure: the actor network, or the projection onto the actors of the actor–"
                   "experience or actor–method network (actors tied by shared experiences or methods).")
@click.option("--exact-limit", type=click.IntRange(min=1), default=network.EXACT_LIMIT, show_default=True,
              help="Above this many actors, betweenness, closeness and the diameter are estimated by sampling.")
@click.option("--samples", type=click.IntRange(min=1), default=network.SAMPLES, show_default=True,
              help="Pivot nodes drawn (with the seed) for the sampled measures.")
@click.option("--backend", type=click.Choice(sorted(network.BACKENDS)), default=None,
              help="Let a networkx backend compute the measures it implements (graphblas: clustering, PageRank; "
                   "pip install graphblas-algorithms).")
@pass_context
@handle_errors
def analyze(ctx: Context, seed: int, as_of: str | None, start: str | None, end: str | None,
            export_dir: Path | None, measure: str, exact_limit: int, samples: int, backend: str | None) -> None:
    """Analyse the actor network and publish the results as graph/analysis/{run} (earlier runs are kept).

    The networks are built by the SPARQL queries of queries/network/ over every public graph; with --as-of,
    --from or --to only the ties whose own dates fall in that window count (undated ties always count).
    """
    window = network.Window.parse(as_of, start, end)
    names = ["building", *(name for name, _ in network.steps(network.Analysis(nx.Graph(), seed))),
             "publishing"]
    with click.progressbar(length=len(names), label="analysing", file=sys.stderr,
                           item_show_func=lambda step: step) as bar:
        seen: list[str] = []

        def progress(step: str) -> None:
            if seen:
                bar.update(1, seen[-1])
            seen.append(step)
            bar.update(0, step)

        result = network.run_analysis(ctx.store, seed=seed, window=window, exact_limit=exact_limit,
                                      samples=samples, backend=backend, measure=measure, progress=progress)
        bar.update(1, "done")
    graph = result.analysis.graph
    whole = result.analysis.network_measures
    click.echo(f"run {result.run}: {measure} network, {graph.number_of_nodes()} actors "
               f"({whole.get('isolates', 0)} isolated), {graph.number_of_edges()} ties ({window.describe()}, "
               f"seed {seed}); {whole.get('communities', 0)} communities, modularity {whole.get('modularity', 0):.3f}")
    for metric, how in sorted(result.analysis.computations.items()):
        if how["method"] != "exact":
            detail = ", ".join(f"{k} {v}" for k, v in sorted(how.items()) if k != "method")
            click.echo(f"  {metric}: {how['method']} ({detail})")
    click.echo(f"published <{result.graph}>: {result.triples} triples")
    if export_dir is not None:
        info = {"run": result.run, "seed": seed, "window": window, "networks": {}}
        written = network.export(network.attach(result.analysis), export_dir, measure, info)
        for name, other in sorted(result.networks.items()):
            if name != measure:
                written += network.export(other, export_dir, name, {"run": result.run, "network": name})
        click.echo(f"exported {len(written)} files to {export_dir}")

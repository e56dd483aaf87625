#!/usr/bin/env python3
"""What keeping the dumps current costs after a small write, against building them all, at 1M triples.

    .venv/bin/python bench/dumps_bench.py                   # 1M triples
    .venv/bin/python bench/dumps_bench.py --triples 100000 --reps 3

Steps: generate the synthetic graph with ../shared/bench/gen_data.py (the file of bench/pages_bench.py, mapped onto
our IRIs, reused from bench/out/pages/ when it is there); bulk-load it into an on-disk store (one named graph) beside
the ontology; then, in one run:
  - full build: every dump from an empty directory (catalog.Dumps.refresh: each graph read once from the store as
    N-Quads gzip, its Turtle parsed back from that, the whole dumps concatenated), median of --full-reps;
  - refresh after a contribution of 50 triples (a new graph and its description in graph/meta, written as a
    contribution is: Store.replace_graph): median of --reps, each after a new contribution;
  - refresh after a write the change log cannot name (a raw SPARQL update): every graph is read again, the files of
    the graphs whose content did not change are kept;
  - the check a new process makes of files already there (graph/meta and one COUNT query; nothing rebuilt);
  - the time from a write to current dumps when the background thread does it (the writer returns at once);
  - for comparison, the dumps as they were built before (every file from the store: all.nq.gz, all.ttl, and each
    graph's two files; one run).
Results: bench/out/dumps/dumps-{triples}.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "dumps"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from pages_bench import generate, load  # noqa: E402 - the same synthetic store as the pages' bench

from thc_graph import catalog, ingest  # noqa: E402
from thc_graph.namespaces import GRAPH, PREFIXES, RDFS  # noqa: E402
from thc_graph.store import Store  # noqa: E402


def contribute(store: Store, n: int, size: int = 50) -> None:
    """A contribution of `size` triples: a new graph and its description, in one write (as contributions do)."""
    subject = f"https://w3id.org/thc/id/report/bench-{n}"
    triples = [ox.Triple(ox.NamedNode(subject), RDFS.label, ox.Literal(f"Rapport {n} ({i})", language="fr"))
               for i in range(size)]
    graph = GRAPH[f"contribution/bench/{n:04d}"]
    metadata = ingest.describe_graph(graph, [], len(triples), title=f"contribution {n}", license=None,
                                     agent="bench", kind="contribution")
    store.replace_graph(graph, triples, metadata)


def timed(function: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def old_refresh(store: Store, directory: Path) -> None:
    """The dumps as they were built before this change: every file written from the store."""
    graphs: list[ox.NamedNode | None] = [None, *store.named_graphs()]
    for graph in graphs:
        stem = "all" if graph is None else "graph-" + catalog.graph_slug(graph.value).replace("/", "-")
        with gzip.open(directory / f"{stem}.nq.gz", "wb", compresslevel=6) as out:
            ox.serialize(store.quads(None, None, None, graph), out, ox.RdfFormat.N_QUADS)
        with open(directory / f"{stem}.ttl", "wb") as out:
            ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(None, None, None, graph)),
                         out, ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))


def bench(triples: int, reps: int, full_reps: int) -> dict[str, float | int]:
    data = generate(triples)
    workdir = Path(tempfile.mkdtemp(prefix="thc-dumps-"))
    try:
        store = load(data, workdir / "store")
        result: dict[str, float | int] = {"triples": len(store.oxigraph)}

        full = []
        for rep in range(full_reps):
            directory = workdir / f"full-{rep}"
            full.append(timed(catalog.Dumps(store, directory).refresh))
            if rep < full_reps - 1:
                shutil.rmtree(directory)
        result["full_build_s"] = round(statistics.median(full), 2)
        directory = workdir / f"full-{full_reps - 1}"
        result["all_nq_gz_mb"] = round((directory / "all.nq.gz").stat().st_size / 1e6, 1)
        result["all_ttl_mb"] = round((directory / "all.ttl").stat().st_size / 1e6, 1)

        dumps = catalog.Dumps(store, directory)
        result["check_at_start_s"] = round(timed(dumps.refresh), 3)  # a new process: files checked, none rebuilt

        small = []
        for n in range(reps):
            contribute(store, n)
            small.append(timed(dumps.refresh))
        result["after_contribution_s"] = round(statistics.median(small), 3)
        result["after_contribution_max_s"] = round(max(small), 3)

        store.update("INSERT DATA { GRAPH <https://w3id.org/thc/graph/contribution/bench/0000> "
                     "{ <https://w3id.org/thc/id/report/bench-0> <http://purl.org/dc/terms/date> \"2026\" } }")
        result["after_unknown_write_s"] = round(timed(dumps.refresh), 2)

        # the background thread as the app runs it: the writer returns at once, the dumps follow
        store.on_commit.append(dumps.schedule)
        start = time.perf_counter()
        contribute(store, reps)
        result["write_returns_s"] = round(time.perf_counter() - start, 3)
        while not (dumps.idle() and dumps.current()):
            time.sleep(0.001)
        result["write_to_current_dumps_s"] = round(time.perf_counter() - start, 3)
        store.on_commit.clear()

        old = workdir / "old"
        old.mkdir()
        result["previous_full_build_s"] = round(timed(lambda: old_refresh(store, old)), 2)
        result["full_vs_contribution"] = round(result["full_build_s"] / result["after_contribution_s"], 1)
        return result
    finally:
        gc.collect()  # let go of the store before removing its directory
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=7, help="contributions (refresh after each)")
    parser.add_argument("--full-reps", type=int, default=3, help="full builds")
    args = parser.parse_args()
    result = bench(args.triples, args.reps, args.full_reps)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"dumps-{args.triples}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result), file=sys.stderr, flush=True)
    r = result
    print(f"Dumps at {r['triples']:,} quads (all.nq.gz {r['all_nq_gz_mb']} MB, all.ttl {r['all_ttl_mb']} MB)")
    print()
    print("| what | time |")
    print("| --- | --- |")
    print(f"| full build, every dump from an empty directory (median of {args.full_reps}) | {r['full_build_s']} s |")
    print(f"| refresh after a 50-triple contribution (median of {args.reps}; max {r['after_contribution_max_s']} s) "
          f"| {r['after_contribution_s']} s |")
    print(f"| ratio full / contribution | {r['full_vs_contribution']}× |")
    print(f"| refresh after a raw SPARQL update (every graph read again, unchanged files kept) "
          f"| {r['after_unknown_write_s']} s |")
    print(f"| check of existing files by a new process (graph/meta and counts) | {r['check_at_start_s']} s |")
    print(f"| a contribution's write, with the background refresh on | {r['write_returns_s']} s |")
    print(f"| from that write to current dumps (background thread) | {r['write_to_current_dumps_s']} s |")
    print(f"| before this change: every dump built from the store (one run) | {r['previous_full_build_s']} s |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Cost of the web pages against the SPARQL queries behind them, at 100k and 1M triples.

    .venv/bin/python bench/pages_bench.py                       # 100k and 1M triples
    .venv/bin/python bench/pages_bench.py --sizes 100000 --reps 15

Steps, per size: generate the synthetic graph with ../shared/bench/gen_data.py; map its IRIs onto ours
(https://example.org/thc/ns# → the ontology, https://example.org/thc/ → https://w3id.org/thc/id/, so that its
ns#Actor members are thc:Actor and /id/org/1 dereferences); bulk-load it into an on-disk store (one named graph)
beside the ontology; then, interleaved, time
  - the search index's full build (once; it then follows each change, and feeds the resource pages' labels);
  - the resource page /id/org/1.html (the size-independent anchor of gen_data) through the Flask app (no socket),
    against describe.describe(), which is every store read the page makes, and against the same facts asked in three
    plain SPARQL queries (outgoing statements with the labels of their values; inbound links counted by property;
    inbound links with the labels of their subjects);
  - the class index /class/Actor (the largest class), against the six SPARQL queries that ask the same facts (the
    ordered members, five facets; listing.list_query and facet_query) run directly on the store: the first view
    after a change (cache cleared) reads the store's indexes; later views of the same class, filters and order read
    a page of the list kept in memory until the store changes;
  - the first view of /class/Actor?page=3 after a 50-triple change (replace_graph of a new graph: a new actor with two
    labels, linked by rdfs:seeAlso to 47 existing actors, so 48 members to place again), the search index current
    before the change (it follows the change at the view, as on the site), against the same six SPARQL
    queries; and list_class alone after such a change (the store reads, no Flask);
  - the home page's counts per class after such a change (listing.class_counts, which follows the change log)
    against its SPARQL statement (listing.COUNTS_QUERY).
Also: the time to build the search index, and /search?q=budget participatif once it is built.
Medians over --reps runs after one warm-up (--change-reps for the measures after a change, each of which waits for
the search index first). Results: bench/out/pages/pages-{size}.json and Markdown tables on stdout for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "bench"
OUT = HERE / "out" / "pages"
sys.path.insert(0, str(ROOT))

from thc_graph import describe, ingest, listing, paths  # noqa: E402
from thc_graph.app import create_app  # noqa: E402
from thc_graph.namespaces import DCT, GRAPH, ONTOLOGY_GRAPH, RDF, RDFS, THC  # noqa: E402
from thc_graph.store import Store  # noqa: E402
from thc_graph.views.site import searcher  # noqa: E402

ANCHOR = "https://w3id.org/thc/id/org/1"

OUTGOING = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?p ?o ?g ?label WHERE { GRAPH ?g { ?s ?p ?o } OPTIONAL { ?o rdfs:label ?label } }
"""
INBOUND = "SELECT ?o ?p (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?o ?p"
INBOUND_SAMPLE = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?o ?p ?s ?label WHERE { ?s ?p ?o OPTIONAL { ?s rdfs:label ?label } } LIMIT 500
"""


def generate(triples: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    raw = OUT / f"kg-{triples}.nt"
    mapped = OUT / f"kg-{triples}-thc.nt"
    if not raw.exists():
        subprocess.run([sys.executable, str(SHARED / "gen_data.py"), "--triples", str(triples), "--out", str(raw)],
                       check=True)
    if not mapped.exists():
        with raw.open(encoding="utf-8") as src, mapped.open("w", encoding="utf-8") as dst:
            for line in src:
                dst.write(line.replace("https://example.org/thc/ns#", "https://w3id.org/thc/ontology#")
                          .replace("https://example.org/thc/", "https://w3id.org/thc/id/"))
    return mapped


def load(data: Path, directory: Path) -> Store:
    store = Store(directory)
    ingest.ingest(store, [ingest.parse_file(p) for p in paths.ontology_files()], ONTOLOGY_GRAPH,
                  title="ontology", validate=False)
    store.oxigraph.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=GRAPH["bench"])
    store.oxigraph.flush()
    store.committed()  # written outside the Store's methods: tell the change log (and its followers)
    return store


def median_ms(function: Callable[[], object], reps: int, before: Callable[[], object] | None = None) -> float:
    """The median time of `function` over `reps` runs after a warm-up; `before` runs (untimed) before each."""
    times = []
    for number in range(reps + 1):
        if before is not None:
            before()
        start = time.perf_counter()
        function()
        if number:  # the first run is the warm-up
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench(size: int, reps: int, change_reps: int) -> dict[str, float | int]:
    data = generate(size)
    workdir = Path(tempfile.mkdtemp(prefix="thc-pages-"))
    try:
        store = load(data, workdir / "store")
        # the dumps' refresh after each write runs in a background thread: off, so that only the pages are timed
        app = create_app({"store": str(workdir / "store"), "dumps_dir": str(workdir / "dumps"),
                          "dumps_on_commit": False}, store=store)
        client = app.test_client(use_cookies=False)
        anchor = ox.NamedNode(ANCHOR)

        def resource_page() -> None:
            response = client.get("/id/org/1.html")
            assert response.status_code == 200, response.status_code

        def resource_reads() -> None:
            with app.app_context():  # the same reads as the page: labels from the index, the rest from the store
                describe.describe(store, ANCHOR, "fr", searcher().labels_if_ready())

        def resource_sparql() -> None:
            store.select(OUTGOING, substitutions={"s": anchor})
            store.select(INBOUND, substitutions={"o": anchor})
            store.select(INBOUND_SAMPLE, substitutions={"o": anchor})

        def class_page() -> None:
            response = client.get("/class/Actor?page=3")
            assert response.status_code == 200, response.status_code

        def class_page_cold() -> None:
            listing.clear_cache()  # the first view after a change of the store (the search index is current)
            class_page()

        request = listing.Request.parse("Actor", {})
        request.classes = listing.subclasses(store, request.class_iri)
        texts = [listing.list_query(request)] + [listing.facet_query(request, facet) for facet in listing.FACETS]

        def class_sparql() -> None:
            for text, bound in texts:
                extra = {"lang": ox.Literal("fr"), "other": ox.Literal("en")} if "?lang" in text else {}
                store.select(text, substitutions={**bound, **extra})

        changes = iter(range(1_000_000))
        others = [ox.NamedNode(f"https://w3id.org/thc/id/org/{number}") for number in range(1, 48)]

        def change(*, wait_for_index: bool = False) -> None:
            """A 50-triple change; first, when asked, wait until the search index is current (the page's view)."""
            if wait_for_index:
                with app.app_context():
                    searcher().index()
            number = next(changes)
            graph = GRAPH[f"bench/change-{number}"]
            actor = ox.NamedNode(f"https://w3id.org/thc/id/org/bench-new-{number}")
            triples = [ox.Triple(actor, RDF.type, THC.Actor),
                       ox.Triple(actor, RDFS.label, ox.Literal(f"Acteur ajouté {number}", language="fr")),
                       ox.Triple(actor, RDFS.label, ox.Literal(f"Added actor {number}", language="en")),
                       *(ox.Triple(actor, RDFS.seeAlso, other) for other in others)]
            stamp = ox.Literal(f"2026-01-01T00:00:00.{number:06d}Z",
                               datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
            assert len(triples) == 50
            store.replace_graph(graph, triples, [ox.Triple(graph, DCT.modified, stamp)])

        def class_reads() -> None:
            listing.list_class(store, listing.Request.parse("Actor", {"page": "3"}), "fr")

        def home_counts() -> None:
            listing.class_counts(store, "fr")

        def counts_sparql() -> None:
            store.select(listing.COUNTS_QUERY)

        def search_page() -> None:
            response = client.get("/search?q=budget%20participatif")
            assert response.status_code == 200, response.status_code

        start = time.perf_counter()
        with app.app_context():  # the app's own index: resource pages read their labels from it once it is built
            searcher().index()
        index_build_ms = round((time.perf_counter() - start) * 1000, 1)

        members = int(store.select(*[listing.count_query(request)[0]],
                                   substitutions=listing.count_query(request)[1])[0]["n"].value)
        result: dict[str, float | int] = {"triples": len(store.oxigraph), "actors": members,
                                          "search_index_build_ms": index_build_ms}
        # interleave the measures so that drift affects each alike
        for name, function in (("resource_page_ms", resource_page), ("resource_reads_ms", resource_reads),
                               ("resource_sparql_ms", resource_sparql), ("class_page_ms", class_page),
                               ("class_page_cold_ms", class_page_cold), ("class_sparql_ms", class_sparql),
                               ("search_page_ms", search_page)):
            result[name] = round(median_ms(function, reps), 2)
        # after a change of the store: last, since each adds a graph
        result["counts_sparql_ms"] = round(median_ms(counts_sparql, reps), 2)
        result["class_page_after_change_ms"] = round(median_ms(
            class_page, change_reps, before=lambda: change(wait_for_index=True)), 2)
        result["class_reads_after_change_ms"] = round(median_ms(class_reads, change_reps, before=change), 2)
        result["counts_after_change_ms"] = round(median_ms(home_counts, change_reps, before=change), 2)
        result["resource_page_vs_reads"] = round(result["resource_page_ms"] / result["resource_reads_ms"], 2)
        result["resource_page_vs_sparql"] = round(result["resource_page_ms"] / result["resource_sparql_ms"], 2)
        result["class_page_vs_sparql"] = round(result["class_page_ms"] / result["class_sparql_ms"], 3)
        result["class_page_cold_vs_sparql"] = round(result["class_page_cold_ms"] / result["class_sparql_ms"], 2)
        result["class_page_after_change_vs_sparql"] = round(
            result["class_page_after_change_ms"] / result["class_sparql_ms"], 4)
        result["counts_after_change_vs_sparql"] = round(
            result["counts_after_change_ms"] / result["counts_sparql_ms"], 3)
        return result
    finally:
        gc.collect()  # let go of the store before removing its directory
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=21)
    parser.add_argument("--change-reps", type=int, default=7,
                        help="runs of the measures after a change (each waits for a current search index)")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        result = bench(size, args.reps, args.change_reps)
        (OUT / f"pages-{size}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result), file=sys.stderr, flush=True)
        rows.append(result)
    print("| triples | resource page | its store reads | ratio | same facts in 3 SPARQL queries | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['resource_page_ms']} ms | {r['resource_reads_ms']} ms | "
              f"{r['resource_page_vs_reads']}× | {r['resource_sparql_ms']} ms | {r['resource_page_vs_sparql']}× |")
    print()
    print("| triples | search index, full build | /search?q=budget participatif |")
    print("| --- | --- | --- |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['search_index_build_ms']} ms | {r['search_page_ms']} ms |")
    print()
    print("| triples | thc:Actor members | its 6 SPARQL queries | /class/Actor, first view | ratio "
          "| /class/Actor?page=3, later views | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['actors']:,} | {r['class_sparql_ms']} ms | {r['class_page_cold_ms']} ms | "
              f"{r['class_page_cold_vs_sparql']}× | {r['class_page_ms']} ms | {r['class_page_vs_sparql']}× |")
    print()
    print("| triples | thc:Actor members | its 6 SPARQL queries | /class/Actor?page=3, first view after a 50-triple "
          "change | ratio | list_class alone after such a change |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['actors']:,} | {r['class_sparql_ms']} ms | "
              f"{r['class_page_after_change_ms']} ms | {r['class_page_after_change_vs_sparql']}× | "
              f"{r['class_reads_after_change_ms']} ms |")
    print()
    print("| triples | counts per class, SPARQL (COUNTS_QUERY) | class_counts after a 50-triple change | ratio |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['counts_sparql_ms']} ms | {r['counts_after_change_ms']} ms "
              f"| {r['counts_after_change_vs_sparql']}× |")


if __name__ == "__main__":
    main()

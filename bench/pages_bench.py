#!/usr/bin/env python3
"""Cost of the web pages against the SPARQL queries behind them, at 100k and 1M triples.

    .venv/bin/python bench/pages_bench.py                       # 100k and 1M triples
    .venv/bin/python bench/pages_bench.py --sizes 100000 --reps 15

Steps, per size: generate the synthetic graph with ../shared/bench/gen_data.py; map its IRIs onto ours
(https://example.org/thc/ns# → the ontology, https://example.org/thc/ → https://w3id.org/thc/id/, so that its
ns#Actor members are thc:Actor and /id/org/1 dereferences); bulk-load it into an on-disk store (one named graph)
beside the ontology; then, interleaved, time
  - the search index, built once per change of the store (it also feeds the resource pages' labels);
  - the resource page /id/org/1.html (the size-independent anchor of gen_data) through the Flask app (no socket),
    against describe.describe(), which is every store read the page makes, and against the same facts asked in three
    plain SPARQL queries (outgoing statements with the labels of their values; inbound links counted by property;
    inbound links with the labels of their subjects);
  - the class index /class/Actor (the largest class), against the six SPARQL queries that ask the same facts (the
    ordered members, five facets; listing.list_query and facet_query) run directly on the store: the first view
    after a change (cache cleared) reads the store's indexes; later views of the same class, filters and order read
    a page of the list kept in memory until the store changes.
Also: the time to build the search index, and /search?q=budget participatif once it is built.
Medians over --reps runs after one warm-up. Results: bench/out/pages/pages-{size}.json and a Markdown table on
stdout for docs/benchmarks.md.
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
from thc_graph.namespaces import GRAPH, ONTOLOGY_GRAPH  # noqa: E402
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
    return store


def median_ms(function: Callable[[], object], reps: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench(size: int, reps: int) -> dict[str, float | int]:
    data = generate(size)
    workdir = Path(tempfile.mkdtemp(prefix="thc-pages-"))
    try:
        store = load(data, workdir / "store")
        app = create_app({"store": str(workdir / "store"), "dumps_dir": str(workdir / "dumps")}, store=store)
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
        result["resource_page_vs_reads"] = round(result["resource_page_ms"] / result["resource_reads_ms"], 2)
        result["resource_page_vs_sparql"] = round(result["resource_page_ms"] / result["resource_sparql_ms"], 2)
        result["class_page_vs_sparql"] = round(result["class_page_ms"] / result["class_sparql_ms"], 3)
        result["class_page_cold_vs_sparql"] = round(result["class_page_cold_ms"] / result["class_sparql_ms"], 2)
        return result
    finally:
        gc.collect()  # let go of the store before removing its directory
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=21)
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        result = bench(size, args.reps)
        (OUT / f"pages-{size}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result), file=sys.stderr, flush=True)
        rows.append(result)
    print("| triples | resource page | its store reads | ratio | same facts in 3 SPARQL queries | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['resource_page_ms']} ms | {r['resource_reads_ms']} ms | "
              f"{r['resource_page_vs_reads']}× | {r['resource_sparql_ms']} ms | {r['resource_page_vs_sparql']}× |")
    print()
    print("| triples | search index build (once per change) | /search?q=budget participatif |")
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


if __name__ == "__main__":
    main()

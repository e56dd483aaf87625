#!/usr/bin/env python3
"""The search index following the store: a full build against the update after a small contribution, at 100k and
1M triples.

    .venv/bin/python bench/search_bench.py                      # 100k and 1M triples, a few minutes
    .venv/bin/python bench/search_bench.py --sizes 100000 --reps 9

Per size, on the synthetic store of bench/pages_bench.py (its generate() and load(): gen_data.py's graph mapped onto
our IRIs, bulk-loaded into an on-disk store beside the ontology), with the Flask app over it (no socket):
  - the full build of the index (search.build_index), --build-reps times;
  - the update after a contribution-like write: a new graph of 50 triples (10 progress reports, each with a French
    and an English label, a French description and a link to an existing organisation) written by ingest (one
    replace_graph, described in graph/meta), then searcher.index() brings the index up to date; also the write
    itself, which pays the change log's scan of the graph;
  - the first /search?q=budget participatif after such a write (the update happens within the request), against
    the same search once the index is current, and against the first search after a change that rebuilds the index
    (what every change cost before the index followed the change log);
  - the update for N touched IRIs (the labelled subjects, the costliest kind) against the full build: where
    updating stops being cheaper than rebuilding (search.REBUILD_FRACTION).
Medians over --reps runs after one warm-up. Results: bench/out/search/search-{size}.json and Markdown tables on
stdout. The app's dumps are not refreshed after each write here (dumps_on_commit off), so that only the index's work
is timed.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
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
OUT = HERE / "out" / "search"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import pages_bench  # noqa: E402 - generate() and load(): the same synthetic stores

from thc_graph import formats, ingest, search  # noqa: E402
from thc_graph.app import create_app  # noqa: E402
from thc_graph.namespaces import DCT, GRAPH, ID, PROV, RDF, RDFS, THC  # noqa: E402
from thc_graph.views.site import searcher  # noqa: E402

QUERY = "budget participatif"


def contribution(number: int) -> list[ox.Triple]:
    """50 triples, as a territory's contribution of 10 progress reports would hold."""
    triples = []
    for i in range(10):
        report = ox.NamedNode(f"{ID}bench-report/{number}-{i}")
        triples += [
            ox.Triple(report, RDF.type, THC.ProgressReport),
            ox.Triple(report, RDFS.label, ox.Literal(f"Rapport {number}-{i} du budget participatif de la commune",
                                                     language="fr")),
            ox.Triple(report, RDFS.label, ox.Literal(f"Report {number}-{i} on the participatory budget",
                                                     language="en")),
            ox.Triple(report, DCT.description, ox.Literal(
                f"Avancement du budget participatif : ateliers de quartier et vote des habitants (lot{number})",
                language="fr")),
            ox.Triple(report, PROV.wasAttributedTo, ox.NamedNode(f"{ID}org/{i + 1}")),
        ]
    return triples


def median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 2)


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def bench(size: int, reps: int, build_reps: int) -> dict[str, object]:
    data = pages_bench.generate(size)
    workdir = Path(tempfile.mkdtemp(prefix="thc-search-"))
    try:
        store = pages_bench.load(data, workdir / "store")
        app = create_app({"store": str(workdir / "store"), "dumps_dir": str(workdir / "dumps"),
                          "dumps_on_commit": "false", "rate_limit_per_minute": "1000000"}, store=store)
        client = app.test_client(use_cookies=False)
        with app.app_context():
            follower = searcher()
        written = 0

        def write() -> None:
            nonlocal written
            written += 1
            graph = GRAPH[f"contribution/bench/{written}"]
            parsed = ingest.Parsed(f"bench-{written}.nt", formats.RDF_BY_NAME["ntriples"], contribution(written), "")
            ingest.ingest(store, [parsed], graph, title=f"bench {written}", agent="bench", kind="contribution",
                          validate=False)

        def search_page() -> None:
            response = client.get("/search", query_string={"q": QUERY})
            assert response.status_code == 200, response.status_code

        # the full build, alone and through the app's searcher (which then follows the change log)
        build_times = [timed(lambda: search.build_index(store)) for _ in range(build_reps)]
        follower.index()
        index = follower.index()
        result: dict[str, object] = {
            "triples": len(store.oxigraph), "indexed_subjects": len(index.words_of), "words": len(index.postings),
            "full_build_ms": median_ms(build_times),
        }

        # a 50-triple contribution, then the update of the index
        write_times, update_times, touched = [], [], []
        for _ in range(reps + 1):
            generation = store.changes.generation
            builds, updates = follower.builds, follower.updates
            write_times.append(timed(write))
            touched.append(len(store.changes.since(generation)[1] or ()))
            update_times.append(timed(follower.index))
            assert (follower.builds, follower.updates) == (builds, updates + 1), "the index was not updated in place"
            assert follower.index().search(f"lot{written}"), "the new contribution is not found"
        result.update(write_ms=median_ms(write_times[1:]), update_ms=median_ms(update_times[1:]),
                      touched_iris=int(statistics.median(touched[1:])))

        # the first /search after such a write, against the same search with the index current
        first_times, current_times = [], []
        for _ in range(reps + 1):
            write()
            first_times.append(timed(search_page))
            current_times.append(timed(search_page))
        result.update(first_search_after_change_ms=median_ms(first_times[1:]),
                      search_current_ms=median_ms(current_times[1:]))

        # what the first search after a change cost when every change rebuilt the index
        rebuild_times = []
        for _ in range(build_reps):
            write()
            follower.refresh()
            rebuild_times.append(timed(search_page))
        result["first_search_after_rebuild_ms"] = median_ms(rebuild_times)

        # the update for many touched IRIs against the full build: where rebuilding becomes cheaper
        index = follower.index()
        subjects = sorted(index.words_of)
        random.Random(size).shuffle(subjects)
        withdrawn = store.withdrawn_graphs()
        large = {}
        for count in (1_000, 10_000, 50_000):
            if count > len(subjects):
                break

            def update(chosen: list[str] = subjects[:count]) -> None:  # what Searcher does for `count` touched IRIs
                index.apply(search.read_entries(store, chosen, withdrawn))

            large[str(count)] = median_ms([timed(update) for _ in range(max(1, build_reps))])
        result["update_of_n_iris_ms"] = large
        per_iri = {n: ms / int(n) for n, ms in large.items()}
        result["update_per_iri_us"] = round(min(per_iri.values()) * 1000, 1) if per_iri else None
        result["full_build_per_subject_us"] = round(result["full_build_ms"] / len(subjects) * 1000, 1)  # type: ignore[operator]

        # the updated index is the index a fresh build gives
        fresh = search.build_index(store)
        current = follower.index()
        result["same_as_fresh_build"] = (current.postings == fresh.postings and current.labels == fresh.labels
                                         and current.display == fresh.display
                                         and current.vocabulary == fresh.vocabulary)
        return result
    finally:
        gc.collect()  # let go of the store before removing its directory
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=11)
    parser.add_argument("--build-reps", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        result = bench(size, args.reps, args.build_reps)
        (OUT / f"search-{size}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result), file=sys.stderr, flush=True)
        rows.append(result)
    print("| triples | indexed subjects | full build | 50-triple contribution: the write | its index update "
          "(IRIs touched) | first /search after it | /search, index current | first /search after a rebuild |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['indexed_subjects']:,} | {r['full_build_ms']:,} ms | {r['write_ms']} ms | "
              f"{r['update_ms']} ms ({r['touched_iris']}) | {r['first_search_after_change_ms']} ms | "
              f"{r['search_current_ms']} ms | {r['first_search_after_rebuild_ms']:,} ms |")
    print()
    print("| triples | full build | update of 1,000 IRIs | 10,000 | 50,000 | per IRI updated | full build per "
          "indexed subject |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        large = r["update_of_n_iris_ms"]
        assert isinstance(large, dict)
        cells = " | ".join(f"{large[n]:,} ms" if n in large else "-" for n in ("1000", "10000", "50000"))
        print(f"| {r['triples']:,} | {r['full_build_ms']:,} ms | {cells} | {r['update_per_iri_us']} µs | "
              f"{r['full_build_per_subject_us']} µs |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""How long the SPARQL endpoint's reader processes take to catch up after a small write, at 1M triples.

    .venv/bin/python bench/readers_bench.py                  # 1M triples, 5 repetitions
    .venv/bin/python bench/readers_bench.py --triples 100000

Readers answer from in-memory copies of store checkpoints (thc_graph/pool.py). After a write that says which graphs
it changed (every ingest, contribution, withdrawal, Graph Store write, SPARQL Update naming its graphs), a reader
copies just those graphs from the new checkpoint; after one that does not (Store.update without graphs, as for an
update through GRAPH ?g) it copies the whole checkpoint. In one run, on the same store, this times the first query
after each kind of write (a 50-triple graph replaced; 50 triples by an update that does not name its graph), and the
same query with no write before it. Medians; Markdown on stdout, JSON in bench/out/readers.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402
from pages_bench import generate, load  # noqa: E402

from thc_graph import sparql  # noqa: E402
from thc_graph.namespaces import GRAPH, RDFS  # noqa: E402
from thc_graph.pool import ReaderPool  # noqa: E402

QUERY = sparql.QueryRequest(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH['bench-small'].value}> {{ ?s ?p ?o }} }}",
                            accept="text/csv")


def small(round_: int) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"https://w3id.org/thc/id/bench/{round_}/{i}"), RDFS.label,
                      ox.Literal(f"n{round_} {i}")) for i in range(50)]


def first_query_ms(pool: ReaderPool, store: object, expected: int) -> float:
    start = time.perf_counter()
    body = b"".join(pool.execute(store, QUERY).chunks)
    elapsed = (time.perf_counter() - start) * 1000
    assert int(body.split()[1]) == expected, body
    return elapsed


def settle(pool: ReaderPool, store: object, expected: int) -> None:
    """Both readers current (each answers once), so that the next write finds them idle and up to date."""
    for _ in range(4):
        first_query_ms(pool, store, expected)
    time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="thc-readers-"))
    try:
        store = load(generate(args.triples), workdir / "store")
        triples = len(store.oxigraph)
        times: dict[str, list[float]] = {"no write": [], "described write (delta)": [], "raw update (full copy)": []}
        with ReaderPool(store, readers=2, timeout_s=600, in_memory=True) as pool:
            settle(pool, store, 0)
            for round_ in range(args.reps):
                times["no write"].append(first_query_ms(pool, store, 50 * round_ * 2))
                kept = [q.triple for q in store.quads(None, None, None, GRAPH["bench-small"])]
                store.replace_graph(GRAPH["bench-small"], small(round_) + kept, [])
                times["described write (delta)"].append(first_query_ms(pool, store, 50 * (round_ * 2 + 1)))
                settle(pool, store, 50 * (round_ * 2 + 1))
                body = " ".join(f"{t} ." for t in small(1000 + round_))
                store.update(f"INSERT DATA {{ GRAPH {GRAPH['bench-small']} {{ {body} }} }}")
                times["raw update (full copy)"].append(first_query_ms(pool, store, 50 * (round_ * 2 + 2)))
                settle(pool, store, 50 * (round_ * 2 + 2))
            stats = pool.stats()
        result = {"triples": triples, **{k: round(statistics.median(v), 1) for k, v in times.items()},
                  "checkpoint_deltas": stats["checkpoint_deltas"], "checkpoint_loads": stats["checkpoint_loads"]}
        (HERE / "out").mkdir(exist_ok=True)
        (HERE / "out" / "readers.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result), file=sys.stderr)
        delta, whole = result["described write (delta)"], result["raw update (full copy)"]
        print("| triples | first query, no write before it | after a 50-triple write that names its graphs (delta) "
              "| after 50 triples by an update that does not name its graph (whole copy) | whole copy ÷ delta |")
        print("| --- | --- | --- | --- | --- |")
        print(f"| {triples:,} | {result['no write']} ms | {delta} ms | {whole} ms | {whole / delta:.0f}× |")
    finally:
        gc.collect()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue 7's benchmark: what a contribution costs, and that the cost follows the contribution, not the store.

Run from the project's folder (the data generator is ../shared/bench/gen_data.py):

    .venv/bin/python bench/contributions_bench.py --triples 200000 --reps 30 --out bench/out/contributions.json

Three measures, each a median over `--reps` contributions of one progress report (Turtle, 7 triples):
- `small`: in process (contributions.read + submit: scope check, SHACL validation, atomic commit), seeded store;
- `large`: the same after adding `--triples` generated triples to the store (ratio large/small: ~1 means the
  checks do not grow with the store);
- `http`: POST /api/contributions over a real waitress server on 127.0.0.1, sequential, then 20 clients at once
  (throughput ratio concurrent/sequential: writes are serialised, so ~1 is expected and more is a bonus).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))

from tests.servers import serve_waitress  # noqa: E402
from thc_graph import contributions, ingest, paths, tokens  # noqa: E402
from thc_graph.app import create_app  # noqa: E402
from thc_graph.namespaces import GRAPH, ONTOLOGY_GRAPH, SEED_GRAPH  # noqa: E402
from thc_graph.settings import Settings  # noqa: E402
from thc_graph.store import Store  # noqa: E402

REPORT = """@prefix thc: <https://w3id.org/thc/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<report/bench-{n}> a thc:ProgressReport ; rdfs:label "Rapport {n}"@fr ;
  thc:aboutCommitment <commitment/mulhouse-2014-open-data> ; dct:date "2025-01-01"^^xsd:date ;
  prov:wasAttributedTo <actor/commune-68224> ;
  thc:completion <https://w3id.org/thc/scheme/irm-completion/limited> .
"""


def seeded(path: Path) -> Store:
    store = Store(path)
    ingest.ingest(store, [ingest.parse_file(p) for p in paths.ontology_files()], ONTOLOGY_GRAPH, validate=False)
    ingest.ingest(store, [ingest.parse_file(p) for p in sorted(paths.SEED_DIR.glob("*.ttl"))], SEED_GRAPH)
    return store


def in_process(store: Store, who: tokens.Principal, reps: int, start: int) -> list[float]:
    times = []
    for n in range(start, start + reps):
        began = time.perf_counter()
        submission = contributions.read(REPORT.format(n=n).encode(), "r.ttl", who)
        contributions.submit(store, who, submission)
        times.append(time.perf_counter() - began)
    return times


def post(url: str, secret: str, n: int) -> float:
    request = urllib.request.Request(url + "/api/contributions", data=REPORT.format(n=n).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/turtle"})
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        assert response.status == 201
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=200000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = seeded(work / "store")
        settings = Settings({"store": str(work / "store"), "tokens_file": str(work / "tokens.json")})
        secret = tokens.create(settings, "mulhouse", territory="https://w3id.org/thc/id/territory/commune-68224")
        who = tokens.authenticate(settings, f"Bearer {secret}")
        in_process(store, who, 3, 0)  # warm the shapes' caches
        small = in_process(store, who, args.reps, 100)
        generated = work / "gen.nt"
        subprocess.run([sys.executable, str(SHARED_BENCH / "gen_data.py"), "--triples", str(args.triples),
                        "--out", str(generated)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        store.oxigraph.bulk_load(path=str(generated), format=ox.RdfFormat.N_TRIPLES, to_graph=GRAPH["bench/gen"])
        size = store.count()
        large = in_process(store, who, args.reps, 1000)
        app = create_app({"store": str(work / "store"), "tokens_file": str(work / "tokens.json")}, store=store)
        with serve_waitress(app, threads=args.clients) as url:
            began = time.perf_counter()
            sequential = [post(url, secret, 5000 + n) for n in range(args.reps)]
            sequential_rate = args.reps / (time.perf_counter() - began)
            barrier = threading.Barrier(args.clients)
            concurrent: list[float] = []

            def client(i: int) -> None:
                barrier.wait()
                for k in range(max(1, args.reps // args.clients)):
                    concurrent.append(post(url, secret, 10000 + i * 1000 + k))

            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            concurrent_rate = len(concurrent) / (time.perf_counter() - began)
    result = {
        "store_quads_large": size, "reps": args.reps, "clients": args.clients,
        "small_median_s": statistics.median(small), "large_median_s": statistics.median(large),
        "ratio_large_to_small": statistics.median(large) / statistics.median(small),
        "http_sequential_median_s": statistics.median(sequential),
        "http_sequential_per_s": sequential_rate, "http_concurrent_per_s": concurrent_rate,
        "ratio_concurrent_to_sequential_throughput": concurrent_rate / sequential_rate,
        "ratio_http_to_in_process": statistics.median(sequential) / statistics.median(small),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

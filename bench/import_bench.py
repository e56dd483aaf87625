#!/usr/bin/env python3
"""Issue 6's import benchmark: time and peak memory to import every commune (with départements, régions, EPCI
and their local governments) and all of Participedia, phase by phase, each in a fresh process.

Run from the project's folder, with the real files in ../shared/data:

    .venv/bin/python bench/import_bench.py --out bench/out/import.json

Phases: `build` (read and check the files, make the triples), `validate` (SHACL, in chunks, in parallel),
`write` (the atomic replacement of the graph and its description). Peak memory is the largest resident set
of the importing process and of its validation workers.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def one(name: str, store_dir: str) -> dict[str, object]:
    """Run one importer in this process, timing its phases."""
    from thc_graph import ingest, paths
    from thc_graph.importers import etalab, participedia, territories
    from thc_graph.importers.report import validate_in_chunks
    from thc_graph.namespaces import ONTOLOGY_GRAPH
    from thc_graph.store import Store

    store = Store(Path(store_dir) / "store")
    ingest.ingest(store, [ingest.parse_file(p) for p in paths.ontology_files()], ONTOLOGY_GRAPH, validate=False)
    module = {"territories": territories, "participedia": participedia}[name]
    if name == "participedia":  # the order of the docs: territories (here only those Etalab needs) then Etalab
        etalab.run(store, SHARED_DATA / "consultation-etalab")
    directory = SHARED_DATA / {"territories": "fr-decoupage-administratif", "participedia": "participedia"}[name]
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    if name == "territories":
        report, inputs, triples = territories.build(directory)
    else:
        report, inputs, triples = participedia.build(store, directory)
    t1 = time.perf_counter()
    result = validate_in_chunks(store, list(dict.fromkeys(triples)), module.GRAPH_IRI)
    t2 = time.perf_counter()
    assert result.conforms, result.text("en")[:2000]
    t3 = time.perf_counter()
    loaded = ingest.ingest(store, [inputs[0].parsed(list(dict.fromkeys(triples)))], module.GRAPH_IRI,
                           title=module.TITLE, validate=False)
    t4 = time.perf_counter()
    return {
        "importer": name, "triples": loaded.triples, "counts": dict(report.counts),
        "build_s": round(t1 - t0, 2), "validate_s": round(t2 - t1, 2), "write_s": round(t4 - t3, 2),
        "total_s": round((t1 - t0) + (t2 - t1) + (t4 - t3), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mb": round(base_rss / 1024, 1),
        "peak_worker_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["territories", "participedia"], action="append")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.store)))
        return
    results = []
    for name in args.only or ["territories", "participedia"]:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, __file__, "--child", name, "--store", tmp], check=True,
                                  capture_output=True, text=True, cwd=ROOT)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue 2's load benchmark: `thc load` against the sum of its two unavoidable parts, and the cost of
validating a contribution against an empty store and a full one.

Run from the project's folder (the data generator is ../shared/bench/gen_data.py):

    .venv/bin/python bench/load_bench.py --triples 1000000 --out bench/out/load-1m.json

Two datasets of the same size are measured, each with its three timings in one run:
- `gen`: the generator's file as it is (its own vocabulary: our shapes target little of it);
- `seed`: copies of our curated seed with renamed IRIs, in our own vocabulary, all conforming, so the
  shapes do their full work.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT))

from thc_graph import ingest, paths, validation  # noqa: E402
from thc_graph.namespaces import GRAPH  # noqa: E402
from thc_graph.store import Store  # noqa: E402

THC_ID = re.compile(rb"<https://w3id\.org/thc/id/([a-z]+)/([a-z0-9-]+)>")


def make_gen(triples: int, out: Path) -> Path:
    subprocess.run([sys.executable, str(SHARED_BENCH / "gen_data.py"), "--triples", str(triples), "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def seed_ntriples() -> bytes:
    quads = [q for p in sorted(paths.SEED_DIR.glob("*.ttl")) for q in ox.parse(path=str(p))]
    return ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)


def make_seed_copies(triples: int, out: Path, start: int = 0) -> Path:
    """N-Triples made of renamed copies of the seed: copy i renames every data IRI slug to slug-c{i}."""
    seed = seed_ntriples()
    per_copy = seed.count(b"\n")
    copies = max(1, round(triples / per_copy))
    with out.open("wb") as f:
        for i in range(start, start + copies):
            suffix = b"-c%d>" % i
            f.write(THC_ID.sub(lambda m, suffix=suffix: b"<https://w3id.org/thc/id/%s/%s" % m.groups() + suffix, seed))
    return out


def time_bulk_load(path: Path, work: Path) -> float:
    target = work / "bulk-store"
    shutil.rmtree(target, ignore_errors=True)
    store = ox.Store(str(target))
    started = time.perf_counter()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("https://w3id.org/thc/graph/b"))
    store.flush()
    elapsed = time.perf_counter() - started
    del store
    shutil.rmtree(target, ignore_errors=True)
    return elapsed


def time_pyshacl(path: Path) -> tuple[float, bool]:
    """pyshacl alone: parse the file with rdflib, add the ontology (subclasses), validate with our shapes."""
    started = time.perf_counter()
    data = Graph()
    data.parse(path, format="nt")
    for triple in validation.ontology_triples():
        data.add(triple)
    conforms, _, _ = pyshacl.validate(data, shacl_graph=validation.shapes_graph(), advanced=True,
                                      inference="none", inplace=True, allow_warnings=True)
    return time.perf_counter() - started, bool(conforms)


def time_thc_load(path: Path, work: Path) -> tuple[float, int]:
    target = work / "thc-store"
    shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "thc"), "--store", str(target), "load", str(path),
                             "--graph", GRAPH["bench"].value], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(target, ignore_errors=True)
    return elapsed, result.returncode


def time_restore(path: Path, work: Path, reps: int = 3) -> dict[str, float]:
    """`thc restore` of an N-Quads dump against pyoxigraph's bulk_load of the same dump, each a fresh process
    (so both pay a start), interleaved; medians."""
    source = work / "restore-source"
    shutil.rmtree(source, ignore_errors=True)
    store = ox.Store(str(source))
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=GRAPH["bench"])
    dump = work / "dump.nq"
    store.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    del store
    shutil.rmtree(source, ignore_errors=True)
    target = work / "restore-store"
    bulk_code = ("import sys, pyoxigraph as ox; s = ox.Store(sys.argv[1]); "
                 "s.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS); s.flush()")
    commands = {
        "thc_restore_s": [str(ROOT / ".venv" / "bin" / "thc"), "--store", str(target), "restore", str(dump)],
        "bulk_load_s": [sys.executable, "-c", bulk_code, str(target), str(dump)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(reps):
        for name, command in commands.items():
            shutil.rmtree(target, ignore_errors=True)
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[name].append(time.perf_counter() - started)
    shutil.rmtree(target, ignore_errors=True)
    medians = {name: sorted(values)[len(values) // 2] for name, values in times.items()}
    return {**medians, "ratio": medians["thc_restore_s"] / medians["bulk_load_s"]}


def time_contribution(store: Store, contribution: Path) -> float:
    parsed = ingest.parse_file(contribution)
    started = time.perf_counter()
    context = ingest.context_for(store, parsed.triples)
    report = validation.validate(parsed.triples, context=context)
    elapsed = time.perf_counter() - started
    assert report.conforms, report.text("en")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "load.json")
    parser.add_argument("--reps", type=int, default=9, help="repetitions of the contribution validation")
    parser.add_argument("--only-contribution", action="store_true",
                        help="skip the three load timings (restore and contribution only)")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"triples": args.triples}
    with tempfile.TemporaryDirectory(prefix="thc-load-bench-") as tmp:
        work = Path(tmp)
        datasets = {"gen": make_gen(args.triples, work / "gen.nt"),
                    "seed": make_seed_copies(args.triples, work / "seed.nt")}
        for name, path in datasets.items() if not args.only_contribution else ():
            bulk = time_bulk_load(path, work)
            shacl, conforms = time_pyshacl(path)
            load, status = time_thc_load(path, work)
            results[name] = {"bulk_load_s": bulk, "pyshacl_s": shacl, "pyshacl_conforms": conforms,
                             "thc_load_s": load, "thc_load_exit": status, "ratio": load / (bulk + shacl)}
            print(name, json.dumps(results[name]), flush=True)
        results["restore"] = time_restore(datasets["seed"], work)
        print("restore", json.dumps(results["restore"]), flush=True)
        # A contribution of about 1,000 triples: one more renamed copy of the seed (plus a part of another).
        contribution = make_seed_copies(1000, work / "contribution.nt", start=10**6)
        empty = Store(work / "empty-store")
        full = Store(work / "full-store")
        full.oxigraph.bulk_load(path=str(datasets["seed"]), format=ox.RdfFormat.N_TRIPLES,
                                to_graph=GRAPH["bench"])
        full.oxigraph.flush()
        # Interleaved, so that both stores meet the same load on the machine.
        empty_times, full_times = [], []
        for _ in range(args.reps):
            empty_times.append(time_contribution(empty, contribution))
            full_times.append(time_contribution(full, contribution))
        empty_times.sort()
        full_times.sort()
        empty_median, full_median = empty_times[len(empty_times) // 2], full_times[len(full_times) // 2]
        results["contribution"] = {
            "triples": sum(1 for _ in contribution.open("rb")), "store_triples": len(full.oxigraph),
            "empty_median_s": empty_median, "full_median_s": full_median, "ratio": full_median / empty_median,
        }
        print("contribution", json.dumps(results["contribution"]), flush=True)
    if args.only_contribution and args.out.exists():
        results = {**json.loads(args.out.read_text()), "contribution": results["contribution"],
                   "restore": results["restore"]}
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

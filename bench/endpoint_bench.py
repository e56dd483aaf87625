#!/usr/bin/env python3
"""Our SPARQL endpoint (`thc serve`) beside `oxigraph serve` and rdflib-endpoint, in one run of the shared harness.

    .venv/bin/python bench/endpoint_bench.py                      # 1M triples (rdflib-endpoint at 100k, see below)
    .venv/bin/python bench/endpoint_bench.py --triples 100000     # a quicker run

Steps: generate the synthetic graph with ../shared/bench/gen_data.py; load it into our store (pyoxigraph bulk load
into one named graph: the public default graph is the union, as it is served) and into an `oxigraph load`
directory; start `thc serve` (reader pool, default settings except a rate limit out of the way), `oxigraph serve
--union-default-graph` and rdflib-endpoint (in its own venv under bench/out, since it is not a dependency of ours);
run ../shared/bench/http_bench.py over the three in ONE run (sequential, then --concurrency clients), with
oxigraph serve as the baseline of the ratios; stop everything. Results: bench/out/endpoint/*.json and *.md.

rdflib-endpoint holds its graph in rdflib's memory store: at 1M triples it takes minutes to load and many of the
queries run past the harness's per-request timeout, so it runs at --rdflib-triples (default 100k) and its figures
are not comparable row for row (the harness marks rows that differ); they show the order of magnitude.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "bench"
OUT = HERE / "out" / "endpoint"
BIN = Path(sys.executable).parent
GRAPH = "https://example.org/thc/graph/bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(command: list[str], **kwargs: object) -> None:
    print("+", " ".join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]


def generate(triples: int) -> Path:
    path = OUT / f"kg-{triples}.nt"
    if not path.exists():
        run([sys.executable, str(SHARED / "gen_data.py"), "--triples", str(triples), "--out", str(path)])
    return path


def load_ours(data: Path, triples: int) -> Path:
    import pyoxigraph as ox

    from thc_graph.store import Store

    location = OUT / f"thc-{triples}"
    if not (location / "CURRENT").exists():
        shutil.rmtree(location, ignore_errors=True)
        started = time.perf_counter()
        store = Store(location)
        store.oxigraph.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(GRAPH))
        store.oxigraph.flush()
        print(f"loaded {len(store.oxigraph)} quads into our store in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        del store
        gc.collect()
    return location


def load_oxigraph(data: Path, triples: int) -> Path:
    location = OUT / f"oxigraph-{triples}"
    if not (location / "CURRENT").exists():
        shutil.rmtree(location, ignore_errors=True)
        run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(data)])
    return location


def rdflib_python() -> Path:
    venv = OUT / "venv-rdflib"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "rdflib-endpoint").exists():
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(python), "-m", "pip", "install", "--quiet", "rdflib-endpoint[cli]", "uvicorn", "requests"])
    return python


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server ended with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=30):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rdflib-triples", type=int, default=100_000, help="0: leave rdflib-endpoint out")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--max-seconds", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out (finally below)
    OUT.mkdir(parents=True, exist_ok=True)
    data = generate(args.triples)
    ours, theirs = load_ours(data, args.triples), load_oxigraph(data, args.triples)
    ports = {"ox": free_port(), "thc": free_port(), "rdflib": free_port()}
    logs = {name: (OUT / f"{name}.log").open("wb") for name in ports}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    endpoints = [f"ox=http://127.0.0.1:{ports['ox']}/query", f"thc=http://127.0.0.1:{ports['thc']}/sparql"]
    try:
        processes["ox"] = subprocess.Popen(
            [str(BIN / "oxigraph"), "serve", "--location", str(theirs), "--bind", f"127.0.0.1:{ports['ox']}",
             "--union-default-graph"], stdout=logs["ox"], stderr=subprocess.STDOUT)
        env = {**os.environ, "THC_STORE": str(ours), "THC_RATE_LIMIT_PER_MINUTE": "100000000"}
        processes["thc"] = subprocess.Popen([str(BIN / "thc"), "serve", "--port", str(ports["thc"])], env=env,
                                            stdout=logs["thc"], stderr=subprocess.STDOUT)
        if args.rdflib_triples:
            small = generate(args.rdflib_triples)
            python = rdflib_python()
            processes["rdflib"] = subprocess.Popen(
                [str(python.parent / "rdflib-endpoint"), "serve", str(small), "--host", "127.0.0.1",
                 "--port", str(ports["rdflib"])], stdout=logs["rdflib"], stderr=subprocess.STDOUT)
            endpoints.append(f"rdflib=http://127.0.0.1:{ports['rdflib']}/")
        ask = "?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
        wait_up(f"http://127.0.0.1:{ports['ox']}/query{ask}", processes["ox"], 120)
        for _ in range(4):  # every reader loads the checkpoint into memory before the measures
            wait_up(f"http://127.0.0.1:{ports['thc']}/sparql{ask}", processes["thc"], 600)
        if "rdflib" in processes:
            wait_up(f"http://127.0.0.1:{ports['rdflib']}/{ask}", processes["rdflib"], 900)
        label = f"{args.triples} triples (rdflib-endpoint: {args.rdflib_triples})"
        name = f"endpoint-{args.triples}"
        python = rdflib_python()  # the harness needs `requests`, which our venv does not have
        run([str(python), str(SHARED / "http_bench.py"), *(x for e in endpoints for x in ("--endpoint", e)),
             "--queries", str(SHARED / "queries"), "--reps", str(args.reps), "--concurrency", str(args.concurrency),
             "--requests", str(args.requests), "--max-seconds", str(args.max_seconds), "--timeout",
             str(args.timeout), "--label", label, "--json", str(OUT / f"{name}.json"),
             "--markdown", str(OUT / f"{name}.md")])
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

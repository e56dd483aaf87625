"""`thc serve` (issue 3, point 7): a production server with a reader pool, a log line per query, /-/ping, /-/stats."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .servers import THC, free_port, http, wait_until_up

QUERY = "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> } LIMIT 5"


@pytest.mark.server
def test_thc_serve(seed_checkpoint: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(seed_checkpoint, store)
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "THC_STORE": str(store), "THC_READERS": "2", "THC_QUERY_TIMEOUT_S": "20"}
    with log.open("wb") as err:
        process = subprocess.Popen([str(THC), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                   stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/-/ping", process)
        assert http(f"{base}/-/ping", accept="application/json").json() == {"ok": True}
        answers = [http(f"{base}/sparql", query=QUERY) for _ in range(5)]
        assert all(a.status == 200 for a in answers)
        assert len(answers[0].json()["results"]["bindings"]) == 5
        assert http(f"{base}/sparql", query="SELECT ?x WHERE {").status == 400
        assert http(f"{base}/sparql?query=ASK%7B%7D").status == 200
        stats = http(f"{base}/-/stats", accept="application/json").json()
        assert stats["triples"] > 1000 and stats["graphs"] >= 2
        assert stats["queries"] == 7
        assert stats["query_statuses"] == {"200": 6, "400": 1}
        latency = stats["query_latency_ms"]
        assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
        assert stats["readers"]["readers"] == 2
        assert stats["limits"]["query_timeout_s"] == 20
        pids = stats["readers"]["pids"]
    finally:
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=30)
    assert status == 0
    lines = [line for line in log.read_text().splitlines() if " /sparql " in line]
    assert len(lines) == 7, log.read_text()
    assert all(re.search(r" (POST|GET) /sparql (200|400) \d+\.\dms", line) for line in lines)
    assert " GET /sparql 200 " in lines[-1] and "query='ASK{}'" in lines[-1]
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids), "the readers ended with the server"
    assert not store.with_name("store.readers").exists(), "the checkpoints were removed"


def test_serve_is_documented_in_help(runner) -> None:  # type: ignore[no-untyped-def]
    from thc_graph.cli import cli

    result = runner.invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output

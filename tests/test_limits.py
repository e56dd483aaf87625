"""Limits that protect everyone (issue 3, point 6): query_timeout_s, max_result_rows, max_body_bytes, the rate limit."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from thc_graph.app import create_app
from thc_graph.limits import RateLimiter
from thc_graph.server import build_app, close_app

from .servers import Answer, http, serve_waitress

# A 4-way cartesian product under an aggregate: with a few thousand triples it would run for years.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LIGHT = ("SELECT ?label WHERE { <https://w3id.org/thc/ontology#Actor> "
         "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")


@pytest.fixture
def copied_store(seed_checkpoint: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(seed_checkpoint, path)
    return path


@pytest.fixture
def served_app(copied_store: Path) -> Iterator[Flask]:
    """The app as `thc serve` builds it (reader pool), with a short query_timeout_s."""
    app = build_app({"store": str(copied_store), "query_timeout_s": "2", "readers": "2",
                     "rate_limit_per_minute": "100000"})
    try:
        yield app
    finally:
        close_app(app)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.server
def test_runaway_query_is_stopped_while_another_client_is_served(served_app: Flask) -> None:
    pool = served_app.extensions["thc_reader_pool"]
    with serve_waitress(served_app) as base:
        assert http(f"{base}/sparql", query=LIGHT).status == 200  # readers are up and hold the checkpoint
        before = set(pool.pids())
        runaway: list[Answer] = []
        thread = threading.Thread(target=lambda: runaway.append(http(f"{base}/sparql", query=RUNAWAY)))
        thread.start()
        time.sleep(0.5)  # the runaway is running in its reader now
        light = http(f"{base}/sparql", query=LIGHT)
        assert light.status == 200, light.text
        assert light.json()["results"]["bindings"]
        assert light.seconds < 1.0, f"a light query waited {light.seconds:.2f} s beside a runaway one"
        thread.join(timeout=30)

    answer = runaway[0]
    assert answer.status == 503
    assert "query_timeout_s = 2" in answer.text
    assert 1.5 < answer.seconds < 15  # stopped at its limit, not when it ended by itself
    ended = before - set(pool.pids())
    assert len(ended) == 1, "the reader that ran the runaway query was ended"
    assert not _alive(ended.pop())
    deadline = time.monotonic() + 20
    while pool.stats()["readers"] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pool.stats()["readers"] == 2, "the pool started a reader in its place"
    assert pool.stats()["timeouts"] == 1


def test_truncation_is_signalled_in_a_header(copied_store: Path) -> None:
    app = build_app({"store": str(copied_store), "max_result_rows": "3", "rate_limit_per_minute": "100000"})
    try:
        response = app.test_client().post("/sparql", data={"query": "SELECT ?s WHERE { ?s ?p ?o }"},
                                          headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200
        assert len(response.get_json()["results"]["bindings"]) == 3
        assert "max_result_rows = 3" in response.headers["THC-Truncated"]
        whole = app.test_client().post("/sparql", data={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"},
                                       headers={"Accept": "application/sparql-results+json"})
        assert "THC-Truncated" not in whole.headers
    finally:
        close_app(app)


def test_body_over_max_body_bytes_is_413_naming_the_setting(seed_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app({"max_body_bytes": "100"}, store=seed_store)
    response = app.test_client().post("/sparql", data="SELECT * WHERE { ?s ?p ?o } # " + "x" * 200,
                                      content_type="application/sparql-query")
    assert response.status_code == 413
    assert "max_body_bytes = 100" in response.get_data(as_text=True)
    assert seed_store.count() > 0


def test_rate_limit_answers_429_with_retry_after(seed_store) -> None:  # type: ignore[no-untyped-def]
    app = create_app({"rate_limit_per_minute": "3"}, store=seed_store)
    client = app.test_client()
    statuses = [client.get("/sparql", query_string={"query": "ASK {}"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get("/sparql", query_string={"query": "ASK {}"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "rate_limit_per_minute = 3" in refused.get_data(as_text=True)
    assert client.get("/-/ping").status_code == 200  # monitors are not limited
    other = client.get("/sparql", query_string={"query": "ASK {}"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200, "the limit is per client"


def test_rate_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one a second
    assert all(limiter.check("a") is None for _ in range(60))
    assert limiter.check("a") == 1
    now[0] += 1.0
    assert limiter.check("a") is None
    assert limiter.check("a") == 1

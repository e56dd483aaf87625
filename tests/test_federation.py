"""Federation (issue 3, point 9): our SERVICE calls reach another endpoint, within query_timeout_s; oxigraph serve's
and Comunica's calls to us are answered, and Comunica joins our data with another endpoint's."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from thc_graph.server import build_app, close_app

from .servers import http, oxigraph_serve, rows, serve_waitress

pytestmark = pytest.mark.server

OTHER = Path(__file__).parent / "data" / "federation" / "other-platform.ttl"
COMUNICA = Path(__file__).parent / "js" / "node_modules" / ".bin" / "comunica-sparql"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ABOUT, STARS = "<http://example.org/other/about>", "<http://example.org/other/stars>"
# What the join must give: the reviews of our classes (review3 is about something we do not hold), with our labels.
EXPECTED = {(("label", "Territory"), ("stars", "5")), (("label", "Actor"), ("stars", "4"))}


@pytest.fixture(scope="module")
def ours(seed_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Our endpoint as `thc serve` runs it (reader pool), on a free port; yields the /sparql URL."""
    path = tmp_path_factory.mktemp("federation") / "store"
    shutil.copytree(seed_checkpoint, path)
    # SERVICE to loopback is refused unless allowed: these tests call endpoints on 127.0.0.1 (any port)
    app = build_app({"store": str(path), "query_timeout_s": "3", "rate_limit_per_minute": "100000",
                     "service_allow": "http://127.0.0.1:"})
    try:
        with serve_waitress(app) as base:
            yield f"{base}/sparql"
    finally:
        close_app(app)


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another platform: `oxigraph serve` holding other data; yields its query URL."""
    with oxigraph_serve(tmp_path_factory.mktemp("other") / "oxigraph", files=(OTHER,)) as base:
        yield f"{base}/query"



def test_our_service_clause_reaches_another_endpoint(ours: str, other: str) -> None:
    query = (f"SELECT ?label ?stars WHERE {{ ?class {RDFS_LABEL} ?label FILTER(LANG(?label) = 'en') "
             f"SERVICE <{other}> {{ ?review {ABOUT} ?class ; {STARS} ?stars }} }}")
    answer = http(ours, query=query)
    assert answer.status == 200, answer.text
    assert rows(answer) == EXPECTED


def test_a_service_that_does_not_answer_is_stopped_at_query_timeout_s(ours: str) -> None:
    with socket.socket() as silent:  # accepts connections and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
        answer = http(ours, query=f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
    assert answer.status == 503
    assert "query_timeout_s = 3" in answer.text
    assert answer.seconds < 20


def test_oxigraph_serve_queries_us_with_service(ours: str, other: str) -> None:
    query = (f"SELECT ?label ?stars WHERE {{ ?review {ABOUT} ?class ; {STARS} ?stars "
             f"SERVICE <{ours}> {{ ?class {RDFS_LABEL} ?label FILTER(LANG(?label) = 'en') }} }}")
    answer = http(other, query=query)
    assert answer.status == 200, answer.text
    assert rows(answer) == EXPECTED


def test_comunica_joins_our_endpoint_with_another(ours: str, other: str) -> None:
    assert COMUNICA.exists(), "run `make test` (or `npm ci` in tests/js) to install Comunica"
    query = (f"SELECT ?label ?stars WHERE {{ ?review {ABOUT} ?class ; {STARS} ?stars . "
             f"?class {RDFS_LABEL} ?label FILTER(LANG(?label) = 'en') }}")
    result = subprocess.run([str(COMUNICA), f"sparql@{ours}", f"sparql@{other}", "-q", query,
                             "-t", "application/sparql-results+json", "--httpTimeout", "30000"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert {tuple(sorted((k, v["value"]) for k, v in b.items())) for b in bindings} == EXPECTED

"""The reader pool: queries answered in reader processes from store checkpoints, as the in-process executor would."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from thc_graph import sparql
from thc_graph.errors import BadQuery, StoreError
from thc_graph.pool import ReaderPool
from thc_graph.store import Store

QUERIES = {
    "select": ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label",
               "application/sparql-results+json"),
    "ask": ("ASK { ?s a <http://www.w3.org/2002/07/owl#Class> }", "application/sparql-results+json"),
    "construct": ("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> ; ?p ?o }",
                  "text/turtle"),
    "csv": ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "text/csv"),
    "streamed": ("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) } ORDER BY ?s ?p ?o",
                 "application/sparql-results+xml"),  # more than a chunk: sent in pieces
}


@pytest.fixture
def writable(seed_checkpoint: Path, tmp_path: Path) -> Store:
    path = tmp_path / "store"
    shutil.copytree(seed_checkpoint, path)
    return Store(path)


@pytest.fixture(params=[True, False], ids=["in-memory", "on-disk"])
def pool(writable: Store, request: pytest.FixtureRequest) -> Iterator[ReaderPool]:
    with ReaderPool(writable, readers=2, timeout_s=20, in_memory=request.param) as readers:
        yield readers


def _body(answer: sparql.QueryAnswer) -> bytes:
    return b"".join(answer.chunks)


@pytest.mark.parametrize("name", QUERIES)
def test_pool_answers_as_the_in_process_executor(pool: ReaderPool, writable: Store, name: str) -> None:
    query, accept = QUERIES[name]
    request = sparql.QueryRequest(query, accept=accept)
    here, there = sparql.execute(writable, request), pool.execute(writable, request)
    assert there.format == here.format
    mine, theirs = _body(here), _body(there)
    if name == "streamed":
        assert len(mine) > 2 * sparql.CHUNK_BYTES
    if accept == "text/turtle":
        assert isomorphic(Graph().parse(data=mine, format="turtle"), Graph().parse(data=theirs, format="turtle"))
    else:
        assert theirs == mine


def test_readers_move_to_the_newest_checkpoint_and_old_ones_go(pool: ReaderPool, writable: Store) -> None:
    count = sparql.QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", accept="text/csv")
    before = int(_body(pool.execute(writable, count)).split()[1])
    writable.update("INSERT DATA { GRAPH <https://w3id.org/thc/graph/test> { <http://a> <http://b> <http://c> } }")
    writable.update("INSERT DATA { GRAPH <https://w3id.org/thc/graph/test> { <http://a> <http://b> <http://d> } }")
    assert int(_body(pool.execute(writable, count)).split()[1]) == before + 2
    deadline = time.monotonic() + 20
    while (len(pool.checkpoints()) > 1 or len(list(pool.directory.iterdir())) > 1) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p.name for p in pool.checkpoints()] == [f"{pool.stats()['generation']:08d}"]
    assert sorted(p.name for p in pool.directory.iterdir()) == [p.name for p in pool.checkpoints()]


def test_a_bad_query_is_a_bad_query(pool: ReaderPool, writable: Store) -> None:
    with pytest.raises(BadQuery, match="line 1"):
        pool.execute(writable, sparql.QueryRequest("SELECT ?x WHERE { ?x", accept="text/csv"))
    answer = pool.execute(writable, sparql.QueryRequest("ASK {}", accept="application/sparql-results+json"))
    assert b"true" in _body(answer)


def test_an_answer_abandoned_midway_ends_its_reader(pool: ReaderPool, writable: Store) -> None:
    writable.update("INSERT DATA { GRAPH <https://w3id.org/thc/graph/test> { "
                    + " ".join(f"<http://s{i}> <http://p> '{'x' * 200}{i}' ." for i in range(3000)) + " } }")
    answer = pool.execute(writable, sparql.QueryRequest("SELECT * WHERE { ?s ?p ?o }", accept="text/csv"))
    next(iter(answer.chunks))
    answer.chunks.close()  # type: ignore[attr-defined]
    assert pool.stats()["readers_replaced"] == 1
    answer = pool.execute(writable, sparql.QueryRequest("ASK {}", accept="application/sparql-results+json"))
    assert b"true" in _body(answer)


def test_the_pool_needs_an_on_disk_store() -> None:
    with pytest.raises(StoreError, match="on-disk store"):
        ReaderPool(Store(None))


def test_closing_ends_every_reader(writable: Store) -> None:
    readers = ReaderPool(writable, readers=2, timeout_s=5)
    processes = [r.process for r in readers._readers]
    readers.close()
    assert all(not p.is_alive() for p in processes)
    assert not readers.directory.exists()
    assert writable.on_commit == []


def test_the_pool_remote_store_and_limits_never_import_flask() -> None:
    import subprocess
    import sys

    code = ("import sys, thc_graph.pool, thc_graph.remote, thc_graph.limits, thc_graph.metrics, thc_graph.server, "
            "thc_graph.cli; print([m for m in sys.modules if m == 'flask' or m.startswith('flask.')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _dump_via(pool: ReaderPool, writable: Store) -> bytes:
    everything = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) } " \
                 "ORDER BY ?g ?s ?p ?o"
    return _body(pool.execute(writable, sparql.QueryRequest(everything, accept="text/csv")))


def _settled(pool: ReaderPool) -> None:
    """Wait until both readers took the newest checkpoint (they move in the background)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = pool.stats()
        if stats["idle"] == stats["readers"] == 2 and stats["checkpoint_loads"] + stats["checkpoint_deltas"] >= 2:
            return
        time.sleep(0.05)


def test_in_memory_readers_copy_only_the_graphs_a_write_changed(writable: Store) -> None:
    from thc_graph import formats, ingest
    from thc_graph.namespaces import GRAPH

    with ReaderPool(writable, readers=2, timeout_s=20, in_memory=True) as pool:
        _settled(pool)
        loads = pool.stats()["checkpoint_loads"]
        assert loads >= 2 and pool.stats()["checkpoint_deltas"] == 0
        # a described write (replace_graph through ingest), a Graph Store-like merge, a drop: each a delta
        triples = ingest.parse_bytes(b'<https://w3id.org/thc/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .',
                                     "x.nt", formats.RDF_BY_NAME["ntriples"])
        ingest.ingest(writable, [triples], GRAPH["delta-test"], validate=False)
        writable.update(f"INSERT DATA {{ GRAPH {GRAPH['delta-test']} {{ <http://a> <http://b> 'c' }} }}",
                        graphs=[GRAPH["delta-test"]])
        writable.drop_graph(GRAPH["seed"])
        for _ in range(3):  # every reader serves a query at least once, so each moved to the newest checkpoint
            assert _dump_via(pool, writable) == _body(sparql.execute(writable, sparql.QueryRequest(
                "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) } "
                "ORDER BY ?g ?s ?p ?o", accept="text/csv")))
        stats = pool.stats()
        assert stats["checkpoint_deltas"] >= 2 and stats["checkpoint_loads"] == loads
        # a write that does not say which graphs it changed: the readers copy the whole checkpoint again
        writable.update(f"INSERT DATA {{ GRAPH {GRAPH['other']} {{ <http://a> <http://b> 'd' }} }}")
        for _ in range(3):
            assert b"\r\nhttp://a,http://b,d" in _body(pool.execute(writable, sparql.QueryRequest(
                "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(?o = 'd') }", accept="text/csv")))
        assert pool.stats()["checkpoint_loads"] > loads

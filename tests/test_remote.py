"""The remote store (issue 3, point 8): the app over a real `oxigraph serve`, spoken to through SPARQLWrapper."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from rdflib import Graph
from rdflib.compare import isomorphic

from thc_graph import queries
from thc_graph.app import create_app
from thc_graph.cli import cli
from thc_graph.errors import BadQuery, StoreError, Timeout
from thc_graph.remote import RemoteStore, bind_values
from thc_graph.store import Store

from .servers import oxigraph_serve

pytestmark = pytest.mark.server

SELECTS = {
    "labels": "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    "by-class": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class",
    "graphs": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "optional": "SELECT ?s ?fr ?en WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> "
                "OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?fr FILTER(LANG(?fr) = 'fr') } "
                "OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?en FILTER(LANG(?en) = 'en') } }",
    "filter": "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
              "FILTER(CONTAINS(LCASE(STR(?l)), 'budget')) }",
}
CONSTRUCT = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> ; ?p ?o "
             "FILTER(!isBlank(?o)) }")


@pytest.fixture(scope="module")
def seeded_remote(seed_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteStore]:
    """`oxigraph serve` holding exactly the seed store's quads (a dump of it, loaded with `oxigraph load`)."""
    folder = tmp_path_factory.mktemp("remote-seed")
    dump = folder / "seed.nq"
    seed_store.dump(str(dump), ox.RdfFormat.N_QUADS)
    with oxigraph_serve(folder / "oxigraph", files=(dump,)) as base:
        yield RemoteStore(f"{base}/query", update_url=f"{base}/update", timeout_s=30)


@pytest.fixture
def empty_remote(tmp_path: Path) -> Iterator[RemoteStore]:
    with oxigraph_serve(tmp_path / "oxigraph") as base:
        yield RemoteStore(f"{base}/query", update_url=f"{base}/update", timeout_s=30)


def _app(store: Store | RemoteStore) -> Flask:
    return create_app({"rate_limit_per_minute": "100000"}, store=store)  # type: ignore[arg-type]


def _rows(app: Flask, query: str) -> set[tuple[tuple[str, str], ...]]:
    response = app.test_client().post("/sparql", data={"query": query},
                                      headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {tuple(sorted((k, "_:" if v["type"] == "bnode" else v["value"]) for k, v in b.items()))
            for b in response.get_json()["results"]["bindings"]}


@pytest.mark.parametrize("name", SELECTS)
def test_the_app_answers_the_same_over_the_remote_store(seed_store: Store, seeded_remote: RemoteStore,
                                                         name: str) -> None:
    here, there = _rows(_app(seed_store), SELECTS[name]), _rows(_app(seeded_remote), SELECTS[name])
    assert here and there == here


def test_construct_and_ask_over_the_remote_store(seed_store: Store, seeded_remote: RemoteStore) -> None:
    graphs = []
    for store in (seed_store, seeded_remote):
        response = _app(store).test_client().post("/sparql", data={"query": CONSTRUCT},
                                                  headers={"Accept": "text/turtle"})
        assert response.status_code == 200
        graphs.append(Graph().parse(data=response.get_data(), format="turtle"))
    assert len(graphs[0]) > 100 and isomorphic(graphs[0], graphs[1])
    ask = _app(seeded_remote).test_client().get("/sparql", query_string={"query": "ASK { ?s a ?c }"},
                                                headers={"Accept": "application/sparql-results+json"})
    assert ask.get_json()["boolean"] is True


def test_named_queries_answer_the_same_over_the_remote_store(seed_store: Store, seeded_remote: RemoteStore) -> None:
    checked = 0
    for named in queries.load_all().values():
        if named.form != "SELECT" or any(not p.optional for p in named.params):
            continue
        here = {tuple(sorted((k, str(v)) for k, v in row.items())) for row in seed_store.select(named.text)}
        there = {tuple(sorted((k, str(v)) for k, v in row.items())) for row in seeded_remote.select(named.text)}
        assert there == here, named.name
        checked += 1
    assert checked >= 3


def test_store_interface_over_the_remote_store(seed_store: Store, seeded_remote: RemoteStore) -> None:
    assert seeded_remote.named_graphs() == seed_store.named_graphs()
    assert seeded_remote.count() == seed_store.count()
    graph = seed_store.named_graphs()[0]
    assert seeded_remote.has_graph(graph) and not seeded_remote.has_graph(ox.NamedNode("http://example.org/none"))
    assert seeded_remote.count(graph) == seed_store.count(graph)
    subject = next(seed_store.quads(None, None, None, graph)).subject
    def shape(quads):  # type: ignore[no-untyped-def]
        return {tuple("_:" if isinstance(t, ox.BlankNode) else str(t) for t in q) for q in quads}

    assert shape(seeded_remote.quads(subject, None, None, graph)) == shape(seed_store.quads(subject, None, None, graph))
    subject = ox.NamedNode("https://w3id.org/thc/ontology#Actor")
    labels = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    rows = seeded_remote.select(labels, substitutions={"s": subject})
    assert rows and rows == seed_store.select(labels, substitutions={"s": subject})
    assert seeded_remote.public_default_graph() is None


def test_thc_load_into_a_remote_store(empty_remote: RemoteStore, seed_store: Store, runner,  # type: ignore[no-untyped-def]
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from thc_graph import paths

    monkeypatch.setenv("THC_STORE_UPDATE_URL", empty_remote.update_url)
    url = empty_remote.query_url
    assert runner.invoke(cli, ["--store", url, "init"], catch_exceptions=False).exit_code == 0
    seed = sorted(str(p) for p in paths.SEED_DIR.glob("*.ttl"))
    result = runner.invoke(cli, ["--store", url, "load", "--graph", "https://w3id.org/thc/graph/seed", *seed],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for graph in ("ontology", "seed"):
        iri = ox.NamedNode(f"https://w3id.org/thc/graph/{graph}")
        assert empty_remote.count(iri) == seed_store.count(iri)
    bad = Path(__file__).parent / "data" / "remote-bad.ttl"
    bad.write_text("<https://w3id.org/thc/id/actor/x> a <https://w3id.org/thc/ontology#Actor .")
    try:
        before = empty_remote.count()
        result = runner.invoke(cli, ["--store", url, "load", "--graph", "https://w3id.org/thc/graph/seed", str(bad)])
        assert result.exit_code == 2 and "remote-bad.ttl" in result.output
        assert empty_remote.count() == before, "the remote store is unchanged"
    finally:
        bad.unlink()


def test_replace_drop_dump_restore_over_the_remote_store(empty_remote: RemoteStore, tmp_path: Path) -> None:
    graph = ox.NamedNode("https://w3id.org/thc/graph/test")
    triples = [ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                         ox.Literal(f"é {i}", language="fr")) for i in range(50)]
    meta = [ox.Triple(graph, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("test"))]
    empty_remote.replace_graph(graph, triples, meta)
    empty_remote.replace_graph(graph, triples[:10], meta)
    assert empty_remote.count(graph) == 10
    dump = tmp_path / "dump.nq"
    empty_remote.dump(str(dump), ox.RdfFormat.N_QUADS)
    empty_remote.drop_graph(graph)
    assert not empty_remote.has_graph(graph) and empty_remote.count() == 0
    empty_remote.restore(dump, ox.RdfFormat.N_QUADS)
    assert empty_remote.count(graph) == 10 and empty_remote.count() == 11


def test_remote_errors_are_ours(seeded_remote: RemoteStore) -> None:
    with pytest.raises(BadQuery):
        seeded_remote.query("SELECT ?x WHERE { ?x")
    response = _app(seeded_remote).test_client().post("/sparql", data={"query": "SELECT ?x WHERE { ?x"})
    assert response.status_code == 400
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreError, match=f"127.0.0.1:{port}"):
        RemoteStore(f"http://127.0.0.1:{port}/query").query("ASK {}")


def test_a_silent_remote_store_times_out_at_query_timeout_s() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        store = RemoteStore(f"http://127.0.0.1:{silent.getsockname()[1]}/query", timeout_s=1)
        with pytest.raises(Timeout, match="query_timeout_s = 1"):
            store.query("ASK {}")


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES (?x) { (<http://a>) } ?x ?p ?o }"),
    ("SELECT * { ?x ?p '{' }", "SELECT * { VALUES (?x) { (<http://a>) } ?x ?p '{' }"),
    ("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }",
     "CONSTRUCT { ?x ?p ?o } WHERE { VALUES (?x) { (<http://a>) } ?x ?p ?o }"),
    ("# a { comment\nASK { ?x ?p ?o FILTER(?x != <http://b>) }",
     "# a { comment\nASK { VALUES (?x) { (<http://a>) } ?x ?p ?o FILTER(?x != <http://b>) }"),
], ids=["select", "brace-in-string", "construct-template", "comment-and-filter"])
def test_bind_values(query: str, expected: str) -> None:
    assert bind_values(query, {"x": ox.NamedNode("http://a")}) == expected


def test_bind_values_refuses_what_it_cannot_bind() -> None:
    with pytest.raises(BadQuery, match="blank node"):
        bind_values("SELECT * WHERE { ?x ?p ?o }", {"x": ox.BlankNode()})
    with pytest.raises(BadQuery, match="WHERE"):
        bind_values("DESCRIBE ?x", {"x": ox.NamedNode("http://a")})
    literal = ox.Literal('say "}"', language="fr")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), literal))
    rows = list(store.query(bind_values("SELECT ?s WHERE { ?s ?p ?x }", {"x": literal})))
    assert [row["s"] for row in rows] == [ox.NamedNode("http://s")]


def test_serving_over_a_remote_store_has_no_reader_pool(seeded_remote: RemoteStore) -> None:
    from thc_graph.server import build_app, close_app

    app = build_app({"store": seeded_remote.query_url, "store_update_url": seeded_remote.update_url,
                     "query_timeout_s": "7"})
    try:
        assert "thc_reader_pool" not in app.extensions
        store = app.extensions["thc_store"]
        assert isinstance(store, RemoteStore) and store.timeout_s == 7
        response = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                                         headers={"Accept": "application/sparql-results+json"})
        assert response.get_json()["boolean"] is True
    finally:
        close_app(app)


def test_a_withdrawn_contribution_leaves_the_public_union_over_the_remote_store(empty_remote: RemoteStore) -> None:
    from thc_graph.namespaces import META_GRAPH

    contribution = "<https://w3id.org/thc/graph/contribution/test-1>"
    empty_remote.update(f"INSERT DATA {{ GRAPH {contribution} {{ <http://example.org/a> <http://example.org/p> 1 }} "
                        "GRAPH <https://w3id.org/thc/graph/seed> { <http://example.org/b> <http://example.org/p> 2 } }")
    query = "SELECT ?s WHERE { ?s <http://example.org/p> ?o }"
    assert {r["s"].value for r in empty_remote.select(query)} == {"http://example.org/a", "http://example.org/b"}
    withdrawn = '<http://www.w3.org/ns/prov#invalidatedAtTime> "2026-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
    empty_remote.update(f"INSERT DATA {{ GRAPH {META_GRAPH} {{ {contribution} {withdrawn} }} }}")
    assert {r["s"].value for r in empty_remote.select(query)} == {"http://example.org/b"}
    by_name = empty_remote.select(f"SELECT ?s WHERE {{ GRAPH {contribution} {{ ?s ?p ?o }} }}")
    assert [r["s"].value for r in by_name] == ["http://example.org/a"], "it stays queryable by name"

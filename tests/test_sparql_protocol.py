"""SPARQL 1.1 Protocol at /sparql (/query, /update): forms, statuses, negotiation, dataset, description, tokens."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from thc_graph import formats, ingest, sparql, tokens
from thc_graph.app import create_app
from thc_graph.errors import BadQuery
from thc_graph.store import Store

EX = "http://example.org/"
A, B = EX + "graph/a", EX + "graph/b"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
QUERY, UPDATE, FORM = "application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded"


def _triples(text: str) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)]


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Flask:
    for graph, text in ((A, f'<{EX}s> <{EX}p> "in a" .'), (B, f'<{EX}s> <{EX}p> "in b" . <{EX}t> <{EX}p> 2 .')):
        parsed = ingest.Parsed(graph, formats.RDF_BY_NAME["turtle"], _triples(text), "")
        ingest.ingest(store, [parsed], ox.NamedNode(graph), validate=False, title=graph)
    return create_app({"store": str(store.path), "tokens_file": str(tmp_path / "tokens.json")}, store=store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token(app: Flask) -> Callable[..., dict[str, str]]:
    """Authorization headers for a new token: token(admin=True) or token(graphs=[...])."""
    count = iter(range(1000))

    def make(**options: object) -> dict[str, str]:
        secret = tokens.create(app.config["THC_SETTINGS"], f"writer-{next(count)}", **options)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {secret}"}

    return make


def select(client: FlaskClient, query: str, **params: str) -> list[dict[str, str]]:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json["results"]["bindings"]]


# -- the three ways to send a query ----------------------------------------------------------------------------
ASK_B = f'ASK {{ <{EX}s> <{EX}p> "in b" }}'


@pytest.mark.parametrize("path", ["/sparql", "/query"])
@pytest.mark.parametrize("form", ["get", "post-form", "post-direct"])
def test_query_by_each_form(client: FlaskClient, form: str, path: str) -> None:
    if form == "get":
        response = client.get(path, query_string={"query": ASK_B})
    elif form == "post-form":
        response = client.post(path, data={"query": ASK_B})
    else:
        response = client.post(path, data=ASK_B, content_type=QUERY)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    assert response.json == {"head": {}, "boolean": True}


# -- statuses ---------------------------------------------------------------------------------------------------
BAD_REQUESTS = [
    ("two-queries", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, None, 400),
    ("query-and-update", "POST", "/sparql", "query=ASK%7B%7D&update=CLEAR%20ALL", FORM, 400),
    ("two-updates", "POST", "/sparql", "update=CLEAR%20ALL&update=CLEAR%20ALL", FORM, 400),
    ("missing-content-type", "POST", "/sparql", "query=ASK%7B%7D", None, 400),
    ("wrong-content-type", "POST", "/sparql", "ASK {}", "text/plain", 415),
    ("update-by-get", "GET", "/sparql?update=CLEAR%20ALL", None, None, 405),
    ("non-utf8-direct", "POST", "/sparql", "ASK {}".encode("utf-16"), QUERY, 400),
    ("non-utf8-charset", "POST", "/sparql", "ASK {}".encode("utf-16"), QUERY + "; charset=UTF-16", 400),
    ("non-utf8-form", "POST", "/sparql", b"query=ASK%20%7B%FF%7D", FORM, 400),
    ("non-utf8-url", "GET", "/sparql?query=ASK%20%7B%FF%7D", None, None, 400),
    ("syntax-error", "GET", "/sparql?query=SELECT%20*%20%7B%20%3Fs", None, None, 400),
    ("update-syntax-error", "POST", "/sparql", "INSERT DATA { <a> }", UPDATE, 400),
    ("post-without-query", "POST", "/sparql", "", FORM, 400),
    ("put", "PUT", "/sparql", "ASK {}", QUERY, 405),
    ("update-on-query-alias", "POST", "/query", "CLEAR ALL", UPDATE, 400),
    ("query-on-update-alias", "POST", "/update", "ASK {}", QUERY, 400),
    ("query-param-with-direct-post", "POST", "/sparql?query=ASK%7B%7D", "ASK {}", QUERY, 400),
    ("bad-default-graph-uri", "GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", None, None, 400),
    ("unknown-format", "GET", "/sparql?query=ASK%7B%7D&format=yaml", None, None, 406),
    ("nothing-acceptable", "GET", "/sparql?query=ASK%7B%7D", None, "accept:text/turtle", 406),
]


@pytest.mark.parametrize(("method", "path", "body", "content_type", "status"),
                         [case[1:] for case in BAD_REQUESTS], ids=[case[0] for case in BAD_REQUESTS])
def test_bad_requests(client: FlaskClient, token: Callable[..., dict[str, str]], method: str, path: str,
                      body: str | bytes | None, content_type: str | None, status: int) -> None:
    headers = token(admin=True)
    if content_type and content_type.startswith("accept:"):
        headers["Accept"], content_type = content_type[len("accept:"):], None
    if content_type:
        headers["Content-Type"] = content_type
    before = select(client, "SELECT * { GRAPH ?g { ?s ?p ?o } }")
    response = client.open(path, method=method, data=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.mimetype == "text/plain"
    assert response.text.strip()
    assert select(client, "SELECT * { GRAPH ?g { ?s ?p ?o } }") == before


def test_a_body_over_max_body_bytes_is_a_413(store: Store, tmp_path: Path) -> None:
    app = create_app({"store": str(store.path), "tokens_file": str(tmp_path / "t.json"), "max_body_bytes": 100},
                     store=store)
    response = app.test_client().post("/sparql", data="ASK {}" + " " * 200, content_type=QUERY)
    assert response.status_code == 413
    assert "max_body_bytes" in response.text


def test_a_syntax_error_names_line_and_column(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT *\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "line 2" in response.text and "column" in response.text


def test_a_failure_while_running_is_a_500(store: Store, tmp_path: Path) -> None:
    # port 1 is refused by the engine's HTTP client before any connection: a failure of execution, not of syntax
    # (loopback is refused by default: docs/sparql.md, "Federation"; this endpoint is allowed here)
    client = create_app({"store": str(store.path), "tokens_file": str(tmp_path / "t.json"),
                         "service_allow": "http://127.0.0.1:1/"}, store=store).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"})
    assert response.status_code == 500
    assert "port 1" in response.text


def test_an_update_that_fails_is_a_500_and_changes_nothing(client: FlaskClient, store: Store,
                                                         token: Callable[..., dict[str, str]]) -> None:
    before = dump_dataset_of(store)
    response = client.post("/sparql", data=f"INSERT DATA {{ <{EX}x> <{EX}y> 1 }} ; CREATE GRAPH <{A}>",
                           content_type=UPDATE, headers=token(admin=True))
    assert response.status_code == 500
    assert dump_dataset_of(store) == before


def dump_dataset_of(store: Store) -> bytes:
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.N_QUADS)
    return b"\n".join(sorted(out.getvalue().splitlines()))


# -- negotiation ------------------------------------------------------------------------------------------------
SELECT_TYPES = [
    (None, None, "application/sparql-results+json"),
    ("*/*", None, "application/sparql-results+json"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("text/csv", None, "text/csv"),
    ("text/tab-separated-values", None, "text/tab-separated-values"),
    ("text/*", None, "text/csv"),
    ("text/*;q=0.5, text/tab-separated-values", None, "text/tab-separated-values"),
    ("application/sparql-results+json;q=0.2, application/sparql-results+xml;q=0.9", None,
     "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0, */*;q=0.1", None, "application/sparql-results+xml"),
    ("application/json", None, "application/sparql-results+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, "application/sparql-results+xml"),
    ("text/csv", "json", "application/sparql-results+json"),
    (None, "tsv", "text/tab-separated-values"),
]


@pytest.mark.parametrize(("accept", "fmt", "media_type"), SELECT_TYPES)
def test_select_negotiation(client: FlaskClient, accept: str | None, fmt: str | None, media_type: str) -> None:
    params = {"query": f"SELECT ?o {{ ?s <{EX}p> ?o }} ORDER BY ?o"} | ({"format": fmt} if fmt else {})
    response = client.get("/sparql", query_string=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Content-Type"] == formats.negotiate(media_type, formats.RESULT_FORMATS).content_type
    assert response.headers["Vary"] == "Accept"
    if media_type == "text/csv":  # pyoxigraph does not read CSV results (lossy): count the lines
        assert response.text.count("\r\n") == 4
    else:
        results = formats.negotiate(media_type, formats.RESULT_FORMATS).results
        assert len(list(ox.parse_query_results(response.data, format=results))) == 3


@pytest.mark.parametrize("fmt", formats.RDF_ANSWER_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_graph_answers_in_every_rdf_format(client: FlaskClient, fmt: formats.Format, form: str) -> None:
    query = f"CONSTRUCT {{ <{EX}s> ?p ?o }} WHERE {{ <{EX}s> ?p ?o }}" if form == "CONSTRUCT" else f"DESCRIBE <{EX}s>"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type
    got = {(t.subject.value, t.predicate.value, t.object.value) for t in
           ox.parse(response.data, format=fmt.rdf)}
    assert got == {(EX + "s", EX + "p", "in a"), (EX + "s", EX + "p", "in b")}


def test_construct_defaults_to_turtle(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                          headers={"Accept": "*/*"})
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_ask_in_every_results_format(client: FlaskClient) -> None:
    for fmt in formats.RESULT_FORMATS:
        response = client.get("/sparql", query_string={"query": ASK_B, "format": fmt.name})
        assert response.headers["Content-Type"] == fmt.content_type
        if fmt.name in ("json", "xml"):
            assert bool(ox.parse_query_results(response.data, format=fmt.results)) is True


# -- dataset ----------------------------------------------------------------------------------------------------
def test_default_graph_is_the_union(client: FlaskClient) -> None:
    assert {r["o"] for r in select(client, f"SELECT ?o {{ <{EX}s> ?p ?o }}")} == {"in a", "in b"}


def test_from_is_honoured(client: FlaskClient) -> None:
    assert [r["o"] for r in select(client, f"SELECT ?o FROM <{A}> {{ ?s <{EX}p> ?o }}")] == ["in a"]


def test_the_protocol_dataset_wins_over_from(client: FlaskClient) -> None:
    rows = select(client, f"SELECT ?o FROM <{A}> {{ ?s <{EX}p> ?o }}", **{"default-graph-uri": B})
    assert {r["o"] for r in rows} == {"in b", "2"}


def test_repeated_graph_parameters(client: FlaskClient) -> None:
    response = client.get("/sparql?query=SELECT%20%3Fg%20%7B%20GRAPH%20%3Fg%20%7B%7D%20%7D"
                          f"&named-graph-uri={A}&named-graph-uri={B}")
    assert {b["g"]["value"] for b in response.json["results"]["bindings"]} == {A, B}
    response = client.get(f"/sparql?query=SELECT%20%3Fo%20%7B%3Fs%20%3Fp%20%3Fo%7D&default-graph-uri={A}"
                          f"&default-graph-uri={B}")
    assert len(response.json["results"]["bindings"]) == 3


def test_rows_are_capped_and_the_cap_is_said(store: Store, tmp_path: Path) -> None:
    app = create_app({"store": str(store.path), "tokens_file": str(tmp_path / "t.json"), "max_result_rows": 2},
                     store=store)
    store.update("INSERT DATA { " + " ".join(f"<{EX}n{i}> <{EX}p> {i} ." for i in range(5)) + " }")
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }", "format": "csv"})
    assert response.text.count("\r\n") == 3  # header and two rows
    assert response.headers["THC-Truncated"] == "max_result_rows = 2"
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 2"})
    assert "THC-Truncated" not in response.headers


def test_large_results_are_streamed_in_chunks() -> None:
    store = Store()
    store.update("INSERT DATA { " + " ".join(f"<{EX}n{i}> <{EX}p> \"{'x' * 50} {i}\" ." for i in range(3000))
                 + " }")
    answer = sparql.execute(store, sparql.QueryRequest("SELECT * { ?s ?p ?o }", format="tsv"))
    chunks = list(answer.chunks)
    assert len(chunks) > 1
    assert b"".join(chunks).count(b"\n") == 3001
    answer = sparql.execute(store, sparql.QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples"))
    assert sum(chunk.count(b"\n") for chunk in answer.chunks) == 3000


def test_a_client_that_stops_reading_stops_the_worker() -> None:
    store = Store()
    store.update("INSERT DATA { " + " ".join(f"<{EX}n{i}> <{EX}p> \"{'x' * 100}\" ." for i in range(20000)) + " }")
    answer = sparql.execute(store, sparql.QueryRequest("SELECT * { ?s ?p ?o }", format="xml"))
    next(answer.chunks)
    answer.chunks.close()  # type: ignore[attr-defined]
    workers = [t for t in threading.enumerate() if t.name == "sparql-query"]
    for worker in workers:
        worker.join(timeout=5)
    assert not any(w.is_alive() for w in workers)


def test_json_results_written_here_match_the_engines() -> None:
    """When rows are capped, results are written by sparql.serialise_solutions: same meaning as pyoxigraph's."""
    store = Store()
    store.update(f'INSERT DATA {{ <{EX}s> <{EX}p> "été"@fr, "1"^^<http://www.w3.org/2001/XMLSchema#integer>, '
                 f'_:b, "a,\\"b\\"\\n" }}')
    query = "SELECT ?s ?o ?none { ?s ?p ?o OPTIONAL { ?s <urn:x> ?none } } ORDER BY ?o"
    for fmt in formats.RESULT_FORMATS:
        ours = b"".join(sparql.execute(store, sparql.QueryRequest(query, format=fmt.name, max_rows=100)).chunks)
        theirs = store.query(query).serialize(format=fmt.results)
        if fmt.name == "csv":  # not readable back (lossy): compare the text
            assert ours.replace(b"_:", b"").split(b"\r\n")[0] == theirs.split(b"\r\n")[0]
            assert ours.count(b"\r\n") == theirs.count(b"\r\n")
            continue
        assert _rows(ours, fmt) == _rows(theirs, fmt), fmt.name


def _rows(data: bytes, fmt: formats.Format) -> list[list[tuple[str, str]]]:
    """Rows as (variable, term) pairs; blank nodes by kind only (their labels are the writer's choice)."""
    results = ox.parse_query_results(data, format=fmt.results)
    names = [v.value for v in results.variables]
    return [[(n, "_:" if isinstance(row[n], ox.BlankNode) else str(row[n])) for n in names if row[n] is not None]
            for row in results]


# -- service description ----------------------------------------------------------------------------------------
def _description(response_data: bytes) -> Graph:
    return Graph().parse(data=response_data, format="turtle")


def test_service_description(client: FlaskClient) -> None:
    response = client.get("/sparql", base_url="http://data.example:8080")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    graph = _description(response.data)
    service = graph.value(predicate=SD.endpoint, object=URIRef("http://data.example:8080/sparql"))
    assert service is not None
    assert SD.UnionDefaultGraph in set(graph.objects(service, SD.feature))
    assert {SD.SPARQL11Query, SD.SPARQL11Update} <= set(graph.objects(service, SD.supportedLanguage))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in set(graph.objects(service, SD.resultFormat))
    dataset = graph.value(service, SD.defaultDataset)
    names = {graph.value(n, SD.name) for n in graph.objects(dataset, SD.namedGraph)}
    assert names == {URIRef(A), URIRef(B)}


def test_service_description_behind_a_proxy(store: Store, tmp_path: Path) -> None:
    app = create_app({"store": str(store.path), "tokens_file": str(tmp_path / "t.json"),
                      "public_url": "https://thc.example.org/"}, store=store)
    graph = _description(app.test_client().get("/sparql").data)
    assert (None, SD.endpoint, URIRef("https://thc.example.org/sparql")) in graph


def test_service_description_in_another_format(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert response.headers["Content-Type"] == "application/n-triples"
    turtle = _description(client.get("/sparql").data)
    assert isomorphic(Graph().parse(data=response.data, format="nt"), turtle)


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options("/sparql", headers={"Origin": "https://yasgui.example",
                                                  "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert client.post("/sparql", data={"query": "ASK {}"}).headers["Access-Control-Allow-Origin"] == "*"


# -- updates, tokens and scopes ---------------------------------------------------------------------------------
INSERT_A = f'INSERT DATA {{ GRAPH <{A}> {{ <{EX}new> <{EX}p> "new" }} }}'


@pytest.mark.parametrize("form", ["post-form", "post-direct", "update-alias"])
def test_update_with_an_admin_token(client: FlaskClient, token: Callable[..., dict[str, str]], form: str) -> None:
    headers = token(admin=True)
    if form == "post-form":
        response = client.post("/sparql", data={"update": INSERT_A}, headers=headers)
    else:
        response = client.post("/update" if form == "update-alias" else "/sparql", data=INSERT_A,
                               content_type=UPDATE, headers=headers)
    assert response.status_code == 204
    assert select(client, f"SELECT ?o {{ <{EX}new> ?p ?o }}") == [{"o": "new"}]


@pytest.mark.parametrize(("header", "status"), [
    (None, 401), ("Bearer", 401), ("Bearer not-a-token", 401), ("Basic dXNlcjpwYXNz", 401),
])
def test_updates_need_a_token(client: FlaskClient, store: Store, header: str | None, status: int) -> None:
    before = dump_dataset_of(store)
    response = client.post("/sparql", data=INSERT_A, content_type=UPDATE,
                           headers={"Authorization": header} if header else {})
    assert response.status_code == status
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert dump_dataset_of(store) == before


def test_a_revoked_token_is_refused(app: Flask, client: FlaskClient, token: Callable[..., dict[str, str]]) -> None:
    headers = token(admin=True)
    tokens.revoke(app.config["THC_SETTINGS"], "writer-0")
    assert client.post("/sparql", data=INSERT_A, content_type=UPDATE, headers=headers).status_code == 401


SCOPED_UPDATES = [
    ("own-graph-data", INSERT_A, 204),
    ("own-graph-prefixed", f"PREFIX g: <{EX}graph/> INSERT DATA {{ GRAPH g:a {{ <{EX}x> <{EX}p> 1 }} }}", 204),
    ("own-graph-with", f"WITH <{A}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", 204),
    ("own-graph-drop", f"DROP GRAPH <{A}>", 204),
    ("own-graph-delete-where", f"DELETE WHERE {{ GRAPH <{A}> {{ ?s ?p ?o }} }}", 204),
    ("own-graph-copy-from-other", f"COPY <{B}> TO <{A}>", 204),
    ("other-graph", f'INSERT DATA {{ GRAPH <{B}> {{ <{EX}x> <{EX}p> 1 }} }}', 403),
    ("default-graph", f"INSERT DATA {{ <{EX}x> <{EX}p> 1 }}", 403),
    ("variable-graph", "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }", 403),
    ("clear-all", "CLEAR ALL", 403),
    ("drop-default", "DROP DEFAULT", 403),
    ("move-other-into-own", f"MOVE <{B}> TO <{A}>", 403),
    ("one-allowed-one-not", f"{INSERT_A} ; DROP GRAPH <{B}>", 403),
    ("load-into-default", "LOAD <http://example.org/data.ttl>", 403),
    ("load-into-own-graph", f"LOAD <http://127.0.0.1:1/data.ttl> INTO GRAPH <{A}>", 403),
    ("without-with-template-outside-graph", f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{A}> {{ ?s ?p ?o }} }}", 403),
]


@pytest.mark.parametrize(("update", "status"), [c[1:] for c in SCOPED_UPDATES], ids=[c[0] for c in SCOPED_UPDATES])
def test_a_scoped_token_writes_only_its_graphs(client: FlaskClient, store: Store, token: Callable[..., dict[str, str]],
                                               update: str, status: int) -> None:
    before = dump_dataset_of(store)
    response = client.post("/sparql", data=update, content_type=UPDATE, headers=token(graphs=[A]))
    assert response.status_code == status, response.text
    if status == 403:
        assert dump_dataset_of(store) == before
        assert "may not write" in response.text
    else:
        assert dump_dataset_of(store) != before


def test_using_graph_uri_sets_the_update_dataset(client: FlaskClient, token: Callable[..., dict[str, str]]) -> None:
    update = f"INSERT {{ GRAPH <{A}> {{ ?s <{EX}copied> ?o }} }} WHERE {{ ?s <{EX}p> ?o }}"
    response = client.post(f"/sparql?using-graph-uri={B}", data=update, content_type=UPDATE,
                           headers=token(admin=True))
    assert response.status_code == 204
    assert {r["o"] for r in select(client, f"SELECT ?o {{ ?s <{EX}copied> ?o }}")} == {"in b", "2"}


def test_using_graph_uri_conflicts_with_using(client: FlaskClient, token: Callable[..., dict[str, str]]) -> None:
    update = f"INSERT {{ GRAPH <{A}> {{ ?s ?p ?o }} }} USING <{B}> WHERE {{ ?s ?p ?o }}"
    response = client.post(f"/sparql?using-graph-uri={B}", data=update, content_type=UPDATE,
                           headers=token(admin=True))
    assert response.status_code == 400
    assert "USING" in response.text


def test_relative_iris_in_an_update_resolve_against_the_endpoint(client: FlaskClient,
                                                                 token: Callable[..., dict[str, str]]) -> None:
    response = client.post("/sparql", data=f"INSERT DATA {{ GRAPH <{A}> {{ <rel> <{EX}p> 1 }} }}",
                           content_type=UPDATE, headers=token(admin=True), base_url="http://data.example")
    assert response.status_code == 204
    assert select(client, f"SELECT ?s {{ ?s <{EX}p> 1 }}") == [{"s": "http://data.example/sparql"[:-6] + "rel"}]


def test_concurrent_writers_never_interleave(client: FlaskClient, app: Flask,
                                             token: Callable[..., dict[str, str]]) -> None:
    """Read-modify-write updates from many threads: with writes serialised, no increment is lost."""
    headers = token(admin=True)
    counter = f"<{EX}counter>"
    client.post("/sparql", data=f"INSERT DATA {{ GRAPH <{A}> {{ {counter} <{EX}n> 0 }} }}", content_type=UPDATE,
                headers=headers)
    increment = (f"DELETE {{ GRAPH <{A}> {{ {counter} <{EX}n> ?n }} }} "
                 f"INSERT {{ GRAPH <{A}> {{ {counter} <{EX}n> ?m }} }}"
                 f" WHERE {{ GRAPH <{A}> {{ {counter} <{EX}n> ?n }} BIND(?n + 1 AS ?m) }}")
    statuses: list[int] = []

    def work() -> None:
        local = app.test_client()
        for _ in range(10):
            statuses.append(local.post("/sparql", data=increment, content_type=UPDATE, headers=headers).status_code)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) == {204}
    assert select(client, f"SELECT ?n {{ {counter} <{EX}n> ?n }}") == [{"n": "80"}]


# -- the core, without HTTP --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("update", "writes"), [
    (f"INSERT DATA {{ GRAPH <{A}> {{ <{EX}s> <{EX}p> 1 }} }}", {A}),
    (f"INSERT DATA {{ <{EX}s> <{EX}p> 1 }}", {None}),
    (f"# GRAPH <{B}>\nINSERT DATA {{ GRAPH <{A}> {{ <{EX}s> <{EX}p> 'GRAPH <{B}> {{' }} }}", {A}),
    (f"BASE <{EX}> INSERT DATA {{ GRAPH <graph/a> {{ <s> <p> 1 }} }}", {A}),
    (f"LOAD <{EX}doc> INTO GRAPH <{A}>", {A, None}),
    (f"CREATE SILENT GRAPH <{A}> ; CLEAR GRAPH <{B}>", {A, B}),
    (f"ADD <{A}> TO DEFAULT", {None}),
    (f"MOVE DEFAULT TO <{A}>", {None, A}),
    ("PREFIX x: <http://example.org/> INSERT DATA { GRAPH y:a { x:s x:p 1 } }", {None}),
    ("SELECT * {}", {None}),
])
def test_update_writes(update: str, writes: set[str | None]) -> None:
    assert sparql.update_writes(update) == writes


def test_query_form_ignores_comments_strings_and_subqueries() -> None:
    assert sparql.query_form('# SELECT\nPREFIX : <urn:x#> CONSTRUCT { ?s :p "SELECT" } WHERE { { SELECT ?s {} } }') \
        == "CONSTRUCT"
    assert sparql.query_form("BASE <urn:x> ASK {}") == "ASK"
    assert not sparql.has_dataset_clause('SELECT * { ?s ?p "FROM <x>" }')
    assert sparql.has_dataset_clause("SELECT * FROM NAMED <urn:a> { }")


def test_a_syntax_error_in_the_core_is_bad_query() -> None:
    with pytest.raises(BadQuery, match="line 1"):
        sparql.execute(Store(), sparql.QueryRequest("SELECT * WHERE {"))


def test_the_core_does_not_import_flask(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import sys, thc_graph.sparql; assert 'flask' not in sys.modules, 'flask was imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

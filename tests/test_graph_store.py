"""Graph Store Protocol at /rdf-graph-store: indirect and direct identification, every method, tokens and scopes."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.compare import isomorphic

from thc_graph import formats, tokens
from thc_graph.app import create_app
from thc_graph.namespaces import DCAT, META_GRAPH
from thc_graph.store import Store

EX = "http://example.org/"
G = EX + "graph/g"
TTL = f'@prefix ex: <{EX}> . ex:s ex:p "one" ; ex:q [ ex:r 2 ] .'
MORE = f'<{EX}s> <{EX}p> "two" .'


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Flask:
    return create_app({"store": str(store.path), "tokens_file": str(tmp_path / "tokens.json")}, store=store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin(app: Flask) -> dict[str, str]:
    return {"Authorization": "Bearer " + tokens.create(app.config["THC_SETTINGS"], "root", admin=True)}


@pytest.fixture
def scoped(app: Flask) -> Callable[[list[str]], dict[str, str]]:
    def make(graphs: list[str]) -> dict[str, str]:
        secret = tokens.create(app.config["THC_SETTINGS"], "assoc", graphs=graphs)
        return {"Authorization": "Bearer " + secret}

    return make


def dump(store: Store) -> bytes:
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.N_QUADS)
    return b"\n".join(sorted(out.getvalue().splitlines()))


def put(client: FlaskClient, headers: dict[str, str], url: str = f"/rdf-graph-store?graph={G}", body: str = TTL,
        content_type: str = "text/turtle") -> int:
    return client.put(url, data=body, content_type=content_type, headers=headers).status_code


def graph_of(response_data: bytes, fmt: str = "turtle") -> Graph:
    return Graph().parse(data=response_data, format=fmt)


def test_put_get_head_delete(client: FlaskClient, admin: dict[str, str], store: Store) -> None:
    assert put(client, admin) == 201
    response = client.get(f"/rdf-graph-store?graph={G}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert isomorphic(graph_of(response.data), graph_of(TTL.encode()))
    head = client.head(f"/rdf-graph-store?graph={G}")
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Type"].startswith("text/turtle")
    assert put(client, admin, body=MORE) == 204  # replaces
    assert isomorphic(graph_of(client.get(f"/rdf-graph-store?graph={G}").data), graph_of(MORE.encode()))
    assert client.delete(f"/rdf-graph-store?graph={G}", headers=admin).status_code == 204
    assert client.get(f"/rdf-graph-store?graph={G}").status_code == 404
    assert client.head(f"/rdf-graph-store?graph={G}").status_code == 404
    assert client.delete(f"/rdf-graph-store?graph={G}", headers=admin).status_code == 404


def test_put_describes_the_graph_in_meta(client: FlaskClient, admin: dict[str, str], store: Store) -> None:
    put(client, admin)
    assert list(store.quads(ox.NamedNode(G), None, DCAT.Dataset, META_GRAPH))
    client.delete(f"/rdf-graph-store?graph={G}", headers=admin)
    assert not list(store.quads(ox.NamedNode(G), None, None, META_GRAPH))


def test_post_merges(client: FlaskClient, admin: dict[str, str]) -> None:
    assert client.post(f"/rdf-graph-store?graph={G}", data=TTL, content_type="text/turtle",
                       headers=admin).status_code == 201
    assert client.post(f"/rdf-graph-store?graph={G}", data=MORE, content_type="application/n-triples",
                       headers=admin).status_code == 204
    got = graph_of(client.get(f"/rdf-graph-store?graph={G}").data)
    assert isomorphic(got, graph_of((TTL + "\n" + MORE).encode()))


def test_post_multipart(client: FlaskClient, admin: dict[str, str]) -> None:
    data = {"one": (io.BytesIO(TTL.encode()), "one.ttl", "text/turtle"),
            "two": (io.BytesIO(MORE.encode()), "two.nt", "application/octet-stream")}
    response = client.post(f"/rdf-graph-store?graph={G}", data=data, content_type="multipart/form-data",
                           headers=admin)
    assert response.status_code == 201
    assert isomorphic(graph_of(client.get(f"/rdf-graph-store?graph={G}").data),
                      graph_of((TTL + "\n" + MORE).encode()))


def test_post_to_the_store_creates_a_graph(client: FlaskClient, admin: dict[str, str]) -> None:
    response = client.post("/rdf-graph-store", data=TTL, content_type="text/turtle", headers=admin,
                           base_url="http://data.example")
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith("http://data.example/rdf-graph-store/")
    assert client.get("/rdf-graph-store", query_string={"graph": location}).status_code == 200
    direct = client.get(location[len("http://data.example"):], base_url="http://data.example")
    assert isomorphic(graph_of(direct.data), graph_of(TTL.encode()))


def test_direct_identification(client: FlaskClient, admin: dict[str, str]) -> None:
    url = "/rdf-graph-store/people/1.ttl"
    assert client.put(url, data=TTL, content_type="text/turtle", headers=admin,
                      base_url="http://data.example").status_code == 201
    graph = "http://data.example/rdf-graph-store/people/1.ttl"
    assert client.get("/rdf-graph-store", query_string={"graph": graph}).status_code == 200
    assert client.get(url, base_url="http://data.example").status_code == 200
    assert client.get(url, base_url="http://other.example").status_code == 404


def test_direct_identification_behind_a_proxy(store: Store, tmp_path: Path) -> None:
    app = create_app({"store": str(store.path), "tokens_file": str(tmp_path / "t.json"),
                      "public_url": "https://thc.example.org"}, store=store)
    headers = {"Authorization": "Bearer " + tokens.create(app.config["THC_SETTINGS"], "root", admin=True)}
    client = app.test_client()
    assert client.put("/rdf-graph-store/x", data=TTL, content_type="text/turtle", headers=headers).status_code == 201
    assert store.has_graph(ox.NamedNode("https://thc.example.org/rdf-graph-store/x"))


def test_the_default_graph(client: FlaskClient, admin: dict[str, str], store: Store) -> None:
    assert client.get("/rdf-graph-store?default").status_code == 200  # always exists, maybe empty
    assert put(client, admin, url="/rdf-graph-store?default") == 204
    assert isomorphic(graph_of(client.get("/rdf-graph-store?default").data), graph_of(TTL.encode()))
    assert len(list(store.quads(None, None, None, ox.DefaultGraph()))) == 3
    assert client.delete("/rdf-graph-store?default", headers=admin).status_code == 204
    assert not list(store.quads(None, None, None, ox.DefaultGraph()))


@pytest.mark.parametrize("fmt", formats.RDF_ANSWER_FORMATS, ids=lambda f: f.name)
def test_get_in_every_format(client: FlaskClient, admin: dict[str, str], fmt: formats.Format) -> None:
    put(client, admin)
    response = client.get(f"/rdf-graph-store?graph={G}", headers={"Accept": fmt.media_type})
    assert response.headers["Content-Type"] == fmt.content_type
    parsed = ox.Dataset(ox.parse(response.data, format=fmt.rdf))
    assert len(parsed) == 3


@pytest.mark.parametrize("fmt", formats.RDF_ANSWER_FORMATS, ids=lambda f: f.name)
def test_put_in_every_format(client: FlaskClient, admin: dict[str, str], fmt: formats.Format) -> None:
    body = ox.serialize([ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("x"))]
                        if fmt.is_dataset else [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"),
                                                          ox.Literal("x"))], None, fmt.rdf)
    assert put(client, admin, body=body, content_type=fmt.media_type) == 201
    assert b'"x"' in client.get(f"/rdf-graph-store?graph={G}", headers={"Accept": "application/n-triples"}).data


BAD = [
    ("no-graph-named", "GET", "/rdf-graph-store", None, None, 400),
    ("graph-and-default", "GET", f"/rdf-graph-store?graph={G}&default", None, None, 400),
    ("relative-graph", "GET", "/rdf-graph-store?graph=not-an-iri", None, None, 400),
    ("direct-and-indirect", "GET", f"/rdf-graph-store/x?graph={G}", None, None, 400),
    ("missing-graph", "GET", f"/rdf-graph-store?graph={G}/missing", None, None, 404),
    ("not-acceptable", "GET", "/rdf-graph-store?default", None, "accept:application/sparql-results+json", 406),
    ("syntax-error", "PUT", f"/rdf-graph-store?graph={G}", "<a> <b> .", "text/turtle", 400),
    ("unknown-media-type", "PUT", f"/rdf-graph-store?graph={G}", TTL, "text/plain-ish", 415),
    ("no-media-type", "PUT", f"/rdf-graph-store?graph={G}", TTL, None, 400),
    ("patch", "PATCH", f"/rdf-graph-store?graph={G}", TTL, "text/turtle", 405),
]


@pytest.mark.parametrize(("method", "url", "body", "content_type", "status"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_requests(client: FlaskClient, admin: dict[str, str], store: Store, method: str, url: str,
                      body: str | None, content_type: str | None, status: int) -> None:
    put(client, admin)
    before = dump(store)
    headers = dict(admin)
    if content_type and content_type.startswith("accept:"):
        headers["Accept"], content_type = content_type[len("accept:"):], None
    if content_type:
        headers["Content-Type"] = content_type
    response = client.open(url, method=method, data=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.text.strip() if method != "HEAD" else True
    assert dump(store) == before


def test_a_syntax_error_says_where(client: FlaskClient, admin: dict[str, str]) -> None:
    response = client.put(f"/rdf-graph-store?graph={G}", data=f"<{EX}a> <{EX}b> .\n", content_type="text/turtle",
                          headers=admin)
    assert response.status_code == 400
    assert "line 1" in response.text


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_writes_need_a_token(client: FlaskClient, admin: dict[str, str], store: Store, method: str) -> None:
    put(client, admin)
    before = dump(store)
    response = client.open(f"/rdf-graph-store?graph={G}", method=method, data=MORE,
                           content_type="application/n-triples")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.open(f"/rdf-graph-store?graph={G}", method=method, data=MORE,
                           content_type="application/n-triples", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert dump(store) == before


@pytest.mark.parametrize(("url", "status"), [
    (f"/rdf-graph-store?graph={G}", 201),
    (f"/rdf-graph-store?graph={EX}graph/other", 403),
    ("/rdf-graph-store?default", 403),
    ("/rdf-graph-store", 403),
])
def test_a_scoped_token_writes_only_its_graphs(client: FlaskClient, scoped: Callable[[list[str]], dict[str, str]],
                                               store: Store, url: str, status: int) -> None:
    headers = scoped([G])
    before = dump(store)
    response = client.post(url, data=MORE, content_type="application/n-triples", headers=headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert dump(store) == before
        assert client.delete(url, headers=headers).status_code in (403, 400)
    else:
        assert client.delete(url, headers=headers).status_code == 204


def test_cors_on_reads_only(client: FlaskClient, admin: dict[str, str]) -> None:
    assert client.options("/rdf-graph-store").headers["Access-Control-Allow-Origin"] == "*"
    response = client.put(f"/rdf-graph-store?graph={G}", data=TTL, content_type="text/turtle", headers=admin)
    assert "Access-Control-Allow-Origin" not in response.headers

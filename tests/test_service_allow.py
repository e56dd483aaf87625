"""SERVICE allow-list (SSRF): the endpoints a query's SERVICE makes the server call are checked before it runs,
read with a real SPARQL parser (prefixed names, BASE, comments, strings); the setting service_allow lists the IRI
prefixes allowed, and without it only public http(s) hosts are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from thc_graph import sparql, tokens
from thc_graph.app import create_app
from thc_graph.errors import ConfigError
from thc_graph.settings import Settings
from thc_graph.store import Store

from .servers import oxigraph_serve

OTHER = Path(__file__).parent / "data" / "federation" / "other-platform.ttl"
JSON = {"Accept": "application/sparql-results+json"}
INNER = "{ ?s ?p ?o }"


def make_app(store: Store, tmp_path: Path, **overrides: str) -> Flask:
    return create_app({"store": str(store.path), "tokens_file": str(tmp_path / "tokens.json"), **overrides},
                      store=store)


@pytest.fixture
def client(seed_store: Store, tmp_path: Path) -> FlaskClient:
    return make_app(seed_store, tmp_path).test_client()


def ask(client: FlaskClient, query: str) -> tuple[int, str]:
    response = client.post("/sparql", data={"query": query}, headers=JSON)
    return response.status_code, response.get_data(as_text=True)


# -- the default rule: public http(s) hosts only ---------------------------------------------------------------------
REFUSED = {
    "loopback": ("http://127.0.0.1:7878/query", "loopback"),
    "loopback-elsewhere-in-127": ("http://127.10.20.30/sparql", "loopback"),
    "localhost": ("http://localhost:5000/sparql", "loopback"),
    "ipv6-loopback": ("http://[::1]:7878/query", "loopback"),
    "ipv4-mapped-loopback": ("http://[::ffff:127.0.0.1]/sparql", "loopback"),
    "private-10": ("http://10.1.2.3/sparql", "private"),
    "private-192-168": ("http://192.168.1.10:8080/sparql", "private"),
    "private-172-16": ("https://172.16.5.4/sparql", "private"),
    "link-local-metadata": ("http://169.254.169.254/latest/meta-data/", "link-local"),
    "ipv6-link-local": ("http://[fe80::1]/sparql", "link-local"),
    "unspecified": ("http://0.0.0.0:7878/query", "address"),
    "unresolvable": ("http://no-such-host.invalid/sparql", "does not resolve"),
    "not-http": ("ftp://example.org/sparql", "only http(s)"),
}


@pytest.mark.parametrize(("iri", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_service_to_a_host_that_is_not_public_is_refused_naming_it_and_the_setting(client: FlaskClient, iri: str,
                                                                                   reason: str) -> None:
    status, text = ask(client, f"SELECT * WHERE {{ SERVICE <{iri}> {INNER} }}")
    assert status == 400, text
    assert f"SERVICE <{iri}> is not allowed" in text
    assert reason in text
    assert "service_allow" in text and "THC_SERVICE_ALLOW" in text


@pytest.mark.parametrize("iri", ["http://8.8.8.8/sparql", "https://[2001:4860:4860::8888]/sparql"])
def test_a_public_address_passes_the_default_rule(iri: str) -> None:
    assert sparql.service_refusal(iri, ()) is None  # an address, not a name: nothing is resolved, nothing called


# -- the parser, not a regular expression ----------------------------------------------------------------------------
CAUGHT = {
    "prefixed-name": ("PREFIX ex: <http://127.0.0.1:7878/> SELECT * WHERE { SERVICE ex:query " + INNER + " }",
                      "http://127.0.0.1:7878/query"),
    "default-prefix": ("PREFIX : <http://10.0.0.7/> SELECT * WHERE { SERVICE SILENT :sparql " + INNER + " }",
                       "http://10.0.0.7/sparql"),
    "base-relative": ("BASE <http://192.168.0.9/data/> SELECT * WHERE { SERVICE <../sparql> " + INNER + " }",
                      "http://192.168.0.9/sparql"),
    "prefix-relative-to-base": ("BASE <http://169.254.169.254/> PREFIX m: <latest/> "
                                "SELECT * WHERE { SERVICE m:meta-data " + INNER + " }",
                                "http://169.254.169.254/latest/meta-data"),
    "relative-to-the-endpoint": ("SELECT * WHERE { SERVICE <other> " + INNER + " }", "http://localhost/other"),
    "unicode-escape-in-the-iri": ("SELECT * WHERE { SERVICE <http://\\u0031\\u0032\\u0037.0.0.1/> " + INNER + " }",
                                  "http://127.0.0.1/"),
    "lower-case-keyword-after-a-comment": ("SELECT * WHERE { # SERVICE <https://example.org/>\n"
                                           "  service <http://[::1]/q> " + INNER + " }", "http://[::1]/q"),
    "after-a-hash-in-an-iri-on-the-same-line": ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT * WHERE "
                                                "{ ?c rdfs:label ?l SERVICE <http://127.0.0.1:7878/query> "
                                                + INNER + " }", "http://127.0.0.1:7878/query"),
    "nested-in-optional-and-subquery": ("SELECT * WHERE { OPTIONAL { { SELECT ?s WHERE { SERVICE <http://10.9.9.9/> "
                                        + INNER + " } } } }", "http://10.9.9.9/"),
}


@pytest.mark.parametrize(("query", "iri"), CAUGHT.values(), ids=CAUGHT.keys())
def test_the_endpoint_is_read_as_the_engine_reads_it(client: FlaskClient, query: str, iri: str) -> None:
    status, text = ask(client, query)
    assert status == 400, text
    assert f"SERVICE <{iri}> is not allowed" in text


def test_a_query_with_service_that_cannot_be_read_is_refused(client: FlaskClient) -> None:
    status, text = ask(client, "SELECT * WHERE { SERVICE <http://8.8.8.8/sparql> { ?s ?p ?o } ")  # no closing brace
    assert status == 400
    assert "uses SERVICE but could not be read" in text


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <http://127.0.0.1/> } SERVICE SILENT ?e { ?s ?p ?o } }",
], ids=["variable", "silent-variable-bound-by-values"])
def test_service_with_a_variable_is_refused(client: FlaskClient, query: str) -> None:
    status, text = ask(client, query)
    assert status == 400, text
    assert "SERVICE with a variable" in text and "service_allow" in text


def test_service_in_strings_comments_and_names_is_not_a_service_call(client: FlaskClient) -> None:
    query = ('PREFIX service: <https://w3id.org/thc/ontology#> '
             'SELECT ("SERVICE <http://127.0.0.1/>" AS ?text) WHERE { # SERVICE <http://10.0.0.1/>\n'
             '  ?c a <http://www.w3.org/2002/07/owl#Class> . OPTIONAL { ?c service:service ?x } } LIMIT 1')
    status, text = ask(client, query)
    assert status == 200, text


def test_a_query_without_service_is_not_parsed_again(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import rdflib.plugins.sparql.parser as rdflib_parser

    def refuse(*args: object) -> None:
        raise AssertionError("rdflib parsed a query that does not say service")

    monkeypatch.setattr(rdflib_parser, "parseQuery", refuse)
    status, text = ask(client, "SELECT (COUNT(*) AS ?n) WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> }")
    assert status == 200, text
    with pytest.raises(AssertionError, match="rdflib parsed"):
        sparql.service_iris("SELECT * WHERE { SERVICE <http://8.8.8.8/> { ?s ?p ?o } }")


def test_an_update_whose_where_calls_service_is_refused(seed_store: Store, tmp_path: Path) -> None:
    app = make_app(seed_store, tmp_path)
    admin = {"Authorization": "Bearer " + tokens.create(app.config["THC_SETTINGS"], "root", admin=True)}
    generation = seed_store.changes.generation
    update = ("INSERT { GRAPH <https://w3id.org/thc/graph/test/x> { ?s ?p ?o } } "
              "WHERE { SERVICE <http://192.168.1.1/sparql> { ?s ?p ?o } }")
    response = app.test_client().post("/sparql", data={"update": update}, headers=admin)
    assert response.status_code == 400
    assert "SERVICE <http://192.168.1.1/sparql> is not allowed" in response.get_data(as_text=True)
    assert seed_store.changes.generation == generation  # nothing was written


# -- service_allow: the prefixes allowed -----------------------------------------------------------------------------
def test_service_allow_reads_spaces_and_commas_and_refuses_what_is_not_an_http_prefix() -> None:
    settings = Settings(environ={"THC_SERVICE_ALLOW": "https://query.wikidata.org/sparql, http://127.0.0.1:7878/ "})
    assert settings.service_allow == ("https://query.wikidata.org/sparql", "http://127.0.0.1:7878/")
    assert Settings(environ={}).service_allow == ()
    with pytest.raises(ConfigError, match="THC_SERVICE_ALLOW"):
        Settings(environ={"THC_SERVICE_ALLOW": "file:///etc/passwd"})


@pytest.mark.parametrize(("iri", "allowed"), [
    ("https://endpoint.example.org/sparql", True),
    ("https://endpoint.example.org/sparql?default-graph-uri=x", True),
    ("https://endpoint.example.org.evil.net/sparql", False),
    ("https://endpoint.example.org@10.0.0.1/sparql", False),
    ("https://other.example.org/sparql", False),
    ("http://endpoint.example.org/sparql", False),
    (None, False),
])
def test_an_allowed_prefix_names_its_host(iri: str | None, allowed: bool) -> None:
    refusal = sparql.service_refusal(iri, ("https://endpoint.example.org",))
    assert (refusal is None) == allowed, refusal
    if not allowed and iri is not None:
        assert "service_allow" in refusal and "https://endpoint.example.org" in refusal  # type: ignore[operator]


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another platform: `oxigraph serve` holding other data (tests/data/federation); yields its query URL."""
    with oxigraph_serve(tmp_path_factory.mktemp("other") / "oxigraph", files=(OTHER,)) as base:
        yield f"{base}/query"


@pytest.mark.server
def test_an_allowed_endpoint_is_called_and_another_on_the_same_host_is_not(seed_store: Store, tmp_path: Path,
                                                                          other: str) -> None:
    client = make_app(seed_store, tmp_path, service_allow=other).test_client()
    # a "#" in an IRI before SERVICE on the same line (rdflib's parser needs help there, see sparql.service_iris)
    query = ("SELECT ?stars WHERE { BIND(<http://www.w3.org/2000/01/rdf-schema#label> AS ?p) "
             "SERVICE <%s> { ?review <http://example.org/other/stars> ?stars } }")
    response = client.post("/sparql", data={"query": query % other}, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    stars = {b["stars"]["value"] for b in response.get_json(force=True)["results"]["bindings"]}
    assert {"4", "5"} <= stars
    elsewhere = other.replace("/query", "/store")
    status, text = ask(client, query % elsewhere)
    assert status == 400 and f"SERVICE <{elsewhere}> is not allowed" in text and other in text
    # the same endpoint is refused by the default rule (loopback) when service_allow is not set
    status, text = ask(make_app(seed_store, tmp_path).test_client(), query % other)
    assert status == 400 and "loopback" in text


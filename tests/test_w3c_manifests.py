"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test suites, read from their manifests, run over a socket.

The manifests are ../shared/w3c-sparql (copied unchanged from w3c/rdf-tests). Each test gets a fresh store and a
real server on 127.0.0.1; its requests are sent as the manifest writes them (method, path, headers, body in its
declared encoding, Host from ht:connectionAuthority), with two changes a runner must make: the manifest's
`/sparql/` and `/gsp` prefixes become our `/sparql` and `/rdf-graph-store`, and every request carries an admin
token's `Authorization: Bearer` header, because writes here need a token (docs/sparql.md). $LOCATION$ templates
are filled from the Location header of the response that declares them (mf:expectedLocation).
"""

from __future__ import annotations

import http.client
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.term import Node

from thc_graph import tokens
from thc_graph.app import create_app
from thc_graph.store import Store

from .live import serve

W3C = Path(__file__).parents[2] / "shared" / "w3c-sparql"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
PATHS = (("/sparql/", "/sparql"), ("/gsp", "/rdf-graph-store"))
STATUS_NAMES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404, "BadRequest": 400}

pytestmark = pytest.mark.server


@dataclass
class Expected:
    statuses: list[str]
    format: str | None = None
    boolean: bool | None = None
    content_type: str | None = None
    body: str | None = None
    location_variable: str | None = None


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected: Expected


@dataclass
class Case:
    name: str
    authority: str
    steps: list[Step]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)


def _list(graph: Graph, node: Node | None) -> list[Node]:
    return list(Collection(graph, node)) if node is not None else []


def _body(graph: Graph, node: Node | None) -> tuple[str, str] | None:
    if node is None:
        return None
    chars = graph.value(node, CNT.chars)
    encoding = graph.value(node, CNT.characterEncoding) or "UTF-8"
    return str(chars), str(encoding)


def read_manifest(path: Path) -> list[Case]:
    """Every test of a manifest (and of the manifests it includes), in file order of their mf:entries."""
    graph = Graph().parse(path, format="turtle")
    cases: list[Case] = []
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    for included in _list(graph, graph.value(manifest, MF.include)):
        cases += read_manifest(Path(urlsplit(str(included)).path))
    listed = _list(graph, graph.value(manifest, MF.entries))
    typed = [t for kind in (MF.ProtocolTest, MF.GraphStoreProtocolTest) for t in graph.subjects(RDF.type, kind)]
    for test in listed + sorted(set(typed) - set(listed)):  # tests defined but left out of mf:entries run too
        action = graph.value(test, MF.action)
        steps = []
        for request in _list(graph, graph.value(action, HT.requests)):
            headers = {str(graph.value(h, HT.fieldName)).lower(): str(graph.value(h, HT.fieldValue))
                       for h in _list(graph, graph.value(request, HT.headers))}
            body = _body(graph, graph.value(request, HT.body))
            resp = graph.value(request, HT.resp)
            resp_headers = {str(graph.value(h, HT.fieldName)).lower(): str(graph.value(h, HT.fieldValue))
                            for h in _list(graph, graph.value(resp, HT.headers))}
            expected_body = _body(graph, graph.value(resp, HT.body))
            boolean = graph.value(resp, MF.expectedBoolean)
            location = graph.value(resp, MF.expectedLocation)
            steps.append(Step(
                method=str(graph.value(request, HT.methodName)),
                path=str(graph.value(request, HT.absolutePath)),
                headers=headers,
                body=body[0].encode(body[1]) if body else None,
                expected=Expected(
                    statuses=[str(s).rsplit("#", 1)[-1] for s in graph.objects(resp, MF.expectedStatus)],
                    format=str(graph.value(resp, MF.expectedFormat) or "") or None,
                    boolean=None if boolean is None else bool(boolean.toPython()),
                    content_type=resp_headers.get("content-type"),
                    body=expected_body[0] if expected_body else None,
                    location_variable=str(location) if location is not None else None,
                ),
            ))
        data = [(Path(urlsplit(str(graph.value(d, UT.graph))).path), str(graph.value(d, RDFS.label)))
                for d in graph.objects(test, UT.graphData)]
        cases.append(Case(str(test).rsplit("#", 1)[-1], str(graph.value(action, HT.connectionAuthority)),
                          steps, data))
    return cases


PROTOCOL = read_manifest(W3C / "protocol" / "manifest.ttl")
GRAPH_STORE = read_manifest(W3C / "graph-store-protocol" / "manifest.ttl")


def test_the_manifests_are_read_whole() -> None:
    assert len(PROTOCOL) == 34
    assert len(GRAPH_STORE) == 14
    assert all(case.steps for case in PROTOCOL + GRAPH_STORE)


def _status_ok(status: int, names: list[str]) -> bool:
    for name in names:
        if name.startswith("StatusCode") and status // 100 == int(name[len("StatusCode")]):
            return True
        if STATUS_NAMES.get(name) == status:
            return True
    return False


def _local_path(path: str) -> str:
    for theirs, ours in PATHS:
        if path.startswith(theirs):
            return ours + path[len(theirs):]
    raise AssertionError(f"unexpected path in the manifest: {path}")


def _boolean(content_type: str, body: bytes) -> bool:
    if content_type.startswith("application/sparql-results+json"):
        return bool(json.loads(body)["boolean"])
    element = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None and element.text is not None
    return element.text.strip() == "true"


FORMAT_TYPES = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"),
    "RDF": ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
            "application/n-quads", "application/trig"),
}
RDFLIB_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
                  "application/ld+json": "json-ld"}


def run_case(case: Case, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    for data, name in case.graph_data:
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(data),
                                                                                   format=ox.RdfFormat.N_TRIPLES)]
        store.replace_graph(ox.NamedNode(name), triples, [])
    app = create_app({"store": str(tmp_path / "store"), "tokens_file": str(tmp_path / "tokens.json")}, store=store)
    secret = tokens.create(app.config["THC_SETTINGS"], "w3c-runner", admin=True)
    variables: dict[str, str] = {}
    with serve(app) as base:
        port = urlsplit(base).port
        for number, step in enumerate(case.steps, 1):
            path, body = step.path, step.body
            for variable, value in variables.items():
                path = path.replace(variable, value)
                body = body.replace(variable.encode(), value.encode()) if body is not None else None
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Host": case.authority, "Authorization": f"Bearer {secret}", **step.headers}
            connection.request(step.method, _local_path(path), body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            connection.close()
            where = f"{case.name} request {number} ({step.method} {path})"
            assert _status_ok(response.status, step.expected.statuses), \
                f"{where}: status {response.status}, expected {step.expected.statuses}: {content[:300]!r}"
            content_type = response.getheader("Content-Type") or ""
            if step.expected.format:
                assert content_type.split(";")[0] in FORMAT_TYPES[step.expected.format], f"{where}: {content_type}"
            if step.expected.boolean is not None:
                assert _boolean(content_type, content) is step.expected.boolean, f"{where}: {content!r}"
            if step.expected.content_type:
                assert content_type == step.expected.content_type, where
            if step.expected.body is not None and step.method != "HEAD":
                expected = Graph().parse(data=step.expected.body, format="turtle")
                actual = Graph().parse(data=content, format=RDFLIB_FORMATS[content_type.split(";")[0]])
                assert isomorphic(expected, actual), f"{where}: got\n{content.decode()}"
            if step.expected.location_variable:
                location = response.getheader("Location")
                assert location, f"{where}: no Location header"
                variables[step.expected.location_variable] = location


@pytest.mark.parametrize("case", PROTOCOL, ids=[c.name for c in PROTOCOL])
def test_sparql_protocol(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


@pytest.mark.parametrize("case", GRAPH_STORE, ids=[c.name for c in GRAPH_STORE])
def test_graph_store_protocol(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def test_graph_data_is_loaded_where_the_manifest_says(tmp_path: Path) -> None:
    """The runner itself: a test with ut:graphData sees it (this one fails if the loading is skipped)."""
    case = next(c for c in PROTOCOL if c.name == "query_dataset_default_graphs_get")
    assert [name for _, name in case.graph_data] == ["http://kasei.us/2009/09/sparql/data/data1.rdf",
                                                     "http://kasei.us/2009/09/sparql/data/data2.rdf"]
    assert isinstance(URIRef(case.graph_data[0][1]), URIRef)

"""The SPARQL 1.1 Protocol endpoint at /sparql (with /query and /update as aliases) and its service description.

HTTP in, thc_graph.sparql out: this module reads the request (GET, POST form-encoded, POST direct), checks the
protocol's rules and the writer's token, and streams the answer. It can be mounted in another Flask app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, request

from .. import formats, sparql, tokens
from ..app import get_settings, get_store
from ..errors import BadQuery, BadRequest, MethodNotAllowed, UnsupportedMediaType
from ..namespaces import DCAT, META_GRAPH, RDF, Namespace

bp = Blueprint("sparql", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")
# The W3C's IRIs of the formats we answer in (https://www.w3.org/ns/formats/), for sd:resultFormat.
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples", "nquads": "N-Quads",
    "trig": "TriG", "jsonld": "JSON-LD", "rdfxml": "RDF_XML",
}
QUERY_TYPE, UPDATE_TYPE, FORM_TYPE = "application/sparql-query", "application/sparql-update", \
    "application/x-www-form-urlencoded"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Expose-Headers": "Content-Type, THC-Truncated",
    "Access-Control-Max-Age": "86400",
}
ROUTES = ("/sparql", "/query", "/update")

Executor = Callable[[Any, sparql.QueryRequest], sparql.QueryAnswer]


@bp.after_request
def _headers(response: Response) -> Response:
    """CORS on reads (SPARQL 1.1 Protocol is read from browsers: YASGUI); a Bearer challenge on 401."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="thc-graph"'
    if request.method in ("GET", "HEAD", "OPTIONS") or g.get("thc_read", False):
        response.headers.update(CORS_HEADERS)
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
@bp.route("/query", methods=["GET", "POST", "OPTIONS"])
@bp.route("/update", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return no_content(204)
    params = _parameters()
    queries, updates = params.get("query", []), params.get("update", [])
    if len(queries) > 1 or len(updates) > 1 or (queries and updates):
        raise BadQuery("give exactly one query or one update (SPARQL 1.1 Protocol §2.1.1)")
    if updates:
        if request.method != "POST":
            raise MethodNotAllowed("an update is sent by POST (SPARQL 1.1 Protocol §2.2); GET may only query")
        if request.path == "/query":
            raise BadQuery("/query only answers queries; send updates to /sparql or /update")
        return _update(updates[0], params)
    if queries:
        if request.path == "/update":
            raise BadQuery("/update only runs updates; send queries to /sparql or /query")
        g.thc_read = True
        return _query(queries[0], params)
    if request.method == "POST":
        raise BadQuery("the request has no query and no update parameter")
    return service_description()


def _parameters() -> dict[str, list[str]]:
    """The protocol's parameters from the URL and, for a POST, the body; strict UTF-8 everywhere (§2.1.4)."""
    params: dict[str, list[str]] = {}
    for name, value in _decode_pairs(request.query_string, "the URL's query string"):
        params.setdefault(name, []).append(value)
    if request.method != "POST":
        return params
    content_type = request.mimetype
    if not content_type:
        raise BadRequest(f"a POST needs a Content-Type: {FORM_TYPE}, {QUERY_TYPE} or {UPDATE_TYPE}")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise BadRequest(f"the body must be UTF-8, not charset={charset} (SPARQL 1.1 Protocol §2.1.2)")
    body = request.get_data(cache=False)
    if content_type == FORM_TYPE:
        for name, value in _decode_pairs(body, "the form-encoded body"):
            params.setdefault(name, []).append(value)
    elif content_type in (QUERY_TYPE, UPDATE_TYPE):
        if "query" in params or "update" in params:
            raise BadQuery("with a direct POST the query or update is the body, not a URL parameter")
        params["query" if content_type == QUERY_TYPE else "update"] = [_utf8(body, "the body")]
    else:
        raise UnsupportedMediaType(f"Content-Type {content_type} is not one of {FORM_TYPE}, {QUERY_TYPE}, "
                                   f"{UPDATE_TYPE}")
    return params


def _utf8(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{where} is not UTF-8 (byte {exc.start}): SPARQL requests are UTF-8") from None


def _decode_pairs(data: bytes, where: str) -> list[tuple[str, str]]:
    text = _utf8(data, where)
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"{where} holds percent-encoded bytes that are not UTF-8") from None


def _query(query: str, params: dict[str, list[str]]) -> Response:
    settings = get_settings()
    sparql.check_services(query, tuple(settings.service_allow), base_iri=endpoint_url())  # before it runs (SSRF)
    dataset_given = "default-graph-uri" in params or "named-graph-uri" in params
    query_request = sparql.QueryRequest(
        query=query,
        default_graphs=params.get("default-graph-uri", []) if dataset_given else None,
        named_graphs=params.get("named-graph-uri", []) if dataset_given else None,
        accept=request.headers.get("Accept"),
        format=params["format"][-1] if params.get("format") else None,
        max_rows=settings.max_result_rows,
        base_iri=endpoint_url(),
    )
    executor: Executor = current_app.extensions.get("thc_executor") or sparql.execute
    answer = executor(get_store(), query_request)
    response = Response(answer.chunks, content_type=answer.format.content_type)
    response.headers["Vary"] = "Accept"
    if answer.truncated:
        response.headers["THC-Truncated"] = f"max_result_rows = {settings.max_result_rows}"
    return response


def _update(update: str, params: dict[str, list[str]]) -> Response:
    settings = get_settings()
    principal = tokens.authenticate(settings, request.headers.get("Authorization"))
    for graph in sorted(sparql.update_writes(update), key=lambda g: g or ""):
        principal.check_write(graph)
    sparql.check_services(update, tuple(settings.service_allow), update=True, base_iri=endpoint_url())
    sparql.execute_update(get_store(), update, using_graphs=params.get("using-graph-uri"),
                          using_named_graphs=params.get("using-named-graph-uri"), base_iri=endpoint_url())
    return no_content(204)


def no_content(status: int) -> Response:
    """An answer without a body, and so without a Content-Type."""
    response = Response(status=status)
    del response.headers["Content-Type"]
    return response


def public_base() -> str:
    """The service's absolute base URL (no trailing slash): the public_url setting, else the request's."""
    configured = str(get_settings().public_url or "").rstrip("/")
    return configured or request.host_url.rstrip("/")


def endpoint_url() -> str:
    return public_base() + request.path


def service_description() -> Response:
    """SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/), Turtle by default."""
    fmt = formats.negotiate(request.headers.get("Accept"), formats.RDF_ANSWER_FORMATS,
                            request.args.get("format"))
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    endpoint = ox.NamedNode(endpoint_url())
    triples = [
        ox.Triple(service, RDF.type, SD.Service),
        ox.Triple(service, SD.endpoint, endpoint),
        ox.Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
        ox.Triple(service, SD.supportedLanguage, SD.SPARQL11Update),
        ox.Triple(service, SD.feature, SD.UnionDefaultGraph),
        ox.Triple(service, SD.feature, SD.BasicFederatedQuery),
        ox.Triple(service, SD.defaultDataset, dataset),
        ox.Triple(dataset, RDF.type, SD.Dataset),
        ox.Triple(dataset, SD.defaultGraph, default),
        ox.Triple(default, RDF.type, SD.Graph),
    ]
    for name in FORMAT_IRIS.values():
        triples.append(ox.Triple(service, SD.resultFormat, W3C_FORMATS[name]))
    for graph in described_graphs():
        named = ox.BlankNode()
        triples += [ox.Triple(dataset, SD.namedGraph, named), ox.Triple(named, RDF.type, SD.NamedGraph),
                    ox.Triple(named, SD.name, graph)]
    prefixes = {"sd": str(SD), "formats": str(W3C_FORMATS), "rdf": str(RDF)}
    body = ox.serialize(triples, None, fmt.rdf, prefixes=prefixes) if not fmt.is_dataset else \
        ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples], None, fmt.rdf)
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


def described_graphs() -> list[ox.NamedNode]:
    """The named graphs described in graph/meta (as dcat:Dataset) that hold data, in IRI order."""
    store = get_store()
    described = {q.subject for q in store.quads(None, RDF.type, DCAT.Dataset, META_GRAPH)
                 if isinstance(q.subject, ox.NamedNode)}
    return sorted((g for g in described if store.has_graph(g)), key=lambda g: g.value)

"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graph-store: read and write whole graphs.

Graphs are named indirectly (?graph=IRI, ?default) or directly (the request URL under /rdf-graph-store/ is the
graph's IRI). Reads are open; writes need a token that may write the graph. These are raw writes, like SPARQL
UPDATE: no SHACL validation (validated contributions go through /api/contributions).
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, request

from .. import formats, ingest, tokens
from ..app import get_settings, get_store
from ..errors import BadData, BadRequest, NotFound, UnsupportedMediaType
from ..namespaces import META_GRAPH
from ..store import Store
from .sparql import CORS_HEADERS, no_content, public_base

bp = Blueprint("graph_store", __name__)

PATH = "/rdf-graph-store"
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"]
DEFAULT = None  # the store's default graph (where an UPDATE without GRAPH writes)


@bp.after_request
def _headers(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="thc-graph"'
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers.update(CORS_HEADERS)
    return response


@bp.route(PATH, methods=METHODS)
@bp.route(PATH + "/<path:rest>", methods=METHODS)
def graph_store(rest: str | None = None) -> Response:
    if request.method == "OPTIONS":
        return no_content(204)
    store = get_store()
    if rest is None and "graph" not in request.args and "default" not in request.args:
        if request.method == "POST":
            return _create(store)
        raise BadRequest(f"name a graph: {PATH}?graph=IRI, {PATH}?default, or a URL under {PATH}/")
    graph = _graph(rest)
    if request.method in ("GET", "HEAD"):
        return _read(store, graph)
    principal = tokens.authenticate(get_settings(), request.headers.get("Authorization"))
    principal.check_write(None if graph is DEFAULT else graph.value)
    existed = graph is DEFAULT or store.has_graph(graph)
    if request.method == "DELETE":
        if not existed:
            # not `existed`: graph is not DEFAULT (None), which mypy cannot tell through the variable
            raise NotFound(f"there is no graph <{graph.value}>")  # type: ignore[union-attr]
        _drop(store, graph)
        return no_content(204)
    triples = _body_triples(graph)
    if request.method == "PUT":
        _replace(store, graph, triples, principal.name)
    else:
        _merge(store, graph, triples, principal.name)
    return no_content(204 if existed else 201)


def _graph(rest: str | None) -> ox.NamedNode | None:
    """The graph a request names; DEFAULT (None) for ?default."""
    if rest is not None:
        if "graph" in request.args or "default" in request.args:
            raise BadRequest(f"a URL under {PATH}/ names its graph itself; drop ?graph= / ?default")
        return ox.NamedNode(public_base() + request.path)
    values = request.args.getlist("graph")
    if "default" in request.args:
        if values:
            raise BadRequest("give ?graph=IRI or ?default, not both")
        return DEFAULT
    if len(values) != 1:
        raise BadRequest("give one ?graph=IRI")
    try:
        return ox.NamedNode(values[0])
    except ValueError as exc:
        raise BadRequest(f"?graph={values[0]!r} is not an absolute IRI: {exc}") from None


def _read(store: Store, graph: ox.NamedNode | None) -> Response:
    fmt = formats.negotiate(request.headers.get("Accept"), formats.RDF_ANSWER_FORMATS, request.args.get("format"))
    if graph is not DEFAULT and not store.has_graph(graph):
        raise NotFound(f"there is no graph <{graph.value}>")
    pattern = ox.DefaultGraph() if graph is DEFAULT else graph
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(None, None, None, pattern))
    if fmt.is_dataset:
        body = ox.serialize((ox.Quad(t.subject, t.predicate, t.object, pattern) for t in triples), None, fmt.rdf)
    else:
        body = ox.serialize(triples, None, fmt.rdf)
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _body_triples(graph: ox.NamedNode | None) -> list[ox.Triple]:
    """The RDF of the request body (or of each part of a multipart/form-data body), parsed by its media type."""
    base = graph.value if graph is not None else public_base() + PATH
    if request.mimetype == "multipart/form-data":
        triples: list[ox.Triple] = []
        for name, part in request.files.items(multi=True):
            fmt = _format(part.mimetype, part.filename or name)
            triples += ingest.parse_bytes(part.read(), part.filename or name, fmt, base_iri=base).triples
        return triples
    fmt = _format(request.mimetype, None)
    return ingest.parse_bytes(request.get_data(cache=False), "the request body", fmt, base_iri=base).triples


def _format(media_type: str | None, filename: str | None) -> formats.Format:
    if media_type and media_type not in ("application/octet-stream",):
        fmt = formats.rdf_format_for_media_type(media_type)
        if fmt is None or fmt not in formats.RDF_ANSWER_FORMATS:
            offered = ", ".join(f.media_type for f in formats.RDF_ANSWER_FORMATS)
            raise UnsupportedMediaType(f"Content-Type {media_type} is not an RDF format read here; use one of: "
                                       f"{offered}")
        return fmt
    if filename:
        try:
            return formats.rdf_format_for(filename)
        except BadData:
            pass
    raise BadRequest("the body needs a Content-Type naming its RDF format (e.g. text/turtle)")


def _replace(store: Store, graph: ox.NamedNode | None, triples: list[ox.Triple], agent: str) -> None:
    if graph is DEFAULT:
        store.update("DROP SILENT DEFAULT" + (" ;\n" + _insert_data(None, triples) if triples else ""),
                     graphs=[ox.DefaultGraph()])
        return
    parsed = ingest.Parsed("graph store PUT", formats.RDF_BY_NAME["ntriples"], triples, "")
    ingest.ingest(store, [parsed], graph, agent=agent, kind="graph-store", validate=False)


def _merge(store: Store, graph: ox.NamedNode | None, triples: list[ox.Triple], agent: str) -> None:
    if graph is not DEFAULT and not store.has_graph(graph):
        _replace(store, graph, triples, agent)
    elif triples:
        # graph/meta written by hand changes what other graphs mean (withdrawals): the caches start again
        written = None if graph == META_GRAPH else [graph if graph is not None else ox.DefaultGraph()]
        store.update(_insert_data(graph, triples), graphs=written)


def _drop(store: Store, graph: ox.NamedNode | None) -> None:
    if graph is DEFAULT:
        store.update("DROP SILENT DEFAULT", graphs=[ox.DefaultGraph()])
    else:
        store.drop_graph(graph)


def _insert_data(graph: ox.NamedNode | None, triples: list[ox.Triple]) -> str:
    """INSERT DATA from parsed terms (str of a pyoxigraph term is its N-Triples form: nothing user-typed is pasted)."""
    body = "\n".join(f"{t} ." for t in triples)
    return f"INSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}" if graph is not None else f"INSERT DATA {{\n{body}\n}}"


def _create(store: Store) -> Response:
    """POST to the store itself: a new graph, named under /rdf-graph-store/, its IRI in Location (GSP §5.5)."""
    principal = tokens.authenticate(get_settings(), request.headers.get("Authorization"))
    graph = ox.NamedNode(f"{public_base()}{PATH}/{uuid.uuid4().hex}")
    principal.check_write(graph.value)
    triples = _body_triples(graph)
    _replace(store, graph, triples, principal.name)
    response = no_content(201)
    response.headers["Location"] = graph.value
    return response

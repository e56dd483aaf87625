"""Dereferencing: data IRIs under the base (/id/, /scheme/, /graph/) answer 303 to a document in the negotiated
format; the ontology (/ontology, hash terms) answers directly; the JSON-LD @context lives at /context.jsonld.

The scheme (docs/linked-data.md): a slash IRI names a thing, so /id/kind/slug answers 303 See Other to the
document about it, /id/kind/slug.html (or .ttl, .jsonld, .nt, .rdf), chosen by ?format= or Accept. The ontology's
terms are hash IRIs (https://w3id.org/thc/ontology#Actor); a client asks for /ontology, a document: 200.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, request

from .. import describe, vocabulary
from ..app import get_store
from ..errors import NotAcceptable
from ..formats import RDF_BY_NAME, Format, negotiate
from .site import base_iri, check_params, page_lang, render, searcher

bp = Blueprint("resources", __name__)

HTML = Format("html", "text/html", (".html",), ("application/xhtml+xml",))
# The formats a resource is offered in, HTML first (a client that states nothing is most likely a person).
OFFERED: tuple[Format, ...] = (HTML, RDF_BY_NAME["turtle"], RDF_BY_NAME["jsonld"], RDF_BY_NAME["ntriples"],
                               RDF_BY_NAME["rdfxml"])
SUFFIX = {"html": "html", "turtle": "ttl", "jsonld": "jsonld", "ntriples": "nt", "rdfxml": "rdf"}
BY_SUFFIX = {suffix: fmt for fmt in OFFERED for suffix in (SUFFIX[fmt.name],)}
_PATH = re.compile(r"^[A-Za-z0-9_~\-/]+$")
CONTEXT_PATH = "/context.jsonld"


def choose_format() -> Format:
    return negotiate(request.headers.get("Accept"), OFFERED, request.args.get("format"))


def _split(path: str) -> tuple[str, str | None]:
    """('id/actor/x', 'ttl') for 'id/actor/x.ttl'; a suffix we do not know stays part of the name."""
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in BY_SUFFIX:
        return stem, suffix
    return path, None


def _alternates(doc_path: str) -> str:
    return ", ".join(f'<{doc_path}.{SUFFIX[f.name]}>; rel="alternate"; type="{f.media_type}"' for f in OFFERED)


@bp.route("/id/<path:rest>")
@bp.route("/scheme/<path:rest>")
@bp.route("/graph/<path:rest>")
def thing(rest: str) -> Any:
    check_params()
    area = request.path.split("/")[1]
    path, suffix = _split(f"{area}/{rest}")
    if not _PATH.fullmatch(path) or "//" in path:
        return not_found(path)
    iri = base_iri() + path
    store = get_store()
    if not describe.exists(store, iri):
        withdrawn = describe.withdrawn_only(store, iri)
        return gone(iri, [g.value for g in withdrawn]) if withdrawn else not_found(iri)
    if suffix is None:
        fmt = choose_format()
        response = redirect(f"/{path}.{SUFFIX[fmt.name]}", code=303)
        response.vary.add("Accept")
        response.headers["Link"] = _alternates("/" + path)
        return response
    return document(iri, "/" + path, BY_SUFFIX[suffix])


def document(iri: str, doc_path: str, fmt: Format) -> Response:
    """The document about `iri` in `fmt`, with links to its other formats."""
    store = get_store()
    if fmt.name == "html":
        lang = page_lang()
        desc = describe.describe(store, iri, lang, searcher().labels_if_ready())
        history = None
        if "https://w3id.org/thc/ontology#Commitment" in desc.type_iris:
            history = describe.history(store, iri, lang)
        is_actor = any(t.startswith("https://w3id.org/thc/ontology#") and vocabulary.is_actor_class(t)
                       for t in desc.type_iris)
        response = render("resource.html", d=desc, doc_path=doc_path, formats=_format_links(doc_path),
                          history=history, is_actor=is_actor)
    else:
        body = describe.serialize(describe.resource_triples(store, iri), fmt,
                                  context_url=request.host_url.rstrip("/") + CONTEXT_PATH)
        response = current_app.response_class(body, content_type=fmt.content_type)
        response.headers["Access-Control-Allow-Origin"] = "*"  # linked data is for other sites' scripts too
    response.headers["Link"] = _alternates(doc_path)
    response.headers["Content-Location"] = f"{doc_path}.{SUFFIX[fmt.name]}"
    response.vary.add("Accept")
    return response


def _format_links(doc_path: str) -> list[tuple[str, str]]:
    return [(f.name, f"{doc_path}.{SUFFIX[f.name]}") for f in OFFERED if f.name != "html"]


def not_found(what: str) -> Response:
    """An unknown IRI: a 404 page offering a search (HTML), or a short message for machines."""
    try:
        fmt = choose_format()
    except NotAcceptable:
        fmt = HTML
    if fmt.name != "html":
        response = jsonify({"error": "Not found", "status": 404, "message": f"nothing is known about {what}"})
        response.status_code = 404
        return response
    return not_found_page(what)


def gone(what: str, graphs: list[str]) -> Response:
    """410: everything said about the IRI came from withdrawn contributions (which stay readable by name)."""
    try:
        fmt = choose_format()
    except NotAcceptable:
        fmt = HTML
    if fmt.name != "html":
        response = jsonify({"error": "Gone", "status": 410, "withdrawn_contributions": graphs,
                            "message": f"everything known about {what} came from withdrawn contributions"})
        response.status_code = 410
        return response
    return render("gone.html", status=410, what=what, graphs=graphs)


def not_found_page(what: str, message: str | None = None) -> Response:
    """The HTML 404 page: what was asked for, an optional message, and a search for its last words with a few hits.
    Every HTML 404 uses it (thc_graph.app.error_response), not only data IRIs."""
    words = " ".join(re.sub(r"[-_/.]+", " ", what.rstrip("/").rsplit("/", 1)[-1]).split())[:200]
    hits: list[Any] = []
    if words:
        _total, hits = searcher().search(words, page_lang(), limit=5)
    return render("not_found.html", status=404, what=what, message=message, query=words, hits=hits)


@bp.route("/ontology")
@bp.route("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Any:
    check_params()
    if suffix is not None and suffix not in BY_SUFFIX:
        return not_found(f"ontology.{suffix}")
    fmt = BY_SUFFIX[suffix] if suffix else choose_format()
    store = get_store()
    if fmt.name == "html":
        doc = vocabulary.document(store, page_lang())
        response = render("ontology.html", o=doc, formats=_format_links("/ontology"))
    else:
        body = describe.serialize(vocabulary.ontology_triples(store), fmt,
                                  context_url=request.host_url.rstrip("/") + CONTEXT_PATH)
        response = current_app.response_class(body, content_type=fmt.content_type)
    response.headers["Link"] = _alternates("/ontology")
    response.headers["Content-Location"] = f"/ontology.{SUFFIX[fmt.name]}"
    response.vary.add("Accept")
    return response


@bp.get(CONTEXT_PATH)
def context() -> Any:
    response = current_app.response_class(
        current_app.json.dumps(describe.context_document()), content_type="application/ld+json; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


"""For machines and reusers: VoID at /.well-known/void, the DCAT catalogue at /catalog, dumps at /dumps/... (rebuilt
after each change), the /data page that lists them, and /sitemap.xml."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, request, send_file

from .. import catalog, describe
from ..app import get_settings, get_store
from ..formats import RDF_BY_NAME, negotiate
from .site import check_params, render

bp = Blueprint("publish", __name__)

RDF_OFFERED = (RDF_BY_NAME["turtle"], RDF_BY_NAME["jsonld"], RDF_BY_NAME["ntriples"], RDF_BY_NAME["rdfxml"])


def public_url() -> str:
    configured = str(get_settings().public_url or "").rstrip("/")
    return configured or request.host_url.rstrip("/")


def dumps() -> catalog.Dumps:
    ext = current_app.extensions
    if "thc_dumps" not in ext:
        settings = get_settings()
        if settings.dumps_dir:
            directory = Path(settings.dumps_dir)
        elif get_store().path is not None:
            path = get_store().path
            directory = path.with_name(path.name + "-dumps")
        else:
            directory = Path("var/dumps")
        ext["thc_dumps"] = catalog.Dumps(get_store(), directory)
    return ext["thc_dumps"]  # type: ignore[no-any-return]


def _rdf(triples: list[Any]) -> Response:
    fmt = negotiate(request.headers.get("Accept"), RDF_OFFERED, request.args.get("format"))
    body = describe.serialize(triples, fmt, context_url=public_url() + "/context.jsonld")
    response = current_app.response_class(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/void")
def void() -> Response:
    return _rdf(catalog.void_triples(get_store(), public_url()))


@bp.get("/catalog")
def dcat() -> Response:
    return _rdf(catalog.dcat_triples(get_store(), public_url()))


@bp.get("/dumps/<path:name>")
def dump(name: str) -> Response:
    path = dumps().path(name)
    media = "application/gzip" if name.endswith(".gz") else "text/turtle; charset=utf-8"
    return send_file(path, mimetype=media, as_attachment=True, download_name=name.replace("/", "-"),
                     conditional=True, etag=True, max_age=0)


@bp.get("/data")
def data_page() -> Response:
    check_params()
    return render("data.html", dumps=dumps().names())


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    base = public_url()
    settings_base = str(get_settings().base)
    store = get_store()
    urls = [base + "/", base + "/search", base + "/dashboard", base + "/map", base + "/network", base + "/editor",
            base + "/queries", base + "/ontology", base + "/data"]
    urls += [f"{base}/class/{name}" for _, name, _, _ in _class_names()]
    urls += [base + "/" + iri[len(settings_base):] for iri in catalog.resource_iris(store, settings_base)]
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += [f"<url><loc>{escape(url)}</loc></url>" for url in urls[:50000]]
    body.append("</urlset>")
    return current_app.response_class("\n".join(body) + "\n", content_type="application/xml; charset=utf-8")


def _class_names() -> list[tuple[str, str, str, int]]:
    from .. import listing
    from .site import page_lang

    return listing.class_counts(get_store(), page_lang())

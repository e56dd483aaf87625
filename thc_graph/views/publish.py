"""For machines and reusers: VoID at /.well-known/void, the DCAT catalogue at /catalog, dumps at /dumps/... (kept
current after each change), the /data page that lists them, the sitemap (/sitemap.xml, paged as /sitemap-{n}.xml)."""

from __future__ import annotations

import itertools
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, Flask, Response, current_app, request, send_file

from .. import catalog, describe
from ..app import get_settings, get_store
from ..errors import BadRequest, NotFound
from ..formats import RDF_BY_NAME, negotiate
from ..store import Store
from .site import check_params, render

bp = Blueprint("publish", __name__)

RDF_OFFERED = (RDF_BY_NAME["turtle"], RDF_BY_NAME["jsonld"], RDF_BY_NAME["ntriples"], RDF_BY_NAME["rdfxml"])


def public_url() -> str:
    configured = str(get_settings().public_url or "").rstrip("/")
    return configured or request.host_url.rstrip("/")


def dumps_of(app: Flask) -> catalog.Dumps:
    """The app's dumps, in the setting dumps_dir (default: <store>-dumps beside a store directory, else var/dumps)."""
    ext = app.extensions
    if "thc_dumps" not in ext:
        settings, store = app.config["THC_SETTINGS"], ext["thc_store"]
        if settings.dumps_dir:
            directory = Path(settings.dumps_dir)
        elif store.path is not None:
            directory = store.path.with_name(store.path.name + "-dumps")
        else:
            directory = Path("var/dumps")
        ext.setdefault("thc_dumps", catalog.Dumps(store, directory))  # one, even if two threads get here at once
    return ext["thc_dumps"]  # type: ignore[no-any-return]  # app.extensions holds Any; set just above


def dumps() -> catalog.Dumps:
    return dumps_of(current_app)


def dumps_on_commit(app: Flask) -> Callable[[], None] | None:
    """The store.on_commit callback that refreshes the app's dumps in the background after each write (create_app
    registers it), or None when the dumps wait for a download instead: the setting dumps_on_commit is off, the store
    is another engine (other clients write to it too: each download checks it), or it is in memory and dumps_dir is
    not set (tests: no files in the working directory)."""
    settings, store = app.config["THC_SETTINGS"], app.extensions["thc_store"]
    if not settings.dumps_on_commit or not isinstance(store, Store):
        return None
    if store.path is None and not settings.dumps_dir:
        return None
    owner = weakref.ref(app)  # the store may outlive the app (tests): then the callback does nothing

    def committed() -> None:
        app = owner()
        if app is not None and "thc_store" in app.extensions:
            dumps_of(app).schedule()  # made at the first write, not before: the app holds the store alone till then

    return committed


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
    """A dump, current (built first if the store changed since the last refresh). The file is opened before its
    size is read: a refresh that replaces it meanwhile does not change what this answer sends."""
    handle = dumps().open(name)
    try:
        stat = os.fstat(handle.fileno())
        media = "application/gzip" if name.endswith(".gz") else "text/turtle; charset=utf-8"
        response = send_file(handle, mimetype=media, as_attachment=True, download_name=name.replace("/", "-"),
                             conditional=False, etag=f"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}",
                             last_modified=stat.st_mtime, max_age=0)
        response.content_length = stat.st_size
        # make_conditional returns self (a flask Response); werkzeug types it as its own Response
        return response.make_conditional(request, accept_ranges=True,  # type: ignore[return-value]
                                         complete_length=stat.st_size)
    except BaseException:
        handle.close()
        raise


@bp.get("/data")
def data_page() -> Response:
    check_params()
    return render("data.html", dumps=dumps().names())


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Most URLs in one sitemap file (the sitemaps.org limit); tests lower it.
SITEMAP_PAGE_SIZE = 50000
PAGES = ("/", "/search", "/dashboard", "/map", "/network", "/editor", "/queries", "/ontology", "/data")


def _sitemap_paths() -> list[str]:
    """Every path the sitemap lists, always in the same order: the pages, the class pages by name, then the
    resources by IRI (one cached listing, see catalog.resource_iris)."""
    settings_base = str(get_settings().base)
    paths = list(PAGES)
    paths += sorted({f"/class/{name}" for _, name, _, _ in _class_names()})
    paths += ["/" + iri[len(settings_base):] for iri in catalog.resource_iris(get_store(), settings_base)]
    return paths


def _xml(lines: Iterator[str]) -> Response:
    def body() -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        for line in lines:
            yield line + "\n"

    return current_app.response_class(body(), content_type="application/xml; charset=utf-8")


def _urlset(paths: list[str]) -> Response:
    base = public_url()
    return _xml(itertools.chain([f'<urlset xmlns="{SITEMAP_NS}">'],
                                (f"<url><loc>{escape(base + path)}</loc></url>" for path in paths), ["</urlset>"]))


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """The pages and resources as one urlset while they fit in one file (SITEMAP_PAGE_SIZE URLs); beyond, a
    sitemap index pointing to /sitemap-1.xml, /sitemap-2.xml, ... (docs/linked-data.md)."""
    paths = _sitemap_paths()
    size = SITEMAP_PAGE_SIZE
    if len(paths) <= size:
        return _urlset(paths)
    base = public_url()
    pages = -(-len(paths) // size)
    return _xml(itertools.chain([f'<sitemapindex xmlns="{SITEMAP_NS}">'],
                                (f"<sitemap><loc>{escape(base)}/sitemap-{n}.xml</loc></sitemap>"
                                 for n in range(1, pages + 1)), ["</sitemapindex>"]))


@bp.get("/sitemap-<page>.xml")
def sitemap_page(page: str) -> Response:
    """Page `page` (from 1) of the sitemap: SITEMAP_PAGE_SIZE URLs of the same ordered list."""
    if not page.isascii() or not page.isdigit():
        raise BadRequest(f"sitemap page {page!r} is not a number; pages are /sitemap-1.xml, /sitemap-2.xml, ...")
    paths = _sitemap_paths()
    size = SITEMAP_PAGE_SIZE
    pages = max(1, -(-len(paths) // size))
    number = int(page)
    if str(number) != page or not 1 <= number <= pages:
        raise NotFound(f"there is no sitemap page {page}; the sitemap has {pages} page{'s' if pages > 1 else ''}, "
                       f"/sitemap-1.xml to /sitemap-{pages}.xml (see /sitemap.xml)")
    return _urlset(paths[(number - 1) * size:number * size])


def _class_names() -> list[tuple[str, str, str, int]]:
    from .. import listing
    from .site import page_lang

    return listing.class_counts(get_store(), page_lang())

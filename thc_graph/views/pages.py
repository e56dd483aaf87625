"""Pages for people, each list also as JSON and CSV (suffix or Accept): home, class indexes, search, commitments
dashboard, map, network, the YASGUI query page and one page per named query."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, jsonify, request

from .. import dashboard, listing, queries
from ..app import error_response, get_settings, get_store
from ..describe import Labeller, graph_infos
from ..errors import BadQuery, BadRequest, NotFound, ThcError
from ..formats import Format, negotiate
from ..search import MAX_QUERY_CHARS
from .site import check_params, page_lang, render, searcher

bp = Blueprint("pages", __name__)

HTML = Format("html", "text/html", (".html",), ("application/xhtml+xml",))
JSON = Format("json", "application/json", (".json",))
CSV = Format("csv", "text/csv", (".csv",))
LIST_FORMATS = (HTML, JSON, CSV)
BY_SUFFIX = {"html": HTML, "json": JSON, "csv": CSV}


@bp.errorhandler(ThcError)
def _error(exc: ThcError) -> Response:
    """A .json or .csv twin that fails answers in JSON (a program asked); pages answer as the app does."""
    if request.path.endswith((".json", ".csv")) or request.args.get("format") in ("json", "csv"):
        response = jsonify(exc.to_dict())
        response.status_code = exc.status
        return response
    # error_response is typed Any; it answers a Response (the error page, JSON or text)
    return error_response(exc.status, exc.title, exc.message, exc.to_dict())  # type: ignore[no-any-return]


def list_format(suffix: str | None) -> Format:
    """The format of a list page: its suffix (.json/.csv) first, then ?format=, then Accept."""
    if suffix is not None:
        if suffix not in BY_SUFFIX:
            raise NotFound(f"no such format .{suffix}; offered: .json, .csv")
        return BY_SUFFIX[suffix]
    return negotiate(request.headers.get("Accept"), LIST_FORMATS, request.args.get("format"))


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items()}


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return current_app.response_class(buffer.getvalue(), content_type="text/csv; charset=utf-8")


def _vary(response: Response, suffix: str | None) -> Response:
    if suffix is None:
        response.vary.add("Accept")
    return response


# -- home ---------------------------------------------------------------------------------------

@bp.get("/")
def home() -> Response:
    check_params()
    store, lang = get_store(), page_lang()
    counts = listing.class_counts(store, lang)
    infos = sorted(graph_infos(store, Labeller(store, lang)).values(), key=lambda g: g.modified or "", reverse=True)
    latest = [g for g in infos if "/graph/contribution/" in g.iri][:5] or infos[:5]
    return render("home.html", counts=counts, latest=latest)


# -- class index --------------------------------------------------------------------------------

@bp.get("/class/<name>")
def class_index(name: str) -> Response:
    suffix = None
    if "." in name:
        name, suffix = name.split(".", 1)
    check_params(*listing.FACETS, "sort", "page", "limit")
    fmt = list_format(suffix)
    lang = page_lang()
    req = listing.Request.parse(name, _args())
    page = listing.list_class(get_store(), req, lang, with_facets=fmt.name != "csv",
                              labels=searcher().labels_if_ready())
    if fmt.name == "json":
        return _vary(jsonify({
            "class": req.class_iri.value, "label": page.class_label, "total": page.total, "page": req.page,
            "limit": req.limit, "sort": req.sort, "filters": req.filters, "has_next": page.has_next,
            "items": [{"iri": r.iri, "label": r.label, "date": r.date} for r in page.rows],
            "facets": {f: [{"value": v.value, "label": v.label, "count": v.count} for v in vs]
                       for f, vs in page.facets.items()},
        }), suffix)
    if fmt.name == "csv":
        return _vary(csv_response(["iri", "label", "date"], ((r.iri, r.label, r.date) for r in page.rows)), suffix)
    return _vary(render("class.html", p=page, req=req, name=name), suffix)


# -- search -------------------------------------------------------------------------------------

@bp.get("/search")
@bp.get("/search.<suffix>")
def search(suffix: str | None = None) -> Response:
    fmt = list_format(suffix)
    args = _args()
    check_params("q", "page")
    query = args.get("q", "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"q is {len(query)} characters long; at most {MAX_QUERY_CHARS}")
    page_text = args.get("page", "1") or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= 10000:
        raise BadRequest(f"page={page_text!r} must be a whole number from 1 to 10000")
    page_no, limit = int(page_text), 20
    lang = page_lang()
    total, hits = searcher().search(query, lang, limit=limit, offset=(page_no - 1) * limit) if query else (0, [])
    if fmt.name == "json":
        return _vary(jsonify({"q": query, "total": total, "page": page_no, "items": [
            {"iri": h.iri, "label": h.label, "score": h.score, "types": [t for t, _ in h.types],
             "description": h.snippet} for h in hits]}), suffix)
    if fmt.name == "csv":
        return _vary(csv_response(["iri", "label", "score"], ((h.iri, h.label, h.score) for h in hits)), suffix)
    pages = max(1, -(-total // limit))
    return _vary(render("search.html", query=query, total=total, hits=hits, page_no=page_no,
                        has_next=page_no < pages, pages=pages), suffix)


# -- dashboard and map --------------------------------------------------------------------------

@bp.get("/dashboard")
@bp.get("/dashboard.<suffix>")
def dashboard_page(suffix: str | None = None) -> Response:
    check_params()
    fmt = list_format(suffix)
    rows = dashboard.territories(get_store(), page_lang())
    if fmt.name == "json":
        return _vary(jsonify({"territories": [{
            "iri": t.iri, "label": t.label, "progress": t.progress, "place": t.place,
            "plans": [{"iri": p.iri, "label": p.label, "evaluations": [e[0] for e in p.evaluations],
                       "commitments": [{"iri": c.iri, "label": c.label, "status": c.latest[0] if c.latest else None,
                                        "rank": c.rank, "reports": c.reports, "evaluations": c.evaluations,
                                        "history": [h.to_dict() for h in c.history]}
                                       for c in p.commitments]} for p in t.plans]} for t in rows]}), suffix)
    if fmt.name == "csv":
        return _vary(csv_response(
            ["territory", "territory_label", "plan", "commitment", "commitment_label", "status", "rank", "reports",
             "evaluations"],
            ((t.iri, t.label, p.iri, c.iri, c.label, c.latest[0] if c.latest else None, c.rank, c.reports,
              c.evaluations) for t in rows for p in t.plans for c in p.commitments)), suffix)
    return _vary(render("dashboard.html", territories=rows), suffix)


@bp.get("/map")
@bp.get("/map.<suffix>")
def map_page(suffix: str | None = None) -> Response:
    check_params()
    fmt = list_format(suffix)
    markers = dashboard.markers(get_store(), page_lang())
    if fmt.name == "json":
        return _vary(jsonify({"markers": [m.__dict__ for m in markers]}), suffix)
    if fmt.name == "csv":
        return _vary(csv_response(["iri", "label", "lat", "long", "progress", "plans"],
                                  ((m.iri, m.label, m.lat, m.long, m.progress, m.plans) for m in markers)), suffix)
    return _vary(render("map.html", markers=markers), suffix)


# -- network ------------------------------------------------------------------------------------

@bp.get("/network")
def network_page() -> Response:
    check_params()
    return render("network.html")


# -- SPARQL for people --------------------------------------------------------------------------

@bp.get("/editor")
def editor() -> Response:
    """YASGUI on our /sparql, with every named query as a tab (the query text travels in the page as JSON)."""
    named = [{"name": q.name, "title": q.title, "query": q.text} for q in queries.load_all().values()]
    return render("editor.html", named=named)


@bp.get("/queries")
@bp.get("/queries.<suffix>")
def query_list(suffix: str | None = None) -> Response:
    check_params()
    fmt = list_format(suffix)
    named = list(queries.load_all().values())
    if fmt.name == "json":
        return _vary(jsonify({"queries": [{"name": q.name, "title": q.title, "description": q.description,
                                           "params": [p.__dict__ for p in q.params]} for q in named]}), suffix)
    if fmt.name == "csv":
        return _vary(csv_response(["name", "title", "description"], ((q.name, q.title, q.description)
                                                                     for q in named)), suffix)
    return _vary(render("queries.html", named=named), suffix)


@bp.get("/queries/<path:name>")
def named_query(name: str) -> Response:
    suffix = None
    stem, dot, ext = name.rpartition(".")
    if dot and ext in ("json", "csv", "html"):
        name, suffix = stem, ext
    all_queries = queries.load_all()
    if name not in all_queries:
        raise NotFound(f"no query named {name!r}; see /queries")
    query = all_queries[name]
    fmt = list_format(suffix)
    values = {k: v for k, v in request.args.items() if k not in ("lang", "format", "run")}
    missing = [p.name for p in query.params if not p.optional and not values.get(p.name)]
    if fmt.name == "html" and missing and not request.args.get("run"):
        return render("query.html", q=query, values=values, columns=None, rows=None)
    results = query.run(get_store(), values)
    if query.form != "SELECT":
        raise BadQuery(f"query {name} is a {query.form}; its page shows SELECT results only, use /sparql")
    limit = int(get_settings().max_result_rows)
    columns = [v.value for v in results.variables]
    rows: list[list[ox.NamedNode | ox.Literal | ox.BlankNode | None]] = []
    for solution in results:
        rows.append([solution[c] for c in columns])
        if len(rows) >= limit:
            break
    if fmt.name == "json":
        return _vary(jsonify({"query": name, "columns": columns, "truncated": len(rows) >= limit,
                              "rows": [{c: _plain(v) for c, v in zip(columns, row, strict=True) if v is not None}
                                       for row in rows]}), suffix)
    if fmt.name == "csv":
        return _vary(csv_response(columns, ([_plain(v) for v in row] for row in rows)), suffix)
    label = Labeller(get_store(), page_lang())
    shown = [[_cell(v, label) for v in row] for row in rows]
    return _vary(render("query.html", q=query, values=values, columns=columns, rows=shown), suffix)


def _plain(term: Any) -> str | None:
    return None if term is None else str(term.value)


def _cell(term: Any, label: Labeller) -> dict[str, str] | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"iri": term.value, "text": label(term)}
    return {"text": str(term.value)}

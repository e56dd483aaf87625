"""Index of a class: its members (with sub-classes), facets (kind, theme, territory, status, year), sorting and
pagination, every filter bound as a SPARQL substitution. Also the counts per class of the home page.

pyoxigraph binds a substitution only for a variable of the projection, so each bound variable is selected.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from .describe import Labeller, fingerprint
from .errors import BadRequest, NotFound
from .namespaces import DCT, OWL, RDF, RDFS, SCHEMA, THC
from .store import Store

PREFIXES = """PREFIX thc: <https://w3id.org/thc/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# Each facet: the path from a member to its value (constant text, never user input).
FACETS: dict[str, str] = {
    "kind": "a",
    "theme": "dct:subject",
    "territory": "dct:spatial|thc:territory|schema:location|thc:within",
    "status": "thc:outcomeStatus|thc:completion",
    "year": "schema:startDate|dct:date|dct:issued",
}
SORTS = ("label", "date")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
FACET_VALUES = 25  # values shown per facet, the most frequent first
_NAME = re.compile(r"[A-Z][A-Za-z]*")
_YEAR = re.compile(r"\d{4}")

# No sub-query: a substitution does not reach inside one (its variables are its own). The class and its sub-classes
# are listed in VALUES (terms written by pyoxigraph's own serialisation, taken from the ontology graph, never from
# user text): pyoxigraph evaluates `?type rdfs:subClassOf* ?class` with ?class substituted by walking every class
# pair first (140 ms against 2 ms at 100k triples).
MEMBERS = "VALUES ?type { %s } ?s a ?type . FILTER(isIRI(?s))"


@dataclass
class Request:
    """What a reader asked of a class index; `parse` checks every parameter and names the bad one."""

    class_name: str
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "label"
    page: int = 1
    limit: int = DEFAULT_LIMIT

    @classmethod
    def parse(cls, class_name: str, args: dict[str, str]) -> Request:
        if not _NAME.fullmatch(class_name):
            raise NotFound(f"no class named {class_name!r}")
        known = {*FACETS, "sort", "page", "limit", "lang", "format"}
        unknown = sorted(set(args) - known)
        if unknown:
            raise BadRequest(f"unknown parameter {', '.join(unknown)}; known parameters: {', '.join(sorted(known))}")
        filters = {}
        for name in FACETS:
            value = args.get(name, "").strip()
            if not value:
                continue
            if name == "year":
                if not _YEAR.fullmatch(value):
                    raise BadRequest(f"year={value!r} is not a year (four digits, e.g. 2014)")
            else:
                try:
                    ox.NamedNode(value)
                except ValueError:
                    raise BadRequest(f"{name}={value!r} is not an IRI") from None
            filters[name] = value
        sort = args.get("sort", "label") or "label"
        if sort not in SORTS:
            raise BadRequest(f"sort={sort!r} is not offered; choose one of: {', '.join(SORTS)}")
        page = _int(args, "page", 1, 1, 1_000_000)
        limit = _int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        return cls(class_name, filters, sort, page, limit)

    classes: list[ox.NamedNode] = field(default_factory=list)  # the class and its sub-classes, set by list_class

    @property
    def class_iri(self) -> ox.NamedNode:
        return THC[self.class_name]


def _int(args: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = args.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise BadRequest(f"{name}={text!r} must be a whole number from {low} to {high}")
    return int(text)


def subclasses(store: Store, class_iri: ox.NamedNode) -> list[ox.NamedNode]:
    """The class and every sub-class of it in the store (transitively)."""
    found = [class_iri]
    seen = {class_iri.value}
    for cls in found:
        for quad in store.quads(None, RDFS.subClassOf, cls, None):
            if isinstance(quad.subject, ox.NamedNode) and quad.subject.value not in seen:
                seen.add(quad.subject.value)
                found.append(quad.subject)
    return found


def _where(request: Request) -> tuple[str, dict[str, Any]]:
    """The members of the class under the filters, and the substitutions that bind the filters."""
    classes = request.classes or [request.class_iri]
    parts = [MEMBERS % " ".join(str(c) for c in classes)]
    bound: dict[str, Any] = {"class": request.class_iri}
    for name, value in request.filters.items():
        if name == "year":
            parts.append(f"?s {FACETS['year']} ?fyear_d . FILTER(SUBSTR(STR(?fyear_d), 1, 4) = ?f_year)")
            bound["f_year"] = ox.Literal(value)
        else:
            parts.append(f"?s {FACETS[name]} ?f_{name} .")
            bound[f"f_{name}"] = ox.NamedNode(value)
    return "\n".join(parts), bound


def _projection(bound: dict[str, Any]) -> str:
    return " ".join("?" + name for name in bound)


def list_query(request: Request) -> tuple[str, dict[str, Any]]:
    where, bound = _where(request)
    keys = _projection(bound) + " ?lang ?other ?s"
    order = "?date LCASE(?label)" if request.sort == "date" else "LCASE(?label)"
    text = (PREFIXES + f"SELECT {keys} (SAMPLE(?label0) AS ?label) (MIN(STR(?date0)) AS ?date) WHERE {{\n{where}\n"
            "OPTIONAL { ?s rdfs:label|skos:prefLabel ?l1 FILTER(LANG(?l1) = ?lang) }\n"
            "OPTIONAL { ?s rdfs:label|skos:prefLabel ?l2 FILTER(LANG(?l2) = ?other) }\n"
            "OPTIONAL { ?s schema:startDate|dct:date|dct:issued ?date0 }\n"
            "BIND(COALESCE(?l1, ?l2, STR(?s)) AS ?label0)\n"
            f"}} GROUP BY {keys} ORDER BY {order} ?s")
    return text, bound


def count_query(request: Request) -> tuple[str, dict[str, Any]]:
    where, bound = _where(request)
    group = _projection(bound)
    return PREFIXES + f"SELECT {group} (COUNT(DISTINCT ?s) AS ?n) WHERE {{\n{where}\n}} GROUP BY {group}", bound


def facet_query(request: Request, facet: str) -> tuple[str, dict[str, Any]]:
    where, bound = _where(request)
    group = _projection(bound)
    if facet == "year":
        value = f"?s {FACETS['year']} ?d . BIND(SUBSTR(STR(?d), 1, 4) AS ?v)"
    else:
        value = f"?s {FACETS[facet]} ?v ."
    return (PREFIXES + f"SELECT {group} ?v (COUNT(DISTINCT ?s) AS ?n) WHERE {{\n{where}\n{value}\n}} "
            f"GROUP BY {group} ?v ORDER BY DESC(?n) ?v LIMIT {FACET_VALUES}"), bound


@dataclass
class Row:
    iri: str
    label: str
    date: str | None


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Page:
    request: Request
    class_label: str
    total: int
    rows: list[Row]
    has_next: bool
    facets: dict[str, list[FacetValue]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.limit))


def is_class(store: Store, class_iri: ox.NamedNode) -> bool:
    return next(store.quads(class_iri, RDF.type, OWL.Class, None), None) is not None


# Whole ordered member lists and facet counts, kept per state of the store (its fingerprint), so that paging
# through a large class costs its page only: the first view of a (class, filters, sort, language) pays the queries.
CACHE_ENTRIES = 64
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()


def _cached(store: Store, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    full = (id(store), fingerprint(store), *key)
    with _cache_lock:
        if full in _cache:
            _cache.move_to_end(full)
            return _cache[full]
    value = compute()
    with _cache_lock:
        _cache[full] = value
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# The class index reads the store's indexes directly (a scan of each facet's predicates, never a per-member
# lookup) and takes labels from the search index when it is current: the same facts as list_query() and
# facet_query() above, which stay as their SPARQL statement (bench/pages_bench.py times both), at a fraction of the
# cost on large classes (pyoxigraph answers those queries one index seek per member).
FACET_PREDICATES: dict[str, tuple[ox.NamedNode, ...]] = {
    "kind": (RDF.type,),
    "theme": (DCT.subject,),
    "territory": (DCT.spatial, THC.territory, SCHEMA.location, THC.within),
    "status": (THC.outcomeStatus, THC.completion),
    "year": (SCHEMA.startDate, DCT.date, DCT.issued),
}


@dataclass
class Members:
    """The members of a class under filters, with their dates; computed once per state of the store."""

    iris: set[str]
    dates: dict[str, str]


def _scan(store: Store, predicates: tuple[ox.NamedNode, ...], obj: Any = None) -> Iterable[ox.Quad]:
    for predicate in predicates:
        yield from store.quads(None, predicate, obj, None)


def members_of(store: Store, request: Request) -> Members:
    iris = {q.subject.value for cls in (request.classes or [request.class_iri])
            for q in store.quads(None, RDF.type, cls, None) if isinstance(q.subject, ox.NamedNode)}
    dates: dict[str, str] = {}
    for quad in _scan(store, FACET_PREDICATES["year"]):
        subject = quad.subject.value
        if subject in iris and isinstance(quad.object, ox.Literal):
            value = quad.object.value
            if subject not in dates or value < dates[subject]:
                dates[subject] = value
    for name, value in request.filters.items():
        if name == "year":
            keep = {q.subject.value for q in _scan(store, FACET_PREDICATES["year"])
                    if isinstance(q.object, ox.Literal) and q.object.value[:4] == value}
        else:
            keep = {q.subject.value for q in _scan(store, FACET_PREDICATES[name], ox.NamedNode(value))}
        iris &= keep
    return Members(iris, {k: v for k, v in dates.items() if k in iris})


def ordered_members(store: Store, request: Request, lang: str,
                    labels: Mapping[str, list[ox.Literal]] | None = None) -> list[Row]:
    """Every member of the class under the filters, in the requested order (one row per member)."""
    found = _cached(store, ("members", request.class_name, tuple(sorted(request.filters.items()))),
                    lambda: members_of(store, request))
    label = Labeller(store, lang, labels)
    rows = [Row(iri, label(ox.NamedNode(iri)), found.dates.get(iri)) for iri in found.iris]
    if request.sort == "date":
        rows.sort(key=lambda r: (r.date is None, r.date or "", r.label.casefold(), r.iri))
    else:
        rows.sort(key=lambda r: (r.label.casefold(), r.iri))
    return rows


def facet_counts(store: Store, request: Request, lang: str,
                 labels: Mapping[str, list[ox.Literal]] | None = None) -> dict[str, list[FacetValue]]:
    label = Labeller(store, lang, labels)
    found = _cached(store, ("members", request.class_name, tuple(sorted(request.filters.items()))),
                    lambda: members_of(store, request))
    facets: dict[str, list[FacetValue]] = {}
    for facet, predicates in FACET_PREDICATES.items():
        counts: dict[str, set[str]] = {}
        terms: dict[str, Any] = {}
        if facet == "year":
            for iri, date in found.dates.items():
                counts.setdefault(date[:4], set()).add(iri)
        else:
            for quad in _scan(store, predicates):
                subject = quad.subject.value
                if subject in found.iris and isinstance(quad.object, ox.NamedNode):
                    counts.setdefault(quad.object.value, set()).add(subject)
                    terms[quad.object.value] = quad.object
        ranked = sorted(counts.items(), key=lambda pair: (-len(pair[1]), pair[0]))[:FACET_VALUES]
        values = [FacetValue(value, label(terms[value]) if value in terms else value, len(subjects),
                             request.filters.get(facet) == value) for value, subjects in ranked]
        if values:
            facets[facet] = values
    return facets


def list_class(store: Store, request: Request, lang: str, *, with_facets: bool = True,
               labels: Mapping[str, list[ox.Literal]] | None = None) -> Page:
    """One page of the class index in `lang` (labels fall back to the other language); `labels`: the search
    index's label table when it is current."""
    if not is_class(store, request.class_iri):
        raise NotFound(f"no class thc:{request.class_name} in the ontology")
    request.classes = subclasses(store, request.class_iri)
    filters = tuple(sorted(request.filters.items()))
    members = _cached(store, ("rows", request.class_name, filters, request.sort, lang),
                      lambda: ordered_members(store, request, lang, labels))
    start = (request.page - 1) * request.limit
    rows = members[start:start + request.limit]
    facets = _cached(store, ("facets", request.class_name, filters, lang),
                     lambda: facet_counts(store, request, lang, labels)) if with_facets else {}
    return Page(request, Labeller(store, lang)(request.class_iri), len(members), rows,
                start + request.limit < len(members), facets)


COUNTS_QUERY = PREFIXES + """PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?class a owl:Class . FILTER(STRSTARTS(STR(?class), "https://w3id.org/thc/ontology#"))
  ?type rdfs:subClassOf* ?class . ?s a ?type
} GROUP BY ?class ORDER BY DESC(?n)
"""


def class_counts(store: Store, lang: str) -> list[tuple[str, str, str, int]]:
    """(class IRI, local name, label, members) for every class of the ontology that has members."""
    label = Labeller(store, lang)
    out = []
    for row in _cached(store, ("counts",), lambda: store.select(COUNTS_QUERY)):
        iri = row["class"].value
        out.append((iri, iri.rsplit("#", 1)[1], label(row["class"]), int(row["n"].value)))
    return out

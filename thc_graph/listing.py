"""Index of a class: its members (with sub-classes), facets (kind, theme, territory, status, year), sorting and
pagination, every filter bound as a SPARQL substitution. Also the counts per class of the home page.

Only the public union counts: a statement in a withdrawn contribution makes no member and no facet value. The
status of a commitment (thc:Commitment and its sub-classes) is the completion of its latest report or evaluation,
as the dashboard shows it (contributions.latest_rated); other classes have their own thc:outcomeStatus or
thc:completion.

The lists are kept in memory and follow the store's change log (store.changes): each class remembers the generation
it is current at, and its next view re-reads only the IRIs the writes since then touched (their types, dates, facet
values and labels), so a contribution costs the class indexes what it holds, not what the store holds.

pyoxigraph binds a substitution only for a variable of the projection, so each bound variable is selected.
"""

from __future__ import annotations

import bisect
import heapq
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pyoxigraph as ox

from .contributions import commitment_histories, latest_rated
from .describe import Labeller, fingerprint
from .errors import BadRequest, NotFound
from .namespaces import DCT, OWL, RDF, RDFS, SCHEMA, THC
from .store import Store

PREFIXES = """PREFIX thc: <https://w3id.org/thc/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
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

# The status of a commitment: the completion of its latest report or evaluation outside withdrawn contributions
# (latest by date, then by when its graph was published, then by IRI), each read in the graph that says what it is
# about: the rule of contributions.latest_rated and the dashboard. `{v}` is the value's variable, `{t}` a tag that
# keeps the pattern's own variables apart when it is used twice in one query.
LATEST_STATUS = """{{ GRAPH ?rg{t} {{ ?r{t} thc:aboutCommitment ?s ; a thc:ProgressReport }} }}
UNION {{ GRAPH ?rg{t} {{ ?r{t} thc:evaluates ?s ; a thc:Evaluation }} }}
GRAPH ?rg{t} {{ ?r{t} thc:completion {v} }}
FILTER NOT EXISTS {{ GRAPH <https://w3id.org/thc/graph/meta> {{ ?rg{t} prov:invalidatedAtTime ?rw{t} }} }}
OPTIONAL {{ GRAPH ?rg{t} {{ ?r{t} dct:date ?rd{t} }} }} OPTIONAL {{ GRAPH ?rg{t} {{ ?r{t} thc:dueDate ?rd{t} }} }}
OPTIONAL {{ GRAPH <https://w3id.org/thc/graph/meta> {{ ?rg{t} prov:generatedAtTime ?rp{t} }} }}
FILTER NOT EXISTS {{
  {{ GRAPH ?lg{t} {{ ?l{t} thc:aboutCommitment ?s ; a thc:ProgressReport }} }}
  UNION {{ GRAPH ?lg{t} {{ ?l{t} thc:evaluates ?s ; a thc:Evaluation }} }}
  GRAPH ?lg{t} {{ ?l{t} thc:completion ?lv{t} }}
  FILTER NOT EXISTS {{ GRAPH <https://w3id.org/thc/graph/meta> {{ ?lg{t} prov:invalidatedAtTime ?lw{t} }} }}
  OPTIONAL {{ GRAPH ?lg{t} {{ ?l{t} dct:date ?ld{t} }} }} OPTIONAL {{ GRAPH ?lg{t} {{ ?l{t} thc:dueDate ?ld{t} }} }}
  OPTIONAL {{ GRAPH <https://w3id.org/thc/graph/meta> {{ ?lg{t} prov:generatedAtTime ?lp{t} }} }}
  FILTER (CONCAT(COALESCE(STR(?ld{t}), ""), " ", COALESCE(STR(?lp{t}), ""), " ", STR(?l{t}))
          > CONCAT(COALESCE(STR(?rd{t}), ""), " ", COALESCE(STR(?rp{t}), ""), " ", STR(?r{t})))
}}"""


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
    latest_status: bool = False  # a class of commitments: status from the latest report (set by list_class)

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


def latest_status_of(store: Store, class_iri: ox.NamedNode) -> bool:
    """Whether the members of the class take their status from their latest report (thc:Commitment and below)."""
    return class_iri.value in {c.value for c in subclasses(store, THC.Commitment)}


def _where(request: Request) -> tuple[str, dict[str, Any]]:
    """The members of the class under the filters, and the substitutions that bind the filters."""
    classes = request.classes or [request.class_iri]
    parts = [MEMBERS % " ".join(str(c) for c in classes)]
    bound: dict[str, Any] = {"class": request.class_iri}
    for name, value in request.filters.items():
        if name == "year":
            parts.append(f"?s {FACETS['year']} ?fyear_d . FILTER(SUBSTR(STR(?fyear_d), 1, 4) = ?f_year)")
            bound["f_year"] = ox.Literal(value)
        elif name == "status" and request.latest_status:
            parts.append(LATEST_STATUS.format(v="?f_status", t="_f"))
            bound["f_status"] = ox.NamedNode(value)
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
    elif facet == "status" and request.latest_status:
        value = LATEST_STATUS.format(v="?v", t="_v")
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


# -- reading the store ------------------------------------------------------------------------------------------------
# The class index reads the store's indexes directly (a scan of each facet's predicates, never a per-member lookup,
# for a whole class; a lookup per IRI for the few IRIs a write touched) and takes labels from the search index when
# it is current: the same facts as list_query() and facet_query() above, which stay as their SPARQL statement
# (bench/pages_bench.py times both), at a fraction of the cost on large classes (pyoxigraph answers those queries one
# index seek per member).
FACET_PREDICATES: dict[str, tuple[ox.NamedNode, ...]] = {
    "kind": (RDF.type,),
    "theme": (DCT.subject,),
    "territory": (DCT.spatial, THC.territory, SCHEMA.location, THC.within),
    "status": (THC.outcomeStatus, THC.completion),
    "year": (SCHEMA.startDate, DCT.date, DCT.issued),
}
VALUE_FACETS = ("kind", "theme", "territory", "status")  # facets whose values are IRIs (the year is a date's)
# A write that touched more IRIs than this (an import) rebuilds the classes it concerns rather than follow it.
MAX_FOLLOWED = 20_000
_NONE: frozenset[str] = frozenset()


class Record(NamedTuple):
    """What the class index knows of one member: its facet values, its earliest date and the years of all its dates."""

    kind: frozenset[str]
    theme: frozenset[str]
    territory: frozenset[str]
    status: frozenset[str]
    date: str | None
    years: frozenset[str]

    def values(self, facet: str) -> frozenset[str]:
        return getattr(self, facet)  # type: ignore[no-any-return]  # facet names a frozenset[str] field

    def passes(self, filters: Iterable[tuple[str, str]]) -> bool:
        return all(value in (self.years if name == "year" else self.values(name)) for name, value in filters)


def _statuses(store: Store, commitments: Iterable[str]) -> dict[str, str]:
    """The status of each commitment: the completion of its latest report or evaluation (the dashboard's rule)."""
    wanted = list(commitments)
    if not wanted:
        return {}
    out = {}
    for commitment, history in commitment_histories(store, wanted).items():
        latest = latest_rated(history)
        if latest is not None:
            out[commitment] = latest["completion"]
    return out


class _Interner:
    """One string and one frozenset object per distinct value, so that 50,000 members share them."""

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.sets: dict[frozenset[str], frozenset[str]] = {_NONE: _NONE}

    def __call__(self, values: Iterable[str] | None) -> frozenset[str]:
        if not values:
            return _NONE
        found = frozenset(self.strings.setdefault(v, v) for v in values)
        return self.sets.setdefault(found, found)


def _record(values: Mapping[str, Iterable[str]], dates: Iterable[str], status: Iterable[str] | None,
            intern: _Interner) -> Record:
    dates = list(dates)
    return Record(intern(values.get("kind")), intern(values.get("theme")), intern(values.get("territory")),
                  intern(status if status is not None else values.get("status")), min(dates) if dates else None,
                  intern(d[:4] for d in dates))


def read_class(store: Store, classes: frozenset[str], latest_status: bool) -> dict[str, Record]:
    """Every member of the classes (IRIs typed with one of them in the public union) with its facet values and dates,
    read by scanning each facet predicate once."""
    members = {q.subject.value for cls in classes for q in store.public_quads(None, RDF.type, ox.NamedNode(cls))
               if isinstance(q.subject, ox.NamedNode)}
    values: dict[str, dict[str, set[str]]] = {facet: {} for facet in VALUE_FACETS}
    for facet in VALUE_FACETS:
        if facet == "status" and latest_status:
            continue
        found = values[facet]
        for predicate in FACET_PREDICATES[facet]:
            for quad in store.public_quads(None, predicate, None):
                subject = quad.subject.value  # type: ignore[union-attr]  # no quoted triples here
                if subject in members and isinstance(quad.object, ox.NamedNode):
                    found.setdefault(subject, set()).add(quad.object.value)
    dates: dict[str, list[str]] = {}
    for predicate in FACET_PREDICATES["year"]:
        for quad in store.public_quads(None, predicate, None):
            subject = quad.subject.value  # type: ignore[union-attr]  # no quoted triples here
            if subject in members and isinstance(quad.object, ox.Literal):
                dates.setdefault(subject, []).append(quad.object.value)
    statuses = _statuses(store, members) if latest_status else {}
    intern = _Interner()
    return {iri: _record({facet: values[facet].get(iri, ()) for facet in VALUE_FACETS}, dates.get(iri, ()),
                         [statuses[iri]] if iri in statuses else [] if latest_status else None, intern)
            for iri in members}


def read_members(store: Store, iris: Iterable[str], classes: frozenset[str],
                 latest_status: bool) -> dict[str, Record]:
    """The same as read_class for a few IRIs (a lookup each): those that are members, with their records."""
    found: dict[str, tuple[dict[str, set[str]], list[str]]] = {}
    for iri in iris:
        node = ox.NamedNode(iri)
        kinds = {q.object.value for q in store.public_quads(node, RDF.type)
                 if isinstance(q.object, ox.NamedNode)}
        if not kinds & classes:
            continue
        values: dict[str, set[str]] = {"kind": kinds}
        for facet in VALUE_FACETS[1:]:
            if not (facet == "status" and latest_status):
                values[facet] = {q.object.value for predicate in FACET_PREDICATES[facet]
                                 for q in store.public_quads(node, predicate)
                                 if isinstance(q.object, ox.NamedNode)}
        dates = [q.object.value for predicate in FACET_PREDICATES["year"]
                 for q in store.public_quads(node, predicate) if isinstance(q.object, ox.Literal)]
        found[iri] = (values, dates)
    statuses = _statuses(store, found) if latest_status else {}
    intern = _Interner()
    return {iri: _record(values, dates, [statuses[iri]] if iri in statuses else [] if latest_status else None, intern)
            for iri, (values, dates) in found.items()}


def _commitments_of(store: Store, iris: Iterable[str]) -> set[str]:
    """The commitments the reports and evaluations among `iris` are about (their status may have changed)."""
    found: set[str] = set()
    for iri in iris:
        node = ox.NamedNode(iri)
        for predicate in (THC.aboutCommitment, THC.evaluates):
            found.update(q.object.value for q in store.quads(node, predicate, None, None)
                         if isinstance(q.object, ox.NamedNode))
    return found


# -- the lists kept in memory -----------------------------------------------------------------------------------------
def _sort_key(row: Row, sort: str) -> tuple[Any, ...]:
    if sort == "date":
        return (row.date is None, row.date or "", row.label.casefold(), row.iri)
    return (row.label.casefold(), row.iri)


class _Order:
    """The rows of a view in one order and language; a row moves by bisection when its member changes."""

    def __init__(self, sort: str, rows: Iterable[Row]) -> None:
        self.key: Callable[[Row], tuple[Any, ...]] = lambda row: _sort_key(row, sort)
        self.rows = sorted(rows, key=self.key)  # the keys are not kept: a bisection computes the 16 it needs
        self.row_of = {row.iri: row for row in self.rows}

    def remove(self, iri: str) -> None:
        row = self.row_of.pop(iri, None)
        if row is not None:
            del self.rows[bisect.bisect_left(self.rows, self.key(row), key=self.key)]

    def add(self, row: Row) -> None:
        self.rows.insert(bisect.bisect_left(self.rows, self.key(row), key=self.key), row)
        self.row_of[row.iri] = row


class _View:
    """The members of a class under some filters: their facet counts (value → members) and their orders."""

    def __init__(self, filters: tuple[tuple[str, str], ...], records: Mapping[str, Record]) -> None:
        self.filters = filters
        self.members: set[str] = set()
        self.counts: dict[str, dict[str, set[str]]] = {facet: {} for facet in FACETS}
        self.orders: dict[tuple[str, str], _Order] = {}
        self.shown: dict[str, dict[str, list[FacetValue]]] = {}  # per language, until the next change
        for iri, record in records.items():
            if record.passes(filters):
                self._count(iri, record)

    def _values(self, record: Record) -> Iterator[tuple[str, str]]:
        for facet in VALUE_FACETS:
            for value in record.values(facet):
                yield facet, value
        if record.date:
            yield "year", record.date[:4]

    def _count(self, iri: str, record: Record) -> None:
        self.members.add(iri)
        for facet, value in self._values(record):
            self.counts[facet].setdefault(value, set()).add(iri)

    def _uncount(self, iri: str, record: Record) -> None:
        self.members.discard(iri)
        for facet, value in self._values(record):
            holders = self.counts[facet].get(value)
            if holders is not None:
                holders.discard(iri)
                if not holders:
                    del self.counts[facet][value]

    def order(self, sort: str, lang: str, records: Mapping[str, Record], label: Labeller) -> _Order:
        if (sort, lang) not in self.orders:
            self.orders[sort, lang] = _Order(sort, (Row(iri, label(ox.NamedNode(iri)), records[iri].date)
                                                    for iri in self.members))
        return self.orders[sort, lang]

    def replace(self, iri: str, old: Record | None, new: Record | None, labellers: Mapping[str, Labeller]) -> None:
        """Follow one member's change (None: not a member)."""
        if old is not None and iri in self.members:
            self._uncount(iri, old)
        now = new is not None and new.passes(self.filters)
        if new is not None and now:
            self._count(iri, new)
        for (_, lang), order in self.orders.items():
            order.remove(iri)
            if new is not None and now:
                order.add(Row(iri, labellers[lang](ox.NamedNode(iri)), new.date))

    def facets(self, lang: str, label: Labeller) -> dict[str, list[FacetValue]]:
        """The most frequent values of each facet with their labels (read now: a label may change any time)."""
        if lang not in self.shown:
            chosen = dict(self.filters)
            facets: dict[str, list[FacetValue]] = {}
            for facet, counts in self.counts.items():
                ranked = heapq.nsmallest(FACET_VALUES, counts.items(), key=lambda pair: (-len(pair[1]), pair[0]))
                values = [FacetValue(value, value if facet == "year" else label(ox.NamedNode(value)), len(members),
                                     chosen.get(facet) == value) for value, members in ranked]
                if values:
                    facets[facet] = values
            self.shown[lang] = facets
        return self.shown[lang]


CACHE_CLASSES = 32  # classes kept in memory (least recently used out)
CACHE_VIEWS = 32  # filter combinations kept per class


class _ClassIndex:
    """The members of one class (with its sub-classes) and the views of them asked so far, current at `generation`
    of the store's change log (and at `fingerprint`, which a remote store's other writers change)."""

    def __init__(self, store: Store, classes: frozenset[str], latest_status: bool) -> None:
        self.store = weakref.ref(store)
        self.classes = classes
        self.latest_status = latest_status
        self.lock = threading.Lock()
        self.generation: int | None = None
        self.fingerprint: tuple[str, ...] | None = None
        self.records: dict[str, Record] = {}
        self.views: OrderedDict[tuple[tuple[str, str], ...], _View] = OrderedDict()

    def follow(self, store: Store, labels: Mapping[str, list[ox.Literal]] | None) -> None:
        """Bring the index up to date: nothing to do, the touched IRIs to re-read, or a rebuild."""
        touched: set[str] | None = None
        if self.generation is not None:
            generation, touched = store.changes.since(self.generation)
            current = fingerprint(store)
            if generation == self.generation and current != self.fingerprint:
                touched = None  # written by somebody our change log does not hear (another client of a remote store)
            if touched is not None and len(touched) <= MAX_FOLLOWED:
                if touched:
                    if self.latest_status:
                        touched |= _commitments_of(store, touched)  # a report's change moves its commitment's status
                    self._update(store, touched, labels)
                self.generation, self.fingerprint = generation, current
                return
        self.generation = store.changes.token()  # before reading: a write while we read is followed next time
        self.fingerprint = fingerprint(store)
        self.records = read_class(store, self.classes, self.latest_status)
        self.views.clear()

    def _update(self, store: Store, touched: set[str], labels: Mapping[str, list[ox.Literal]] | None) -> None:
        fresh = read_members(store, touched, self.classes, self.latest_status)
        langs = {lang for view in self.views.values() for _, lang in view.orders}
        labellers = {lang: Labeller(store, lang, labels) for lang in langs}
        for iri in touched:
            old, new = self.records.get(iri), fresh.get(iri)
            if old is None and new is None:
                continue
            for view in self.views.values():
                view.replace(iri, old, new, labellers)
            if new is None:
                del self.records[iri]
            else:
                self.records[iri] = new
        for view in self.views.values():
            view.shown.clear()  # a facet value's label may have changed

    def view(self, filters: tuple[tuple[str, str], ...]) -> _View:
        if filters in self.views:
            self.views.move_to_end(filters)
        else:
            self.views[filters] = _View(filters, self.records)
            while len(self.views) > CACHE_VIEWS:
                self.views.popitem(last=False)
        return self.views[filters]


_indexes: OrderedDict[tuple[int, frozenset[str], bool], _ClassIndex] = OrderedDict()
_counts: weakref.WeakKeyDictionary[Store, _Counts] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _index(store: Store, request: Request) -> _ClassIndex:
    classes = frozenset(c.value for c in (request.classes or [request.class_iri]))
    key = (id(store), classes, request.latest_status)
    with _cache_lock:
        index = _indexes.get(key)
        if index is None or index.store() is not store:
            for gone in [k for k, i in _indexes.items() if i.store() is None]:
                del _indexes[gone]  # the indexes of stores closed since
            index = _indexes[key] = _ClassIndex(store, classes, request.latest_status)
        _indexes.move_to_end(key)
        while len(_indexes) > CACHE_CLASSES:
            _indexes.popitem(last=False)
    return index


def clear_cache() -> None:
    """Forget every class index and count (the next view reads the store again)."""
    with _cache_lock:
        _indexes.clear()
        _counts.clear()


def list_class(store: Store, request: Request, lang: str, *, with_facets: bool = True,
               labels: Mapping[str, list[ox.Literal]] | None = None) -> Page:
    """One page of the class index in `lang` (labels fall back to the other language); `labels`: the search
    index's label table when it is current."""
    if not is_class(store, request.class_iri):
        raise NotFound(f"no class thc:{request.class_name} in the ontology")
    request.classes = subclasses(store, request.class_iri)
    request.latest_status = latest_status_of(store, request.class_iri)
    index = _index(store, request)
    label = Labeller(store, lang, labels)
    with index.lock:
        index.follow(store, labels)
        view = index.view(tuple(sorted(request.filters.items())))
        order = view.order(request.sort, lang, index.records, label)
        start = (request.page - 1) * request.limit
        rows = order.rows[start:start + request.limit]
        total = len(order.rows)
        facets = view.facets(lang, label) if with_facets else {}
    return Page(request, Labeller(store, lang)(request.class_iri), total, rows, start + request.limit < total, facets)


# -- counts per class (the home page) ---------------------------------------------------------------------------------
COUNTS_QUERY = PREFIXES + """PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?class a owl:Class . FILTER(STRSTARTS(STR(?class), "https://w3id.org/thc/ontology#"))
  ?type rdfs:subClassOf* ?class . ?s a ?type FILTER(isIRI(?s))
} GROUP BY ?class ORDER BY DESC(?n)
"""


class _Counts:
    """The members (IRIs) of every class of the ontology, counted the way COUNTS_QUERY does, following the change log:
    each typed IRI with the classes it counts in, so that a touched IRI moves the counts it changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: int | None = None
        self.fingerprint: tuple[str, ...] | None = None
        self.supers: dict[str, frozenset[str]] = {}  # a type → the classes of the ontology it counts in
        self.typed: dict[str, frozenset[str]] = {}  # an IRI → the classes it counts in
        self.counts: dict[str, int] = {}

    def follow(self, store: Store) -> None:
        if self.generation is not None:
            generation, touched = store.changes.since(self.generation)
            current = fingerprint(store)
            if generation == self.generation and current != self.fingerprint:
                touched = None  # written by somebody our change log does not hear
            # the classes and their sub-classes as they are now (a few hundred lookups): when they changed (the
            # ontology did), every count is read again
            if touched is not None and len(touched) <= MAX_FOLLOWED and (
                    not touched or self._structure(store) == self.supers):
                for iri in touched:
                    self._move(iri, self._classes_of(store, iri))
                self.generation, self.fingerprint = generation, current
                return
        self.generation = store.changes.token()
        self.fingerprint = fingerprint(store)
        self._read(store)

    @staticmethod
    def _structure(store: Store) -> dict[str, frozenset[str]]:
        """Each type that counts → the classes of the ontology (owl:Class in its namespace) it counts in."""
        namespace = str(THC)
        classes = {q.subject.value for q in store.public_quads(None, RDF.type, OWL.Class)
                   if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(namespace)}
        supers: dict[str, set[str]] = {}
        for cls in classes:
            for sub in subclasses(store, ox.NamedNode(cls)):
                supers.setdefault(sub.value, set()).add(cls)
        return {kind: frozenset(counted) for kind, counted in supers.items()}

    def _read(self, store: Store) -> None:
        self.supers = self._structure(store)
        self.typed, self.counts = {}, {}
        for kind, counted in self.supers.items():
            for quad in store.public_quads(None, RDF.type, ox.NamedNode(kind)):
                if isinstance(quad.subject, ox.NamedNode):
                    iri = quad.subject.value
                    self.typed[iri] = self.typed.get(iri, frozenset()) | counted
        shared: dict[frozenset[str], frozenset[str]] = {}
        for iri, counted in self.typed.items():
            self.typed[iri] = shared.setdefault(counted, counted)
            for cls in counted:
                self.counts[cls] = self.counts.get(cls, 0) + 1

    def _classes_of(self, store: Store, iri: str) -> frozenset[str]:
        counted: frozenset[str] = frozenset()
        for quad in store.public_quads(ox.NamedNode(iri), RDF.type):
            if isinstance(quad.object, ox.NamedNode) and quad.object.value in self.supers:
                counted |= self.supers[quad.object.value]
        return counted

    def _move(self, iri: str, counted: frozenset[str]) -> None:
        old = self.typed.pop(iri, frozenset())
        if counted:
            self.typed[iri] = counted
        for cls in old - counted:
            self.counts[cls] -= 1
        for cls in counted - old:
            self.counts[cls] = self.counts.get(cls, 0) + 1


def class_counts(store: Store, lang: str) -> list[tuple[str, str, str, int]]:
    """(class IRI, local name, label, members) for every class of the ontology that has members (IRIs, in the
    public union), most members first: kept in memory and moved by each write (see _Counts)."""
    with _cache_lock:
        counts = _counts.get(store)
        if counts is None:
            counts = _counts[store] = _Counts()
    with counts.lock:
        counts.follow(store)
        ranked = sorted(((cls, n) for cls, n in counts.counts.items() if n > 0), key=lambda pair: (-pair[1], pair[0]))
    label = Labeller(store, lang)
    return [(iri, iri.rsplit("#", 1)[1], label(ox.NamedNode(iri)), n) for iri, n in ranked]


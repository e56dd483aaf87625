"""`thc import participedia DIR`: Participedia's cases, methods and organisations (CC BY-NC-SA 3.0).

Links: case → methods, case → primary organiser, organisation → methods. Facets onto our SKOS schemes (through
thc:participediaCode), places, owl:sameAs to participedia.net, and matches with what the store already holds
(the Etalab catalogue, the seed, the territories). The quirks of the exports are handled here: PostgreSQL
arrays {a,b}, composite arrays {"(188,method,\\"Title\\")"}, float ids (4377.0), byte-order marks,
lower-cased case titles and untitled drafts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from .. import paths
from ..namespaces import DCT, GRAPH, OWL, RDF, RDFS, SCHEMA, SCHEME, THC, WGS, XSD, Namespace
from ..store import Store
from .reconcile import HEAD, Gazetteer, bare
from .report import (
    CC_BY_NC_SA_3,
    CSV_FORMAT,
    Input,
    Match,
    Progress,
    Report,
    commit,
    csv_rows,
    iri,
    lit,
    read_input,
    typed,
)

GRAPH_IRI = GRAPH["import/participedia"]
TITLE = "Participedia : cas, méthodes et organisations (contributeurs de Participedia, CC BY-NC-SA 3.0)"
ATTRIBUTION = "Participedia contributors, https://participedia.net"
ORIGINS = (
    ("https://github.com/maduoma/participedia-chatbot-app/tree/4285223fb4be55eb8c5df9e1bb72abe57b82f8b4",
     "maduoma/participedia-chatbot-app, commit 4285223 (cases_titles.csv, methods.csv)", "2024-11-09"),
    ("https://github.com/ptandel1230/Participedia-Analytics-Dashboard/tree/a0bba8c3570620da8817dfb6ad3e347f8a226948",
     "ptandel1230/Participedia-Analytics-Dashboard, commit a0bba8c (cases_facts.csv, organizations.csv)", "2026-01-29"),
)
SITE = "https://participedia.net/"
ACTOR_TYPE = Namespace(SCHEME.iri + "actor-types/")
UNKNOWN = SCHEME["outcome-status/unknown"]
FACETS = (  # column prefix, scheme, property
    ("purpose_method", "purposes", THC.purpose),
    ("scope_of_influence", "scope", THC.scope),
    ("decision_methods", "decision-methods", THC.decisionMethod),
    ("if_voting", "decision-methods", THC.decisionMethod),
)
SINGLE_FACETS = (("recruitment_method", "recruitment", THC.recruitment),
                 ("open_limited", "recruitment", THC.recruitment),
                 ("public_spectrum", "iap2", THC.participationLevel))
# sector (old and new vocabularies) -> class and actor type
SECTORS = {
    "non_profit_non_gov": (THC.CivilSocietyOrganization, "association"),
    "non-profit or non governmental": (THC.CivilSocietyOrganization, "association"),
    "for_profit": (THC.Company, "company"),
    "for profit": (THC.Company, "company"),
    "government": (THC.Organization, "public-body"),
}
# Values that are variants of a code (a typo kept by the export) or that say "no value".
ALIASES = {("themes", "educations"): "education"}
NO_VALUE = {("iap2", "not")}
ID = re.compile(r"^\s*(\d+)(?:\.0+)?\s*$")
ARRAY = re.compile(r"^\{(.*)\}$", re.S)
COMPOSITE = re.compile(r'\((\d+),(\w+),')


class RowError(ValueError):
    """A value of a row that cannot be read: the row is reported and skipped."""


def parse_id(text: str, what: str) -> int | None:
    """'4377', '4377.0' -> 4377; '' -> None; anything else is a RowError."""
    if not text.strip():
        return None
    match = ID.match(text)
    if not match:
        raise RowError(f"{what} {text!r} is not an integer id")
    return int(match.group(1))


def parse_array(text: str, what: str) -> list[str]:
    """A PostgreSQL array literal: '{a,b}' -> ['a', 'b'], '{}' or '' -> []."""
    text = text.strip()
    if not text:
        return []
    match = ARRAY.match(text)
    if not match:
        raise RowError(f"{what} {text!r} is not an array literal {{a,b}}")
    return [item.strip().strip('"') for item in match.group(1).split(",") if item.strip()]


def parse_composites(text: str, what: str) -> list[tuple[int, str]]:
    """'{"(188,method,\\"Title\\")", ...}' -> [(188, 'method'), ...]: only the ids and types, never the titles."""
    text = text.strip()
    if not text or text == "{}":
        return []
    if not ARRAY.match(text):
        raise RowError(f"{what} {text[:40]!r} is not an array of (id,type,\"title\") composites")
    found = [(int(i), kind) for i, kind in COMPOSITE.findall(text)]
    if not found:
        raise RowError(f"{what} {text[:40]!r} holds no (id,type,\"title\") composite")
    return found


def sentence_case(title: str) -> str:
    """cases_titles.csv lower-cases every title: give back at least the capital of its first letter."""
    title = " ".join(title.split())
    return title[:1].upper() + title[1:] if title else title


def _decimal(text: str, low: int, high: int, what: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise RowError(f"{what} {text!r} is not a number") from None
    if not (value.is_finite() and low <= value <= high):
        raise RowError(f"{what} {text!r} is out of range")
    return value


def concept_codes() -> dict[tuple[str, str], ox.NamedNode]:
    """(scheme, Participedia code) -> concept, read from ontology/schemes (thc:participediaCode)."""
    table: dict[tuple[str, str], ox.NamedNode] = {}
    for path in paths.SCHEMES_DIR.glob("*.ttl"):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if triple.predicate == THC.participediaCode and isinstance(triple.subject, ox.NamedNode):
                table[(path.stem, triple.object.value)] = triple.subject
    return table


def case_iri(number: int) -> ox.NamedNode:
    return iri("experience", f"participedia-case-{number}")


def method_iri(number: int) -> ox.NamedNode:
    return iri("method", f"participedia-{number}")


def org_iri(number: int) -> ox.NamedNode:
    return iri("actor", f"participedia-organization-{number}")


def build(store: Store, directory: Path, progress: Progress = None) -> tuple[Report, list[Input], list[ox.Triple]]:
    report = Report(source=f"participedia ({directory.name})")
    names = ("cases_titles.csv", "cases_facts.csv", "methods.csv", "organizations.csv")
    inputs = {name: read_input(directory, name, CSV_FORMAT) for name in names}
    gaz = Gazetteer.from_store(store, exclude=GRAPH_IRI)
    codes = concept_codes()
    out: list[ox.Triple] = []
    T = ox.Triple

    def labels(node: ox.NamedNode, title: str) -> None:
        # Participedia has no French titles: its (English) title is the name in both languages (docs/importers.md).
        out.extend([T(node, RDFS.label, lit(title, "fr")), T(node, RDFS.label, lit(title, "en"))])

    def same_as(node: ox.NamedNode, kind: str, number: int) -> None:
        out.append(T(node, OWL.sameAs, ox.NamedNode(f"{SITE}{kind}/{number}")))

    def place(node: ox.NamedNode, row: dict[str, str], city_key: str, country_key: str,
              territory_property: ox.NamedNode, coordinates: tuple[Decimal | None, Decimal | None]) -> None:
        city, country = row.get(city_key, "").strip(), row.get(country_key, "").strip()
        if city == "Unknown":
            city = ""
        if country == "Unknown":
            country = ""
        province, postcode = row.get("province", "").strip(), row.get("postal_code", "").strip()
        lat, long = coordinates
        if not (city or country or province or lat is not None):
            return
        address = ox.NamedNode(node.value + "#place")
        out.extend([T(node, SCHEMA.address, address), T(address, RDF.type, SCHEMA.PostalAddress),
                    T(address, RDF.type, SCHEMA.Place)])
        for value, prop in ((city, SCHEMA.addressLocality), (province, SCHEMA.addressRegion),
                            (country, SCHEMA.addressCountry), (postcode, SCHEMA.postalCode)):
            if value:
                out.append(T(address, prop, lit(value)))
        if lat is not None and long is not None:
            out.extend([T(address, WGS.lat, typed(str(lat), XSD.decimal)),
                        T(address, WGS.long, typed(str(long), XSD.decimal))])
        report.count("schema:Place")
        if country == "France" and city:
            code = gaz.commune(city)
            report.link("French place → commune", code is not None,
                        None if code else f"{node.value}: city {city!r} is not one commune name of the INSEE list")
            if code:
                commune = iri("territory", f"commune-{code.lower()}")
                out.append(T(node, territory_property, commune))
                report.matches.append(Match(commune.value, f"{city}, France ({node.value})",
                                            "a French city = the commune of that unique name in the INSEE list",
                                            sameas=False))

    # -- methods -------------------------------------------------------------------------------
    methods: set[int] = set()
    source = inputs["methods.csv"]
    facet_columns = [f"{prefix}_{i}" for prefix, _, _ in FACETS for i in (1, 2, 3)]
    for line, row in csv_rows(source, ("id", "title", "url", *[c for c, _, _ in SINGLE_FACETS], *facet_columns)):
        try:
            number = parse_id(row["id"], "id")
            if number is None:
                raise RowError("no id")
            title = " ".join(row["title"].split())
            if not title:
                raise RowError("no title")
        except RowError as exc:
            report.reject(source.name, line, str(exc))
            continue
        node = method_iri(number)
        methods.add(number)
        out.append(T(node, RDF.type, THC.Method))
        labels(node, title)
        same_as(node, "method", number)
        values = [(scheme, prop, row[column].strip()) for column, scheme, prop in SINGLE_FACETS]
        values += [(scheme, prop, row[f"{prefix}_{i}"].strip()) for prefix, scheme, prop in FACETS for i in (1, 2, 3)]
        for scheme, prop, value in values:
            if not value or (scheme, value) in NO_VALUE:
                continue
            concept = codes.get((scheme, ALIASES.get((scheme, value), value)))
            report.link(f"method facet → {scheme}", concept is not None,
                        None if concept else f"method {number}: {value!r} has no concept in scheme/{scheme}")
            if concept is not None:
                out.append(T(node, prop, concept))
        report.count("thc:Method")

    # -- organisations -------------------------------------------------------------------------
    organisations: set[int] = set()
    source = inputs["organizations.csv"]
    columns: tuple[str, ...] = ("id", "title", "city", "province", "country", "latitude", "longitude", "sector",
                                "specific_methods_tools_techniques", "general_issues_1", "general_issues_2",
                                "general_issues_3")
    for line, row in csv_rows(source, columns):
        try:
            number = parse_id(row["id"], "id")
            if number is None:
                raise RowError("no id")
            title = " ".join(row["title"].split())
            if not title:
                raise RowError("no title")
            coordinates = (_decimal(row["latitude"], -90, 90, "latitude"),
                           _decimal(row["longitude"], -180, 180, "longitude"))
            linked = parse_composites(row["specific_methods_tools_techniques"], "specific_methods_tools_techniques")
        except RowError as exc:
            report.reject(source.name, line, str(exc))
            continue
        node = org_iri(number)
        organisations.add(number)
        cls, actor_type = SECTORS.get(row["sector"].strip().lower(), (THC.Organization, None))
        out.append(T(node, RDF.type, cls))
        if actor_type:
            out.append(T(node, THC.actorType, ACTOR_TYPE[actor_type]))
        labels(node, title)
        same_as(node, "organization", number)
        place(node, row, "city", "country", SCHEMA.location, coordinates)
        for i in (1, 2, 3):
            code = row[f"general_issues_{i}"].strip()
            if code:
                theme = codes.get(("themes", ALIASES.get(("themes", code), code)))
                report.link("organisation → theme", theme is not None,
                            None if theme else f"organisation {number}: issue {code!r} has no theme")
                if theme is not None:
                    out.append(T(node, DCT.subject, theme))
        for method, kind in linked:
            if kind != "method":
                continue
            ok = method in methods
            report.link("organisation → method", ok, None if ok else f"organisation {number} → method {method}")
            if ok:
                out.append(T(node, SCHEMA.knowsAbout, method_iri(method)))
        known = gaz.actors.get(bare(title))
        if known is not None:
            out.append(T(node, OWL.sameAs, known))
            report.matches.append(Match(node.value, known.value, "same label as an actor already in the store"))
        report.count("thc:" + cls.value.rpartition("#")[2])

    # -- cases ---------------------------------------------------------------------------------
    titles: dict[int, str] = {}
    source = inputs["cases_titles.csv"]
    for line, row in csv_rows(source, ("id", "title")):
        try:
            number = parse_id(row["id"], "id")
            if number is None:
                raise RowError("no id")
        except RowError as exc:
            report.reject(source.name, line, str(exc))
            continue
        title = sentence_case(row["title"])
        if title:
            titles[number] = title
    etalab = _experiences_by_title(store)
    source = inputs["cases_facts.csv"]
    columns = ("id", "city_best", "country_best", "province", "specific_methods_tools_techniques", "primary_org_id")
    drafts = 0
    for line, row in csv_rows(source, columns):
        try:
            number = parse_id(row["id"], "id")
            if number is None:
                raise RowError("no id")
            method_ids = [parse_id(v, "method id") for v in parse_array(row["specific_methods_tools_techniques"],
                                                                         "specific_methods_tools_techniques")]
            organiser = parse_id(row["primary_org_id"], "primary_org_id")
        except RowError as exc:
            report.reject(source.name, line, str(exc))
            continue
        case_title = titles.pop(number, None)
        if case_title is None:
            drafts += 1  # a draft or stub: no published title, so not a case to publish
            continue
        node = case_iri(number)
        out += [T(node, RDF.type, THC.Experience), T(node, THC.outcomeStatus, UNKNOWN)]
        labels(node, case_title)
        same_as(node, "case", number)
        for method_id in method_ids:
            ok = method_id in methods
            report.link("case → method", ok, None if ok else f"case {number} → method {method_id}")
            if ok:  # in methods, a set of ints: not None
                out.append(T(node, THC.usedMethod, method_iri(cast(int, method_id))))
        if organiser is not None:
            ok = organiser in organisations
            report.link("case → primary organiser", ok, None if ok else f"case {number} → organisation {organiser}")
            if ok:
                out.append(T(node, THC.organiser, org_iri(organiser)))
        place(node, row, "city_best", "country_best", DCT.spatial, (None, None))
        report.count("thc:Experience")
        for other, rule in _same_cases(store, etalab, number, case_title):
            out.append(T(node, OWL.sameAs, other))
            report.matches.append(Match(node.value, other.value, rule))
    for number in titles:
        report.link("titled case → facts", False, f"case {number} is in cases_titles.csv, not in cases_facts.csv")
    if drafts:
        report.notes.append(f"{drafts} rows of cases_facts.csv have no published title (drafts, stubs): not imported")
    for method in methods:
        for other in _holders_of(store, ox.NamedNode(f"{SITE}method/{method}")):
            out.append(T(method_iri(method), OWL.sameAs, other))
            report.matches.append(Match(method_iri(method).value, other.value,
                                        "both name the same participedia.net IRI (owl:sameAs)"))
    return report, list(inputs.values()), out


def _holders_of(store: Store, external: ox.NamedNode) -> Iterable[ox.NamedNode]:
    """Resources of other graphs that say they are owl:sameAs this participedia.net IRI."""
    for quad in store.quads(None, OWL.sameAs, external, None):
        if quad.graph_name != GRAPH_IRI and isinstance(quad.subject, ox.NamedNode):
            yield quad.subject


def _experiences_by_title(store: Store) -> dict[str, ox.NamedNode]:
    graphs = [g for g in store.named_graphs() if g != GRAPH_IRI]
    if not graphs:
        return {}
    rows = store.select(HEAD + "SELECT ?e ?label WHERE { ?e a thc:Experience ; rdfs:label ?label }",
                        default_graph=graphs)
    # ?e is a subject (not a literal), and the data names its experiences with IRIs
    return {_title_key(r["label"].value): r["e"] for r in rows}  # type: ignore[misc]


def _title_key(title: str) -> str:
    return bare(re.sub(r"\s*\([^)]*\)\s*$", "", title))


def _same_cases(store: Store, etalab: dict[str, ox.NamedNode], number: int,
                title: str) -> list[tuple[ox.NamedNode, str]]:
    found = {other: "both name the same participedia.net IRI (owl:sameAs)"
             for other in _holders_of(store, ox.NamedNode(f"{SITE}case/{number}"))}
    other = etalab.get(_title_key(title))
    if other is not None and other not in found:
        found[other] = "same title, without articles, accents, case and a trailing (country)"
    return sorted(found.items(), key=lambda item: item[0].value)


def run(store: Store, directory: Path, progress: Progress = None) -> Report:
    report, inputs, triples = build(store, directory, progress)
    return commit(store, report, inputs, triples, GRAPH_IRI, title=TITLE, license=CC_BY_NC_SA_3, origins=ORIGINS,
                  kind="participedia", progress=progress)

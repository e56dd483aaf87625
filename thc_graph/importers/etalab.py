"""`thc import etalab DIR`: the Etalab catalogue of consultation tools, methods and uses (2017-2019, MIT).

Tools with the company or association behind each, methods, and the 40 uses as thc:Experience with organiser,
tools, methods, date, status and links. Organisers are reconciled with what the store holds (territories by
INSEE code, actors by label); what cannot be reconciled is minted as a new actor and listed in the report.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import DCT, GRAPH, OWL, RDF, RDFS, SCHEMA, SCHEME, THC, XSD, Namespace
from ..store import Store
from .reconcile import Gazetteer, bare
from .report import (
    CSV_FORMAT,
    MIT,
    Input,
    Match,
    Progress,
    Report,
    commit,
    csv_rows,
    iri,
    lit,
    read_input,
    safe_iri,
    slugify,
    typed,
)

GRAPH_IRI = GRAPH["import/etalab"]
TITLE = "Catalogue des outils et méthodes de consultation (Etalab / DINSIC, 2017-2019)"
ATTRIBUTION = "Copyright (c) 2017-2019 DINSIC/Etalab"
REPOSITORY = ("https://github.com/consultation-gouv/consultation.gouv.fr/tree/58b776e6234de343f00ab2106bad183cd5b89bf6",
              "consultation-gouv/consultation.gouv.fr, commit 58b776e (Copyright (c) 2017-2019 DINSIC/Etalab)",
              "2019-12-12")
ORIGINS = (REPOSITORY,)
ACTOR_TYPE = Namespace(SCHEME.iri + "actor-types/")
STATUS = Namespace(SCHEME.iri + "outcome-status/")

# The organisations behind the tools (the catalogue's `owner`), with the class we know them to be.
OWNERS = {
    "Cap-Collectif": (THC.Company, "company"),
    "Civocracy bv Zweigniederlassung": (THC.Company, "company"),
    "Open Source Politics": (THC.Company, "company"),
    "Ecréall": (THC.Organization, None),
}
LICENCES = {
    "logiciel libre - agplv3": "http://spdx.org/licenses/AGPL-3.0-only",
    "logiciel libre - agplv3+": "http://spdx.org/licenses/AGPL-3.0-or-later",
}
# The same consultation or method in Participedia, checked by hand (rule "curated"): only ids, no content.
PARTICIPEDIA = {
    "granddebatnational": "https://participedia.net/case/5592",
    "convention-climat": "https://participedia.net/case/6044",
    "budget-participatif": "https://participedia.net/method/146",
}
CURATED = "curated: the same consultation or method, checked by hand (docs/importers.md)"


def _date(text: str) -> ox.Literal | None:
    match = re.match(r"^(\d{4}-\d{2}-\d{2})", text.strip())
    return typed(match.group(1), XSD.date) if match else None


def build(store: Store, directory: Path, progress: Progress = None) -> tuple[Report, list[Input], list[ox.Triple]]:
    report = Report(source=f"etalab ({directory.name})")
    outils = read_input(directory, "outils.csv", CSV_FORMAT)
    usages = read_input(directory, "usages.csv", CSV_FORMAT)
    gaz = Gazetteer.from_store(store, exclude=GRAPH_IRI)
    if not gaz.has_territories:
        report.notes.append("no territories in the store: local governments cannot be reconciled by INSEE code "
                            "(run `thc import territories` first)")
    T = ox.Triple
    out: list[ox.Triple] = []
    tools: dict[str, ox.NamedNode] = {}
    methods: dict[str, ox.NamedNode] = {}
    minted: dict[str, ox.NamedNode] = {}

    def actor_for(name: str, cls: ox.NamedNode, actor_type: str | None) -> ox.NamedNode:
        known = gaz.organiser(name)
        if known is not None:
            report.matches.append(Match(known.node.value, name, known.rule, sameas=False))
            return known.node
        node = iri("actor", slugify(re.sub(r"^(l'|l’|le |la |les )", "", name, flags=re.I)))
        if node.value not in minted:
            minted[node.value] = node
            out.extend([T(node, RDF.type, cls), T(node, RDFS.label, lit(name, "fr"))])
            if actor_type:
                out.append(T(node, THC.actorType, ACTOR_TYPE[actor_type]))
            report.count("thc:" + cls.value.rpartition("#")[2])
        return node

    columns: tuple[str, ...] = ("slug", "title", "categorie", "owner", "contract", "domain", "opensource")
    for line, row in csv_rows(outils, columns):
        slug, title, kind = slugify(row["slug"]), row["title"].strip(), row["categorie"].strip()
        if not slug or not title:
            report.reject(outils.name, line, "no slug or no title")
            continue
        if kind == "outil":
            node = iri("tool", slug)
            tools[normalise_title(title)] = node
            out += [T(node, RDF.type, THC.DigitalTool), T(node, RDFS.label, lit(title, "fr"))]
            site = safe_iri(row["domain"])
            if site:
                out.append(T(node, SCHEMA.url, site))
            if row["opensource"].strip() in ("oui", "non"):
                out.append(T(node, THC.openSource, typed(str(row["opensource"].strip() == "oui").lower(), XSD.boolean)))
            contract = row["contract"].strip()
            if contract:
                licence = LICENCES.get(contract.lower())
                out.append(T(node, DCT.license, ox.NamedNode(licence) if licence else lit(contract)))
            owner = row["owner"].strip()
            if owner:
                cls, actor_type = OWNERS.get(owner, (THC.Organization, None))
                out.append(T(node, THC.developedBy, actor_for(owner, cls, actor_type)))
                report.link("tool → owner", True)
            else:
                report.link("tool → owner", False, f"{title}: no owner")
            report.count("thc:DigitalTool")
        elif kind == "methode":
            node = iri("method", slug)
            methods[normalise_title(title)] = node
            out += [T(node, RDF.type, THC.Method), T(node, RDFS.label, lit(title, "fr"))]
            same = gaz.methods.get(bare(title))
            if same is not None and same != node:
                out.append(T(node, OWL.sameAs, same))
                report.matches.append(Match(node.value, same.value, "same French label (without article) as a "
                                            "method already in the store"))
            if slug in PARTICIPEDIA:
                out.append(T(node, OWL.sameAs, ox.NamedNode(PARTICIPEDIA[slug])))
                report.matches.append(Match(node.value, PARTICIPEDIA[slug], CURATED))
            report.count("thc:Method")
        else:
            report.reject(outils.name, line, f"categorie {kind!r} is neither outil nor methode")

    columns = ("slug", "title", "organisateur", "outils", "methodes", "link", "opendata", "date", "in_progress")
    for line, row in csv_rows(usages, columns):
        slug, title = slugify(row["slug"]), row["title"].strip()
        if not slug or not title:
            report.reject(usages.name, line, "no slug or no title")
            continue
        date = _date(row["date"])
        if row["date"].strip() and date is None:
            report.reject(usages.name, line, f"date {row['date']!r} is not a date")
            continue
        status = {"true": "ongoing", "false": "unknown"}.get(row["in_progress"].strip().lower())
        if status is None:
            report.reject(usages.name, line, f"in_progress {row['in_progress']!r} is neither True nor False")
            continue
        node = iri("experience", slug)
        out += [T(node, RDF.type, THC.Experience), T(node, RDFS.label, lit(title, "fr")),
                T(node, THC.outcomeStatus, STATUS[status])]
        if date is not None:
            out.append(T(node, DCT.date, date))
        for column, predicate in (("link", SCHEMA.url), ("opendata", THC.evidence)):
            link = safe_iri(row[column])
            if link:
                out.append(T(node, predicate, link))
            elif row[column].strip():
                report.link(f"experience {column}", False, f"{usages.name}, line {line}: {row[column]!r} is not an IRI")
        organiser = row["organisateur"].strip()
        if organiser:
            known = gaz.organiser(organiser)
            actor = actor_for(organiser, THC.Organization, None)
            report.link("experience → organiser", known is not None,
                        None if known else f"{organiser!r} ({slug}): no actor or territory matched; "
                                           f"minted {actor.value}")
            out.append(T(node, THC.organiser, actor))
            if known is not None and known.territory is not None:
                out.append(T(node, DCT.spatial, known.territory))
                if "prefecture" in known.node.value and known.node.value not in minted:
                    minted[known.node.value] = known.node
                    out += _prefecture(known.node, organiser, known.territory)
        else:
            report.link("experience → organiser", False, f"{usages.name}, line {line} ({slug}): no organiser")
        for column, table, predicate, name in (("outils", tools, THC.usedTool, "tool"),
                                               ("methodes", methods, THC.usedMethod, "method")):
            for value in filter(None, (v.strip() for v in row[column].split(";"))):
                target = table.get(normalise_title(value))
                report.link(f"experience → {name}", target is not None,
                            None if target else f"{value!r} ({slug}) is not a {name} of outils.csv")
                if target is not None:
                    out.append(T(node, predicate, target))
        if slug in PARTICIPEDIA:
            out.append(T(node, OWL.sameAs, ox.NamedNode(PARTICIPEDIA[slug])))
            report.matches.append(Match(node.value, PARTICIPEDIA[slug], CURATED))
        report.count("thc:Experience")
    return report, [outils, usages], out


def _prefecture(node: ox.NamedNode, name: str, place: ox.NamedNode) -> list[ox.Triple]:
    return [ox.Triple(node, RDF.type, THC.PublicAuthority), ox.Triple(node, RDFS.label, lit(name, "fr")),
            ox.Triple(node, THC.actorType, ACTOR_TYPE["public-body"]), ox.Triple(node, DCT.spatial, place)]


def normalise_title(title: str) -> str:
    return bare(title)


def run(store: Store, directory: Path, progress: Progress = None) -> Report:
    report, inputs, triples = build(store, directory, progress)
    return commit(store, report, inputs, triples, GRAPH_IRI, title=TITLE, license=MIT, origins=ORIGINS,
                  kind="etalab", progress=progress)

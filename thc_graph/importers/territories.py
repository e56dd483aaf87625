"""`thc import territories DIR`: the French communes, départements, régions and EPCI (Découpage administratif).

Every territory gets the code-based IRI of docs/model.md (territory/commune-68224, territory/epci-200066009),
and its local government the matching actor IRI (actor/commune-68224), so the seed and this importer name
the same things with the same IRIs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from ..errors import BadData
from ..namespaces import DCT, GRAPH, IGEO, RDF, RDFS, SCHEMA, SCHEME, SKOS, THC, WGS, XSD
from ..store import Store
from .report import (
    CSV_FORMAT,
    JSON_FORMAT,
    LICENCE_OUVERTE,
    Input,
    Progress,
    Report,
    commit,
    csv_rows,
    iri,
    json_value,
    lit,
    read_input,
    typed,
)

GRAPH_IRI = GRAPH["import/territories"]
TITLE = "Territoires français (INSEE, DGCL, Etalab – Découpage administratif)"
ATTRIBUTION = "INSEE, DGCL, Etalab – Découpage administratif"
PMDARTUS = ("https://github.com/pmdartus/decoupage-administratif-dataset/tree/f6825b852cd64ce48de812f3111d4c35e72e70b6",
            "pmdartus/decoupage-administratif-dataset, branch dataset, commit f6825b8", "2023-12-29")
GEM = ("https://github.com/betagouv/decoupage-administratif-gem/tree/771268901982051f7fede5b7514c2972b2235093",
       "betagouv/decoupage-administratif-gem, data/epci.json, commit 7712689", "2025-07-11")
ORIGINS = (PMDARTUS, GEM)
LOCAL_GOVERNMENT = SCHEME["actor-types/local-government"]
INSEE = "http://id.insee.fr/geo/"

COMMUNE_CODE = re.compile(r"^([0-9]{2}|2A|2B)[0-9]{3}$")
DEPARTEMENT_CODE = re.compile(r"^(0[1-9]|1[0-9]|2[1-9]|2A|2B|[3-8][0-9]|9[0-5]|97[1-6])$")
REGION_CODE = re.compile(r"^[0-9]{2}$")
SIREN = re.compile(r"^[0-9]{9}$")
POSTCODE = re.compile(r"^[0-9]{5}$")
FILES = ("regions.csv", "departements.csv", "communes.csv", "epci.json")


def territory(level: str, code: str) -> ox.NamedNode:
    return iri("territory", f"{level}-{code.lower()}")


def authority(level: str, code: str) -> ox.NamedNode:
    return iri("actor", f"{level}-{code.lower()}")


def of_place(name: str) -> str:
    """French 'de' before a place name: de Mulhouse, d'Angers, du Havre, des Sables-d'Olonne, de La Rochelle."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article):]
    if name[:1].lower() in "aeiouyâàéèêëîïôöûüœ" and not name.startswith(("La ", "L'")):
        return "d'" + name
    return "de " + name


@dataclass
class Territories:
    """What the files say, after checking each row: enough to build the graph and to reconcile names later."""

    regions: dict[str, str] = field(default_factory=dict)  # code -> name
    departements: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (name, region code)
    communes: dict[str, dict[str, object]] = field(default_factory=dict)
    epci: dict[str, dict[str, object]] = field(default_factory=dict)  # SIREN -> {name, type, population, members}


def read(directory: Path, report: Report, progress: Progress = None) -> tuple[Territories, list[Input]]:
    """Read and check the four files; a missing or unreadable file is a BadData, a bad row is reported and skipped."""
    inputs = {name: read_input(directory, name, JSON_FORMAT if name.endswith(".json") else CSV_FORMAT)
              for name in FILES}
    data = Territories()
    source = inputs["regions.csv"]
    for line, row in csv_rows(source, ("nom", "code")):
        code, name = row["code"].strip(), row["nom"].strip()
        if not REGION_CODE.match(code) or not name:
            report.reject(source.name, line, f"région code {code!r} is not 2 digits" if name else "no name")
            continue
        data.regions[code] = name
    source = inputs["departements.csv"]
    for line, row in csv_rows(source, ("nom", "code", "region_code")):
        code, name, region = row["code"].strip(), row["nom"].strip(), row["region_code"].strip()
        if not DEPARTEMENT_CODE.match(code):
            report.reject(source.name, line, f"département code {code!r} is not an INSEE département code")
        elif not name:
            report.reject(source.name, line, "no name")
        elif region not in data.regions:
            report.reject(source.name, line, f"région {region!r} is not in regions.csv")
        else:
            data.departements[code] = (name, region)
    source = inputs["communes.csv"]
    columns = ("nom", "code", "codes_postaux", "departement_code", "longitude", "latitude")
    for line, row in csv_rows(source, columns):
        reason = _commune(row, data)
        if isinstance(reason, str):
            report.reject(source.name, line, reason)
        if progress and line % 5000 == 0:
            progress("reading", 5000, 35000)
    source = inputs["epci.json"]
    entries = json_value(source)
    if not isinstance(entries, list):
        raise BadData(f"{source.name}: expected a JSON array of EPCI")
    text = source.text
    for index, entry in enumerate(entries):
        reason = _epci(entry, data)
        if reason:
            report.reject(source.name, _line_of(text, entry), f"EPCI #{index + 1}: {reason}")
    return data, list(inputs.values())


def _line_of(text: str, entry: object) -> int:
    code = entry.get("code") if isinstance(entry, dict) else None
    position = text.find(f'"code": "{code}"') if isinstance(code, str) else -1
    return text.count("\n", 0, position) + 1 if position >= 0 else 0


def _decimal(text: str, low: int, high: int) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and low <= value <= high else None


def _commune(row: dict[str, str], data: Territories) -> str | None:
    code, name = row["code"].strip(), row["nom"].strip()
    if not COMMUNE_CODE.match(code):
        return f"commune code {code!r} is not an INSEE commune code"
    if not name:
        return "no name"
    if code in data.communes:
        return f"commune {code} appears twice"
    departement = row["departement_code"].strip()
    if departement not in data.departements:
        return f"département {departement!r} is not in departements.csv"
    postcodes = [p.strip() for p in row["codes_postaux"].split(",") if p.strip()]
    bad = [p for p in postcodes if not POSTCODE.match(p)]
    if bad:
        return f"postcode {bad[0]!r} is not 5 digits"
    lat, long = _decimal(row["latitude"], -90, 90), _decimal(row["longitude"], -180, 180)
    if (row["latitude"].strip() or row["longitude"].strip()) and (lat is None or long is None):
        return f"coordinates {row['latitude']!r}, {row['longitude']!r} are not a latitude and a longitude"
    data.communes[code] = {"name": name, "departement": departement, "postcodes": postcodes, "lat": lat, "long": long}
    return None


def _epci(entry: object, data: Territories) -> str | None:
    if not isinstance(entry, dict):
        return "not a JSON object"
    siren, name, members = str(entry.get("code", "")), str(entry.get("nom", "")).strip(), entry.get("membres")
    if not SIREN.match(siren):
        return f"SIREN {siren!r} is not 9 digits"
    if not name:
        return "no name"
    if not isinstance(members, list):
        return "no list of members (membres)"
    population = entry.get("populationMunicipale")
    data.epci[siren] = {
        "name": name, "type": entry.get("type"),
        "population": population if isinstance(population, int) and population >= 0 else None,
        "members": [(str(m.get("code", "")), m.get("populationMunicipale")) for m in members if isinstance(m, dict)],
    }
    return None


def triples(data: Territories, report: Report) -> Iterator[ox.Triple]:
    T = ox.Triple
    for code, name in sorted(data.regions.items()):
        place = territory("region", code)
        yield from _territory(place, IGEO.Region, name, code, INSEE + f"region/{code}")
        yield from _authority("region", code, f"Conseil régional ({name})", place)
        report.count("igeo:Region")
    for code, (name, region) in sorted(data.departements.items()):
        place = territory("departement", code)
        yield from _territory(place, IGEO.Departement, name, code, INSEE + f"departement/{code}")
        yield T(place, THC.within, territory("region", region))
        yield from _authority("departement", code, f"Conseil départemental ({name})", place)
        report.count("igeo:Departement")
    member_of: dict[str, str] = {}
    population: dict[str, int] = {}
    for siren, epci in sorted(data.epci.items()):
        place = territory("epci", siren)
        yield from _territory(place, IGEO.Intercommunalite, str(epci["name"]), siren, None)
        yield T(place, THC.siren, lit(siren))
        if epci["population"] is not None:
            yield T(place, THC.population, typed(str(epci["population"]), XSD.integer))
        actor = authority("epci", siren)
        yield from _authority("epci", siren, str(epci["name"]), place)
        yield T(actor, THC.siren, lit(siren))
        report.count("igeo:Intercommunalite")
        # the values are typed object: members is a list of (code, population) pairs (see read)
        for code, people in epci["members"]:  # type: ignore[attr-defined]
            if code not in data.communes:
                report.link("commune → EPCI", False, f"member {code!r} of EPCI {siren} is not in communes.csv")
                continue
            if code in member_of and member_of[code] != siren:
                report.link("commune → EPCI", False, f"commune {code} is listed in EPCI {member_of[code]} and {siren}")
                continue
            member_of[code] = siren
            if isinstance(people, int) and people >= 0:
                population[code] = people
    for code, commune in sorted(data.communes.items()):
        place = territory("commune", code)
        yield from _territory(place, IGEO.Commune, str(commune["name"]), code, INSEE + f"commune/{code}")
        for postcode in commune["postcodes"]:  # type: ignore[attr-defined]  # values typed object: a list of str
            yield T(place, SCHEMA.postalCode, lit(postcode))
        if commune["lat"] is not None:
            yield T(place, WGS.lat, typed(str(commune["lat"]), XSD.decimal))
            yield T(place, WGS.long, typed(str(commune["long"]), XSD.decimal))
        yield T(place, THC.within, territory("departement", str(commune["departement"])))
        if code in member_of:
            yield T(place, THC.memberOfIntercommunality, territory("epci", member_of[code]))
            report.link("commune → EPCI", True)
        if code in population:
            yield T(place, THC.population, typed(str(population[code]), XSD.integer))
        yield from _authority("commune", code, f"Ville {of_place(str(commune['name']))}", place)
        report.count("igeo:Commune")
    total = len(data.regions) + len(data.departements) + len(data.epci) + len(data.communes)
    report.count("thc:PublicAuthority", total)
    report.count("thc:Territory", total)
    missing = len(data.communes) - len(population)
    if missing:
        report.notes.append(f"{missing} communes have no population (not a member of any EPCI in epci.json)")


def _territory(place: ox.NamedNode, cls: ox.NamedNode, name: str, code: str,
               insee: str | None) -> Iterator[ox.Triple]:
    yield ox.Triple(place, RDF.type, THC.Territory)
    yield ox.Triple(place, RDF.type, cls)
    yield ox.Triple(place, RDFS.label, lit(name, "fr"))
    yield ox.Triple(place, IGEO.codeINSEE, lit(code))
    if insee:
        yield ox.Triple(place, SKOS.exactMatch, ox.NamedNode(insee))


def _authority(level: str, code: str, label: str, place: ox.NamedNode) -> Iterator[ox.Triple]:
    actor = authority(level, code)
    yield ox.Triple(actor, RDF.type, THC.PublicAuthority)
    yield ox.Triple(actor, RDFS.label, lit(label, "fr"))
    yield ox.Triple(actor, THC.actorType, LOCAL_GOVERNMENT)
    yield ox.Triple(actor, DCT.spatial, place)


def build(directory: Path, progress: Progress = None) -> tuple[Report, list[Input], list[ox.Triple]]:
    """Read DIR and build the graph without touching any store."""
    report = Report(source=f"territories ({directory.name})")
    data, inputs = read(directory, report, progress)
    return report, inputs, list(triples(data, report))


def run(store: Store, directory: Path, progress: Progress = None) -> Report:
    report, inputs, graph_triples = build(directory, progress)
    return commit(store, report, inputs, graph_triples, GRAPH_IRI, title=TITLE, license=LICENCE_OUVERTE,
                  origins=ORIGINS, kind="territories", progress=progress)

"""Contributions from spreadsheets: one CSV template per kind (French headers, one documented example row),
read into triples, with the row and column of every statement kept so that messages can point at cells."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from .errors import BadData
from .namespaces import DCT, FOAF, ID, PROV, RDF, RDFS, SCHEMA, SCHEME, THC, XSD

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    header: str          # French, lower-case ASCII: what the first row of the file holds
    value: str           # id, text-fr, text-en, ref:KIND, refs:KIND, concept:SCHEME, concepts:SCHEME, date, iri,
    #                      iris, int, bool, actor-type
    predicate: ox.NamedNode | None
    required: bool
    help_fr: str
    help_en: str
    example: str

    @property
    def multiple(self) -> bool:
        return self.value.startswith(("refs:", "concepts:")) or self.value == "iris"


@dataclass(frozen=True)
class Template:
    kind: str            # the data kind (docs/model.md), also the IRI path segment id/{kind}/
    cls: ox.NamedNode
    title_fr: str
    title_en: str
    columns: tuple[Column, ...]

    def header(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, header: str) -> Column | None:
        return next((c for c in self.columns if c.header == header), None)


def _c(header: str, value: str, predicate: ox.NamedNode | None, help_fr: str, help_en: str, example: str = "",
       required: bool = False) -> Column:
    return Column(header, value, predicate, required, help_fr, help_en, example)


_ID = _c("identifiant", "id", None, "Identifiant court (minuscules, chiffres, tirets) ; vide : créé pour vous.",
         "Short identifier (lower case, digits, hyphens); empty: one is made for you.")
_LABEL_FR = _c("libelle_fr", "text-fr", RDFS.label, "Nom en français.", "Name in French.")
_LABEL_EN = _c("libelle_en", "text-en", RDFS.label, "Nom en anglais (facultatif).", "Name in English (optional).")
_DESC_FR = _c("description_fr", "text-fr", DCT.description, "Description en français.", "Description in French.")
_DESC_EN = _c("description_en", "text-en", DCT.description, "Description en anglais.", "Description in English.")
_THEMES = _c("themes", "concepts:themes", DCT.subject, "Thèmes (schéma themes), séparés par |.",
             "Themes (themes scheme), separated by |.", "governance")
_SOURCE = _c("source", "iri", DCT.source, "Adresse (URL) du document d'où viennent les faits.",
             "Address (URL) of the document the facts come from.")

TEMPLATES: dict[str, Template] = {t.kind: t for t in (
    Template("report", THC.ProgressReport, "Rapport d'avancement", "Progress report", (
        _c("identifiant", "id", None, "Identifiant court ; vide : créé pour vous.",
           "Short identifier; empty: one is made for you.", "mulhouse-2014-open-data-2025-03"),
        _c("engagement", "ref:commitment", THC.aboutCommitment, "L'engagement dont on rend compte (identifiant).",
           "The commitment reported on (identifier).", "mulhouse-2014-open-data", True),
        _c("date", "date", DCT.date, "Date du rapport (AAAA-MM-JJ, AAAA-MM ou AAAA), pas dans le futur.",
           "Report date (YYYY-MM-DD, YYYY-MM or YYYY), not in the future.", "2025-03-01", True),
        _c("realisation", "concept:irm-completion", THC.completion,
           "Degré de réalisation : no-evidence, not-started, limited, substantial ou complete.",
           "Completion: no-evidence, not-started, limited, substantial or complete.", "substantial", True),
        _c("auteur", "ref:actor", PROV.wasAttributedTo, "Qui rend compte (identifiant d'acteur) ; vide : votre "
           "collectivité.", "Who reports (actor identifier); empty: your local government.", ""),
        _c("preuves", "iris", THC.evidence, "Adresses (URL) des preuves, séparées par |.",
           "Addresses (URL) of the evidence, separated by |.", "https://data.mulhouse.fr/"),
        _c("libelle_fr", "text-fr", RDFS.label, "Titre ; vide : « Rapport d'avancement du {date} ».",
           "Title; empty: « Rapport d'avancement du {date} ».", ""),
        _c("description_fr", "text-fr", DCT.description, "Ce qui a été fait, en français.",
           "What was done, in French.", "Douze jeux de données publiés sur le portail de la ville."),
        _c("description_en", "text-en", DCT.description, "Ce qui a été fait, en anglais.", "What was done, in English.",
           "Twelve datasets published on the city's portal."),
        _c("revise", "ref:report", PROV.wasRevisionOf, "Le rapport antérieur que celui-ci corrige (identifiant).",
           "The earlier report this one corrects (identifier).", ""),
    )),
    Template("evaluation", THC.Evaluation, "Évaluation", "Evaluation", (
        _c("identifiant", "id", None, "Identifiant court ; vide : créé pour vous.",
           "Short identifier; empty: one is made for you.", "mulhouse-2014-open-data-2025"),
        _c("evalue", "ref:commitment", THC.evaluates, "L'engagement évalué (identifiant), ou plan/IDENTIFIANT "
           "pour un plan d'action.", "The commitment evaluated (identifier), or plan/IDENTIFIER for an action plan.",
           "mulhouse-2014-open-data", True),
        _c("date", "date", DCT.date, "Date de l'évaluation.", "Evaluation date.", "2025-06", True),
        _c("auteur", "ref:actor", PROV.wasAttributedTo, "L'évaluateur (identifiant d'acteur) ; vide : vous.",
           "The evaluator (actor identifier); empty: you.", ""),
        _c("independante", "bool", THC.independent, "oui si l'évaluation est indépendante, sinon non.",
           "oui (yes) if the evaluation is independent, else non (no).", "oui"),
        _c("realisation", "concept:irm-completion", THC.completion,
           "no-evidence, not-started, limited, substantial ou complete.",
           "no-evidence, not-started, limited, substantial or complete.", "limited"),
        _c("ouverture", "concept:irm-ogg", THC.openedGovernment,
           "La gouvernance s'est-elle ouverte ? worsened, did-not-change, marginal, major ou outstanding.",
           "Did it open government? worsened, did-not-change, marginal, major or outstanding.", "marginal"),
        _c("libelle_fr", "text-fr", RDFS.label, "Titre ; vide : « Évaluation du {date} ».",
           "Title; empty: « Évaluation du {date} ».", ""),
        _c("description_fr", "text-fr", DCT.description, "L'appréciation, en français.", "The assessment, in French.",
           "Les jeux de données existent mais ne sont pas mis à jour."),
        _c("description_en", "text-en", DCT.description, "L'appréciation, en anglais.", "The assessment, in English.",
           ""),
    )),
    Template("plan", THC.ActionPlan, "Plan d'action", "Action plan", (
        _c("identifiant", "id", None, "Identifiant court (obligatoire : les engagements y renvoient).",
           "Short identifier (required: commitments point to it).", "mulhouse-2020", True),
        _c("libelle_fr", "text-fr", RDFS.label, "Nom en français.", "Name in French.",
           "Plan d'action de Mulhouse 2020-2026", True),
        _LABEL_EN, _DESC_FR, _DESC_EN,
        _c("territoire", "ref:territory", THC.territory, "Le territoire (identifiant) ; vide : le vôtre.",
           "The territory (identifier); empty: yours.", "commune-68224"),
        _c("autorite", "ref:actor", THC.authority, "La collectivité responsable ; vide : la vôtre.",
           "The responsible local government; empty: yours.", "commune-68224"),
        _c("construit_lors_de", "ref:event", THC.coBuiltAt, "L'événement où le plan a été co-construit.",
           "The event where the plan was co-built.", ""),
        _c("fonde_sur", "ref:diagnostic", THC.basedOn, "Le diagnostic sur lequel il se fonde.",
           "The diagnostic it is based on.", "mulhouse-2014"),
        _c("date_adoption", "date", DCT.issued, "Date d'adoption.", "Date issued.", "2020-10"),
        _THEMES, _SOURCE,
    )),
    Template("commitment", THC.Commitment, "Engagement", "Commitment", (
        _c("identifiant", "id", None, "Identifiant court (obligatoire : les rapports y renvoient).",
           "Short identifier (required: reports point to it).", "mulhouse-2020-budget-participatif", True),
        _c("libelle_fr", "text-fr", RDFS.label, "Nom en français.", "Name in French.",
           "Étendre le budget participatif", True),
        _LABEL_EN, _DESC_FR, _DESC_EN,
        _c("plan", "ref:plan", THC.inPlan, "Le plan d'action (identifiant).", "The action plan (identifier).",
           "mulhouse-2014", True),
        _c("echeance", "date", THC.dueDate, "Échéance.", "Due date.", "2026-12-31"),
        _c("valeur_ogp", "concepts:ogp-values", THC.ogpValue, "Valeurs OGP : access-to-information, "
           "civic-participation, public-accountability, technology-and-innovation (séparées par |).",
           "OGP values (separated by |).", "civic-participation"),
        _THEMES, _SOURCE,
    )),
    Template("milestone", THC.Milestone, "Jalon", "Milestone", (
        _c("identifiant", "id", None, "Identifiant court ; vide : créé pour vous.",
           "Short identifier; empty: one is made for you.", "mulhouse-2014-open-data-portail"),
        _c("libelle_fr", "text-fr", RDFS.label, "Nom en français.", "Name in French.",
           "Ouvrir le portail de données", True),
        _LABEL_EN,
        _c("engagement", "ref:commitment", THC.ofCommitment, "L'engagement (identifiant).",
           "The commitment (identifier).", "mulhouse-2014-open-data", True),
        _c("echeance", "date", THC.dueDate, "Échéance.", "Due date.", "2025-12"),
        _DESC_FR, _SOURCE,
    )),
    Template("experience", THC.Experience, "Expérience", "Experience", (
        _c("identifiant", "id", None, "Identifiant court ; vide : créé pour vous.",
           "Short identifier; empty: one is made for you.", "mulhouse-budget-participatif-2024"),
        _c("libelle_fr", "text-fr", RDFS.label, "Nom en français.", "Name in French.",
           "Budget participatif de Mulhouse 2024", True),
        _LABEL_EN, _DESC_FR, _DESC_EN,
        _c("territoire", "refs:territory", DCT.spatial, "Lieu (identifiant de territoire) ; vide : le vôtre.",
           "Place (territory identifier); empty: yours.", "commune-68224"),
        _c("debut", "date", SCHEMA.startDate, "Début.", "Start.", "2024-01"),
        _c("fin", "date", SCHEMA.endDate, "Fin (pas avant le début).", "End (not before the start).", "2024-11"),
        _c("organisateurs", "refs:actor", THC.organiser, "Organisateurs (identifiants d'acteurs, séparés par |).",
           "Organisers (actor identifiers, separated by |).", "commune-68224"),
        _c("participants", "refs:actor", THC.participant, "Participants (identifiants d'acteurs).",
           "Participants (actor identifiers).", ""),
        _c("methodes", "refs:method", THC.usedMethod, "Méthodes employées (identifiants).",
           "Methods used (identifiers).", ""),
        _c("outils", "refs:tool", THC.usedTool, "Outils numériques employés (identifiants).",
           "Digital tools used (identifiers).", ""),
        _c("nombre_participants", "int", THC.participantCount, "Nombre de participants.",
           "Number of participants.", "1200"),
        _c("resultat", "concept:outcome-status", THC.outcomeStatus, "planned, ongoing, succeeded, "
           "partly-succeeded, failed, abandoned ou unknown.", "Outcome status.", "succeeded", True),
        _c("enseignements_fr", "text-fr", THC.lessonsLearned, "Enseignements, en français (les échecs aussi).",
           "Lessons learned, in French (failures too).", "Les quartiers prioritaires ont peu voté."),
        _c("preuves", "iris", THC.evidence, "Adresses (URL) des preuves, séparées par |.",
           "Addresses (URL) of the evidence.", ""),
        _THEMES, _SOURCE,
    )),
    Template("actor", THC.Actor, "Acteur", "Actor", (
        _c("identifiant", "id", None, "Identifiant court (obligatoire).", "Short identifier (required).",
           "bistrot-des-associations-mulhouse", True),
        _c("type", "actor-type", RDF.type, "association, collectivite, organisme-public, entreprise, collectif, "
           "reseau ou personne.", "association, collectivite (local government), organisme-public (public body), "
           "entreprise (company), collectif (citizens' collective), reseau (network) or personne (person).",
           "collectif", True),
        _c("libelle_fr", "text-fr", RDFS.label, "Nom en français.", "Name in French.",
           "Bistrot des associations", True),
        _LABEL_EN, _DESC_FR,
        _c("territoire", "ref:territory", SCHEMA.location, "Où il agit (identifiant de territoire).",
           "Where it acts (territory identifier).", "commune-68224"),
        _c("prenom", "string", FOAF.givenName, "Prénom (personnes).", "Given name (persons).", ""),
        _c("nom", "string", FOAF.familyName, "Nom de famille (personnes).", "Family name (persons).", ""),
        _c("site_web", "iri", SCHEMA.url, "Son site web.", "Its web site.", ""),
        _SOURCE,
    )),
)}

ACTOR_TYPES: dict[str, tuple[ox.NamedNode, str]] = {
    "association": (THC.CivilSocietyOrganization, "association"),
    "collectivite": (THC.PublicAuthority, "local-government"),
    "organisme-public": (THC.PublicAuthority, "public-body"),
    "entreprise": (THC.Company, "company"),
    "collectif": (THC.InformalGroup, "citizens-collective"),
    "reseau": (THC.Network, "network"),
    "personne": (THC.Person, "person"),
}

_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TRUE = {"oui", "vrai", "true", "yes", "1", "o", "y"}
_FALSE = {"non", "faux", "false", "no", "0", "n"}


def template_csv(kind: str) -> str:
    """The template of `kind`: the French header and one documented example row (`;`-separated is also read)."""
    template = TEMPLATES[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(template.header())
    writer.writerow([c.example for c in template.columns])
    return out.getvalue()


def normalise_header(text: str) -> str:
    """'Libellé FR ' → 'libelle_fr': accents, case, spaces and dashes do not matter."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.strip().lower()).strip("_")


@dataclass
class CsvResult:
    kind: str
    triples: list[ox.Triple]
    origins: dict[tuple[str, str | None], tuple[int, str]]   # (subject, predicate) → (line, column)
    subjects: list[str]


def decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadData(f"{name}: the file is neither UTF-8 nor Windows-1252 text")  # pragma: no cover - cp1252 decodes all


def read_csv(data: bytes, name: str, kind: str | None, defaults: Mapping[str, str | None]) -> CsvResult:
    """Read a CSV contribution into triples. `kind` may be None when the headers tell it. `defaults` gives
    the values of empty cells that the contributor's token implies: territory, authority, agent."""
    text = decode(data, name)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count) if first else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise BadData(f"{name}, line 1: the file is empty; the first line holds the column names of a template")
    headers = [normalise_header(h) for h in rows[0]]
    template = _template_for(headers, kind, name)
    for index, header in enumerate(headers):
        if header and template.column(header) is None:
            raise BadData(f"{name}, line 1, column {index + 1}: unknown column {rows[0][index]!r} for a "
                          f"{template.kind}; the columns are: {', '.join(template.header())}")
    missing = [c.header for c in template.columns if c.required and c.header not in headers]
    if missing:
        raise BadData(f"{name}, line 1: the column(s) {', '.join(missing)} are missing from the header of a "
                      f"{template.kind}")
    result = CsvResult(template.kind, [], {}, [])
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(headers) and any(cell.strip() for cell in row[len(headers):]):
            raise BadData(f"{name}, line {line}: {len(row)} cells for {len(headers)} columns "
                          f"(is the separator {delimiter!r} inside an unquoted cell?)")
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(headers) if h}
        _row_triples(template, cells, line, name, defaults, result)
    if not result.subjects:
        raise BadData(f"{name}: no data row under the header")
    return result


def read_form(fields: Mapping[str, str], kind: str, defaults: Mapping[str, str | None]) -> CsvResult:
    """One row given as form fields (the browser form): the same reading as a CSV row."""
    template = TEMPLATES[kind]
    cells = {c.header: str(fields.get(c.header, "") or "").strip() for c in template.columns}
    result = CsvResult(kind, [], {}, [])
    _row_triples(template, cells, 1, "form", defaults, result)
    return result


def _template_for(headers: list[str], kind: str | None, name: str) -> Template:
    if kind:
        if kind not in TEMPLATES:
            raise BadData(f"unknown kind {kind!r}; the templates are: {', '.join(TEMPLATES)}")
        return TEMPLATES[kind]
    present = {h for h in headers if h}
    fits = [t for t in TEMPLATES.values()
            if present <= set(t.header()) and all(c.header in present for c in t.columns if c.required)]
    if len(fits) == 1:
        return fits[0]
    raise BadData(f"{name}, line 1: cannot tell which template these columns follow; name the kind "
                  f"(kind=report, evaluation, plan, commitment, milestone, experience or actor)")


class _Cell:
    def __init__(self, name: str, line: int, header: str) -> None:
        self.where = f"{name}, line {line}, column {header}"

    def fail(self, what: str) -> BadData:
        return BadData(f"{self.where}: {what}")


def _row_triples(template: Template, cells: dict[str, str], line: int, name: str,
                 defaults: Mapping[str, str | None], result: CsvResult) -> None:
    slug = cells.get("identifiant", "")
    kind = template.kind
    cls = template.cls
    actor_type: str | None = None
    if kind == "actor":
        type_cell = cells.get("type", "")
        key = normalise_header(type_cell).replace("_", "-")
        if key not in ACTOR_TYPES:
            raise _Cell(name, line, "type").fail(f"{type_cell!r} is not an actor type; one of: "
                                                 f"{', '.join(ACTOR_TYPES)}")
        cls, actor_type = ACTOR_TYPES[key]
    if slug:
        if not SLUG.match(slug):
            raise _Cell(name, line, "identifiant").fail(
                f"{slug!r} is not an identifier: lower-case ASCII words joined by '-' (e.g. {_slugify(slug)!r})")
        path = "person" if cls == THC.Person else kind
        subject = ox.NamedNode(f"{ID}{path}/{slug}")
    else:
        subject = ox.NamedNode(f"{ID}{kind}/{_generated_slug(template, cells)}")
    s = subject.value
    out = result.triples
    result.subjects.append(s)

    def add(predicate: ox.NamedNode, obj: ox.NamedNode | ox.Literal, header: str | None) -> None:
        out.append(ox.Triple(subject, predicate, obj))
        if header:
            result.origins.setdefault((s, predicate.value), (line, header))

    add(RDF.type, cls, "type" if actor_type else None)
    result.origins.setdefault((s, None), (line, "identifiant"))
    for column in template.columns:  # an empty cell still names where a missing value belongs
        if column.predicate is not None and column.predicate != RDF.type:
            result.origins.setdefault((s, column.predicate.value), (line, column.header))
    if actor_type:
        add(THC.actorType, SCHEME[f"actor-types/{actor_type}"], "type")
    for column in template.columns:
        if column.value in ("id", "actor-type") or column.predicate is None:
            continue
        raw = cells.get(column.header, "")
        if not raw:
            raw = _default(template, column, cells, defaults) or ""
        if not raw:
            continue
        cell = _Cell(name, line, column.header)
        predicate = column.predicate
        if kind == "actor" and column.header == "territoire" and cls == THC.PublicAuthority:
            predicate = DCT.spatial
        values = [v.strip() for v in raw.split(LIST_SEPARATOR)] if column.multiple else [raw]
        for value in values:
            if value:
                add(predicate, _term(column, value, cell), column.header)


def _default(template: Template, column: Column, cells: dict[str, str], defaults: Mapping[str, str | None]) -> str:
    if column.header == "auteur":
        return defaults.get("agent") or ""
    if column.header == "territoire" and template.kind in ("plan", "experience"):
        return defaults.get("territory") or ""
    if column.header == "autorite":
        return defaults.get("authority") or ""
    if column.header == "libelle_fr" and template.kind in ("report", "evaluation") and cells.get("date"):
        noun = "Rapport d'avancement" if template.kind == "report" else "Évaluation"
        about = cells.get("engagement") or cells.get("evalue") or ""
        return f"{noun} du {cells['date']}" + (f" ({about})" if about else "")
    return ""


def _generated_slug(template: Template, cells: dict[str, str]) -> str:
    base = cells.get("engagement") or cells.get("evalue") or cells.get("libelle_fr") or template.kind
    stem = _slugify(base.rsplit("/", 1)[-1])[:50].strip("-") or template.kind
    when = _slugify(cells.get("date", "") or cells.get("debut", ""))
    return "-".join(p for p in (stem, when, secrets.token_hex(3)) if p)


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


_REF_KINDS = {"commitment", "plan", "report", "evaluation", "milestone", "actor", "person", "territory", "event",
              "diagnostic", "method", "tool", "experience"}


def reference(value: str, default_kind: str) -> ox.NamedNode:
    """`slug` → id/{default_kind}/slug; `kind/slug` → id/kind/slug; an absolute IRI as it is."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", value):
        return ox.NamedNode(value)
    kind, _, slug = value.rpartition("/")
    kind = kind or default_kind
    if kind not in _REF_KINDS or not SLUG.match(slug):
        raise ValueError(value)
    return ox.NamedNode(f"{ID}{kind}/{slug}")


def _term(column: Column, value: str, cell: _Cell) -> ox.NamedNode | ox.Literal:
    kind, _, arg = column.value.partition(":")
    convert: dict[str, Callable[[], ox.NamedNode | ox.Literal]] = {
        "text-fr": lambda: ox.Literal(value, language="fr"),
        "text-en": lambda: ox.Literal(value, language="en"),
        "string": lambda: ox.Literal(value),
        "date": lambda: _date(value, cell),
        "int": lambda: _int(value, cell),
        "bool": lambda: _bool(value, cell),
    }
    if kind in convert:
        return convert[kind]()
    if kind in ("iri", "iris"):
        if not re.match(r"^https?://\S+$", value):
            raise cell.fail(f"{value!r} is not a web address (http:// or https://)")
        try:
            return ox.NamedNode(value)
        except ValueError:
            raise cell.fail(f"{value!r} is not a valid address") from None
    if kind in ("ref", "refs"):
        try:
            return reference(value, arg)
        except ValueError:
            raise cell.fail(f"{value!r} is not an identifier (e.g. {arg}/{_slugify(value) or 'name'}, or an "
                            f"https://w3id.org/thc/id/{arg}/... IRI)") from None
    if kind in ("concept", "concepts"):
        if re.match(r"^https?://", value):
            return ox.NamedNode(value)
        slug = value.strip().lower()
        if not SLUG.match(slug):
            raise cell.fail(f"{value!r} is not a value of the {arg} scheme")
        return SCHEME[f"{arg}/{slug}"]
    raise AssertionError(column.value)  # pragma: no cover - the templates only use the kinds above


def _date(value: str, cell: _Cell) -> ox.Literal:
    match = _FR_DATE.match(value)
    if match:
        value = f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}"
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            date.fromisoformat(value)
            return ox.Literal(value, datatype=XSD.date)
        if re.fullmatch(r"\d{4}-\d{2}", value) and 1 <= int(value[5:]) <= 12:
            return ox.Literal(value, datatype=XSD.gYearMonth)
        if re.fullmatch(r"\d{4}", value):
            return ox.Literal(value, datatype=XSD.gYear)
    except ValueError:
        pass
    raise cell.fail(f"{value!r} is not a date: write YYYY-MM-DD (or JJ/MM/AAAA), YYYY-MM or YYYY")


def _int(value: str, cell: _Cell) -> ox.Literal:
    compact = value.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if not compact.isdigit():
        raise cell.fail(f"{value!r} is not a whole number")
    return ox.Literal(str(int(compact)), datatype=XSD.nonNegativeInteger)


def _bool(value: str, cell: _Cell) -> ox.Literal:
    low = value.strip().lower()
    if low in _TRUE:
        return ox.Literal("true", datatype=XSD.boolean)
    if low in _FALSE:
        return ox.Literal("false", datatype=XSD.boolean)
    raise cell.fail(f"{value!r} is not oui or non")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

"""Contributions: what a territory, an association or an evaluator publishes with its own token.

One contribution = one input (Turtle, JSON-LD, CSV from a template, or the browser form), read whole,
checked against the contributor's scope (which kinds, about which territory), validated against the shapes
together with what it refers to in the store, then committed at once into a NEW named graph
`graph/contribution/{contributor}/{id}` described in graph/meta with PROV-O (who, when, from which file,
revision of which earlier contribution). Withdrawal marks the graph invalidated (prov:invalidatedAtTime), which
takes it out of the public default graph; it stays queryable by name. An admin can restore it.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

import pyoxigraph as ox

from . import contribution_csv, formats, ingest, validation
from .errors import BadData, BadRequest, Forbidden, InvalidData, NotFound
from .namespaces import DCT, GRAPH, ID, META_GRAPH, PROV, RDF, RDFS, SCHEMA, THC, XSD
from .store import Store
from .tokens import Principal

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
CONTRIBUTIONS = f"{GRAPH}contribution/"
_GRAPH_PATH = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)/([A-Za-z0-9-]+)$")

# The kinds a contributor may publish, by class (sub-classes of thc:Actor count as actors).
KIND_OF_CLASS: dict[str, str] = {
    THC.ActionPlan.value: "plan", THC.Commitment.value: "commitment", THC.Milestone.value: "milestone",
    THC.ProgressReport.value: "report", THC.Evaluation.value: "evaluation", THC.Experience.value: "experience",
    **{THC[c].value: "actor" for c in ("Actor", "Person", "Organization", "PublicAuthority",
                                       "CivilSocietyOrganization", "Company", "InformalGroup", "Network")},
}
KINDS = ("plan", "commitment", "milestone", "report", "evaluation", "experience", "actor")
GOVERNANCE = {"plan", "commitment", "milestone", "report", "evaluation"}
# What each role may publish.
ROLE_KINDS = {
    "admin": set(KINDS),
    "territory": set(KINDS),
    "evaluator": {"evaluation"},
    "contributor": {"experience", "actor"},
}
KIND_NAMES = {
    "fr": {"plan": "plan d'action", "commitment": "engagement", "milestone": "jalon", "report": "rapport d'avancement",
           "evaluation": "évaluation", "experience": "expérience", "actor": "acteur"},
    "en": {"plan": "action plan", "commitment": "commitment", "milestone": "milestone", "report": "progress report",
           "evaluation": "evaluation", "experience": "experience", "actor": "actor"},
}


@dataclass
class Submission:
    """One input as read: its triples, where each came from (CSV cells), and what identifies the input."""

    parsed: ingest.Parsed
    origins: dict[tuple[str, str | None], tuple[int, str]] = field(default_factory=dict)


@dataclass
class Contribution:
    graph: str
    contributor: str
    kinds: list[str]
    triples: int
    subjects: list[str]
    revises: str | None
    generated: str

    def to_dict(self) -> dict[str, Any]:
        return {"graph": self.graph, "contributor": self.contributor, "kinds": self.kinds, "triples": self.triples,
                "subjects": self.subjects, "revises": self.revises, "generated": self.generated}


class ContributionInvalid(InvalidData):
    """A 422 whose violations also name the CSV line and column (or form field) they come from."""

    def __init__(self, message: str, report: validation.Report,
                 origins: Mapping[tuple[str, str | None], tuple[int, str]]) -> None:
        super().__init__(message, report)
        self.origins = dict(origins)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        for item in data["violations"]:
            # pyshacl leaves SPARQL-constraint placeholders in messages: fill those the result holds.
            for lang, text in item["message"].items():
                for name, fill in (("value", item["value"]), ("this", item["focus"])):
                    if fill is not None:
                        text = text.replace(f"{{?{name}}}", fill).replace(f"{{${name}}}", fill)
                item["message"][lang] = text
            where = self.origins.get((item["focus"], item["path"])) or self.origins.get((item["focus"], None))
            if where:
                item["line"], item["column"] = where
        return data


def _violation(focus: str, path: str | None, fr: str, en: str, value: str | None = None) -> validation.Violation:
    return validation.Violation(focus=focus, path=path, value=value, messages={"fr": fr, "en": en},
                                severity="Violation", shape=None, constraint="ContributionRule")


# -- reading ------------------------------------------------------------------------------------------------------
def defaults_for(principal: Principal) -> dict[str, str | None]:
    return {"territory": principal.territory, "authority": principal.authority, "agent": principal.speaks_for}


def read(data: bytes, name: str, principal: Principal, *, media_type: str | None = None,
         format_name: str | None = None, kind: str | None = None) -> Submission:
    """Read an input in the format named (or given by its media type, or its file name's suffix)."""
    fmt_name = input_format(name, media_type, format_name)
    if fmt_name == "csv":
        result = contribution_csv.read_csv(data, name, kind, defaults_for(principal))
        fmt = formats.Format("csv", "text/csv", (".csv",), ())
        parsed = ingest.Parsed(name, fmt, list(dict.fromkeys(result.triples)), contribution_csv.digest(data))
        return Submission(parsed, result.origins)
    fmt = formats.rdf_format_for(name, fmt_name)
    if fmt.name in ("nquads", "trig"):
        raise BadData(f"{name}: a contribution is one graph; send Turtle or JSON-LD, not {fmt.name}")
    try:
        parsed = ingest.parse_bytes(data, name, fmt, base_iri=str(ID))
    except BadData as exc:
        match = re.search(r"line (\d+), column (\d+)", exc.message)
        if match:
            exc.details.update(line=int(match.group(1)), column=int(match.group(2)))
        raise
    if not parsed.triples:
        raise BadData(f"{name}: no statement in the input")
    return Submission(parsed)


def read_form(fields: Mapping[str, str], kind: str, principal: Principal) -> Submission:
    result = contribution_csv.read_form(fields, kind, defaults_for(principal))
    body = "\n".join(f"{k}={v}" for k, v in sorted(fields.items())).encode()
    fmt = formats.Format("form", "application/x-www-form-urlencoded", (), ())
    parsed = ingest.Parsed("form", fmt, list(dict.fromkeys(result.triples)), contribution_csv.digest(body))
    return Submission(parsed, result.origins)


def input_format(name: str, media_type: str | None, format_name: str | None) -> str | None:
    """The input's format: named, else told by its media type, else by its file name (csv, or an RDF format)."""
    if format_name:
        return "csv" if format_name.lower() == "csv" else format_name
    if media_type:
        base = media_type.split(";")[0].strip().lower()
        if base in ("text/csv", "application/csv", "text/comma-separated-values"):
            return "csv"
        if base == "application/json":
            return "jsonld"
        fmt = formats.rdf_format_for_media_type(base)
        if fmt is not None:
            return fmt.name
    if name.lower().endswith(".csv"):
        return "csv"
    return None


# -- scope ----------------------------------------------------------------------------------------------------------
class _Facts:
    """The contribution's statements, then the store's (only about the nodes asked for: the cost follows the
    contribution, not the store), leaving out withdrawn contributions: one cannot report on a withdrawn commitment."""

    def __init__(self, store: Store, triples: Sequence[ox.Triple]) -> None:
        self.store = store
        self.withdrawn = {q.subject for q in store.quads(None, PROV.invalidatedAtTime, None, META_GRAPH)}
        self.data: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.data[t.subject][t.predicate.value].append(t.object)

    def values(self, node: Any, predicate: ox.NamedNode) -> set[Any]:
        found = set(self.data.get(node, {}).get(predicate.value, ()))
        if isinstance(node, ox.NamedNode | ox.BlankNode):
            found.update(q.object for q in self.store.quads(node, predicate, None, None)
                         if q.graph_name not in self.withdrawn)
        return found

    def commitment_territories(self, commitments: Iterable[Any]) -> set[Any]:
        return {t for c in commitments for plan in self.values(c, THC.inPlan) for t in self.values(plan, THC.territory)}

    def kind(self, node: Any) -> str | None:
        for cls in self.values(node, RDF.type):
            if isinstance(cls, ox.NamedNode) and cls.value in KIND_OF_CLASS:
                return KIND_OF_CLASS[cls.value]
        return None

    def territories(self, node: Any, kind: str) -> set[Any]:
        if kind == "plan":
            return self.values(node, THC.territory)
        if kind == "commitment":
            return self.commitment_territories([node])
        if kind == "milestone":
            return self.commitment_territories(self.values(node, THC.ofCommitment))
        if kind == "report":
            return self.commitment_territories(self.values(node, THC.aboutCommitment))
        if kind == "evaluation":
            evaluated = self.values(node, THC.evaluates)
            direct = {t for e in evaluated for t in self.values(e, THC.territory)}
            return direct | self.commitment_territories(evaluated)
        if kind == "experience":
            return self.values(node, DCT.spatial)
        return self.values(node, DCT.spatial) | self.values(node, SCHEMA.location)


def check_scope(store: Store, principal: Principal, triples: Sequence[ox.Triple]) -> tuple[list[str], list[Any]]:
    """The kinds the contribution holds, and the violations of the territory rules that are data problems
    (a governance item whose territory cannot be told). Publishing another territory's data, or a kind the
    token may not publish, raises Forbidden (403) naming every offending resource."""
    facts = _Facts(store, triples)
    kinds: list[str] = []
    refused: list[dict[str, str]] = []
    unresolved: list[validation.Violation] = []
    allowed = ROLE_KINDS["admin" if principal.admin else principal.role]
    own = {principal.territory} if principal.role == "territory" and principal.territory else set()
    if principal.role == "evaluator":
        own = set(principal.evaluator_of)
    for subject in dict.fromkeys(t.subject for t in triples):
        if isinstance(subject, ox.BlankNode) and facts.kind(subject) is None:
            continue  # a blank node (an evidence's description...) hangs off a resource checked here
        kind = facts.kind(subject)
        name = _show(subject)
        if kind is None:
            if principal.admin:
                continue
            refused.append({"focus": name, "message_fr": f"{name} n'est ni un plan, un engagement, un jalon, un "
                            "rapport, une évaluation, une expérience ni un acteur : ce jeton ne peut pas le décrire.",
                            "message": f"{name} is not a plan, commitment, milestone, report, evaluation, experience "
                            "or actor: this token may not describe it."})
            continue
        if kind not in kinds:
            kinds.append(kind)
        if kind not in allowed:
            refused.append({"focus": name, "message_fr": f"un jeton de rôle {principal.role} ne publie pas de "
                            f"{KIND_NAMES['fr'][kind]} ({name})",
                            "message": f"a {principal.role} token does not publish a {KIND_NAMES['en'][kind]} "
                            f"({name})"})
            continue
        if principal.admin or principal.role == "contributor":
            continue
        territories = {t.value for t in facts.territories(subject, kind) if isinstance(t, ox.NamedNode)}
        foreign = sorted(territories - own)
        if foreign:
            yours = ", ".join(sorted(own)) or "-"
            refused.append({"focus": name, "territory": foreign[0],
                            "message_fr": f"{name} ({KIND_NAMES['fr'][kind]}) concerne {', '.join(foreign)} ; "
                            f"le jeton {principal.name!r} ne publie que sur {yours}",
                            "message": f"{name} ({KIND_NAMES['en'][kind]}) is about {', '.join(foreign)}; "
                            f"the token {principal.name!r} publishes about {yours} only"})
        elif not territories and (kind in GOVERNANCE or kind == "experience"):
            unresolved.append(_unresolved(name, kind))
    if refused:
        first = refused[0]
        raise Forbidden(first["message"], message_fr=first["message_fr"], refused=refused)
    return kinds, unresolved


def _unresolved(name: str, kind: str) -> validation.Violation:
    link = {"plan": (THC.territory, "thc:territory"), "commitment": (THC.inPlan, "thc:inPlan"),
            "milestone": (THC.ofCommitment, "thc:ofCommitment"), "report": (THC.aboutCommitment, "thc:aboutCommitment"),
            "evaluation": (THC.evaluates, "thc:evaluates"), "experience": (DCT.spatial, "dct:spatial")}[kind]
    return _violation(
        name, link[0].value,
        f"Le territoire de ce {KIND_NAMES['fr'][kind]} ne peut pas être établi : {link[1]} doit mener à un "
        "territoire connu (un engagement d'un plan d'action de votre territoire).",
        f"The territory of this {KIND_NAMES['en'][kind]} cannot be established: {link[1]} must lead to a known "
        "territory (a commitment of an action plan of your territory).")


def _show(node: Any) -> str:
    return node.value if isinstance(node, ox.NamedNode) else f"_:{node.value}"


# -- committing -------------------------------------------------------------------------------------------------------
def contribution_graph(name: str, graph_id: str) -> ox.NamedNode:
    return ox.NamedNode(f"{CONTRIBUTIONS}{name}/{graph_id}")


def _new_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def _now() -> ox.Literal:
    """Now, to the microsecond: a withdrawal and a restoration in the same second stay in order.

    Written in canonical form (no trailing zero in the fraction), as Oxigraph stores it, so that the value an
    answer gives is the value a query finds.
    """
    stamp = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "")
    whole, _, fraction = stamp.partition(".")
    fraction = fraction.rstrip("0")
    return ox.Literal(f"{whole}.{fraction}Z" if fraction else f"{whole}Z", datatype=XSD.dateTime)


def _context(store: Store, triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """ingest's context, plus the reports already made about what an evaluation evaluates (the rule that an
    independent evaluator did not write a report on what it evaluates needs them)."""
    context = ingest.context_for(store, triples)
    evaluated = {t.object for t in triples if t.predicate == THC.evaluates and isinstance(t.object, ox.NamedNode)}
    for item in evaluated:
        commitments = {item} | {q.subject for q in store.quads(None, THC.inPlan, item, None)}
        for commitment in commitments:
            for report in store.quads(None, THC.aboutCommitment, commitment, None):
                context.extend(ox.Triple(q.subject, q.predicate, q.object)
                               for q in store.quads(report.subject, None, None, None))
            context.extend(ox.Triple(q.subject, q.predicate, q.object)
                           for q in store.quads(commitment, None, None, None))
    return context


def submit(store: Store, principal: Principal, submission: Submission, *, revises: str | None = None) -> Contribution:
    """Check, validate and commit one contribution, all or nothing (see the module's docstring).

    Raises Forbidden (403: scope), NotFound (404: `revises` unknown), ContributionInvalid (422: shapes and rules),
    BadData (400) — and the store is then unchanged."""
    triples = list(dict.fromkeys(submission.parsed.triples))
    graph_id = _new_id()
    graph = contribution_graph(principal.name, graph_id)  # the contributor's own: no other graph is written
    with store.write_lock:
        kinds, unresolved = check_scope(store, principal, triples)
        revised = _revised_graph(store, principal, revises) if revises else None
        report = validation.validate(triples, context=_context(store, triples))
        if unresolved:
            report = validation.Report(False, sorted([*report.violations, *unresolved],
                                                     key=lambda v: (v.focus, v.path or "")))
        if not report.conforms:
            raise ContributionInvalid(f"{submission.parsed.name}: the contribution does not conform to the shapes",
                                      report, submission.origins)
        extra = [ox.Triple(graph, DCT.creator, ox.Literal(principal.name)),
                 *(ox.Triple(graph, DCT.type, ox.Literal(k)) for k in kinds)]
        if principal.speaks_for:
            extra.append(ox.Triple(graph, PROV.wasAttributedTo, ox.NamedNode(principal.speaks_for)))
        if revised is not None:
            extra.append(ox.Triple(graph, PROV.wasRevisionOf, revised))
        title = f"Contribution de {principal.name} ({', '.join(KIND_NAMES['fr'][k] for k in kinds) or '-'})"
        ingest.ingest(store, [submission.parsed], graph, title=title, license=LICENSE, agent=principal.name,
                      kind="contribution", validate=False, extra_metadata=extra)
    subjects = sorted({t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)})
    # ingest.describe_graph has just written prov:generatedAtTime: an xsd:dateTime literal
    generated = next((cast(ox.Literal, q.object).value
                      for q in store.quads(graph, PROV.generatedAtTime, None, META_GRAPH)), "")
    return Contribution(graph.value, principal.name, kinds, len(triples), subjects,
                        revised.value if revised is not None else None, generated)


def _revised_graph(store: Store, principal: Principal, revises: str) -> ox.NamedNode:
    graph = parse_graph(revises)
    if not principal.admin and not graph.value.startswith(principal.contribution_prefix):
        raise Forbidden(f"<{graph.value}> is not a contribution of {principal.name!r}: a revision revises one's own",
                        message_fr=f"<{graph.value}> n'est pas une contribution de {principal.name!r}")
    if not _described(store, graph):
        raise NotFound(f"no contribution <{graph.value}> to revise")
    return graph


def parse_graph(text: str) -> ox.NamedNode:
    """A contribution graph from its IRI or its short form `{contributor}/{id}`."""
    value = text.strip()
    if not value.startswith(CONTRIBUTIONS):
        value = CONTRIBUTIONS + value.strip("/")
    if not _GRAPH_PATH.match(value[len(CONTRIBUTIONS):]):
        raise BadRequest(f"{text!r} is not a contribution graph (graph/contribution/{{contributor}}/{{id}})")
    return ox.NamedNode(value)


def _described(store: Store, graph: ox.NamedNode) -> bool:
    return any(True for _ in store.quads(graph, PROV.generatedAtTime, None, META_GRAPH))


def _withdrawn(store: Store, graph: ox.NamedNode) -> bool:
    return any(True for _ in store.quads(graph, PROV.invalidatedAtTime, None, META_GRAPH))


def withdraw(store: Store, principal: Principal, graph_text: str) -> dict[str, Any]:
    """Take a contribution out of the public union, keeping it (marked withdrawn with who and when)."""
    graph = parse_graph(graph_text)
    if not principal.admin and not graph.value.startswith(principal.contribution_prefix):
        raise Forbidden(f"the token {principal.name!r} may withdraw its own contributions only",
                        message_fr=f"le jeton {principal.name!r} ne peut retirer que ses propres contributions")
    with store.write_lock:
        if not _described(store, graph):
            raise NotFound(f"no contribution <{graph.value}>")
        if _withdrawn(store, graph):
            raise BadRequest(f"<{graph.value}> is already withdrawn")
        now = _now()
        activity = ox.BlankNode()
        store.add_metadata([
            ox.Triple(graph, PROV.invalidatedAtTime, now),
            ox.Triple(graph, PROV.wasInvalidatedBy, activity),
            ox.Triple(activity, RDF.type, PROV.Activity),
            ox.Triple(activity, DCT.type, ox.Literal("withdrawal")),
            ox.Triple(activity, PROV.used, graph),
            ox.Triple(activity, PROV.wasAssociatedWith, ox.Literal(principal.name)),
            ox.Triple(activity, PROV.endedAtTime, now),
        ], affects=[graph])
    return {"graph": graph.value, "withdrawn": now.value, "by": principal.name}


def restore(store: Store, principal: Principal, graph_text: str) -> dict[str, Any]:
    """Put a withdrawn contribution back into the public union (admin only); the withdrawal stays in the history."""
    graph = parse_graph(graph_text)
    if not principal.admin:
        raise Forbidden("only an admin token may restore a withdrawn contribution",
                        message_fr="seul un jeton d'administration peut rétablir une contribution retirée")
    with store.write_lock:
        if not _withdrawn(store, graph):
            raise NotFound(f"no withdrawn contribution <{graph.value}>")
        now = _now()
        g, meta = str(graph), str(META_GRAPH)
        activity = ox.BlankNode()
        inserts = "\n".join(f"{t} ." for t in (
            ox.Triple(activity, RDF.type, PROV.Activity), ox.Triple(activity, DCT.type, ox.Literal("restoration")),
            ox.Triple(activity, PROV.used, graph), ox.Triple(activity, PROV.endedAtTime, now),
            ox.Triple(activity, PROV.wasAssociatedWith, ox.Literal(principal.name))))
        store.update(f"DELETE WHERE {{ GRAPH {meta} {{ {g} {PROV.invalidatedAtTime} ?t }} }} ; "
                     f"DELETE WHERE {{ GRAPH {meta} {{ {g} {PROV.wasInvalidatedBy} ?a }} }} ; "
                     f"INSERT DATA {{ GRAPH {meta} {{ {inserts} }} }}", graphs=[META_GRAPH, graph])
    return {"graph": graph.value, "restored": now.value, "by": principal.name}


# -- reading the history -------------------------------------------------------------------------------------------
_LIST = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX thc: <https://w3id.org/thc/ontology#>
PREFIX void: <http://rdfs.org/ns/void#>
SELECT ?prefix ?g ?generated ?creator ?kind ?triples ?revises ?attributed ?withdrawn ?source ?sha ?format
       ?event ?eventType ?eventAt ?eventBy
WHERE { GRAPH <https://w3id.org/thc/graph/meta> {
  ?g dct:creator ?creator ; prov:generatedAtTime ?generated .
  FILTER (STRSTARTS(STR(?g), ?prefix))
  OPTIONAL { ?g dct:type ?kind }
  OPTIONAL { ?g void:triples ?triples }
  OPTIONAL { ?g prov:wasRevisionOf ?revises }
  OPTIONAL { ?g prov:wasAttributedTo ?attributed }
  OPTIONAL { ?g prov:invalidatedAtTime ?withdrawn }
  OPTIONAL { ?g dct:source ?src . ?src dct:title ?source . OPTIONAL { ?src thc:sha256 ?sha }
             OPTIONAL { ?src dct:format ?format } }
  OPTIONAL { ?event prov:used ?g ; dct:type ?eventType ; prov:endedAtTime ?eventAt ;
             prov:wasAssociatedWith ?eventBy }
} }
"""


def list_contributions(store: Store, *, contributor: str | None = None, kind: str | None = None,
                       since: str | None = None, until: str | None = None,
                       graph: str | None = None) -> list[dict[str, Any]]:
    """Every contribution (withdrawn ones too, marked), newest first; filters: contributor, kind, and the
    submission date (since/until, inclusive, YYYY-MM-DD)."""
    prefix = CONTRIBUTIONS + (f"{contributor}/" if contributor else "")
    if graph:
        prefix = parse_graph(graph).value
    lo, hi = _day(since, "since"), _day(until, "until")
    items: dict[str, dict[str, Any]] = {}
    rows = store.select(_LIST, substitutions={"prefix": ox.Literal(prefix)})
    for row in rows:
        g = row["g"].value
        if graph and g != prefix:
            continue
        item = items.setdefault(g, {
            "graph": g, "id": g[len(CONTRIBUTIONS):], "contributor": row["creator"].value,
            "generated": row["generated"].value, "kinds": [], "triples": int(row["triples"].value)
            if "triples" in row else None, "revises": None, "attributed_to": None, "withdrawn": None,
            "source": None, "history": [],
        })
        if "kind" in row and row["kind"].value not in item["kinds"]:
            item["kinds"].append(row["kind"].value)
        if "revises" in row:
            item["revises"] = row["revises"].value
        if "attributed" in row:
            item["attributed_to"] = row["attributed"].value
        if "withdrawn" in row:
            item["withdrawn"] = row["withdrawn"].value
        if "source" in row:
            item["source"] = {"name": row["source"].value, "sha256": row["sha"].value if "sha" in row else None,
                              "format": row["format"].value if "format" in row else None}
        if "event" in row:
            event = {"event": row["eventType"].value, "at": row["eventAt"].value, "by": row["eventBy"].value}
            if event not in item["history"]:
                item["history"].append(event)
    out = []
    for item in items.values():
        item["kinds"].sort()
        item["history"].sort(key=lambda e: e["at"])
        if item["withdrawn"]:
            by = [e["by"] for e in item["history"] if e["event"] == "withdrawal" and e["at"] == item["withdrawn"]]
            item["withdrawn_by"] = by[-1] if by else None
        day = item["generated"][:10]
        if kind and kind not in item["kinds"]:
            continue
        if (lo and day < lo) or (hi and day > hi):
            continue
        out.append(item)
    out.sort(key=lambda i: (i["generated"], i["graph"]), reverse=True)
    return out


def _day(text: str | None, what: str) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise BadRequest(f"{what}={text!r} is not a date (YYYY-MM-DD)") from None


_HISTORY = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX thc: <https://w3id.org/thc/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?lang ?item ?type ?g ?date ?completion ?ogg ?independent ?attributed ?revisionOf ?label ?description ?evidence
       ?generated ?withdrawn ?withdrawnBy
WHERE {
  { GRAPH ?g { ?item thc:aboutCommitment ?c ; a thc:ProgressReport } BIND ("report" AS ?type) }
  UNION { GRAPH ?g { ?item thc:evaluates ?c ; a thc:Evaluation } BIND ("evaluation" AS ?type) }
  UNION { GRAPH ?g { ?item thc:ofCommitment ?c ; a thc:Milestone } BIND ("milestone" AS ?type) }
  OPTIONAL { GRAPH ?g { ?item dct:date ?date } }
  OPTIONAL { GRAPH ?g { ?item thc:dueDate ?date } }
  OPTIONAL { GRAPH ?g { ?item thc:completion ?completion } }
  OPTIONAL { GRAPH ?g { ?item thc:openedGovernment ?ogg } }
  OPTIONAL { GRAPH ?g { ?item thc:independent ?independent } }
  OPTIONAL { GRAPH ?g { ?item prov:wasAttributedTo ?attributed } }
  OPTIONAL { GRAPH ?g { ?item prov:wasRevisionOf ?revisionOf } }
  OPTIONAL { GRAPH ?g { ?item rdfs:label ?label FILTER (LANG(?label) = ?lang) } }
  OPTIONAL { GRAPH ?g { ?item dct:description ?description FILTER (LANG(?description) = ?lang) } }
  OPTIONAL { GRAPH ?g { ?item thc:evidence ?evidence } }
  OPTIONAL { GRAPH <https://w3id.org/thc/graph/meta> { ?g prov:generatedAtTime ?generated } }
  OPTIONAL { GRAPH <https://w3id.org/thc/graph/meta> { ?g prov:invalidatedAtTime ?withdrawn
             OPTIONAL { ?g prov:wasInvalidatedBy ?withdrawal . ?withdrawal prov:wasAssociatedWith ?withdrawnBy } } }
}
"""


def commitment_history(store: Store, commitment: str, lang: str = "fr") -> dict[str, Any]:
    """Every report, evaluation and milestone about a commitment, in every graph (withdrawn ones marked, with
    the graph and the revision chain), oldest first; `latest` is the newest report not withdrawn, `status` the item
    that gives the commitment its status (`latest_rated`: as the dashboard and the class index's status facet)."""
    node = ox.NamedNode(commitment) if "://" in commitment else ox.NamedNode(f"{ID}commitment/{commitment}")
    if not any(True for _ in store.quads(node, RDF.type, THC.Commitment, None)):
        raise NotFound(f"no commitment <{node.value}>")
    history = commitment_histories(store, [node.value], lang)[node.value]
    live = [i for i in history if i["kind"] == "report" and not i["withdrawn"]]
    label = next((q.object.value for q in store.quads(node, RDFS.label, None, None)
                  if isinstance(q.object, ox.Literal) and q.object.language == lang), None)
    return {"commitment": node.value, "label": label, "history": history, "latest": live[-1] if live else None,
            "status": latest_rated(history)}


def commitment_histories(store: Store, commitments: Iterable[str], lang: str = "fr") -> dict[str, list[dict[str, Any]]]:
    """The history of each commitment (the items of `commitment_history`), oldest first, all from one query: for
    many commitments the query runs unbound and the rows are sorted out here (no query per commitment)."""
    wanted = list(dict.fromkeys(commitments))
    substitutions: dict[str, Any] = {"lang": ox.Literal(lang)}
    if len(wanted) == 1:
        substitutions["c"] = ox.NamedNode(wanted[0])
    out: dict[str, dict[tuple[str, str], dict[str, Any]]] = {c: {} for c in wanted}
    for row in store.select(_HISTORY, substitutions=substitutions):
        items = out.get(row["c"].value) if "c" in row else out[wanted[0]]
        if items is None:
            continue
        key = (row["item"].value, row["g"].value)
        item = items.setdefault(key, {
            "iri": row["item"].value, "kind": row["type"].value, "graph": row["g"].value,
            "contribution": row["g"].value[len(CONTRIBUTIONS):] if row["g"].value.startswith(CONTRIBUTIONS) else None,
            "date": _opt(row, "date"), "completion": _opt(row, "completion"), "opened_government": _opt(row, "ogg"),
            "independent": _opt(row, "independent") == "true" if "independent" in row else None,
            "attributed_to": _opt(row, "attributed"), "revision_of": _opt(row, "revisionOf"),
            "label": _opt(row, "label"), "description": _opt(row, "description"), "evidence": [],
            "published": _opt(row, "generated"), "withdrawn": _opt(row, "withdrawn"),
            "withdrawn_by": _opt(row, "withdrawnBy"),
        })
        if "evidence" in row and row["evidence"].value not in item["evidence"]:
            item["evidence"].append(row["evidence"].value)
    return {c: sorted(items.values(), key=lambda i: (i["date"] or "", i["published"] or "", i["iri"]))
            for c, items in out.items()}


def latest_rated(history: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The item of a commitment's history (`commitment_histories`, oldest first) that gives it its status: the latest
    report or evaluation that is not withdrawn and has a completion; None when there is none."""
    rated = [i for i in history if i["kind"] in ("report", "evaluation") and not i["withdrawn"] and i["completion"]]
    return rated[-1] if rated else None


def _opt(row: Mapping[str, Any], name: str) -> str | None:
    return row[name].value if name in row else None


def commitments_of(store: Store, principal: Principal, lang: str = "fr") -> list[dict[str, str]]:
    """The commitments a token may report on (those of its territory's plans; every one for an admin)."""
    rows = store.select("""
        PREFIX thc: <https://w3id.org/thc/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?lang ?c ?plan ?territory (SAMPLE(?l) AS ?label) WHERE {
          ?c a thc:Commitment ; thc:inPlan ?plan . ?plan thc:territory ?territory .
          OPTIONAL { ?c rdfs:label ?l FILTER (LANG(?l) = ?lang) }
        } GROUP BY ?lang ?c ?plan ?territory ORDER BY ?c""", substitutions={"lang": ox.Literal(lang)})
    own = None if principal.admin else ({principal.territory} if principal.role == "territory" else set())
    return [{"iri": r["c"].value, "slug": r["c"].value.rsplit("/", 1)[-1], "plan": r["plan"].value,
             "territory": r["territory"].value, "label": r["label"].value if "label" in r else r["c"].value}
            for r in rows if own is None or r["territory"].value in own]


def contribution_data(store: Store, graph_text: str) -> tuple[ox.NamedNode, list[ox.Triple]]:
    graph = parse_graph(graph_text)
    if not _described(store, graph):
        raise NotFound(f"no contribution <{graph.value}>")
    return graph, [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(None, None, None, graph)]

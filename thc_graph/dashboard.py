"""The commitments dashboard: per territory its action plans, their commitments with the latest status on the IRM
completion scale, the reports and evaluations; and every territory with coordinates for the map."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pyoxigraph as ox

from .contributions import commitment_histories, latest_rated
from .describe import Labeller
from .namespaces import DCT, RDF, SCHEMA, THC, WGS
from .store import Store

PLANS_QUERY = """
PREFIX thc: <https://w3id.org/thc/ontology#>
SELECT ?territory ?plan ?commitment WHERE {
  ?plan a thc:ActionPlan ; thc:territory ?territory .
  OPTIONAL { ?commitment thc:inPlan ?plan }
} ORDER BY ?territory ?plan ?commitment
"""

PLAN_EVALUATIONS_QUERY = """
PREFIX thc: <https://w3id.org/thc/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?plan ?evaluation ?date ?ogg WHERE {
  ?evaluation thc:evaluates ?plan . OPTIONAL { ?evaluation dct:date ?date }
  OPTIONAL { ?evaluation thc:openedGovernment ?ogg }
} ORDER BY ?date
"""

# The territories of the graph's story: where a plan, a diagnostic, an experience or an event takes place, or where
# an organisation is based (not every commune of France: each has its local government, placed by dct:spatial).
# Read from the indexes: the same as one SPARQL union joined with the coordinates, which pyoxigraph evaluates from
# the 35,000 coordinates side (1 s against 1 ms).
PLACED_KINDS = tuple(THC[name] for name in ("Experience", "Event", "CitizenSummit", "PeerSeminar", "TerritoryVisit",
                                            "Videoconference", "Workshop", "Tour"))

MAX_RANK = 4  # 'complete' on the IRM completion scale (thc:rank of scheme/irm-completion)


@dataclass
class HistoryEntry:
    """One report or evaluation of a commitment as the dashboard shows it (withdrawn ones included, marked)."""
    iri: str
    kind: str  # report or evaluation
    label: str
    date: str
    completion: tuple[str, str] | None  # (concept IRI, label in the page language)
    rank: int | None  # the completion's rank on the IRM scale
    opened_government: tuple[str, str] | None  # evaluations: did it open government (concept IRI, label)
    independent: bool | None
    by: tuple[str, str] | None  # who it is attributed to (IRI, label)
    contributor: str | None  # the token that published it, for a contribution
    contribution: str | None  # its contribution graph, short form (contributor/id)
    description: str | None
    evidence: list[str]
    revision_of: tuple[str, str] | None
    withdrawn: str | None  # when
    withdrawn_by: str | None

    def to_dict(self) -> dict[str, object]:
        return {"iri": self.iri, "kind": self.kind, "label": self.label, "date": self.date,
                "status": self.completion[0] if self.completion else None,
                "status_label": self.completion[1] if self.completion else None, "rank": self.rank,
                "opened_government": self.opened_government[0] if self.opened_government else None,
                "opened_government_label": self.opened_government[1] if self.opened_government else None,
                "independent": self.independent, "by": self.by[0] if self.by else None,
                "by_label": self.by[1] if self.by else None, "contributor": self.contributor,
                "contribution": self.contribution, "description": self.description, "evidence": self.evidence,
                "revision_of": self.revision_of[0] if self.revision_of else None,
                "withdrawn": self.withdrawn, "withdrawn_by": self.withdrawn_by}


@dataclass
class CommitmentRow:
    iri: str
    label: str
    latest: tuple[str, str] | None  # the completion concept (IRI, label) of the latest report or evaluation
    rank: int | None
    reports: int
    evaluations: int
    history: list[HistoryEntry] = field(default_factory=list)  # oldest first, withdrawn ones marked


@dataclass
class PlanRow:
    iri: str
    label: str
    commitments: list[CommitmentRow] = field(default_factory=list)
    evaluations: list[tuple[str, str, str]] = field(default_factory=list)  # (IRI, label, date)


@dataclass
class TerritoryRow:
    iri: str
    label: str
    plans: list[PlanRow] = field(default_factory=list)
    place: tuple[float, float] | None = None

    @property
    def progress(self) -> float | None:
        """Share of the way to 'complete' over all commitments (a commitment without a status counts as 0); None when
        no commitment has a status yet (nothing reported is not the same as no progress)."""
        commitments = [c for p in self.plans for c in p.commitments]
        if not any(c.rank is not None for c in commitments):
            return None
        return round(sum(c.rank or 0 for c in commitments) / (MAX_RANK * len(commitments)), 3)


def territories(store: Store, lang: str) -> list[TerritoryRow]:
    """Every territory that has an action plan, with its plans and commitments (and their history), by label."""
    label = Labeller(store, lang)
    rows: dict[str, TerritoryRow] = {}
    plans: dict[str, PlanRow] = {}
    commitments: list[tuple[str, ox.NamedNode | ox.BlankNode]] = []
    for row in store.select(PLANS_QUERY):
        # ?plan and ?commitment are subjects; a plan's thc:territory is a thc:Territory node (shapes/governance.ttl)
        territory_node = cast("ox.NamedNode | ox.BlankNode", row["territory"])
        territory = territory_node.value
        trow = rows.setdefault(territory, TerritoryRow(territory, label(territory_node)))
        plan = row["plan"].value
        if plan not in plans:
            plans[plan] = PlanRow(plan, label(cast("ox.NamedNode | ox.BlankNode", row["plan"])))
            trow.plans.append(plans[plan])
        if "commitment" in row:
            commitments.append((plan, cast("ox.NamedNode | ox.BlankNode", row["commitment"])))
    # every history from one query (the contributions' own), not one per commitment
    histories = commitment_histories(store, (c.value for _, c in commitments), lang)
    ranks: dict[str, int | None] = {}
    for plan, commitment in commitments:
        history = histories.get(commitment.value, [])
        items = [_entry(store, item, label, ranks) for item in history if item["kind"] in ("report", "evaluation")]
        live = [h for h in items if not h.withdrawn]
        latest = latest_rated(history)  # the class index's status facet follows the same rule
        last = _entry(store, latest, label, ranks) if latest else None
        plans[plan].commitments.append(CommitmentRow(
            commitment.value, label(commitment), last.completion if last else None, last.rank if last else None,
            len({h.iri for h in live if h.kind == "report"}), len({h.iri for h in live if h.kind == "evaluation"}),
            items))
    for row in store.select(PLAN_EVALUATIONS_QUERY):
        plan = row["plan"].value
        if plan in plans:
            evaluation = cast("ox.NamedNode | ox.BlankNode", row["evaluation"])  # ?evaluation is a subject
            plans[plan].evaluations.append((evaluation.value, label(evaluation),
                                            row["date"].value if "date" in row else ""))
    places = _places(store)
    for trow in rows.values():
        trow.place = places.get(trow.iri)
    return sorted(rows.values(), key=lambda t: t.label.lower())


def _entry(store: Store, item: dict[str, Any], label: Labeller, ranks: dict[str, int | None]) -> HistoryEntry:
    """A history item of `contributions.commitment_histories`, with the labels and the rank the page shows."""
    def pair(iri: str | None) -> tuple[str, str] | None:
        return (iri, label(ox.NamedNode(iri))) if iri else None

    completion = item["completion"]
    if completion and completion not in ranks:
        term = next((q.object for q in store.quads(ox.NamedNode(completion), THC.rank, None, None)), None)
        ranks[completion] = int(term.value) if isinstance(term, ox.Literal) and term.value.lstrip("-").isdigit() \
            else None
    contribution = item["contribution"]
    return HistoryEntry(
        item["iri"], item["kind"], item["label"] or label(ox.NamedNode(item["iri"])), item["date"] or "",
        pair(completion), ranks.get(completion) if completion else None, pair(item["opened_government"]),
        item["independent"], pair(item["attributed_to"]), contribution.split("/", 1)[0] if contribution else None,
        contribution, item["description"], list(item["evidence"]), pair(item["revision_of"]), item["withdrawn"],
        item["withdrawn_by"])


def _places(store: Store) -> dict[str, tuple[float, float]]:
    places: set[ox.NamedNode] = set()
    for predicate in (THC.territory, SCHEMA.location):
        places.update(q.object for q in store.quads(None, predicate, None, None) if isinstance(q.object, ox.NamedNode))
    for kind in PLACED_KINDS:
        for typed in store.quads(None, RDF.type, kind, None):
            places.update(q.object for q in store.quads(typed.subject, DCT.spatial, None, None)
                          if isinstance(q.object, ox.NamedNode))
    found = {}
    for place in places:
        lat = next((q.object for q in store.quads(place, WGS.lat, None, None)), None)
        long = next((q.object for q in store.quads(place, WGS.long, None, None)), None)
        try:
            if isinstance(lat, ox.Literal) and isinstance(long, ox.Literal):
                found[place.value] = (float(lat.value), float(long.value))
        except ValueError:
            continue
    return found


@dataclass
class Marker:
    iri: str
    label: str
    lat: float
    long: float
    progress: float | None
    plans: int


def markers(store: Store, lang: str) -> list[Marker]:
    """The territories of the graph's story (see PLACES_QUERY) with coordinates, with the overall progress of their
    commitments where they have a plan."""
    label = Labeller(store, lang)
    with_plans = {t.iri: t for t in territories(store, lang)}
    out = []
    for iri, (lat, long) in sorted(_places(store).items()):
        trow = with_plans.get(iri)
        out.append(Marker(iri, label(ox.NamedNode(iri)), lat, long, trow.progress if trow else None,
                          len(trow.plans) if trow else 0))
    return out

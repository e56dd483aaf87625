"""The class indexes follow the store's change log: a contribution, a withdrawal or a restoration moves the lists
and facet counts kept in memory (only the IRIs the write touched are read again), a write the log cannot describe
rebuilds them, and either way they say what a fresh reading says. Only the public union counts, and the status of
a commitment is the completion of its latest report or evaluation (thc_graph/listing.py)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pyoxigraph as ox
import pytest

from thc_graph import listing
from thc_graph.namespaces import DCT, GRAPH, META_GRAPH, PROV, RDF, RDFS, SCHEMA, THC, XSD

from .contrib_env import COMMITMENT, ID, MULHOUSE, PREFIXES, Env, make_env, report_ttl

CONTRIB = "https://w3id.org/thc/graph/contribution/"
COMPLETION = "https://w3id.org/thc/scheme/irm-completion/"
THEMES = "https://w3id.org/thc/scheme/themes/"
CSO = THC.CivilSocietyOrganization.value
ACTOR = ID + "actor/aaa-collectif-essai"
SPARQL_PREFIXES = """PREFIX thc: <https://w3id.org/thc/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture
def env(seed_store, tmp_path) -> Env:  # type: ignore[no-untyped-def]
    listing.clear_cache()
    return make_env(seed_store, tmp_path)


class Reads:
    """How often the class indexes read a whole class (a rebuild) and a few touched IRIs (following a write)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.whole = 0
        self.followed = 0
        self.touched: set[str] = set()
        read_class, read_members = listing.read_class, listing.read_members

        def whole(*args: Any) -> Any:
            self.whole += 1
            return read_class(*args)

        def some(store: Any, iris: Any, *args: Any) -> Any:
            iris = list(iris)
            self.followed += 1
            self.touched.update(iris)
            return read_members(store, iris, *args)

        monkeypatch.setattr(listing, "read_class", whole)
        monkeypatch.setattr(listing, "read_members", some)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    return Reads(monkeypatch)


def actor_ttl(iri: str = ACTOR, label: str = "Aaa collectif d'essai") -> str:
    return PREFIXES + f"""
<{iri}> a thc:CivilSocietyOrganization ; rdfs:label "{label}"@fr ; dct:spatial <{MULHOUSE}> ;
    thc:actorType <https://w3id.org/thc/scheme/actor-types/association> ; dct:subject <{THEMES}governance> .
"""


def get(env: Env, path: str, **params: str) -> dict[str, Any]:
    response = env.client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def iris(data: dict[str, Any]) -> list[str]:
    return [item["iri"] for item in data["items"]]


def facet(data: dict[str, Any], name: str) -> dict[str, int]:
    return {value["value"]: value["count"] for value in data["facets"].get(name, [])}


def snapshot(store: Any, name: str, filters: dict[str, str], sort: str = "label", lang: str = "fr") -> Any:
    """Every row of the index (all its pages) and its facets, as plain values."""
    rows, number = [], 1
    while True:
        request = listing.Request.parse(name, {**filters, "sort": sort, "limit": str(listing.MAX_LIMIT),
                                              "page": str(number)})
        page = listing.list_class(store, request, lang)
        rows += [(r.iri, r.label, r.date) for r in page.rows]
        if not page.has_next:
            break
        number += 1
    facets = {f: [(v.value, v.label, v.count, v.selected) for v in values] for f, values in page.facets.items()}
    return page.total, rows, facets


def counts(store: Any) -> dict[str, int]:
    return {iri: n for iri, _, _, n in listing.class_counts(store, "fr")}


def sparql_counts(store: Any) -> dict[str, int]:
    return {row["class"].value: int(row["n"].value) for row in store.select(listing.COUNTS_QUERY)}


def _request(store: Any, name: str, filters: dict[str, str] | None) -> listing.Request:
    request = listing.Request.parse(name, filters or {})
    request.classes = listing.subclasses(store, request.class_iri)
    request.latest_status = listing.latest_status_of(store, request.class_iri)
    return request


def sparql_facet(store: Any, name: str, facet_name: str, filters: dict[str, str] | None = None) -> dict[str, int]:
    """A facet as its SPARQL statement (listing.facet_query, on the public union) counts it."""
    text, bound = listing.facet_query(_request(store, name, filters), facet_name)
    return {row["v"].value: int(row["n"].value) for row in store.select(text, substitutions=bound)}


def sparql_total(store: Any, name: str, filters: dict[str, str]) -> int:
    """The members under the filters as the SPARQL statement (listing.count_query) counts them."""
    text, bound = listing.count_query(_request(store, name, filters))
    rows = store.select(text, substitutions=bound)
    return int(rows[0]["n"].value) if rows else 0


# -- contributions, withdrawal, restoration -------------------------------------------------------------------------

def test_a_contribution_shows_at_once_and_only_its_iris_are_read(env: Env, reads: Reads) -> None:
    before = get(env, "/class/Actor.json", limit="200")
    filtered_before = get(env, "/class/Actor.json", territory=MULHOUSE, sort="date")
    home_before = counts(env.store)
    assert reads.whole == 1 and ACTOR not in iris(before)
    posted = env.post("mulhouse", actor_ttl())
    assert posted.status_code == 201, posted.json

    after = get(env, "/class/Actor.json", limit="200")
    assert reads.whole == 1, "the class was read again instead of following the contribution"
    assert reads.followed >= 1 and ACTOR in reads.touched
    assert after["total"] == before["total"] + 1
    assert ACTOR in iris(after)
    labels = [item["label"].casefold() for item in after["items"]]
    assert labels == sorted(labels)
    assert after["items"][labels.index("aaa collectif d'essai")]["iri"] == ACTOR
    assert facet(after, "kind")[CSO] == facet(before, "kind")[CSO] + 1
    assert facet(after, "territory")[MULHOUSE] == facet(before, "territory").get(MULHOUSE, 0) + 1
    assert facet(after, "theme")[THEMES + "governance"] == facet(before, "theme").get(THEMES + "governance", 0) + 1
    filtered = get(env, "/class/Actor.json", territory=MULHOUSE, sort="date")
    assert filtered["total"] == filtered_before["total"] + 1
    dates = [item["date"] for item in filtered["items"]]
    undated = dates.index(None)  # in date order, the undated last, by label: "Aaa" first of them
    assert None not in dates[:undated] and set(dates[undated:]) == {None}
    assert iris(filtered)[undated] == ACTOR
    assert counts(env.store)[THC.Actor.value] == home_before[THC.Actor.value] + 1
    assert reads.whole == 1

    # listing.list_class says the same, and so does a fresh reading of the store
    followed = [snapshot(env.store, "Actor", {}), snapshot(env.store, "Actor", {"territory": MULHOUSE}, "date", "en")]
    assert followed[0][0] == after["total"] and ACTOR in [row[0] for row in followed[0][1]]
    listing.clear_cache()
    assert [snapshot(env.store, "Actor", {}), snapshot(env.store, "Actor", {"territory": MULHOUSE}, "date", "en")] \
        == followed
    assert reads.whole == 2  # the fresh reading: one for the class, whose filters share it


def test_a_withdrawn_contribution_leaves_the_index_and_a_restored_one_comes_back(env: Env, reads: Reads) -> None:
    graph = env.post("mulhouse", actor_ttl()).json["graph"]
    path = "/api/contributions/" + graph[len(CONTRIB):]
    before = get(env, "/class/Actor.json", limit="200")
    home_before = counts(env.store)
    assert ACTOR in iris(before)
    whole = reads.whole

    assert env.client.post(path + "/withdraw", headers=env.auth("mulhouse")).status_code == 200
    gone = get(env, "/class/Actor.json", limit="200")
    assert ACTOR not in iris(gone) and gone["total"] == before["total"] - 1
    assert facet(gone, "kind")[CSO] == facet(before, "kind")[CSO] - 1
    assert facet(gone, "territory").get(MULHOUSE, 0) == facet(before, "territory")[MULHOUSE] - 1
    assert counts(env.store)[THC.Actor.value] == home_before[THC.Actor.value] - 1
    assert reads.whole == whole, "the withdrawal was not followed"
    # a fresh reading leaves the withdrawn contribution out too (the public union only)
    listing.clear_cache()
    fresh = get(env, "/class/Actor.json", limit="200")
    assert (fresh["total"], iris(fresh), fresh["facets"]) == (gone["total"], iris(gone), gone["facets"])
    assert counts(env.store) == sparql_counts(env.store)
    assert ACTOR not in [row[0] for row in snapshot(env.store, "Organization", {"kind": CSO})[1]]
    whole = reads.whole

    assert env.client.post(path + "/restore", headers=env.auth("admin")).status_code == 200
    back = get(env, "/class/Actor.json", limit="200")
    assert (back["total"], iris(back)) == (before["total"], iris(before))
    assert facet(back, "kind") == facet(before, "kind") and facet(back, "territory") == facet(before, "territory")
    assert counts(env.store) == home_before
    assert reads.whole == whole, "the restoration was not followed"


def test_a_write_the_log_cannot_describe_rebuilds_the_index(env: Env, reads: Reads) -> None:
    before = snapshot(env.store, "Actor", {})
    home = counts(env.store)
    whole = reads.whole
    env.store.update(SPARQL_PREFIXES + f"""INSERT DATA {{ GRAPH <{GRAPH['test/raw'].value}> {{
        <{ACTOR}> a thc:Actor ; rdfs:label "Aaa brut"@fr . }} }}""")  # a raw update: which graphs, unknown
    after = snapshot(env.store, "Actor", {})
    assert reads.whole == whole + 1
    assert after[0] == before[0] + 1 and (ACTOR, "Aaa brut", None) in after[1]
    assert counts(env.store)[THC.Actor.value] == home[THC.Actor.value] + 1


def test_a_write_that_skips_the_change_log_is_caught_by_the_fingerprint(env: Env, reads: Reads) -> None:
    """What another client of a remote store writes: graph/meta changes, the change log hears nothing."""
    before = snapshot(env.store, "Actor", {})
    whole = reads.whole
    quiet = GRAPH["test/quiet"]
    generation = env.store.changes.generation
    env.store.oxigraph.update(SPARQL_PREFIXES + f"""INSERT DATA {{
        GRAPH <{quiet.value}> {{ <{ACTOR}> a thc:Actor ; rdfs:label "Aaa discret"@fr . }}
        GRAPH <{META_GRAPH.value}> {{ <{quiet.value}> dct:modified "2026-01-01T00:00:00Z"^^xsd:dateTime . }} }}""")
    assert env.store.changes.generation == generation
    after = snapshot(env.store, "Actor", {})
    assert reads.whole == whole + 1
    assert after[0] == before[0] + 1 and (ACTOR, "Aaa discret", None) in after[1]


# -- the status of a commitment ------------------------------------------------------------------------------------

def test_the_status_of_a_commitment_is_the_completion_of_its_latest_report(env: Env, reads: Reads) -> None:
    limited, substantial, complete = (COMPLETION + name for name in ("limited", "substantial", "complete"))
    assert env.post("mulhouse", report_ttl("s1", when="2025-01-15", completion="limited")).status_code == 201
    data = get(env, "/class/Commitment.json")
    assert facet(data, "status") == {limited: 1}
    assert facet(get(env, "/class/ProgressReport.json"), "status") == {limited: 1}  # a report has its own
    whole = reads.whole

    later = env.post("mulhouse", report_ttl("s2", when="2025-03-01", completion="substantial"))
    assert later.status_code == 201
    data = get(env, "/class/Commitment.json")
    assert facet(data, "status") == {substantial: 1}
    assert iris(get(env, "/class/Commitment.json", status=substantial)) == [COMMITMENT]
    assert get(env, "/class/Commitment.json", status=limited)["total"] == 0
    assert reads.whole == whole, "the report was not followed"
    assert ID + "report/s2" in reads.touched and COMMITMENT in reads.touched

    # a report about an earlier date, published later, does not make the status
    assert env.post("mulhouse", report_ttl("s0", when="2024-06-01", completion="complete")).status_code == 201
    data = get(env, "/class/Commitment.json")
    assert facet(data, "status") == {substantial: 1}
    # the dashboard, the SPARQL statement of the facet and of the filter say the same
    dashboard = get(env, "/dashboard.json")
    statuses = {c["iri"]: c["status"] for t in dashboard["territories"] for p in t["plans"] for c in p["commitments"]}
    assert statuses[COMMITMENT] == substantial
    assert sparql_facet(env.store, "Commitment", "status") == facet(data, "status")
    assert sparql_facet(env.store, "Commitment", "kind", {"status": substantial}) == {THC.Commitment.value: 1}
    assert sparql_facet(env.store, "Commitment", "kind", {"status": complete}) == {}

    # withdrawing the latest report gives the commitment back the status of the one before
    graph = later.json["graph"]
    withdrawn = env.client.post("/api/contributions/" + graph[len(CONTRIB):] + "/withdraw",
                                headers=env.auth("mulhouse"))
    assert withdrawn.status_code == 200
    data = get(env, "/class/Commitment.json")
    assert facet(data, "status") == {limited: 1}
    assert iris(get(env, "/class/Commitment.json", status=limited)) == [COMMITMENT]
    assert get(env, "/class/Commitment.json", status=substantial)["total"] == 0
    assert sparql_facet(env.store, "Commitment", "status") == {limited: 1}
    assert reads.whole == whole
    listing.clear_cache()
    assert facet(get(env, "/class/Commitment.json"), "status") == {limited: 1}


# -- followed equals fresh -----------------------------------------------------------------------------------------

VIEWS = [("Actor", {}), ("Actor", {"territory": MULHOUSE}), ("Organization", {"kind": CSO}),
         ("Actor", {"theme": THEMES + "governance"}), ("Event", {}), ("Event", {"year": "2014"}),
         ("Territory", {}), ("Commitment", {}), ("Commitment", {"status": COMPLETION + "limited"}),
         ("ProgressReport", {}), ("Experience", {})]
ORDERS = [("label", "fr"), ("date", "en"), ("label", "en")]
KINDS = [THC.CivilSocietyOrganization, THC.PublicAuthority, THC.Person, THC.Event, THC.Workshop, THC.Experience,
         THC.Territory]
WORDS = ["Atelier", "Budget", "Conseil", "Démocratie", "école", "Forum", "jardin", "Œuvre", "Zone", "assemblée"]


def _everything(store: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for name, filters in VIEWS:
        for sort, lang in ORDERS:
            out[name, tuple(sorted(filters.items())), sort, lang] = snapshot(store, name, filters, sort, lang)
    out["counts"] = counts(store)
    return out


def test_followed_indexes_equal_fresh_ones_after_a_random_sequence_of_writes(env: Env, reads: Reads) -> None:
    store = env.store
    rng = random.Random(2014)
    territories = sorted(q.subject.value for q in store.quads(None, RDF.type, THC.Territory, None))
    commitments = sorted(q.subject.value for q in store.quads(None, RDF.type, THC.Commitment, None))
    themes = sorted({q.object.value for q in store.quads(None, DCT.subject, None, None)})[:6]
    members = sorted({q.subject.value for kind in (THC.Actor, THC.Organization, THC.Event, THC.Experience)
                      for q in store.quads(None, RDF.type, kind, None)})
    graphs: list[ox.NamedNode] = []
    withdrawn: set[ox.NamedNode] = set()
    done: Counter[str] = Counter()
    news: list[ox.NamedNode] = []  # the graphs that published a new resource
    _everything(store)
    whole = reads.whole

    def node(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def publish(triples: list[ox.Triple], graph: ox.NamedNode | None = None) -> None:
        done["publish"] += 1
        graph = graph or GRAPH[f"contribution/test/g{done['publish']}"]
        if graph not in graphs:
            graphs.append(graph)
        stamp = ox.Literal(f"2026-01-01T00:{done['publish'] // 60:02d}:{done['publish'] % 60:02d}Z",
                           datatype=XSD.dateTime)
        store.replace_graph(graph, triples, [ox.Triple(graph, DCT.modified, stamp),
                                             ox.Triple(graph, PROV.generatedAtTime, stamp)])

    def new_resource(number: int) -> list[ox.Triple]:
        subject = node(f"{ID}test/r{number}")
        triples = [ox.Triple(subject, RDF.type, rng.choice(KINDS)),
                   ox.Triple(subject, RDFS.label, ox.Literal(f"{rng.choice(WORDS)} {number}", language="fr"))]
        if rng.random() < 0.5:
            triples.append(ox.Triple(subject, RDFS.label, ox.Literal(f"{rng.choice(WORDS)} en {number}",
                                                                     language="en")))
        if rng.random() < 0.7:
            triples.append(ox.Triple(subject, DCT.spatial, node(rng.choice(territories))))
        if rng.random() < 0.6:
            triples.append(ox.Triple(subject, DCT.subject, node(rng.choice(themes))))
        if rng.random() < 0.6:
            day = f"{rng.randint(2012, 2016)}-0{rng.randint(1, 9)}-01"
            triples.append(ox.Triple(subject, SCHEMA.startDate, ox.Literal(day, datatype=XSD.date)))
        return triples

    def about_existing() -> list[ox.Triple]:
        subject = node(rng.choice(members))
        choice = rng.randrange(4)
        if choice == 0:
            return [ox.Triple(subject, DCT.subject, node(rng.choice(themes)))]
        if choice == 1:
            return [ox.Triple(subject, RDF.type, rng.choice(KINDS))]
        if choice == 2:
            return [ox.Triple(subject, SCHEMA.startDate, ox.Literal("2011-05-05", datatype=XSD.date))]
        return [ox.Triple(subject, THC.within, node(rng.choice(territories)))]

    def report(number: int) -> list[ox.Triple]:
        subject = node(f"{ID}test/report-{number}")
        kind, link = rng.choice([(THC.ProgressReport, THC.aboutCommitment), (THC.Evaluation, THC.evaluates)])
        triples = [ox.Triple(subject, RDF.type, kind), ox.Triple(subject, link, node(rng.choice(commitments))),
                   ox.Triple(subject, RDFS.label, ox.Literal(f"Rapport {number}", language="fr")),
                   ox.Triple(subject, THC.completion, node(COMPLETION + rng.choice(
                       ["not-started", "limited", "substantial", "complete"])))]
        if rng.random() < 0.8:  # few dates: ties are settled by the publication, then the IRI
            triples.append(ox.Triple(subject, DCT.date, ox.Literal(rng.choice(["2015-01-01", "2016-01-01"]),
                                                                   datatype=XSD.date)))
        return triples

    actions = ["new"] * 3 + ["existing"] * 2 + ["report"] * 3 + ["withdraw", "restore", "drop", "replace"]
    for step in range(80):
        action = rng.choice(actions)
        if action == "new":
            publish(new_resource(step))
            news.append(graphs[-1])
        elif action == "existing":
            publish(about_existing())
        elif action == "report":
            publish(report(step))
            done["report"] += 1
        elif action == "withdraw" and graphs:
            graph = rng.choice(graphs)
            if graph not in withdrawn:
                store.add_metadata([ox.Triple(graph, PROV.invalidatedAtTime, ox.Literal(
                    f"2026-02-01T00:00:{step:02d}Z", datatype=XSD.dateTime))], affects=[graph])
                withdrawn.add(graph)
                done["withdraw"] += 1
        elif action == "restore" and withdrawn:
            graph = rng.choice(sorted(withdrawn, key=str))
            store.update(f"DELETE WHERE {{ GRAPH <{META_GRAPH.value}> {{ <{graph.value}> "
                         f"<{PROV.invalidatedAtTime.value}> ?t }} }}", graphs=[graph])
            withdrawn.discard(graph)
            done["restore"] += 1
        elif action == "drop" and graphs:
            graph = graphs.pop(rng.randrange(len(graphs)))
            store.drop_graph(graph)
            withdrawn.discard(graph)
            done["drop"] += 1
        elif action == "replace" and graphs:
            publish(rng.choice([new_resource(step), about_existing(), report(step)]), rng.choice(graphs))
        if step % 7 == 0:
            _everything(store)  # follow part of the way, at different points

    # and two stay withdrawn: a new resource seen by the indexes, and a report
    reported = [g for g in graphs if any(True for _ in store.quads(None, THC.completion, None, g))]
    for last in (next(g for g in reversed(news) if g in graphs and g not in withdrawn),
                 next(g for g in reversed(reported) if g not in withdrawn)):
        store.add_metadata([ox.Triple(last, PROV.invalidatedAtTime, ox.Literal("2026-03-01T00:00:00Z",
                                                                              datatype=XSD.dateTime))], affects=[last])
    assert min(done[action] for action in ("publish", "report", "withdraw", "restore", "drop")) >= 3, done
    followed = _everything(store)
    assert reads.whole == whole, "a write of the sequence was not followed"
    listing.clear_cache()
    assert _everything(store) == followed
    assert followed["counts"] == sparql_counts(store)
    assert [followed[name, tuple(sorted(filters.items())), "label", "fr"][0] for name, filters in VIEWS] \
        == [sparql_total(store, name, filters) for name, filters in VIEWS]
    commitment_status = {value: count for value, _, count, _ in followed["Commitment", (), "label", "fr"][2]["status"]}
    assert commitment_status == sparql_facet(store, "Commitment", "status")

"""Actor-network analysis (issue 5): hand-made graphs whose answers are known, analysed in a real on-disk store and
checked through SPARQL on the published run; determinism; exports read back by networkx; time filters; the web JSON."""

from __future__ import annotations

import gc
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import Result

from thc_graph import formats, ingest, network, queries
from thc_graph.app import create_app
from thc_graph.errors import BadRequest
from thc_graph.namespaces import GRAPH
from thc_graph.paths import SEED_DIR
from thc_graph.store import Store

from .conftest import DATA, dump_dataset

FIXTURES = DATA / "network"
ACTOR = "https://w3id.org/thc/id/actor/"
PREFIXES = """
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX thc: <https://w3id.org/thc/ontology#>
PREFIX metric: <https://w3id.org/thc/id/metric/>
"""


def load(store: Store, *names: str, graph: str = "test") -> None:
    parsed = [ingest.parse_file(FIXTURES / name) for name in names]
    ingest.ingest(store, parsed, GRAPH[graph], validate=False)


def load_text(store: Store, turtle: str, graph: str = "extra") -> None:
    prefixes = "\n".join(f"@prefix {k}: <https://w3id.org/thc/id/{k}/> ." for k in ("actor", "experience", "method"))
    text = "@prefix thc: <https://w3id.org/thc/ontology#> .\n" + prefixes + "\n" + turtle
    ingest.ingest(store, [ingest.parse_bytes(text.encode(), graph, formats.RDF_BY_NAME["turtle"])], GRAPH[graph],
                  validate=False)


def measure(store: Store, run: network.Run, metric: str, actor: str) -> object:
    """One published value, read by SPARQL from the run's graph."""
    rows = store.select(PREFIXES + """
        SELECT ?value ?g ?actor ?metric WHERE {
          GRAPH ?g { ?m dqv:computedOn ?actor ; dqv:isMeasurementOf ?metric ; dqv:value ?value } }""",
                        substitutions={"g": ox.NamedNode(run.graph), "actor": ox.NamedNode(ACTOR + actor),
                                       "metric": ox.NamedNode(network.METRIC_PREFIX + metric)})
    assert len(rows) <= 1
    return network._python(rows[0]["value"]) if rows else None


def whole(store: Store, run: network.Run, metric: str, name: str = "actors") -> object:
    rows = store.select(PREFIXES + """
        SELECT ?value ?g ?net ?metric WHERE {
          GRAPH ?g { ?m dqv:computedOn ?net ; dqv:isMeasurementOf ?metric ; dqv:value ?value } }""",
                        substitutions={"g": ox.NamedNode(run.graph),
                                       "net": ox.NamedNode(f"{network.RUN_PREFIX}{run.run}/network/{name}"),
                                       "metric": ox.NamedNode(network.METRIC_PREFIX + metric)})
    return network._python(rows[0]["value"]) if rows else None


def communities(store: Store, run: network.Run) -> dict[str, set[str]]:
    rows = store.select(PREFIXES + """
        SELECT ?c ?member ?g WHERE { GRAPH ?g { ?c a thc:Community ; foaf:member ?member } }""",
                        substitutions={"g": ox.NamedNode(run.graph)})
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["c"].value, set()).add(row["member"].value.removeprefix(ACTOR))
    return out


# --------------------------------------------------------------------------- a star


def test_star_known_answers_through_sparql(store: Store) -> None:
    load(store, "star.ttl")
    run = network.run_analysis(store, seed=1)
    assert measure(store, run, "degree", "hub") == 5
    assert measure(store, run, "betweenness", "hub") == pytest.approx(1.0)
    assert measure(store, run, "betweenness", "leaf-1") == pytest.approx(0.0)
    assert measure(store, run, "constraint", "hub") == pytest.approx(0.2)
    assert measure(store, run, "constraint", "leaf-3") == pytest.approx(1.0)
    assert measure(store, run, "effective-size", "hub") == pytest.approx(5.0)
    assert measure(store, run, "articulation-point", "hub") is True
    assert measure(store, run, "articulation-point", "leaf-2") is False
    assert measure(store, run, "bridges", "hub") == 5
    assert measure(store, run, "clustering", "hub") == pytest.approx(0.0)
    assert measure(store, run, "core-number", "leaf-4") == 1
    assert whole(store, run, "degree-centralisation") == pytest.approx(1.0)
    assert whole(store, run, "betweenness-centralisation") == pytest.approx(1.0)
    assert whole(store, run, "density") == pytest.approx(5 / 15)
    assert whole(store, run, "diameter") == 2
    assert whole(store, run, "edges") == 5
    # No tie joins two actors of the same type: r = (0 - Σ a_i²) / (1 - Σ a_i²), a = (5, 3, 2) / 10.
    assert whole(store, run, "type-assortativity") == pytest.approx(-0.38 / 0.62)


def test_edges_keep_tie_types_and_sources(store: Store) -> None:
    load(store, "star.ttl", "two_cliques.ttl")
    graph = network.build(store)["actors"]
    edge = graph.edges[ACTOR + "hub", ACTOR + "leaf-1"]
    assert edge["tie_types"] == ["membership"]
    assert edge["sources"] == ["https://w3id.org/thc/id/source/star"]
    assert edge["ties"] == ["https://w3id.org/thc/id/membership/leaf-1-hub"]
    assert graph.edges[ACTOR + "broker", ACTOR + "b-1"]["tie_types"] == ["funds"]
    assert graph.edges[ACTOR + "a-2", ACTOR + "a-3"]["tie_types"] == ["co-participation-event"]
    assert graph.nodes[ACTOR + "a-1"]["type"] == "PublicAuthority"
    assert graph.nodes[ACTOR + "a-1"]["territory"] == "https://w3id.org/thc/id/territory/commune-68224"


# --------------------------------------------------------------------------- two cliques, a broker, an isolate


def test_two_cliques_broker_has_top_betweenness_and_communities_split(store: Store) -> None:
    load(store, "two_cliques.ttl")
    run = network.run_analysis(store, seed=7)
    top = store.select(PREFIXES + """
        SELECT ?actor ?value ?g WHERE { GRAPH ?g { ?m dqv:computedOn ?actor ; dqv:isMeasurementOf metric:betweenness ;
                                                   dqv:value ?value } } ORDER BY DESC(?value) LIMIT 2""",
                       substitutions={"g": ox.NamedNode(run.graph)})
    assert top[0]["actor"].value == ACTOR + "broker"
    assert float(top[0]["value"].value) > float(top[1]["value"].value)
    found = communities(store, run)
    a_side = {c for c, members in found.items() if {"a-1", "a-2", "a-3", "a-4"} <= members}
    b_side = {c for c, members in found.items() if {"b-1", "b-2", "b-3", "b-4"} <= members}
    assert len(a_side) == 1 and len(b_side) == 1 and a_side != b_side
    assert whole(store, run, "modularity") > 0.3
    assert whole(store, run, "communities") == 2  # and the isolated actor, alone, is no community


def test_isolated_actor(store: Store) -> None:
    load(store, "two_cliques.ttl")
    run = network.run_analysis(store, seed=7)
    assert measure(store, run, "degree", "isolated") == 0
    # Its other measures are trivial (betweenness 0) or undefined (constraint): only its degree is published.
    assert ACTOR + "isolated" not in run.analysis.node_measures["betweenness"]  # measured over the tied actors
    assert run.analysis.node_measures["component"][ACTOR + "isolated"] == 2
    for metric in ("betweenness", "closeness", "constraint", "component"):
        assert measure(store, run, metric, "isolated") is None, metric
    assert measure(store, run, "component", "broker") == 1
    assert all("isolated" not in members for members in communities(store, run).values())
    assert whole(store, run, "components") == 2
    assert whole(store, run, "isolates") == 1
    assert whole(store, run, "nodes") == 10
    assert whole(store, run, "largest-component") == 9


def test_run_is_described_with_prov(store: Store) -> None:
    load(store, "two_cliques.ttl")
    run = network.run_analysis(store, seed=5, window=network.Window.parse(as_of="2015-06-01"))
    rows = store.select(PREFIXES + """
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX schema: <https://schema.org/>
        SELECT ?seed ?asOf ?start ?end ?version ?g WHERE { GRAPH ?g { ?run a thc:NetworkAnalysis , prov:Activity ;
            thc:randomSeed ?seed ; thc:asOf ?asOf ; dct:temporal [ dcat:startDate ?start ; dcat:endDate ?end ] ;
            prov:wasAssociatedWith [ schema:softwareVersion ?version ] } }""",
                        substitutions={"g": ox.NamedNode(run.graph)})
    assert [(r["seed"].value, r["asOf"].value, r["start"].value, r["end"].value, r["version"].value) for r in rows] \
        == [("5", "2015-06-01", "2015-06-01", "2015-06-01", nx.__version__)]
    used = {r["used"].value for r in store.select(
        "SELECT ?used ?g ?run WHERE { GRAPH ?g { ?run <http://www.w3.org/ns/prov#used> ?used } }",
        substitutions={"g": ox.NamedNode(run.graph), "run": network.run_iri(run.run)})}
    assert GRAPH.test.value in used
    labels = store.select(PREFIXES + """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (LANG(?l) AS ?lang) ?g WHERE { GRAPH ?g { metric:betweenness a dqv:Metric ; rdfs:label ?l } }""",
                          substitutions={"g": ox.NamedNode(run.graph)})
    assert sorted(r["lang"].value for r in labels) == ["en", "fr"]
    described = store.select("SELECT ?t ?g ?meta WHERE { GRAPH ?meta { ?g <http://purl.org/dc/terms/title> ?t } }",
                             substitutions={"meta": GRAPH.meta, "g": ox.NamedNode(run.graph)})
    assert "seed 5" in described[0]["t"].value


def test_main_brokers_of_grand_est_in_2015(store: Store) -> None:
    load(store, "two_cliques.ttl")
    network.run_analysis(store, seed=1, window=network.Window.parse(as_of="2015-06-01"), run="r2015")
    network.run_analysis(store, seed=1, window=network.Window.parse(start="2020-01-01", end="2021-12-31"), run="r2020")
    named = queries.get("network/main_brokers")
    rows = store.select(named.text, substitutions=named.substitutions({}))
    actors = [r["actor"].value.removeprefix(ACTOR) for r in rows]
    assert actors[0] == "broker"
    assert set(actors) <= {"broker", "a-1", "a-2", "a-3", "a-4", "isolated"}  # B is in the Drôme
    assert {r["run"].value for r in rows} == {network.RUN_PREFIX + "r2015"}
    # Another région and year: the Drôme in 2021 is read from the 2020–2021 run.
    rows = store.select(named.text, substitutions=named.substitutions(
        {"region": "https://w3id.org/thc/id/territory/region-84", "year": "2021"}))
    assert {r["actor"].value.removeprefix(ACTOR) for r in rows} == {"b-1", "b-2", "b-3", "b-4"}
    assert {r["run"].value for r in rows} == {network.RUN_PREFIX + "r2020"}


def test_actor_measures_query(store: Store) -> None:
    load(store, "star.ttl")
    network.run_analysis(store, seed=1)
    named = queries.get("network/actor_measures")
    rows = store.select(named.text, substitutions=named.substitutions({"actor": ACTOR + "hub", "lang": "en"}))
    by_metric = {r["metric"].value.rpartition("/")[2]: r for r in rows}
    assert by_metric["degree"]["value"].value == "5"
    assert by_metric["degree"]["metricLabel"].value == "degree"
    assert by_metric["degree"]["community"].value == "1"


# --------------------------------------------------------------------------- reproducibility, runs kept


def _results(store: Store, run: network.Run) -> set[tuple[str, str, str]]:
    rows = store.select(PREFIXES + """
        SELECT ?on ?metric ?value ?g WHERE { GRAPH ?g { ?m dqv:computedOn ?on ; dqv:isMeasurementOf ?metric ;
                                                       dqv:value ?value } }""",
                        substitutions={"g": ox.NamedNode(run.graph)})
    return {(r["on"].value.replace(run.run, "RUN"), r["metric"].value, r["value"].value) for r in rows}


def test_same_seed_same_results_and_earlier_runs_kept(store: Store) -> None:
    load(store, "two_cliques.ttl", "star.ttl")
    first = network.run_analysis(store, seed=11, exact_limit=5, samples=4)
    second = network.run_analysis(store, seed=11, exact_limit=5, samples=4)
    assert first.run != second.run
    assert store.has_graph(ox.NamedNode(first.graph)) and store.has_graph(ox.NamedNode(second.graph))
    assert _results(store, first) == _results(store, second)
    found = [sorted(map(sorted, communities(store, run).values())) for run in (first, second)]
    assert found[0] and found[0] == found[1]
    assert [r["run"] for r in network.runs(store)] == [second.run, first.run]


def test_same_results_in_other_processes_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Two `thc analyze` processes with different PYTHONHASHSEED publish the same values (no set-order effects)."""
    found = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"store-{hash_seed}"
        store = Store(path)
        load(store, "two_cliques.ttl", "star.ttl")
        del store
        gc.collect()
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", "from thc_graph.cli import main; main()", "--store", str(path),
                        "analyze", "--seed", "5", "--exact-limit", "6", "--samples", "5"],
                       check=True, env=env, capture_output=True, timeout=300)
        store = Store(path)
        run = network.latest_run(store)
        found.append(_results(store, network.Run(run["run"], run["graph"], 0, None, {}, network.Window(), [])))
        del store
        gc.collect()
    assert found[0] == found[1] and len(found[0]) > 100


def test_sampling_is_said_and_seeded(store: Store) -> None:
    load(store, "two_cliques.ttl", "star.ttl")
    run = network.run_analysis(store, seed=3, exact_limit=5, samples=4)
    assert run.analysis.computations["betweenness"]["method"] == "sampled"
    assert run.analysis.computations["closeness"]["method"] == "sampled"
    rows = store.select(PREFIXES + """
        SELECT ?metric ?type ?k ?g ?run WHERE { GRAPH ?g { ?c dct:isPartOf ?run ; prov:used ?metric ; dct:type ?type
                                                    OPTIONAL { ?c thc:sampleSize ?k } } }""",
                        substitutions={"g": ox.NamedNode(run.graph), "run": network.run_iri(run.run)})
    how = {r["metric"].value.rpartition("/")[2]: (r["type"].value, r.get("k")) for r in rows}
    assert how["betweenness"][0] == "sampled" and how["betweenness"][1].value == "4"
    assert how["degree"] == ("exact", None)
    exact = network.run_analysis(store, seed=3)
    assert exact.analysis.computations["betweenness"]["method"] == "exact"


def test_sampled_measures_estimate_the_exact_ones() -> None:
    graph = nx.connected_watts_strogatz_graph(300, 6, 0.1, seed=1)
    graph = nx.relabel_nodes(graph, {n: f"n{n:03d}" for n in graph})
    nx.set_edge_attributes(graph, 1, "weight")
    nx.set_node_attributes(graph, "Actor", "type")
    exact = network.analyse(graph, seed=1)
    sampled = network.analyse(graph, seed=1, exact_limit=100, samples=150)
    for metric in ("closeness", "betweenness"):
        a = [exact.node_measures[metric][n] for n in graph]
        b = [sampled.node_measures[metric][n] for n in graph]
        mean = sum(a) / len(a)
        error = sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)
        assert error < 0.2 * mean, metric


def test_burt_matches_networkx() -> None:
    rng = random.Random(4)
    graph = nx.gnm_random_graph(40, 120, seed=4)
    for a, b in graph.edges:
        graph.edges[a, b]["weight"] = rng.randint(1, 4)
    constraint, esize = network._burt(graph)
    expected_c = nx.constraint(graph, weight="weight")
    # networkx 3.6.1's vectorised (scipy) path for all nodes gives other values for weighted graphs; its
    # per-node path follows Burt's formula, as ours does.
    expected_e = nx.effective_size(graph, weight="weight", nodes=list(graph))
    for node in graph:
        if graph.degree(node):
            assert constraint[node] == pytest.approx(expected_c[node])
            assert esize[node] == pytest.approx(expected_e[node])


def test_eigenvector_matches_networkx() -> None:
    graph = nx.karate_club_graph()
    ours = network._eigenvector(graph, list(graph))
    theirs = nx.eigenvector_centrality(graph, weight="weight", max_iter=1000, tol=1e-10)
    for node in graph:
        assert ours[node] == pytest.approx(theirs[node], abs=1e-6)


# --------------------------------------------------------------------------- time filters


def _edges(store: Store, **window: str) -> set[frozenset[str]]:
    graph = network.build(store, network.Window.parse(**window), kinds=("actors",))["actors"]
    return {frozenset(n.removeprefix(ACTOR) for n in edge) for edge in graph.edges}


def test_time_filters_use_the_ties_own_dates(store: Store) -> None:
    load(store, "two_cliques.ttl")
    every = _edges(store)
    assert len(every) == 6 + 6 + 2
    in_2015 = _edges(store, as_of="2015-06-01")
    assert frozenset({"a-2", "a-3"}) in in_2015  # the 2015 summit (a year) covers the day
    assert frozenset({"b-2", "b-3"}) not in in_2015  # the 2020–2021 partnerships do not
    assert frozenset({"broker", "a-1"}) in in_2015 and frozenset({"broker", "b-1"}) in in_2015
    assert len(in_2015) == 6 + 2
    before = _edges(store, as_of="2013-12-31")  # the membership starts 2014-01-01; the summit is in 2015
    assert before == {frozenset({"broker", "b-1"})}
    period = _edges(store, start="2020-02-01", end="2021-06-30")
    assert frozenset({"b-1", "b-4"}) in period and frozenset({"a-1", "a-2"}) not in period
    assert len(period) == 6 + 2
    assert frozenset({"b-3", "b-4"}) in _edges(store, as_of="2021-12-31")
    assert frozenset({"b-3", "b-4"}) not in _edges(store, as_of="2022-01-01")
    assert frozenset({"b-1", "b-4"}) not in _edges(store, as_of="2020-02-15")  # starts 2020-03
    assert frozenset({"b-1", "b-4"}) in _edges(store, as_of="2020-03-15")
    assert _edges(store, start="2016-01-01") == every - {frozenset(p) for p in
                                                         [("a-1", "a-2"), ("a-1", "a-3"), ("a-1", "a-4"),
                                                          ("a-2", "a-3"), ("a-2", "a-4"), ("a-3", "a-4")]}
    # Every actor stays a node: the isolated actor, and B when its ties are out of the window.
    graph = network.build(store, network.Window.parse(as_of="2015-06-01"), kinds=("actors",))["actors"]
    assert graph.number_of_nodes() == 10


@pytest.mark.parametrize(("window", "message"), [
    ({"as_of": "2015-13-01"}, "--as-of"),
    ({"start": "2016-01-01", "end": "2015-01-01"}, "after --to"),
    ({"as_of": "2015-01-01", "start": "2014-01-01"}, "alone"),
])
def test_bad_windows_are_refused(window: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        network.Window.parse(**window)


def test_bipartite_networks_and_projections(store: Store) -> None:
    load(store, "two_cliques.ttl")
    load_text(store, """
        experience:e1 a thc:Experience ; thc:organiser actor:a-1 ; thc:participant actor:b-1 ;
            thc:usedMethod method:m1 .
        experience:e2 a thc:Experience ; thc:organiser actor:a-1 ; thc:usedMethod method:m1 , method:m2 .
        experience:e3 a thc:Experience ; thc:organiser actor:b-2 ; thc:usedMethod method:m9 .
        method:m9 <http://www.w3.org/2002/07/owl#sameAs> method:m3 , <https://participedia.net/method/146> .
        method:m1 <http://www.w3.org/2004/02/skos/core#exactMatch> method:m3 .
        """)
    nets = network.build(store)
    exp = nets["actor-experience"]
    assert exp.edges[ACTOR + "a-1", "https://w3id.org/thc/id/experience/e1"]
    assert nets["actor-experience-actors"].edges[ACTOR + "a-1", ACTOR + "b-1"]["weight"] == 1
    assert nets["actor-experience-experiences"].number_of_edges() == 1
    assert nets["actor-experience"].number_of_edges() == 4
    methods = nets["actor-method"]
    assert set(methods[ACTOR + "a-1"]) == {"https://w3id.org/thc/id/method/m1", "https://w3id.org/thc/id/method/m2"}
    # m9 = m3 (owl:sameAs) = m1 (skos:exactMatch): one node, the smallest of our IRIs; the external IRI is no node.
    assert set(methods[ACTOR + "b-2"]) == {"https://w3id.org/thc/id/method/m1"}
    assert nets["actor-method-actors"].edges[ACTOR + "a-1", ACTOR + "b-2"]["weight"] == 1
    assert nets["actor-method-methods"].edges["https://w3id.org/thc/id/method/m1",
                                              "https://w3id.org/thc/id/method/m2"]["weight"] == 1


# --------------------------------------------------------------------------- exports


def _same_network(original: nx.Graph, back: nx.Graph) -> None:
    assert set(back.nodes) == set(original.nodes)
    assert {frozenset(e) for e in back.edges} == {frozenset(e) for e in original.edges}
    for a, b, data in original.edges(data=True):
        assert int(back.edges[a, b]["weight"]) == data["weight"]
        assert str(back.edges[a, b]["tie_types"]).split() == list(data["tie_types"]) or \
            back.edges[a, b]["tie_types"] == data["tie_types"]


def test_exports_read_back_by_networkx_give_the_same_network(store: Store, tmp_path: Path) -> None:
    load(store, "two_cliques.ttl")
    run = network.run_analysis(store, seed=2)
    graph = network.attach(run.analysis)
    written = network.export(graph, tmp_path / "out")
    assert sorted(p.name for p in written) == ["actors-edges.csv", "actors-nodes.csv", "actors.gexf",
                                               "actors.graphml", "actors.json"]
    for path in (tmp_path / "out" / "actors.gexf", tmp_path / "out" / "actors.graphml",
                 tmp_path / "out" / "actors.json", tmp_path / "out" / "actors-edges.csv"):
        back = network.read_export(path)
        _same_network(graph, back)
        broker = back.nodes[ACTOR + "broker"]
        assert broker["type"] == "Network"
        assert broker["territory"] == "https://w3id.org/thc/id/territory/commune-68224"
        assert int(broker["community"]) == graph.nodes[ACTOR + "broker"]["community"]
        value = broker["measures"]["betweenness"] if path.suffix == ".json" else broker["betweenness"]
        assert float(value) == pytest.approx(run.analysis.node_measures["betweenness"][ACTOR + "broker"])


# --------------------------------------------------------------------------- the command line


def test_thc_analyze_publishes_and_exports(thc: Callable[..., Result], store_path: Path, tmp_path: Path) -> None:
    store = Store(store_path)
    load(store, "two_cliques.ttl")
    del store
    result = thc("analyze", "--seed", "9", "--as-of", "2015-06-01", "--export", tmp_path / "exp")
    assert result.exit_code == 0, result.output
    assert "actors network, 10 actors (4 isolated), 8 ties (as of 2015-06-01, seed 9)" in result.output
    assert "published <https://w3id.org/thc/graph/analysis/" in result.output
    assert (tmp_path / "exp" / "actors.gexf").exists() and (tmp_path / "exp" / "actor-experience.graphml").exists()
    sampled = thc("analyze", "--exact-limit", "3", "--samples", "2")
    assert sampled.exit_code == 0
    assert "betweenness: sampled" in sampled.output and "samples 2" in sampled.output
    listed = thc("graphs")
    assert listed.output.count("graph/analysis/") == 2


def test_thc_analyze_refuses_a_bad_date_and_leaves_the_store_unchanged(thc: Callable[..., Result],
                                                                         store_path: Path) -> None:
    store = Store(store_path)
    load(store, "star.ttl")
    del store
    import gc

    gc.collect()
    before = dump_dataset(store_path)
    result = thc("analyze", "--as-of", "2015-02-30")
    assert result.exit_code == 1
    assert "--as-of: '2015-02-30' is not a date (YYYY-MM-DD)" in result.output
    assert dump_dataset(store_path) == before


# --------------------------------------------------------------------------- the web JSON and downloads


def test_web_json_measures_and_downloads(store: Store) -> None:
    load(store, "two_cliques.ttl")
    run = network.run_analysis(store, seed=4)
    client = create_app({"store": str(store.path)}, store=store).test_client()
    data = client.get("/-/network.json").get_json()
    assert data["graph"]["run"] == run.run
    assert data["graph"]["computations"]["betweenness"].startswith("backend=networkx")
    nodes = {n["id"]: n for n in data["nodes"]}
    broker = nodes[ACTOR + "broker"]
    assert broker["type"] == "Network" and broker["label"] == "Le courtier"
    assert broker["measures"]["betweenness"] == pytest.approx(run.analysis.node_measures["betweenness"][broker["id"]])
    assert broker["community"] == run.analysis.community_of()[broker["id"]]
    edge = next(e for e in data["edges"] if {e["source"], e["target"]} == {ACTOR + "broker", ACTOR + "b-1"})
    assert edge["tie_types"] == ["funds"] and edge["sources"] == ["https://w3id.org/thc/id/source/broker"]
    assert edge["weight"] == 1 and edge["bridge"] is True
    ego = client.get("/-/network.json", query_string={"ego": ACTOR + "broker"}).get_json()
    assert {n["id"] for n in ego["nodes"]} == {ACTOR + "broker", ACTOR + "a-1", ACTOR + "b-1"}
    assert client.get("/-/network.json", query_string={"ego": ACTOR + "nobody"}).status_code == 404
    assert client.get("/-/network.json", query_string={"ego": ACTOR + "broker", "radius": "x"}).status_code == 400
    table = client.get("/-/network/measures.json").get_json()
    assert len(table["rows"]) == 9 and "betweenness" in table["columns"]  # not the isolated actor
    assert len(client.get("/-/network/measures.json?isolates=1").get_json()["rows"]) == 10
    assert len(client.get("/-/network.json?isolates=1").get_json()["nodes"]) == 10
    csv_text = client.get("/-/network/measures.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("id,label,type")
    for fmt, reader in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        response = client.get(f"/-/network/export.{fmt}")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        _same_network(run.analysis.graph, reader(io.BytesIO(response.data)))
    back = nx.node_link_graph(json.loads(client.get("/-/network/export.json").data), edges="edges")
    _same_network(run.analysis.graph, back)
    assert client.get("/-/network/export.pdf").status_code == 404
    assert client.get("/-/network.json", query_string={"run": "nope"}).status_code == 404


def test_web_json_for_a_window_of_time(store: Store) -> None:
    load(store, "two_cliques.ttl")
    run = network.run_analysis(store, seed=4)  # over all dates
    client = create_app({"store": str(store.path)}, store=store).test_client()

    def pairs(data: dict[str, object]) -> set[frozenset[str]]:
        return {frozenset((e["source"].removeprefix(ACTOR), e["target"].removeprefix(ACTOR)))  # type: ignore[index]
                for e in data["edges"]}  # type: ignore[attr-defined]

    every = client.get("/-/network.json").get_json()
    assert len(pairs(every)) == 14 and "ties_window" not in every["graph"]
    in_2015 = client.get("/-/network.json", query_string={"as_of": "2015-06-01"}).get_json()
    assert pairs(in_2015) == {frozenset(p) for p in _edges(store, as_of="2015-06-01")}
    assert in_2015["graph"]["ties_window"] == {"as_of": "2015-06-01"} and in_2015["graph"]["window"] == {}
    assert in_2015["graph"]["run"] == run.run
    nodes = {n["id"]: n for n in in_2015["nodes"]}
    assert ACTOR + "b-3" not in nodes  # its ties are all of 2020–2021: an isolate that day, left out
    broker = nodes[ACTOR + "broker"]  # the run's measures, computed over all dates
    assert broker["measures"]["betweenness"] == pytest.approx(run.analysis.node_measures["betweenness"][broker["id"]])
    assert broker["community"] == run.analysis.community_of()[broker["id"]]
    period = client.get("/-/network.json", query_string={"from": "2020-02-01", "to": "2021-06-30"}).get_json()
    assert pairs(period) == {frozenset(p) for p in _edges(store, start="2020-02-01", end="2021-06-30")}
    assert len(client.get("/-/network/measures.json?as_of=2013-12-31").get_json()["rows"]) == 2
    for query, name in (({"as_of": "2015-02-30"}, "as_of"), ({"from": "yesterday"}, "from"), ({"to": "2015"}, "to")):
        response = client.get("/-/network.json", query_string=query, headers={"Accept": "application/json"})
        assert response.status_code == 400
        assert response.get_json()["message"].startswith(f"{name}: ")
    for query, words in (({"as_of": "2015-01-01", "from": "2014-01-01"}, "as_of is one day"),
                         ({"from": "2016-01-01", "to": "2015-01-01"}, "is after to")):
        response = client.get("/-/network.json", query_string=query, headers={"Accept": "application/json"})
        assert response.status_code == 400 and words in response.get_json()["message"]


def test_web_json_without_any_run_is_404(store: Store) -> None:
    client = create_app({"store": str(store.path)}, store=store).test_client()
    response = client.get("/-/network.json", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "thc analyze" in response.get_json()["message"]


# --------------------------------------------------------------------------- the seed data


def test_analysis_of_the_seed(store: Store) -> None:
    parsed = [ingest.parse_file(path) for path in sorted(SEED_DIR.glob("*.ttl"))]
    ingest.ingest(store, parsed, GRAPH.seed, validate=False)
    run = network.run_analysis(store, seed=42)
    graph = run.analysis.graph
    assert graph.number_of_nodes() >= 10
    betweenness = run.analysis.node_measures["betweenness"]
    assert max(betweenness, key=betweenness.get) == ACTOR + "democratie-ouverte"
    named = queries.get("network/main_brokers")
    rows = store.select(named.text, substitutions=named.substitutions({}))
    assert ACTOR + "commune-68224" in {r["actor"].value for r in rows}


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(BadRequest, match="unknown backend 'nope'; backends: graphblas"):
        network.analyse(nx.path_graph(3), backend="nope")


def test_empty_store_gives_an_empty_run(store: Store) -> None:
    run = network.run_analysis(store, seed=1)
    assert run.analysis.graph.number_of_nodes() == 0
    assert whole(store, run, "nodes") == 0 and whole(store, run, "communities") == 0


def test_measuring_a_projection(store: Store) -> None:
    load(store, "two_cliques.ttl")
    load_text(store, """
        experience:e1 a thc:Experience ; thc:organiser actor:a-1 ; thc:usedMethod method:m1 .
        experience:e2 a thc:Experience ; thc:organiser actor:b-1 ; thc:usedMethod method:m1 .
        """)
    run = network.run_analysis(store, seed=1, measure="actor-method-actors")
    assert run.analysis.graph.number_of_edges() == 1
    assert measure(store, run, "degree", "a-1") == 1
    assert whole(store, run, "edges", "actor-method-actors") == 1
    assert whole(store, run, "edges", "actors") == 14  # the other networks keep their whole-network measures
    info, graph = network.published(store)
    assert info["network"] == "actor-method-actors" and graph.nodes[ACTOR + "b-1"]["measures"]["degree"] == 1
    with pytest.raises(BadRequest, match="cannot measure network 'actor-method'"):
        network.run_analysis(store, measure="actor-method")

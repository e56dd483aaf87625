"""The change log: what each write touched, for the caches that follow the store (thc_graph/changes.py)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from thc_graph import describe
from thc_graph.errors import BadQuery
from thc_graph.namespaces import GRAPH, META_GRAPH, PROV, RDFS
from thc_graph.store import Store

ID = "https://w3id.org/thc/id/"
A, B, C, D = (ox.NamedNode(ID + name) for name in ("a", "b", "c", "d"))
G1, G2 = GRAPH["test-one"], GRAPH["test-two"]
CONTRIBUTION = GRAPH["contribution/somebody/2026-01-01-x"]


def label(node: ox.NamedNode, text: str) -> ox.Triple:
    return ox.Triple(node, RDFS.label, ox.Literal(text, language="fr"))


def modified(graph: ox.NamedNode, when: str) -> ox.Triple:
    return ox.Triple(graph, ox.NamedNode("http://purl.org/dc/terms/modified"), ox.Literal(when))


@pytest.fixture
def memory() -> Store:
    return Store()


def test_nothing_is_recorded_until_somebody_follows(memory: Store) -> None:
    memory.replace_graph(G1, [label(A, "a")], [])
    token = memory.changes.token()
    assert memory.changes.since(token) == (token, set())
    # the write before the first token is not the follower's concern: it built after it
    assert token == 1


def test_replace_graph_records_the_iris_of_both_versions_and_their_description(memory: Store) -> None:
    memory.replace_graph(G1, [label(A, "a"), ox.Triple(A, RDFS.seeAlso, B)], [modified(G1, "1")])
    token = memory.changes.token()
    memory.replace_graph(G1, [label(C, "c")], [modified(G1, "2")])
    generation, touched = memory.changes.since(token)
    assert generation == token + 1
    assert touched == {A.value, B.value, C.value, G1.value}
    # a second follower at the new generation sees nothing to do
    assert memory.changes.since(generation) == (generation, set())


def test_touched_iris_add_up_over_several_writes(memory: Store) -> None:
    token = memory.changes.token()
    memory.replace_graph(G1, [label(A, "a")], [])
    memory.replace_graph(G2, [label(B, "b")], [])
    memory.drop_graph(G1)
    generation, touched = memory.changes.since(token)
    assert generation == token + 3
    assert touched == {A.value, B.value, G1.value, G2.value}
    _, later = memory.changes.since(token + 2)
    assert later == {A.value, G1.value}


def test_an_update_without_graphs_is_unknown_and_one_with_graphs_is_followed(memory: Store) -> None:
    token = memory.changes.token()
    memory.update(f"INSERT DATA {{ GRAPH {G1} {{ {A} {RDFS.label} 'a' }} }}", graphs=[G1])
    assert memory.changes.since(token)[1] == {A.value, G1.value}
    memory.update(f"INSERT DATA {{ GRAPH {G2} {{ {B} {RDFS.label} 'b' }} }}")
    assert memory.changes.since(token)[1] is None
    assert memory.changes.since(token + 1)[1] is None


def test_default_graph_writes_are_followed(memory: Store) -> None:
    token = memory.changes.token()
    memory.update(f"INSERT DATA {{ {D} {RDFS.label} 'd' }}", graphs=[ox.DefaultGraph()])
    assert memory.changes.since(token)[1] == {D.value}


def test_a_withdrawal_touches_what_the_withdrawn_graph_mentions(memory: Store) -> None:
    memory.replace_graph(CONTRIBUTION, [label(A, "a"), ox.Triple(A, RDFS.seeAlso, B)], [])
    token = memory.changes.token()
    mark = ox.Triple(CONTRIBUTION, PROV.invalidatedAtTime, ox.Literal("2026-01-02T00:00:00Z"))
    memory.add_metadata([mark], affects=[CONTRIBUTION])
    assert memory.changes.since(token)[1] == {A.value, B.value, CONTRIBUTION.value}


def test_a_failed_write_records_nothing(memory: Store) -> None:
    token = memory.changes.token()
    with pytest.raises(BadQuery):
        memory.update("INSERT DATA { this is not SPARQL }", graphs=[G1])
    assert memory.changes.since(token) == (token, set())


def test_a_graph_too_large_to_follow_is_unknown(memory: Store) -> None:
    memory.changes.max_quads = 3
    memory.replace_graph(G1, [label(ox.NamedNode(f"{ID}n{i}"), str(i)) for i in range(5)], [])
    token = memory.changes.token()
    memory.replace_graph(G1, [label(A, "a")], [])
    assert memory.changes.since(token)[1] is None


def test_a_follower_too_far_behind_rebuilds(memory: Store) -> None:
    memory.changes = type(memory.changes)(memory, keep=2)
    token = memory.changes.token()
    for name in "xyz":
        memory.replace_graph(G1, [label(ox.NamedNode(ID + name), name)], [])
    assert memory.changes.since(token)[1] is None
    # the second write replaced x by y, the third y by z: both versions of each count
    assert memory.changes.since(token + 1)[1] == {ID + "x", ID + "y", ID + "z", G1.value}
    # a generation this log never gave (another store's) is not trusted either
    assert memory.changes.since(token + 10)[1] is None


def test_fingerprint_changes_with_a_withdrawal_and_with_writes_that_do_not_describe_themselves(memory: Store) -> None:
    memory.replace_graph(CONTRIBUTION, [label(A, "a")], [modified(CONTRIBUTION, "1")])
    before = describe.fingerprint(memory)
    memory.add_metadata([ox.Triple(CONTRIBUTION, PROV.invalidatedAtTime, ox.Literal("2026-01-02T00:00:00Z"))],
                        affects=[CONTRIBUTION])
    withdrawn = describe.fingerprint(memory)
    assert withdrawn != before
    memory.update(f"INSERT DATA {{ GRAPH {G2} {{ {B} {RDFS.label} 'b' }} }}")
    assert describe.fingerprint(memory) != withdrawn
    assert any(META_GRAPH.value not in mark for mark in describe.fingerprint(memory))


def test_the_seed_store_follows_a_contribution_and_its_withdrawal(seed_store: Store, tmp_path: Path) -> None:
    from tests.contrib_env import COMMITMENT, make_env, report_ttl

    env = make_env(seed_store, tmp_path)
    token = env.store.changes.token()
    response = env.post("mulhouse", report_ttl("followed"))
    assert response.status_code == 201, response.get_data(as_text=True)
    graph = response.get_json()["graph"]
    _, touched = env.store.changes.since(token)
    assert touched is not None and COMMITMENT in touched and graph in touched
    report = next(iri for iri in touched if iri.endswith("followed"))
    # the report is one of the touched IRIs, and it is in the new graph
    assert next(env.store.quads(ox.NamedNode(report), None, None, ox.NamedNode(graph)), None) is not None
    generation = env.store.changes.token()
    path = "/api/contributions/" + graph[len(GRAPH["contribution/"].value):]
    assert env.client.post(path + "/withdraw", headers=env.auth("mulhouse")).status_code == 200
    _, touched = env.store.changes.since(generation)
    assert touched is not None and {report, COMMITMENT, graph} <= touched
    generation = env.store.changes.token()
    assert env.client.post(path + "/restore", headers=env.auth("admin")).status_code == 200
    _, touched = env.store.changes.since(generation)
    assert touched is not None and {report, COMMITMENT, graph} <= touched


def test_the_graphs_of_each_write_are_recorded_even_with_nobody_following(memory: Store) -> None:
    assert memory.changes.following is False
    start = memory.changes.generation
    memory.replace_graph(G1, [label(A, "a")], [modified(G1, "1")])
    memory.update(f"INSERT DATA {{ GRAPH {G2} {{ {B} {RDFS.label} 'b' }} }}", graphs=[G2])
    memory.update(f"INSERT DATA {{ {D} {RDFS.label} 'd' }}", graphs=[ox.DefaultGraph()])
    assert memory.changes.graphs_since(start) == (start + 3, {G1.value, META_GRAPH.value, G2.value, ""})
    assert memory.changes.since(start)[1] is None  # no IRIs were recorded: nobody followed
    memory.add_metadata([modified(G2, "2")], affects=[G2])
    assert memory.changes.graphs_since(start + 3)[1] == {META_GRAPH.value, G2.value}
    memory.update(f"INSERT DATA {{ GRAPH {G2} {{ {C} {RDFS.label} 'c' }} }}")  # says nothing of its graphs
    assert memory.changes.graphs_since(start + 3)[1] is None


def test_a_write_into_graph_meta_by_hand_is_unknown(memory: Store) -> None:
    token = memory.changes.token()
    memory.replace_graph(META_GRAPH, [label(A, "a")], [])
    assert memory.changes.since(token)[1] is None
    token = memory.changes.token()
    memory.drop_graph(META_GRAPH)
    assert memory.changes.since(token)[1] is None

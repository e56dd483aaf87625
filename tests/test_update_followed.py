"""Which graphs a raw SPARQL Update writes, as the change log follows it (sparql.followed_graphs, over the same
reading of the update's text as token scopes): checked against what the update really changed."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from thc_graph.namespaces import META_GRAPH
from thc_graph.sparql import followed_graphs
from thc_graph.store import Store

G = "http://example.org/g"
DEFAULT = ox.DefaultGraph()

CASES = {
    "insert data": ("PREFIX ex: <http://example.org/> INSERT DATA { GRAPH ex:g1 { ex:a ex:b ex:c } }", {G + "1"}),
    "delete data": (f"DELETE DATA {{ GRAPH <{G}1> {{ <http://a> <http://b> 'seed1' }} }}", {G + "1"}),
    "delete where": (f"DELETE WHERE {{ GRAPH <{G}2> {{ ?s ?p ?o }} }}", {G + "2"}),
    "with, delete/insert": (f"WITH <{G}3> DELETE {{ ?s ?p ?o }} INSERT {{ GRAPH <{G}4> {{ ?s ?p 1 }} }} "
                            "WHERE { ?s ?p ?o }", {G + "3", G + "4"}),
    "clear": (f"CLEAR GRAPH <{G}1>", {G + "1"}),
    "copy": (f"COPY <{G}1> TO <{G}5>", {G + "5"}),
    "move": (f"MOVE <{G}6> TO <{G}7>", {G + "6", G + "7"}),
    "create": (f"CREATE GRAPH <{G}9>", {G + "9"}),
    "two operations": (f"CLEAR GRAPH <{G}1> ; INSERT DATA {{ GRAPH <{G}2> {{ <http://a> <http://b> 'c' }} }}",
                       {G + "1", G + "2"}),
    "relative to the base": ("BASE <http://example.org/> INSERT DATA { GRAPH <g8> { <a> <b> 'c' } }", {G + "8"}),
    "a comment with a hash": (f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> # note\n"
                              f"INSERT DATA {{ GRAPH <{G}2> {{ <http://a> rdfs:label 'x' }} }}", {G + "2"}),
}

UNKNOWN = {
    "the default graph": "INSERT DATA { <http://a> <http://b> 'c' }",
    "graph variable in a template": "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "drop all": "DROP ALL",
    "clear named": "CLEAR NAMED",
    "load": f"LOAD <http://example.org/nothing> INTO GRAPH <{G}1>",
    "graph/meta by hand": f"DELETE WHERE {{ GRAPH <{META_GRAPH.value}> {{ ?g ?p ?o }} }}",
}


def _keys(graphs: list[ox.NamedNode | ox.DefaultGraph]) -> set[str]:
    return {g.value if isinstance(g, ox.NamedNode) else "" for g in graphs}


def _state(store: Store) -> dict[str, set[str]]:
    by_graph: dict[str, set[str]] = {}
    for quad in store.quads():
        key = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        by_graph.setdefault(key, set()).add(str(quad.triple))
    return by_graph


@pytest.mark.parametrize("name", CASES)
def test_the_graphs_named_are_the_graphs_changed(name: str) -> None:
    update, expected = CASES[name]
    found = followed_graphs(update)
    assert found is not None and _keys(found) == expected
    # run it on a store holding a triple in every graph involved: what changed is among the graphs named
    store = Store()
    store.update("INSERT DATA { <http://a> <http://b> 'seed' . "
                 + " ".join(f"GRAPH <{G}{i}> {{ <http://a> <http://b> 'seed{i}' }}" for i in range(1, 9)) + " }")
    before = _state(store)
    store.update(update)
    after = _state(store)
    changed = {g for g in set(before) | set(after) if before.get(g) != after.get(g)}
    assert changed <= expected
    assert changed or name == "create", "each case changes something (CREATE only makes an empty graph)"
    if name == "create":
        assert store.has_graph(ox.NamedNode(G + "9"))


@pytest.mark.parametrize("name", UNKNOWN)
def test_what_cannot_be_known_is_unknown(name: str) -> None:
    assert followed_graphs(UNKNOWN[name]) is None


def test_an_update_that_fails_is_a_store_error_and_changes_nothing() -> None:
    from thc_graph.errors import StoreError

    store = Store()
    store.update(f"INSERT DATA {{ GRAPH <{G}1> {{ <http://a> <http://b> 'c' }} }}")
    before = _state(store)
    with pytest.raises(StoreError, match="already exists"):
        store.update(f"INSERT DATA {{ GRAPH <{G}2> {{ <http://a> <http://b> 'c' }} }} ; CREATE GRAPH <{G}1>")
    assert _state(store) == before


def test_an_update_through_the_endpoint_is_followed_at_the_cost_of_its_graphs(tmp_path: Path) -> None:
    from thc_graph import tokens
    from thc_graph.app import create_app
    from thc_graph.settings import Settings

    store = Store(tmp_path / "store")
    overrides = {"store": str(tmp_path / "store"), "tokens_file": str(tmp_path / "tokens.json"),
                 "dumps_on_commit": False}
    client = create_app(overrides, store=store).test_client()
    secret = tokens.create(Settings(overrides), "admin", admin=True)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/sparql-update"}
    token = store.changes.token()
    named = f"INSERT DATA {{ GRAPH <{G}1> {{ <http://example.org/s> <http://example.org/p> 'o' }} }}"
    assert client.post("/sparql", data=named, headers=headers).status_code == 204
    assert store.changes.since(token)[1] == {G + "1", "http://example.org/s"}
    assert store.changes.graphs_since(token)[1] == {G + "1"}
    token = store.changes.token()
    unnamed = "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert client.post("/sparql", data=unnamed, headers=headers).status_code == 204
    assert store.changes.since(token)[1] is None

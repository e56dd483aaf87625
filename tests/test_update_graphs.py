"""Which graphs a raw SPARQL Update writes (thc_graph/update_graphs.py), checked against what it really changed."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from thc_graph.namespaces import META_GRAPH
from thc_graph.store import Store
from thc_graph.update_graphs import MAX_ANALYSED_CHARS, written_graphs

G = "http://example.org/g"
DEFAULT = ox.DefaultGraph()

CASES = {
    "insert data, named and default": (
        "PREFIX ex: <http://example.org/> INSERT DATA { GRAPH ex:g1 { ex:a ex:b ex:c } ex:x ex:y ex:z }",
        {G + "1", ""}),
    "delete data": (f"DELETE DATA {{ GRAPH <{G}1> {{ <http://a> <http://b> 'seed1' }} }}", {G + "1"}),
    "delete where": (f"DELETE WHERE {{ GRAPH <{G}2> {{ ?s ?p ?o }} }}", {G + "2"}),
    "with, delete/insert": (f"WITH <{G}3> DELETE {{ ?s ?p ?o }} INSERT {{ GRAPH <{G}4> {{ ?s ?p 1 }} }} "
                            "WHERE { ?s ?p ?o }", {G + "3", G + "4"}),
    "insert where into default": ("INSERT { ?s <http://copied> ?o } WHERE { GRAPH ?g { ?s <http://b> ?o } }", {""}),
    "clear": (f"CLEAR GRAPH <{G}1>", {G + "1"}),
    "drop default": ("DROP DEFAULT", {""}),
    "copy": (f"COPY <{G}1> TO <{G}5>", {G + "1", G + "5"}),
    "move default": (f"MOVE DEFAULT TO <{G}6>", {"", G + "6"}),
    "create": (f"CREATE GRAPH <{G}9>", {G + "9"}),
    "two operations": (f"CLEAR GRAPH <{G}1> ; INSERT DATA {{ GRAPH <{G}2> {{ <http://a> <http://b> 'c' }} }}",
                       {G + "1", G + "2"}),
    "relative to the base": ("BASE <http://example.org/> INSERT DATA { GRAPH <g8> { <a> <b> 'c' } }", {G + "8"}),
}

UNKNOWN = {
    "graph variable in a template": "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "drop all": "DROP ALL",
    "clear named": "CLEAR NAMED",
    "graph/meta by hand": f"DELETE WHERE {{ GRAPH <{META_GRAPH.value}> {{ ?g ?p ?o }} }}",
    "not SPARQL": "INSERT DATA { this is not }",
    "too long": "INSERT DATA { " + "<http://a> <http://b> 'c' . " * (MAX_ANALYSED_CHARS // 20) + "}",
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
    found = written_graphs(update)
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
    assert written_graphs(UNKNOWN[name]) is None


def test_an_update_that_fails_is_a_store_error_and_changes_nothing() -> None:
    from thc_graph.errors import StoreError

    store = Store()
    store.update(f"INSERT DATA {{ GRAPH <{G}1> {{ <http://a> <http://b> 'c' }} }}")
    before = _state(store)
    with pytest.raises(StoreError, match="already exists"):
        store.update(f"INSERT DATA {{ GRAPH <{G}2> {{ <http://a> <http://b> 'c' }} }} ; CREATE GRAPH <{G}1>")
    assert _state(store) == before

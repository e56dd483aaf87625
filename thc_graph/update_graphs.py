"""Which graphs a SPARQL 1.1 Update writes, read from its text before it runs, so that a raw update through the
endpoint is followed at the cost of what it changed (thc_graph/changes.py), like every other write.

The answer is a list of graphs, or None when it cannot be known from the text: a template with `GRAPH ?var`,
`DROP ALL`/`NAMED`, `CLEAR ALL`/`NAMED`, an update too long to analyse cheaply, graph/meta written by hand (it
changes what other graphs mean: withdrawals), or anything the parser does not take (pyoxigraph then reports the
syntax error itself). None is always safe: the caches and the readers then start again from the whole store.

Writes without GRAPH go to the store's default graph (pyoxigraph's update semantics), or to the WITH graph.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.term import URIRef, Variable

from .changes import GraphName
from .namespaces import META_GRAPH

MAX_ANALYSED_CHARS = 100_000  # rdflib parses about a megabyte a second: past this, say "unknown"


class _Unknown(Exception):
    pass


def written_graphs(update: str, base_iri: str | None = None) -> list[GraphName] | None:
    """The graphs `update` may write (added to, deleted from, created, dropped), or None when unknown."""
    if len(update) > MAX_ANALYSED_CHARS:
        return None
    try:
        parsed = translateUpdate(parseUpdate(update), base=base_iri)
    except Exception:
        return None
    found: dict[str, GraphName] = {}
    try:
        for operation in parsed.algebra:
            for graph in _operation_graphs(operation):
                found[str(graph)] = graph
    except _Unknown:
        return None
    if META_GRAPH.value in {g.value for g in found.values() if isinstance(g, ox.NamedNode)}:
        return None
    return list(found.values())


def _operation_graphs(operation: Any) -> list[GraphName]:
    name = operation.name
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return _template_graphs(operation, None)
    if name == "Modify":
        target = _part(operation, "withClause")
        graphs: list[GraphName] = []
        for part in (_part(operation, "delete"), _part(operation, "insert")):
            if part is not None:
                graphs += _template_graphs(part, target)
        return graphs
    if name in ("Load", "Clear", "Drop", "Create"):
        return [_graph(_part(operation, "graphiri"))]
    if name in ("Add", "Move", "Copy"):
        return [_graph(term) for term in _part(operation, "graph") or ()]
    raise _Unknown(name)


def _part(node: Any, key: str) -> Any:
    """A part of rdflib's algebra node, None when absent (its .get() does not say None for every absent key)."""
    return node[key] if key in node else None  # noqa: SIM401 - CompValue.get(key, None) answers otherwise


def _template_graphs(template: Any, target: Any) -> list[GraphName]:
    graphs = [_graph(term) for term in (_part(template, "quads") or {})]
    if _part(template, "triples"):
        graphs.append(_graph(target))
    return graphs


def _graph(term: Any) -> GraphName:
    if term is None or term == "DEFAULT":
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Variable) or term in ("ALL", "NAMED"):
        raise _Unknown(str(term))
    raise _Unknown(repr(term))

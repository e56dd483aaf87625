"""What each write changed, so that the caches that follow the store (search index, class indexes) update just the
resources a write touched instead of reading the whole store again.

Every write of the Store goes through `ChangeLog.begin()` (before, under the write lock) and `ChangeLog.commit()`
(after). For a write that names its graphs, the log records the IRIs the write touched: every IRI mentioned (as
subject or object) by those graphs before and after the write, and by their descriptions in graph/meta. A write
that cannot say which graphs it changed (a SPARQL update through GRAPH ?var, a restore), or that touches more than
`max_quads` quads, is recorded as *unknown*: its followers rebuild from the store.

A follower keeps the generation it is current at (`token()`), and later asks `since(generation)` for the IRIs to
look at again: a set (possibly empty), or None when it must rebuild (an unknown write, or more changes than the log
keeps). Until somebody follows, writes record no IRIs (no scan is paid). The graphs each write changed are always
recorded (`graphs_since`): the reader processes copy just those from the newest checkpoint.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from .namespaces import META_GRAPH

if TYPE_CHECKING:
    from .store import Store

GraphName = ox.NamedNode | ox.DefaultGraph


@dataclass
class Pending:
    """A write under way: the graphs it writes and the IRIs they mentioned before it (None: not followed, or too
    many to follow)."""

    graphs: tuple[GraphName, ...]
    before: set[str] | None
    extra: frozenset[str] = frozenset()


def graph_key(graph: GraphName) -> str:
    """A graph as the log names it: its IRI, or "" for the default graph."""
    return graph.value if isinstance(graph, ox.NamedNode) else ""


def graph_of(key: str) -> GraphName:
    return ox.NamedNode(key) if key else ox.DefaultGraph()


class ChangeLog:
    """The touched IRIs of the last `keep` writes of one store, numbered by a generation counter."""

    def __init__(self, store: Store, *, keep: int = 512, max_quads: int = 200_000) -> None:
        # a weak reference: a Store that is let go must close at once (RocksDB's lock), not wait for the collector
        self._store = weakref.ref(store)
        self.keep = keep
        self.max_quads = max_quads
        self.generation = 0
        self.following = False
        # (generation, IRIs touched or None, graphs written or None) per write
        self._entries: deque[tuple[int, frozenset[str] | None, frozenset[str] | None]] = deque(maxlen=keep)
        self._lock = threading.Lock()

    # -- writers ------------------------------------------------------------------------------------------------
    def begin(self, graphs: Iterable[GraphName] | None, *, extra: Iterable[str] = ()) -> Pending | None:
        """Before a write to `graphs` (None: unknown; graph/meta is named when the write changes it). `extra`: IRIs
        the write touches besides what those graphs mention (the triples of a metadata write)."""
        if graphs is None:
            return None
        named = tuple(graphs)
        return Pending(named, self._mentions(named) if self.following else None, frozenset(extra))

    def commit(self, pending: Pending | None) -> None:
        """After a committed write: record what it touched (unknown when `pending` is None)."""
        touched: frozenset[str] | None = None
        graphs: frozenset[str] | None = None
        if pending is not None:
            graphs = frozenset(graph_key(g) for g in pending.graphs)
            if pending.before is not None:
                after = self._mentions(pending.graphs)
                if after is not None:
                    touched = frozenset(pending.before | after | pending.extra)
        with self._lock:
            self.generation += 1
            self._entries.append((self.generation, touched, graphs))

    # -- followers ----------------------------------------------------------------------------------------------
    def token(self) -> int:
        """The current generation; from now on writes record what they touch."""
        with self._lock:
            self.following = True
            return self.generation

    def since(self, generation: int) -> tuple[int, set[str] | None]:
        """(current generation, IRIs touched by the writes after `generation`); None: rebuild from the store."""
        return self._union(generation, 1)

    def graphs_since(self, generation: int) -> tuple[int, set[str] | None]:
        """(current generation, graphs written after `generation`, by graph_key); None: unknown, copy everything."""
        return self._union(generation, 2)

    def _union(self, generation: int, field: Literal[1, 2]) -> tuple[int, set[str] | None]:
        with self._lock:
            current = self.generation
            if generation == current:
                return current, set()
            if generation > current or not self._entries or self._entries[0][0] > generation + 1:
                return current, None  # another store, or older than what the log keeps
            found: set[str] = set()
            for entry in self._entries:
                if entry[0] <= generation:
                    continue
                part = entry[field]
                if part is None:
                    return current, None
                found |= part
            return current, found

    # -- reading the store --------------------------------------------------------------------------------------
    def _mentions(self, graphs: tuple[GraphName, ...]) -> set[str] | None:
        """Every IRI the graphs mention (subject or object), and their descriptions in graph/meta; None past
        max_quads."""
        found: set[str] = set()
        seen = 0
        store = self._store()
        if store is None:
            return None
        for graph in graphs:
            if graph == META_GRAPH:
                continue  # graph/meta is followed through the descriptions of the graphs it describes
            for quad in store.quads(None, None, None, graph):
                seen += 1
                if seen > self.max_quads:
                    return None
                _add(found, quad.subject)
                _add(found, quad.object)
            if isinstance(graph, ox.NamedNode):
                found.add(graph.value)
                for quad in store.quads(graph, None, None, META_GRAPH):
                    _add(found, quad.object)
                    if isinstance(quad.object, ox.BlankNode):
                        for nested in store.quads(quad.object, None, None, META_GRAPH):
                            _add(found, nested.object)
        return found


def _add(found: set[str], term: object) -> None:
    if isinstance(term, ox.NamedNode):
        found.add(term.value)

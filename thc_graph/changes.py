"""What each write changed, so that the caches that follow the store (search index, class indexes) update just the
resources a write touched instead of reading the whole store again.

Every write of the Store goes through `ChangeLog.begin()` (before, under the write lock) and `ChangeLog.commit()`
(after). For a write that names its graphs, the log records the IRIs the write touched: every IRI mentioned (as
subject or object) by those graphs before and after the write, and by their descriptions in graph/meta. A write
that cannot say which graphs it changed (a raw SPARQL update, a restore), or that touches more than `max_quads`
quads, is recorded as *unknown*: its followers rebuild from the store.

A follower keeps the generation it is current at (`token()`), and later asks `since(generation)` for the IRIs to
look at again: a set (possibly empty), or None when it must rebuild (an unknown write, or more changes than the log
keeps). Until somebody follows, writes record nothing (no scan is paid).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .namespaces import META_GRAPH

if TYPE_CHECKING:
    from .store import Store

GraphName = ox.NamedNode | ox.DefaultGraph


@dataclass
class Pending:
    """A write under way: the graphs it touches and the IRIs they mentioned before it (None: too many to follow)."""

    graphs: tuple[GraphName, ...]
    before: set[str] | None
    extra: frozenset[str] = frozenset()


class ChangeLog:
    """The touched IRIs of the last `keep` writes of one store, numbered by a generation counter."""

    def __init__(self, store: Store, *, keep: int = 512, max_quads: int = 200_000) -> None:
        self.store = store
        self.keep = keep
        self.max_quads = max_quads
        self.generation = 0
        self.following = False
        self._entries: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=keep)
        self._lock = threading.Lock()

    # -- writers ------------------------------------------------------------------------------------------------
    def begin(self, graphs: Iterable[GraphName] | None, *, extra: Iterable[str] = ()) -> Pending | None:
        """Before a write to `graphs` (None: unknown). `extra`: IRIs the write touches besides those graphs (the
        triples of a metadata write)."""
        if graphs is None or not self.following:
            return None
        named = tuple(graphs)
        return Pending(named, self._mentions(named), frozenset(extra))

    def commit(self, pending: Pending | None) -> None:
        """After a committed write: record what it touched (unknown when `pending` is None)."""
        touched: frozenset[str] | None = None
        if pending is not None and pending.before is not None:
            after = self._mentions(pending.graphs)
            if after is not None:
                touched = frozenset(pending.before | after | pending.extra)
        with self._lock:
            self.generation += 1
            self._entries.append((self.generation, touched))

    # -- followers ----------------------------------------------------------------------------------------------
    def token(self) -> int:
        """The current generation; from now on writes record what they touch."""
        with self._lock:
            self.following = True
            return self.generation

    def since(self, generation: int) -> tuple[int, set[str] | None]:
        """(current generation, IRIs touched by the writes after `generation`); None: rebuild from the store."""
        with self._lock:
            current = self.generation
            if generation == current:
                return current, set()
            if generation > current or not self._entries or self._entries[0][0] > generation + 1:
                return current, None  # another store, or older than what the log keeps
            touched: set[str] = set()
            for number, iris in self._entries:
                if number <= generation:
                    continue
                if iris is None:
                    return current, None
                touched |= iris
            return current, touched

    # -- reading the store --------------------------------------------------------------------------------------
    def _mentions(self, graphs: tuple[GraphName, ...]) -> set[str] | None:
        """Every IRI the graphs mention (subject or object), and their descriptions in graph/meta; None past
        max_quads."""
        found: set[str] = set()
        seen = 0
        for graph in graphs:
            if graph == META_GRAPH:
                continue  # graph/meta is followed through the descriptions of the graphs it describes
            for quad in self.store.quads(None, None, None, graph):
                seen += 1
                if seen > self.max_quads:
                    return None
                _add(found, quad.subject)
                _add(found, quad.object)
            if isinstance(graph, ox.NamedNode):
                found.add(graph.value)
                for quad in self.store.quads(graph, None, None, META_GRAPH):
                    _add(found, quad.object)
                    if isinstance(quad.object, ox.BlankNode):
                        for nested in self.store.quads(quad.object, None, None, META_GRAPH):
                            _add(found, nested.object)
        return found


def _add(found: set[str], term: object) -> None:
    if isinstance(term, ox.NamedNode):
        found.add(term.value)

"""The store: pyoxigraph on disk (or in memory), behind one interface the rest of the code uses.

Writes are serialised by one lock. A write is atomic: a small one is a single SPARQL update (one
transaction); a large one writes through pyoxigraph's bulk path after taking a RocksDB checkpoint
(`Store.backup`, hard links, milliseconds) and rolls the store back to it if anything fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from .changes import ChangeLog, GraphName, Pending
from .errors import BadData, BadQuery, StoreError
from .namespaces import GRAPH, META_GRAPH, PROV

Term = ox.NamedNode | ox.BlankNode | ox.Literal
_INVALIDATED_AT = PROV.invalidatedAtTime
_CONTRIBUTIONS = f"{GRAPH}contribution/"


_POSITION = re.compile(r"^error at (\d+):(\d+): ")


def query_error(exc: SyntaxError) -> BadQuery:
    """A pyoxigraph SyntaxError as the message a user reads: `line L, column C: what is wrong`."""
    text = str(exc)
    match = _POSITION.match(text)
    if match:
        text = f"syntax error at line {match.group(1)}, column {match.group(2)}: {text[match.end():]}"
    return BadQuery(text)


class Store:
    """An RDF dataset with SPARQL, named-graph replacement, dump and restore."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, bulk_threshold: int = 50000):
        self.path = Path(path) if path is not None else None
        self.bulk_threshold = bulk_threshold
        self.write_lock = threading.RLock()
        # Called (under write_lock) after each committed write; the reader pool publishes a checkpoint there.
        self.on_commit: list[Callable[[], None]] = []
        self.changes = ChangeLog(self)  # what each write touched, for the caches that follow the store
        self._withdrawn: tuple[int, frozenset[ox.NamedNode]] | None = None
        self._ox = self._open()

    @classmethod
    def of(cls, oxigraph: ox.Store) -> Store:
        """A Store over an already open pyoxigraph store (a reader process's in-memory copy)."""
        store = cls.__new__(cls)
        store.path, store.bulk_threshold, store.write_lock, store.on_commit = None, 0, threading.RLock(), []
        store.changes = ChangeLog(store)
        store._withdrawn = None
        store._ox = oxigraph
        return store

    def committed(self, pending: Pending | None = None) -> None:
        """Record a committed write in the change log (`pending`: what `changes.begin` said before it; None: what it
        changed is unknown) and tell the on_commit callbacks (writes made outside these methods call it)."""
        self.changes.commit(pending)
        for callback in self.on_commit:
            callback()

    def _open(self) -> ox.Store:
        if self.path is None:
            return ox.Store()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None

    @property
    def oxigraph(self) -> ox.Store:
        return self._ox

    # -- reading -----------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, Term] | None = None,
        default_graph: Sequence[ox.NamedNode | ox.DefaultGraph] | None = None,
        named_graphs: Sequence[ox.NamedNode] | None = None,
        base_iri: str | None = None,
        dataset_from_query: bool = False,
    ) -> Any:
        """Run a query; the default graph is the public union (every graph but withdrawn contributions) unless
        `default_graph` is given, or
        `dataset_from_query` says the query's FROM / FROM NAMED define it (pyoxigraph's union flag would override them).
        """
        kwargs: dict[str, Any] = {}
        if default_graph is None and not dataset_from_query:
            # The public union: every graph but withdrawn contributions (issue 7), for every reader alike.
            default_graph = self.public_default_graph()
        if default_graph is not None:
            kwargs["default_graph"] = list(default_graph)
        elif not dataset_from_query:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = list(named_graphs)
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        try:
            return self._ox.query(sparql, base_iri=base_iri, **kwargs)
        except SyntaxError as exc:
            raise query_error(exc) from None
        except OSError as exc:
            raise StoreError(f"the store could not answer: {exc}") from None

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Term]]:
        """A SELECT as a list of dicts (variable name → term; unbound variables are absent)."""
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def withdrawn_graphs(self) -> frozenset[ox.NamedNode]:
        """The contribution graphs withdrawn from the public union (graph/meta gives each a prov:invalidatedAtTime);
        read once per write (cached on the change log's generation)."""
        generation = self.changes.generation
        cached = self._withdrawn
        if cached is not None and cached[0] == generation:
            return cached[1]
        found = frozenset(q.subject for q in self._ox.quads_for_pattern(None, _INVALIDATED_AT, None, META_GRAPH)
                          if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(_CONTRIBUTIONS))
        self._withdrawn = (generation, found)
        return found

    def public_default_graph(self) -> list[ox.NamedNode | ox.DefaultGraph] | None:
        """The graphs whose union is the public default graph; None means every graph.

        Withdrawn contributions leave the public union (issue 7): a contribution graph described in graph/meta
        with prov:invalidatedAtTime is left out (it stays queryable by name). Until one is withdrawn, every
        graph is public. The cost is one lookup in graph/meta, plus the list of graphs when one is withdrawn.
        """
        withdrawn = self.withdrawn_graphs()
        if not withdrawn:
            return None
        return [ox.DefaultGraph(), *(g for g in self.named_graphs() if g not in withdrawn)]

    def public_named_graphs(self) -> list[ox.NamedNode] | None:
        """The named graphs a page may show statements from (`GRAPH ?g`); None means every graph."""
        withdrawn = self.withdrawn_graphs()
        if not withdrawn:
            return None
        return [g for g in self.named_graphs() if g not in withdrawn]

    def quads(self, subject: Any = None, predicate: Any = None, obj: Any = None,
              graph: Any = None) -> Iterator[ox.Quad]:
        return iter(self._ox.quads_for_pattern(subject, predicate, obj, graph))

    def public_quads(self, subject: Any = None, predicate: Any = None, obj: Any = None) -> Iterator[ox.Quad]:
        """The quads matching the pattern in the public union (every graph but withdrawn contributions)."""
        withdrawn = self.withdrawn_graphs()
        found = self._ox.quads_for_pattern(subject, predicate, obj, None)
        if not withdrawn:
            return iter(found)
        return (q for q in found if q.graph_name not in withdrawn)

    def named_graphs(self) -> list[ox.NamedNode]:
        return sorted((g for g in self._ox.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)

    def has_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self._ox.contains_named_graph(graph))

    def count(self, graph: ox.NamedNode | None = None) -> int:
        if graph is None:
            return len(self._ox)
        return sum(1 for _ in self._ox.quads_for_pattern(None, None, None, graph))

    # -- writing -----------------------------------------------------------------------------
    def update(self, sparql: str, *, graphs: Sequence[GraphName] | None = None) -> None:
        """Run a SPARQL update; `graphs`: the graphs it writes, when the caller knows (else caches rebuild)."""
        with self.write_lock:
            pending = self.changes.begin(graphs)
            try:
                self._ox.update(sparql)
            except SyntaxError as exc:
                raise query_error(exc) from None
            except OSError as exc:
                raise StoreError(f"the update failed and was not applied: {exc}") from None
            except RuntimeError as exc:  # what the update asks fails (CREATE of an existing graph, ...)
                raise StoreError(f"the update failed and was not applied: {exc}") from None
            self.committed(pending)

    def replace_graph(self, graph: ox.NamedNode, triples: Sequence[ox.Triple], metadata: Sequence[ox.Triple]) -> None:
        """Make `graph` hold exactly `triples` and its description in the metadata graph `metadata`.

        All or nothing: a reader sees the old graph or the new one, never a mix.
        """
        with self.write_lock:
            pending = self.changes.begin(None if graph == META_GRAPH else [graph, META_GRAPH])
            if len(triples) <= self.bulk_threshold or self.path is None:
                self._ox.update(_replace_update(graph, triples, metadata))
            else:
                with self.guarded([graph, META_GRAPH]):
                    if self.has_graph(graph):
                        self._ox.remove_graph(graph)
                    self._ox.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
                    self._ox.update(_replace_update(graph, None, metadata))
                    self._ox.flush()
            self.committed(pending)

    def drop_graph(self, graph: ox.NamedNode) -> None:
        """Remove a graph and its description."""
        with self.write_lock:
            pending = self.changes.begin(None if graph == META_GRAPH else [graph, META_GRAPH])
            self._ox.update(_replace_update(graph, None, ()) + " ; DROP SILENT GRAPH " + str(graph))
            self.committed(pending)

    def add_metadata(self, triples: Iterable[ox.Triple], *, affects: Sequence[GraphName] = ()) -> None:
        """Add statements to graph/meta; `affects`: the graphs whose standing they change (a withdrawal takes a
        contribution out of the public union: its resources change for every reader)."""
        triples = list(triples)
        mentioned = {term.value for t in triples for term in (t.subject, t.object) if isinstance(term, ox.NamedNode)}
        with self.write_lock:
            pending = self.changes.begin([META_GRAPH, *affects], extra=mentioned)
            self._ox.extend(ox.Quad(t.subject, t.predicate, t.object, META_GRAPH) for t in triples)
            self.committed(pending)

    @contextlib.contextmanager
    def guarded(self, graphs: Sequence[ox.NamedNode] | None = None) -> Iterator[None]:
        """Run non-transactional writes to `graphs` (None: the whole dataset); on any failure put them
        back as they were, from a checkpoint taken before (RocksDB hard links: milliseconds)."""
        if self.path is None:
            raise StoreError("a guarded write needs an on-disk store")
        with self.write_lock:
            checkpoint = self.path.with_name(self.path.name + ".checkpoint")
            if checkpoint.exists():
                shutil.rmtree(checkpoint)
            self._ox.flush()
            self._ox.backup(str(checkpoint))
            try:
                yield
            except BaseException:
                self._roll_back(checkpoint, graphs)
                raise
            finally:
                shutil.rmtree(checkpoint, ignore_errors=True)

    def _roll_back(self, checkpoint: Path, graphs: Sequence[ox.NamedNode] | None) -> None:
        saved = ox.Store.read_only(str(checkpoint))
        if graphs is None:
            self._ox.clear()
            self._ox.bulk_extend(saved.quads_for_pattern(None, None, None, None))
        else:
            for graph in graphs:
                self._ox.remove_graph(graph)
                self._ox.bulk_extend(saved.quads_for_pattern(None, None, None, graph))
        self._ox.flush()
        del saved

    # -- whole dataset -----------------------------------------------------------------------
    def dump(self, output: str | os.PathLike[str] | IO[bytes], fmt: ox.RdfFormat) -> None:
        self._ox.dump(output, format=fmt)

    def restore(self, source: str | os.PathLike[str], fmt: ox.RdfFormat) -> None:
        """Replace the whole dataset by a dump, at bulk-load speed; the old dataset comes back on failure."""
        with self.write_lock, self.guarded():
            self._ox.clear()
            try:
                self._ox.bulk_load(path=str(source), format=fmt)
            except SyntaxError as exc:
                raise BadData(f"{source}: {exc}") from None
            self._ox.flush()
        self.committed()

    def backup(self, directory: str | os.PathLike[str]) -> None:
        self._ox.flush()
        self._ox.backup(str(directory))


def _replace_update(graph: ox.NamedNode, triples: Sequence[ox.Triple] | None,
                     metadata: Sequence[ox.Triple]) -> str:
    """One SPARQL update that drops `graph` and its description, then inserts the new ones.

    Terms are written by pyoxigraph's own serialisation (str of a term is its N-Triples form), so no
    user string is ever pasted into the update.
    """
    g, meta = str(graph), str(META_GRAPH)
    parts = [
        f"DELETE {{ GRAPH {meta} {{ {g} ?p ?o . ?o ?p2 ?o2 }} }} "
        f"WHERE {{ GRAPH {meta} {{ {g} ?p ?o OPTIONAL {{ ?o ?p2 ?o2 FILTER(isBlank(?o)) }} }} }}",
    ]
    if triples is not None:
        parts.append(f"DROP SILENT GRAPH {g}")
    inserts = []
    if triples:
        inserts.append(f"GRAPH {g} {{\n" + "\n".join(f"{t} ." for t in triples) + "\n}")
    if metadata:
        inserts.append(f"GRAPH {meta} {{\n" + "\n".join(f"{t} ." for t in metadata) + "\n}")
    if inserts:
        parts.append("INSERT DATA {\n" + "\n".join(inserts) + "\n}")
    return " ;\n".join(parts)


def open_store(settings: Any) -> Store:
    """The store named by the settings (embedded for a path; the remote backend for an http(s) URL)."""
    location = str(settings.store)
    if location.startswith(("http://", "https://")):
        from .remote import RemoteStore  # the remote backend lives in its own module

        # not a subclass: RemoteStore implements the same interface (duck typing), which the callers rely on
        return cast(Store, RemoteStore.from_settings(settings))
    return Store(location, bulk_threshold=settings.bulk_threshold)

"""The remote store: any SPARQL 1.1 engine behind the Store interface, spoken to through SPARQLWrapper only.

Answers come back as pyoxigraph objects (`parse_query_results` for tables and booleans; a CONSTRUCT is parsed and
re-read from a scratch in-memory store so that it is a real `QueryTriples`), so the rest of the code cannot tell
the difference. The remote engine must take the union of its named graphs as the default graph, as our embedded
store does (`oxigraph serve --union-default-graph`; Fuseki's `tdb2:unionDefaultGraph true`).
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import threading
import time
import urllib.error
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, cast

import pyoxigraph as ox
from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from .changes import ChangeLog, GraphName, Pending
from .errors import BadData, BadQuery, StoreError
from .limits import query_timeout
from .namespaces import GRAPH, META_GRAPH, PROV
from .store import Term, _replace_update

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
_ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
# How long the list of public graphs is reused (our own writes renew it at once; this bounds other writers' lag).
PUBLIC_GRAPHS_TTL_S = 5.0


class RemoteStore:
    """A SPARQL 1.1 Query + Update endpoint (and optionally a Graph Store) as a Store."""

    def __init__(self, query_url: str, *, update_url: str | None = None, graph_store_url: str | None = None,
                 timeout_s: float = 30.0) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.graph_store_url = graph_store_url or None
        self.timeout_s = timeout_s
        self.path = None  # no directory: checkpoints, the reader pool and guarded bulk writes are the engine's own
        self.bulk_threshold = 0
        self.write_lock = threading.RLock()
        self.on_commit: list[Callable[[], None]] = []
        # Other clients may write to the endpoint too: every write is recorded as unknown (caches rebuild).
        self.changes = ChangeLog(self)  # type: ignore[arg-type]  # duck-types Store (not a subclass)
        self._public: tuple[float, frozenset[ox.NamedNode]] | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> RemoteStore:
        return cls(str(settings.store), update_url=settings.store_update_url or None,
                   graph_store_url=settings.store_graph_store_url or None, timeout_s=settings.query_timeout_s)

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"

    def committed(self, pending: Pending | None = None) -> None:
        self._public = None
        self.changes.commit(None)
        for callback in self.on_commit:
            callback()

    @property
    def oxigraph(self) -> ox.Store:
        raise StoreError(f"the store is the remote endpoint {self.query_url}; there is no embedded store to open")

    # -- the protocol ------------------------------------------------------------------------------------------
    def _call(self, text: str, *, accept: str | None = None, update: bool = False,
              default_graph: Sequence[Any] | None = None, named_graphs: Sequence[Any] | None = None) -> bytes:
        client = SPARQLWrapper(self.query_url, updateEndpoint=self.update_url)
        client.setTimeout(max(1, math.ceil(self.timeout_s)))
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)
        client.setQuery(text)
        if accept:
            client.addCustomHttpHeader("Accept", accept)
        for graph in default_graph or ():
            if isinstance(graph, ox.NamedNode):  # the remote default graph is the union already
                client.addDefaultGraph(graph.value)
        for graph in named_graphs or ():
            client.addNamedGraph(graph.value)
        where = self.update_url if update else self.query_url
        try:
            response = client.query().response
            return response.read()
        except QueryBadFormed as exc:
            raise BadQuery(f"{where} refused the {'update' if update else 'query'}: {_detail(exc)}") from None
        except TimeoutError:
            raise query_timeout(self.timeout_s) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise query_timeout(self.timeout_s) from None
            raise StoreError(f"the remote store {where} could not be reached: {exc.reason}") from None
        except (SPARQLWrapperException, OSError) as exc:
            raise StoreError(f"the remote store {where} failed: {_detail(exc)}") from None

    # -- reading -----------------------------------------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict[str, Term] | None = None,
              default_graph: Sequence[ox.NamedNode | ox.DefaultGraph] | None = None,
              named_graphs: Sequence[ox.NamedNode] | None = None, base_iri: str | None = None,
              dataset_from_query: bool = False) -> Any:
        """Run a query remotely; the answer is a pyoxigraph QuerySolutions, QueryBoolean or QueryTriples.

        As in Store.query, the default graph is the public union unless `default_graph` or the query says otherwise.
        """
        from .sparql import query_form  # the lexer lives with the protocol

        if default_graph is None and not dataset_from_query:
            default_graph = self.public_default_graph()
        if default_graph is not None and named_graphs is None:
            # As pyoxigraph does, every named graph stays available to GRAPH (the protocol would make them none).
            named_graphs = self.named_graphs()

        if substitutions:
            sparql = bind_values(sparql, substitutions)
        if base_iri:
            sparql = f"BASE <{ox.NamedNode(base_iri).value}>\n{sparql}"
        form = query_form(sparql) or "SELECT"
        if form in ("CONSTRUCT", "DESCRIBE"):
            body = self._call(sparql, accept=N_TRIPLES, default_graph=default_graph, named_graphs=named_graphs)
            scratch = ox.Store()
            try:
                scratch.load(body, format=ox.RdfFormat.N_TRIPLES)
            except SyntaxError as exc:
                raise StoreError(f"the remote store answered unreadable N-Triples: {exc}") from None
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        body = self._call(sparql, accept=RESULTS_JSON, default_graph=default_graph, named_graphs=named_graphs)
        try:
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise StoreError(f"the remote store answered unreadable SPARQL results: {exc}") from None

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Term]]:
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def withdrawn_graphs(self) -> frozenset[ox.NamedNode]:
        """As Store.withdrawn_graphs (other clients may withdraw too: read again after PUBLIC_GRAPHS_TTL_S)."""
        cached = self._public
        if cached is not None and time.monotonic() - cached[0] < PUBLIC_GRAPHS_TTL_S:
            return cached[1]
        rows = self.select(
            f"SELECT ?g WHERE {{ GRAPH {META_GRAPH} {{ ?g {PROV.invalidatedAtTime} ?t }} "
            f"FILTER(isIRI(?g) && STRSTARTS(STR(?g), \"{GRAPH}contribution/\")) }}", dataset_from_query=True)
        withdrawn = frozenset(g for g in (row.get("g") for row in rows) if isinstance(g, ox.NamedNode))
        self._public = (time.monotonic(), withdrawn)
        return withdrawn

    def public_default_graph(self) -> list[ox.NamedNode | ox.DefaultGraph] | None:
        """As Store.public_default_graph: every graph, less the withdrawn contributions (issue 7)."""
        withdrawn = self.withdrawn_graphs()
        if not withdrawn:
            return None
        return [g for g in self.named_graphs() if g not in withdrawn]

    def public_named_graphs(self) -> list[ox.NamedNode] | None:
        withdrawn = self.withdrawn_graphs()
        if not withdrawn:
            return None
        return [g for g in self.named_graphs() if g not in withdrawn]

    def public_quads(self, subject: Any = None, predicate: Any = None, obj: Any = None) -> Iterator[ox.Quad]:
        withdrawn = self.withdrawn_graphs()
        return (q for q in self.quads(subject, predicate, obj) if q.graph_name not in withdrawn)

    def quads(self, subject: Any = None, predicate: Any = None, obj: Any = None,
              graph: Any = None) -> Iterator[ox.Quad]:
        terms = {"s": subject, "p": predicate, "o": obj, "g": graph}
        pattern = {k: str(v) if v is not None else f"?{k}" for k, v in terms.items()}
        wanted = [f"?{k}" for k, v in terms.items() if v is None] or ["*"]
        rows = self.select(f"SELECT {' '.join(wanted)} WHERE {{ GRAPH {pattern['g']} "
                           f"{{ {pattern['s']} {pattern['p']} {pattern['o']} }} }}", dataset_from_query=True)
        for row in rows:
            s, p, o, g = (terms[k] if terms[k] is not None else row[k] for k in "spog")
            # the terms given, or ?s, ?p and ?g of `GRAPH ?g { ?s ?p ?o }`: a subject, an IRI and a graph IRI
            yield ox.Quad(cast("ox.NamedNode | ox.BlankNode", s), cast(ox.NamedNode, p), o, cast(ox.NamedNode, g))

    def named_graphs(self) -> list[ox.NamedNode]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", dataset_from_query=True)
        return sorted((g for g in (r.get("g") for r in rows) if isinstance(g, ox.NamedNode)), key=lambda g: g.value)

    def has_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {graph} {{ }} }}", dataset_from_query=True))

    def count(self, graph: ox.NamedNode | None = None) -> int:
        target = str(graph) if graph is not None else "?g"
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {target} {{ ?s ?p ?o }} }}",
                           dataset_from_query=True)
        return int(rows[0]["n"].value) if rows else 0

    # -- writing -----------------------------------------------------------------------------------------------
    def update(self, sparql: str, *, graphs: Sequence[GraphName] | None = None) -> None:
        with self.write_lock:
            self._call(sparql, update=True)
            self.committed()

    def replace_graph(self, graph: ox.NamedNode, triples: Sequence[ox.Triple], metadata: Sequence[ox.Triple]) -> None:
        """One SPARQL update (atomic on a conformant engine): readers see the old graph or the new one."""
        self.update(_replace_update(graph, triples, metadata))

    def drop_graph(self, graph: ox.NamedNode) -> None:
        self.update(_replace_update(graph, None, ()) + " ; DROP SILENT GRAPH " + str(graph))

    def add_metadata(self, triples: Iterable[ox.Triple], *, affects: Sequence[GraphName] = ()) -> None:
        body = "\n".join(f"{t} ." for t in triples)
        self.update(f"INSERT DATA {{ GRAPH {META_GRAPH} {{\n{body}\n}} }}")

    @contextlib.contextmanager
    def guarded(self, graphs: Sequence[ox.NamedNode] | None = None) -> Iterator[None]:
        raise StoreError("a guarded bulk write needs the embedded store; a remote store takes one SPARQL update")
        yield  # pragma: no cover

    # -- whole dataset -----------------------------------------------------------------------------------------
    def dump(self, output: str | os.PathLike[str] | IO[bytes], fmt: ox.RdfFormat) -> None:
        # ?s, ?p and ?g of `GRAPH ?g { ?s ?p ?o }` are bound to a subject, an IRI and a graph IRI
        quads = [ox.Quad(cast("ox.NamedNode | ox.BlankNode", r["s"]), cast(ox.NamedNode, r["p"]), r["o"],
                         cast(ox.NamedNode, r["g"])) for r in self.select(_ALL_QUADS, dataset_from_query=True)]
        ox.serialize(quads, output, format=fmt)

    def restore(self, source: str | os.PathLike[str], fmt: ox.RdfFormat) -> None:
        """Replace the whole dataset by a dump, in one update (all or nothing on a conformant engine)."""
        try:
            quads = list(ox.parse(path=str(source), format=fmt))
        except SyntaxError as exc:
            raise BadData(f"{source}: {exc}") from None
        graphs: dict[str, list[str]] = {}
        for quad in quads:
            key = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
            graphs.setdefault(key, []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
        blocks = [("\n".join(lines) if not name else f"GRAPH {name} {{\n" + "\n".join(lines) + "\n}")
                  for name, lines in graphs.items()]
        self.update("DROP SILENT ALL" + (" ;\nINSERT DATA {\n" + "\n".join(blocks) + "\n}" if blocks else ""))

    def backup(self, directory: str | os.PathLike[str]) -> None:
        raise StoreError("a remote store is backed up by its own engine; `thc dump` writes its content to a file")


def bind_values(sparql: str, substitutions: dict[str, Term]) -> str:
    """The query with `substitutions` bound by a VALUES block at the start of its WHERE group.

    This is what pyoxigraph's substitutions do (SEP-0007): the variables start bound for the whole pattern. Terms
    are written by pyoxigraph's own serialisation, never pasted from user text.

    >>> bind_values("SELECT ?x ?n WHERE { ?x <http://p> ?n }", {"x": ox.NamedNode("http://a")})
    'SELECT ?x ?n WHERE { VALUES (?x) { (<http://a>) } ?x <http://p> ?n }'
    """
    from .sparql import QUERY_FORMS, _block_end, tokens

    for name, term in substitutions.items():
        if isinstance(term, ox.BlankNode):
            raise BadQuery(f"parameter {name}: a blank node cannot be sent to a remote store")
    toks = tokens(sparql)
    start = next((i for i, t in enumerate(toks) if t.depth == 0 and t.upper in QUERY_FORMS), None)
    if start is None:
        raise BadQuery("the query has no SELECT, ASK, CONSTRUCT or DESCRIBE")
    index = start + 1
    if toks[start].upper == "CONSTRUCT" and index < len(toks) and toks[index].text == "{":
        index = _block_end(toks, index) + 1  # skip the template
    brace = next((i for i in range(index, len(toks)) if toks[i].depth == 0 and toks[i].text == "{"), None)
    if brace is None:
        raise BadQuery("parameters need a WHERE clause to be bound in")
    names = " ".join(f"?{name}" for name in substitutions)
    values = " ".join(str(term) for term in substitutions.values())
    position = toks[brace].start + 1
    return f"{sparql[:position]} VALUES ({names}) {{ ({values}) }}{sparql[position:]}"


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:500]

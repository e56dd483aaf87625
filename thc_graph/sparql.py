"""SPARQL 1.1 queries and updates as the protocol needs them: dataset, negotiation, streamed results, write scope.

No web framework here: the views (thc_graph/views/sparql.py) translate HTTP to a QueryRequest and back, and the
reader pool may call `execute` in another process.
"""

from __future__ import annotations

import ipaddress
import json
import queue
import re
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any, cast
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from . import formats
from .errors import BadQuery, StoreError, ThcError
from .namespaces import META_GRAPH
from .store import Store

CHUNK_BYTES = 64 * 1024
# Forms of query and the formats each may answer in (the first is the default, SPARQL 1.1 Protocol §2.1.6).
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@dataclass
class QueryRequest:
    query: str
    default_graphs: list[str] | None = None  # the protocol's default-graph-uri (wins over FROM)
    named_graphs: list[str] | None = None  # the protocol's named-graph-uri (wins over FROM NAMED)
    accept: str | None = None
    format: str | None = None  # ?format= override
    max_rows: int | None = None  # the most SELECT rows to return; QueryAnswer.truncated tells if more were cut
    base_iri: str | None = None


@dataclass
class QueryAnswer:
    format: formats.Format
    chunks: Iterator[bytes]
    truncated: bool = False


def offered_formats(form: str) -> tuple[formats.Format, ...]:
    """The formats a query form can answer in, default first."""
    return formats.RDF_ANSWER_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else formats.RESULT_FORMATS


# -- a small SPARQL lexer: enough to find the query form, FROM, and what an update writes ----------------------
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<comment>\#[^\n\r]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                   |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
      | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w\-.\u00b7\u00c0-\uffff]*)?:(?:[^\s{}()\[\],;#<>"']*[^\s{}()\[\],;#<>"'.])?)
      | (?P<word>[A-Za-z_][\w-]*)
      | (?P<open>[{(\[])
      | (?P<close>[})\]])
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    depth: int  # nesting of braces/brackets/parentheses before this token
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text (whitespace and comments dropped), with their nesting depth."""
    result: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        if kind == "close":
            depth = max(0, depth - 1)
        result.append(Token(kind, match.group(), depth, match.start()))
        if kind == "open":
            depth += 1
    return result


def query_form(query: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword outside any braces; None if there is none."""
    for token in tokens(query):
        if token.depth == 0 and token.upper in QUERY_FORMS:
            return token.upper
    return None


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset (FROM / FROM NAMED; only allowed outside braces)."""
    return any(t.depth == 0 and t.upper == "FROM" for t in tokens(query))


# -- SERVICE: the endpoints a query makes the server call (SSRF) ------------------------------------------------
# pyoxigraph runs SERVICE itself (no hook): the endpoints are read from the text and checked before the query runs.
SERVICE_SCHEMES = ("http", "https")


def service_iris(text: str, *, update: bool = False, base_iri: str | None = None) -> list[str | None]:
    """The endpoints of the SERVICE clauses of a query (or an update's WHERE clauses), as absolute IRIs: prefixed
    names expanded, relative IRIs resolved against BASE and then `base_iri`; None stands for `SERVICE ?variable`.

    A text without "service" (in any case) is not parsed: [] at once. Otherwise rdflib's SPARQL parser reads it
    (a regular expression would be misled by comments, strings, prefixes, BASE and \\u escapes). A text that rdflib
    cannot parse and that holds the keyword SERVICE (outside strings and comments) is a BadQuery: it cannot be checked.
    """
    if "service" not in text.lower():
        return []
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    # rdflib 7 looks for each SERVICE clause again in the whole text, and that search skips from any "#" to the end
    # of the line, even a "#" inside an IRI (rdflib.plugins.sparql.parserutils.Comp.postParse, service_string): then
    # the parse fails. A line break before each SERVICE keyword (whitespace to SPARQL) keeps it in sight.
    keywords = [t.start for t in tokens(text) if t.upper == "SERVICE"]
    prepared = text
    for start in reversed(keywords):
        prepared = prepared[:start] + "\n" + prepared[start:]
    try:
        if update:
            parsed: Any = parseUpdate(prepared)
            pairs = list(zip(parsed["prologue"], parsed["request"], strict=False))
        else:
            parsed = parseQuery(prepared)
            pairs = [(parsed[0], parsed[1])]
    except (ParseBaseException, ValueError) as exc:
        if keywords:
            raise BadQuery(f"the {'update' if update else 'query'} uses SERVICE but could not be read to check its "
                           f"endpoint (rdflib's SPARQL parser: {str(exc).splitlines()[0]})") from None
        return []  # "service" in a string, a comment or a name: the engine judges the syntax
    found: list[str | None] = []
    base, prefixes = base_iri, {}
    for prologue, body in pairs:  # an update's operations each have a prologue, which adds to the ones before
        for declaration in prologue:
            if declaration.name == "Base":
                base = _resolve(str(declaration["iri"]), base)
            elif declaration.name == "PrefixDecl":
                prefixes[declaration.get("prefix") or ""] = _resolve(str(declaration["iri"]), base)
        for service in _service_clauses(body):
            term = service.get("term")
            if getattr(term, "name", None) == "pname":
                local = re.sub(r"\\(.)", r"\1", term.get("localname") or "")  # PN_LOCAL_ESC: \. \- ...
                prefix = term.get("prefix") or ""
                found.append(prefixes[prefix] + local if prefix in prefixes else f"{prefix}:{local}")
            elif isinstance(term, str) and type(term).__name__ == "URIRef":
                found.append(_resolve(str(term), base))
            else:  # a variable
                found.append(None)
    return found


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def _service_clauses(node: Any) -> Iterator[Any]:
    """The ServiceGraphPattern nodes of an rdflib parse tree (CompValue is a dict; lists hold the rest)."""
    if isinstance(node, dict):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            yield node
        for value in node.values():
            yield from _service_clauses(value)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for value in node:
            yield from _service_clauses(value)


def check_services(text: str, allow: Sequence[str], *, update: bool = False, base_iri: str | None = None) -> None:
    """Refuse (BadQuery, 400) a query whose SERVICE clauses would make the server call an endpoint it may not.

    `allow` (the setting service_allow): IRI prefixes; each endpoint must start with one of them, on the same host.
    Empty: the default rule, an http(s) endpoint whose host resolves to public addresses only (not loopback, private,
    link-local or otherwise reserved); a host that does not resolve is refused too. `SERVICE ?variable` is refused
    either way: what it calls is only known while the query runs.
    """
    for iri in service_iris(text, update=update, base_iri=base_iri):
        problem = service_refusal(iri, allow)
        if problem:
            raise BadQuery(problem)


def service_refusal(iri: str | None, allow: Sequence[str]) -> str | None:
    """Why the server may not call the SERVICE endpoint `iri` (None: a variable), or None when it may."""
    env = "environment variable THC_SERVICE_ALLOW"
    if iri is None:
        return ("SERVICE with a variable (SERVICE ?x) is not allowed: the endpoint it calls is only known while the "
                f"query runs, so it cannot be checked against the setting service_allow ({env}); name the endpoint "
                "with an IRI")
    if allow:
        if any(_starts_with(iri, prefix) for prefix in allow):
            return None
        return (f"SERVICE <{iri}> is not allowed: it is under none of the IRI prefixes of the setting service_allow "
                f"= {' '.join(allow)} ({env})")
    parts = urlsplit(iri)
    if parts.scheme.lower() not in SERVICE_SCHEMES or not parts.hostname:
        return (f"SERVICE <{iri}> is not allowed: only http(s) endpoints with a host name can be called (setting "
                f"service_allow, {env})")
    why = _not_public(parts.hostname)
    if why is None:
        return None
    return (f"SERVICE <{iri}> is not allowed: its host {parts.hostname} {why}. Without the setting service_allow, "
            f"SERVICE may call public http(s) hosts only; to call this endpoint, add its IRI prefix to service_allow "
            f"({env})")


def _starts_with(iri: str, prefix: str) -> bool:
    """`iri` starts with `prefix` and names the same host (http://a.org does not allow http://a.org.evil.net/ nor
    http://a.org@evil.net/)."""
    if not iri.startswith(prefix):
        return False
    host = urlsplit(prefix).hostname
    return host is None or urlsplit(iri).hostname == host


def _not_public(host: str) -> str | None:
    """Why `host` is not a public host (resolved: every address it resolves to must be public), or None."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return "does not resolve"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_loopback:
            return f"is a loopback address ({address})"
        if address.is_link_local:
            return f"is a link-local address ({address})"
        if address.is_private:
            return f"is a private address ({address})"
        if not address.is_global or address.is_multicast:
            return f"is not a public address ({address})"
    return None


# -- queries ----------------------------------------------------------------------------------------------------
def execute(store: Store, request: QueryRequest) -> QueryAnswer:
    """Run a query and serialise its answer, negotiated by query form, as byte chunks.

    The dataset: the protocol's default-graph-uri / named-graph-uri win over FROM / FROM NAMED; with neither, the
    default graph is the public union (store.public_default_graph(), None meaning every graph).
    Errors: SyntaxError → BadQuery (400, with line and column); a failure while running → StoreError (500);
    no acceptable format → NotAcceptable (406). An error that happens before the first chunk is raised here, so the
    caller can still answer with an error status.
    """
    form = query_form(request.query) or "SELECT"
    fmt = formats.negotiate(request.accept, offered_formats(form), request.format)
    worker = _Worker(store, request, fmt)
    worker.start()
    return worker.answer()


def _dataset_arguments(store: Store, request: QueryRequest) -> dict[str, Any]:
    if request.default_graphs is not None or request.named_graphs is not None:
        # SPARQL 1.1 Protocol §2.1.4: the protocol dataset replaces the query's; what it leaves out is empty.
        return {
            "default_graph": [_iri(g, "default-graph-uri") for g in request.default_graphs or []],
            "named_graphs": [_iri(g, "named-graph-uri") for g in request.named_graphs or []],
        }
    if has_dataset_clause(request.query):
        return {"dataset_from_query": True}
    public = store.public_default_graph()
    return {} if public is None else {"default_graph": public}


def _iri(value: str, where: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise BadQuery(f"{where} {value!r} is not an absolute IRI: {exc}") from None


# (pool engineer) thc_graph/pool.py's _PipeWorker subclasses _Worker to run it on a reader process's own thread:
# it overrides _put and calls _serialise/_emit and reads _buffer, format, truncated. Please keep those (or tell me).
class _Worker(threading.Thread):
    """Runs one query and serialises it on one thread (pyoxigraph results cannot cross threads) into a queue.

    The consumer reads chunks from the queue on any thread; if it stops reading, the worker stops writing.
    """

    def __init__(self, store: Store, request: QueryRequest, fmt: formats.Format) -> None:
        super().__init__(daemon=True, name="sparql-query")
        self.store, self.request, self.format = store, request, fmt
        self.queue: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=16)
        self.ready = threading.Event()  # set once the first chunk is out, or the answer is complete, or failed
        self.failure: BaseException | None = None
        self.truncated = False
        self.cancelled = False
        self._buffer = bytearray()

    # The writer interface pyoxigraph serialises into.
    def write(self, data: bytes) -> int:
        if self.cancelled:
            raise OSError("the client stopped reading")
        self._buffer += data
        if len(self._buffer) >= CHUNK_BYTES:
            self._emit()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes often; chunks are emitted by size instead."""

    def _emit(self) -> None:
        chunk, self._buffer = bytes(self._buffer), bytearray()
        self._put(chunk)
        self.ready.set()

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self.cancelled:
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def run(self) -> None:
        try:
            self._serialise()
            if self._buffer:
                self._emit()
            self._put(None)
        except BaseException as exc:  # handed to the consumer, who raises it (mapped at the seam in _run_error)
            self.failure = _run_error(exc)
            self._put(self.failure)
        finally:
            self.ready.set()

    def _serialise(self) -> None:
        request, fmt = self.request, self.format
        results = self.store.query(request.query, base_iri=request.base_iri,
                                   **_dataset_arguments(self.store, request))
        if isinstance(results, ox.QueryBoolean):
            if fmt.results is None:
                raise StoreError("an ASK query answers true or false, not RDF")
            self.write(cast(bytes, results.serialize(format=fmt.results)))  # no output given: the bytes
        elif isinstance(results, ox.QuerySolutions):
            if fmt.results is None:
                raise StoreError("a SELECT query answers a table, not RDF")
            if request.max_rows is None:
                # a writer, not a file: pyoxigraph calls only its write() and flush()
                results.serialize(cast(IO[bytes], self), fmt.results)
            else:
                variables = [v.value for v in results.variables]
                rows = list(islice(results, request.max_rows + 1))
                self.truncated = len(rows) > request.max_rows
                for chunk in serialise_solutions(variables, rows[: request.max_rows], fmt.name):
                    self.write(chunk)
        else:
            if fmt.rdf is None:
                raise StoreError("a CONSTRUCT or DESCRIBE query answers RDF, not a table")
            results.serialize(self, fmt.rdf)  # max_rows caps SELECT rows only (setting max_result_rows)

    def answer(self) -> QueryAnswer:
        self.ready.wait()
        if self.failure is not None:
            # nothing was sent yet (chunks only leave through the answer): the caller can still answer with the
            # error's status. A failure after this point ends the stream early, which the client sees as an error.
            self.cancelled = True
            raise self.failure
        return QueryAnswer(self.format, self._chunks(), self.truncated)

    def _chunks(self) -> Iterator[bytes]:
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.cancelled = True


def _run_error(exc: BaseException) -> BaseException:
    """Library errors mapped at the seam (SPARQL 1.1 Protocol §2.1.7: a failure to execute is a 500)."""
    if isinstance(exc, ThcError):
        return exc
    if isinstance(exc, SyntaxError):
        return BadQuery(str(exc))
    if isinstance(exc, OSError | RuntimeError | ValueError):
        return StoreError(f"the query failed while running: {exc}")
    return exc


# -- SELECT results written here when rows are capped (pyoxigraph serialises only whole result sets) -----------
def serialise_solutions(variables: Sequence[str], rows: Iterable[ox.QuerySolution], fmt: str) -> Iterator[bytes]:
    """SPARQL results in `fmt` (json, xml, csv, tsv) for `rows`, a few rows per chunk."""
    writer = {"json": _json_rows, "xml": _xml_rows, "csv": _csv_rows, "tsv": _tsv_rows}[fmt]
    batch: list[str] = []
    for part in writer(variables, rows):
        batch.append(part)
        if len(batch) >= 256:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        data: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            data["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            data["datatype"] = term.datatype.value
        return data
    return {"type": "triple", "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def _json_rows(variables: Sequence[str], rows: Iterable[ox.QuerySolution]) -> Iterator[str]:
    yield '{"head":{"vars":' + json.dumps(list(variables), separators=(",", ":")) + '},"results":{"bindings":['
    for index, row in enumerate(rows):
        binding = {v: _json_term(row[v]) for v in variables if row[v] is not None}
        yield ("," if index else "") + json.dumps(binding, ensure_ascii=False, separators=(",", ":"))
    yield "]}}"


_XML_ENTITIES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}  # kept as written, not normalised by the reader


def _xml_text(text: str) -> str:
    return escape(text, _XML_ENTITIES)


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(term.datatype.value)}>{_xml_text(term.value)}</literal>"
        return f"<literal>{_xml_text(term.value)}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
            f"</predicate><object>{_xml_term(term.object)}</object></triple>")


def _xml_rows(variables: Sequence[str], rows: Iterable[ox.QuerySolution]) -> Iterator[str]:
    yield '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
    yield "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head><results>"
    for row in rows:
        cells = "".join(f"<binding name={quoteattr(v)}>{_xml_term(row[v])}</binding>"
                        for v in variables if row[v] is not None)
        yield f"<result>{cells}</result>"
    yield "</results></sparql>\n"


def _csv_cell(term: Any) -> str:
    if term is None:
        return ""
    text = "_:" + term.value if isinstance(term, ox.BlankNode) else getattr(term, "value", str(term))
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return str(text)


def _csv_rows(variables: Sequence[str], rows: Iterable[ox.QuerySolution]) -> Iterator[str]:
    yield ",".join(variables) + "\r\n"
    for row in rows:
        yield ",".join(_csv_cell(row[v]) for v in variables) + "\r\n"


def _tsv_rows(variables: Sequence[str], rows: Iterable[ox.QuerySolution]) -> Iterator[str]:
    yield "\t".join("?" + v for v in variables) + "\n"
    for row in rows:
        yield "\t".join("" if row[v] is None else str(row[v]) for v in variables) + "\n"


# -- updates ----------------------------------------------------------------------------------------------------
def execute_update(store: Store, update: str, *, using_graphs: Sequence[str] | None = None,
                   using_named_graphs: Sequence[str] | None = None, base_iri: str | None = None) -> None:
    """Run a SPARQL update, atomically, under the store's write lock.

    `using_graphs` / `using_named_graphs` are the protocol's using-graph-uri / using-named-graph-uri: they act as
    USING / USING NAMED on every DELETE/INSERT operation (SPARQL 1.1 Protocol §2.2.3); an update that names its own
    USING or WITH as well is a 400. `base_iri` (the endpoint's URL) resolves relative IRIs, as a leading BASE.
    """
    if using_graphs or using_named_graphs:
        update = with_using(update, list(using_graphs or []), list(using_named_graphs or []))
    if base_iri:
        update = f"BASE {_iri(base_iri, 'base IRI')}\n{update}"
    graphs = followed_graphs(update)
    with store.write_lock:
        try:
            store.update(update, graphs=graphs)  # maps SyntaxError → BadQuery (400) and OSError → StoreError (500)
        except (RuntimeError, ValueError) as exc:  # e.g. CREATE GRAPH of a graph that exists
            raise StoreError(f"the update failed and was not applied: {exc}") from None


def with_using(update: str, using: list[str], using_named: list[str]) -> str:
    """The update with USING / USING NAMED clauses inserted before the WHERE of each DELETE/INSERT operation."""
    clause = " ".join([*(f"USING {_iri(g, 'using-graph-uri')}" for g in using),
                       *(f"USING NAMED {_iri(g, 'using-named-graph-uri')}" for g in using_named)])
    toks = tokens(update)
    if any(t.depth == 0 and t.upper in ("USING", "WITH") for t in toks):
        raise BadQuery("the update has its own USING or WITH; it cannot also take using-graph-uri or "
                       "using-named-graph-uri (SPARQL 1.1 Protocol §2.2.3)")
    positions = []
    in_modify = False
    for index, token in enumerate(toks):
        if token.depth != 0 or token.kind != "word":
            continue
        word = token.upper
        if word in ("DELETE", "INSERT"):
            following = toks[index + 1].upper if index + 1 < len(toks) else ""
            in_modify = in_modify or following not in ("DATA", "WHERE")
        elif word == "WHERE" and in_modify:
            positions.append(token.start)
            in_modify = False
        elif word in ("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"):
            in_modify = False
    for position in reversed(positions):
        update = update[:position] + clause + " " + update[position:]
    return update


@dataclass
class _Prologue:
    base: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)

    def resolve(self, token: Token) -> str | None:
        if token.kind == "iri":
            iri = token.text[1:-1]
            if self.base is not None:
                iri = urljoin(self.base, iri)
            return iri if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri) else None
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix in self.prefixes and "\\" not in local and "%" not in local:
                return self.prefixes[prefix] + local
        return None


def followed_graphs(update: str) -> list[ox.NamedNode] | None:
    """The graphs an update writes, for the store's change log (thc_graph/changes.py), so that the caches, the dumps
    and the reader processes follow it at the cost of those graphs: what update_writes reads, or None (unknown: they
    start again from the whole store) when it cannot tell, when the default graph is written, or when graph/meta
    is (written by hand, it changes what other graphs mean: withdrawals)."""
    writes = update_writes(update)
    if None in writes or META_GRAPH.value in writes:
        return None
    return [ox.NamedNode(graph) for graph in sorted(g for g in writes if g is not None)]


def update_writes(update: str) -> set[str | None]:
    """The graphs an update may write, read conservatively from its text; None stands for "the default graph or
    anything we cannot tell" (only an admin may do that).

    A scoped writer's update must name each graph it writes: INSERT/DELETE DATA and templates whose triples all
    sit in GRAPH <g> blocks (or a WITH <g>), LOAD ... INTO GRAPH <g>, CLEAR/DROP/CREATE GRAPH <g>,
    ADD/COPY/MOVE ... TO GRAPH <g> (MOVE also empties its source). LOAD is admin-only whatever its target: it makes
    the server fetch a URL.
    """
    toks = tokens(update)
    prologue = _Prologue()
    writes: set[str | None] = set()
    index = 0
    with_graph: str | None = None

    def graph_at(i: int) -> tuple[str | None, int]:
        """The graph named at toks[i] (after an optional GRAPH keyword): IRI, or None for DEFAULT/unknown."""
        if i < len(toks) and toks[i].upper == "GRAPH":
            i += 1
        if i < len(toks) and toks[i].upper == "DEFAULT":
            return None, i + 1
        if i < len(toks):
            return prologue.resolve(toks[i]), i + 1
        return None, i

    while index < len(toks):
        token = toks[index]
        word = token.upper
        if token.depth != 0:
            index += 1
            continue
        if word == "BASE" and index + 1 < len(toks):
            prologue.base = prologue.resolve(toks[index + 1]) if toks[index + 1].kind == "iri" else None
            index += 2
        elif word == "PREFIX" and index + 2 < len(toks):
            name = toks[index + 1].text.rstrip(":") if toks[index + 1].text.endswith(":") else None
            target = prologue.resolve(toks[index + 2])
            if name is None or target is None:
                writes.add(None)
            else:
                prologue.prefixes[name] = target
            index += 3
        elif token.text == ";":
            index += 1
        elif word == "WITH":
            with_graph, index = graph_at(index + 1)
            if with_graph is None:
                writes.add(None)
        elif word in ("INSERT", "DELETE"):
            following = toks[index + 1].upper if index + 1 < len(toks) else ""
            start = index + (2 if following in ("DATA", "WHERE") else 1)
            end = _block_end(toks, start)
            writes |= _template_writes(toks[start + 1:end], prologue, with_graph)
            index = end + 1
            if following == "WHERE" or following == "DATA":
                with_graph = None
        elif word == "WHERE":
            index = _block_end(toks, index + 1) + 1
            with_graph = None
        elif word == "USING":
            index += 3 if index + 1 < len(toks) and toks[index + 1].upper == "NAMED" else 2
        elif word == "LOAD":
            index += 1
            if index < len(toks) and toks[index].upper == "SILENT":
                index += 1
            index += 1  # the document IRI
            writes.add(None)  # LOAD makes the server fetch a URL of the caller's choosing: admins only
            if index < len(toks) and toks[index].upper == "INTO":
                graph, index = graph_at(index + 1)
                writes.add(graph)
        elif word in ("CLEAR", "DROP", "CREATE"):
            index += 1
            if index < len(toks) and toks[index].upper == "SILENT":
                index += 1
            if index < len(toks) and toks[index].upper == "GRAPH":
                graph, index = graph_at(index)
                writes.add(graph)
            else:  # DEFAULT, NAMED, ALL
                writes.add(None)
                index += 1
        elif word in ("ADD", "MOVE", "COPY"):
            index += 1
            if index < len(toks) and toks[index].upper == "SILENT":
                index += 1
            source, index = graph_at(index)
            if word == "MOVE":
                writes.add(source)
            if index < len(toks) and toks[index].upper == "TO":
                target, index = graph_at(index + 1)
                writes.add(target)
            else:
                writes.add(None)
        else:
            writes.add(None)  # something this reader does not know: only an admin may run it
            index += 1
    return writes


def _block_end(toks: list[Token], start: int) -> int:
    """The index of the brace closing the block that opens at toks[start] (len(toks) if it is not a block)."""
    if start >= len(toks) or toks[start].text != "{":
        return len(toks)
    depth = toks[start].depth
    for i in range(start + 1, len(toks)):
        if toks[i].kind == "close" and toks[i].depth == depth:
            return i
    return len(toks)


def _template_writes(body: list[Token], prologue: _Prologue, with_graph: str | None) -> set[str | None]:
    """Graphs written by a quad template: each GRAPH <g> { } block, and WITH's graph (or the default) for the rest."""
    writes: set[str | None] = set()
    if not body:
        return writes
    outer = body[0].depth
    i = 0
    while i < len(body):
        token = body[i]
        if token.depth == outer and token.upper == "GRAPH" and i + 2 < len(body):
            writes.add(prologue.resolve(body[i + 1]))  # a variable graph resolves to None
            block = _block_end(body, i + 2)
            i = block + 1
        elif token.depth == outer and token.text == ".":
            i += 1
        else:
            writes.add(with_graph)
            i += 1
    return writes

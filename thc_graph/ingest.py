"""Parse, validate, then commit atomically into a named graph described with DCAT and PROV-O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from . import formats, validation
from .errors import BadData, InvalidData
from .namespaces import DCAT, DCT, GRAPH, ONTOLOGY_GRAPH, ORG, PROV, RDF, THC, VOID, XSD
from .paths import display_path
from .store import Store

_POSITION = re.compile(r"^Parser error at line \d+ (?:column \d+|between columns \d+ and \d+): ")
_TRAILING_LINE = re.compile(r"\s*\(line \d+\)$")


@dataclass
class Parsed:
    """One input read into memory: its triples, and what identifies it (name, sha256, format)."""

    name: str
    format: formats.Format
    triples: list[ox.Triple]
    sha256: str


@dataclass
class LoadResult:
    graph: str
    triples: int
    sources: list[str]
    replaced: bool
    report: validation.Report = field(default_factory=lambda: validation.Report(True))


def syntax_message(name: str, exc: SyntaxError) -> str:
    """`file, line L, column C: what is wrong` from a pyoxigraph SyntaxError."""
    detail = _TRAILING_LINE.sub("", _POSITION.sub("", str(exc.msg if exc.msg else exc)))
    if exc.lineno:
        return f"{name}, line {exc.lineno}, column {exc.offset or 1}: {detail}"
    return f"{name}: {detail}"


def parse_bytes(data: bytes, name: str, fmt: formats.Format, *, base_iri: str | None = None) -> Parsed:
    """Parse a whole input; a syntax error anywhere is a BadData naming the input, line and column."""
    if fmt.rdf is None:
        raise BadData(f"{name}: {fmt.name} is not an RDF format")
    try:
        quads = list(ox.parse(data, format=fmt.rdf, base_iri=base_iri, without_named_graphs=True))
    except SyntaxError as exc:
        raise BadData(syntax_message(name, exc)) from None
    except ValueError as exc:
        raise BadData(f"{name}: {exc}") from None
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return Parsed(name, fmt, triples, hashlib.sha256(data).hexdigest())


def parse_file(path: Path, format_name: str | None = None, *, base_iri: str | None = None) -> Parsed:
    name = display_path(path)
    fmt = formats.rdf_format_for(path, format_name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadData(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    if fmt.name in ("nquads", "trig"):
        raise BadData(f"{name}: {fmt.name} holds a dataset; `thc load` takes graphs (use `thc restore` for a dump)")
    return parse_bytes(data, name, fmt, base_iri=base_iri)


def context_for(store: Store, triples: Sequence[ox.Triple], exclude: ox.NamedNode | None = None) -> list[ox.Triple]:
    """What the store already says about the nodes the data points to: two hops out, and the
    memberships of the actors it names. Its size follows the data's links, not the store's size.

    The graph being replaced (`exclude`) is left out, and so is the ontology graph: validation adds the
    ontology and its schemes whole, so neither classes nor scheme concepts need fetching. Withdrawn
    contributions are left out too: data may only lean on what the public union says.
    """
    skipped = {ONTOLOGY_GRAPH, *store.withdrawn_graphs()} | ({exclude} if exclude is not None else set())

    def described(node: ox.NamedNode | ox.BlankNode) -> Iterator[ox.Triple]:
        for quad in store.quads(node, None, None, None):
            if quad.graph_name not in skipped:
                yield ox.Triple(quad.subject, quad.predicate, quad.object)

    subjects = {t.subject for t in triples}
    linked = {t.object for t in triples if isinstance(t.object, ox.NamedNode) and t.predicate != RDF.type}
    frontier, seen = linked - subjects, set(subjects)
    context: list[ox.Triple] = []
    for _hop in range(2):
        next_frontier: set[Any] = set()
        for node in frontier:
            seen.add(node)
            for triple in described(node):
                context.append(triple)
                if isinstance(triple.object, ox.NamedNode) and triple.predicate != RDF.type:
                    next_frontier.add(triple.object)
        frontier = next_frontier - seen
    # Memberships of the agents the data names (who is an agent of which authority).
    for node in linked:
        for quad in store.quads(None, ORG.member, node, None):
            if quad.graph_name not in skipped:
                # pyoxigraph 0.5 stores no triple-term subjects (RDF 1.2), though its stubs still allow a Triple
                context.extend(described(cast("ox.NamedNode | ox.BlankNode", quad.subject)))
    return context


def describe_graph(graph: ox.NamedNode, parsed: Sequence[Parsed], count: int, *, title: str | None,
                   license: str | None, agent: str | None, kind: str = "load",
                   extra: Iterable[ox.Triple] = ()) -> list[ox.Triple]:
    """The graph's description for the metadata graph: DCAT/VoID dataset, PROV generation."""
    now = ox.Literal(datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"), datatype=XSD.dateTime)
    activity = ox.BlankNode()
    out = [
        ox.Triple(graph, RDF.type, DCAT.Dataset),
        ox.Triple(graph, RDF.type, VOID.Dataset),
        ox.Triple(graph, RDF.type, PROV.Entity),
        ox.Triple(graph, VOID.triples, ox.Literal(str(count), datatype=XSD.integer)),
        ox.Triple(graph, DCT.modified, now),
        ox.Triple(graph, PROV.generatedAtTime, now),
        ox.Triple(graph, PROV.wasGeneratedBy, activity),
        ox.Triple(activity, RDF.type, PROV.Activity),
        ox.Triple(activity, DCT.type, ox.Literal(kind)),
        ox.Triple(activity, PROV.endedAtTime, now),
    ]
    if title:
        out.append(ox.Triple(graph, DCT.title, ox.Literal(title)))
    if license:
        lic = ox.NamedNode(license) if re.match(r"^[a-z][a-z0-9+.-]*:", license) else ox.Literal(license)
        out.append(ox.Triple(graph, DCT.license, lic))
    if agent:
        out.append(ox.Triple(activity, PROV.wasAssociatedWith, ox.Literal(agent)))
    for item in parsed:
        source = ox.BlankNode()
        out += [
            ox.Triple(graph, DCT.source, source),
            ox.Triple(activity, PROV.used, source),
            ox.Triple(source, RDF.type, PROV.Entity),
            ox.Triple(source, DCT.title, ox.Literal(item.name)),
            ox.Triple(source, DCT.format, ox.Literal(item.format.media_type)),
            ox.Triple(source, THC.sha256, ox.Literal(item.sha256)),
        ]
    out.extend(extra)
    return out


def ingest(
    store: Store,
    parsed: Sequence[Parsed],
    graph: ox.NamedNode,
    *,
    title: str | None = None,
    license: str | None = None,
    agent: str | None = None,
    kind: str = "load",
    validate: bool = True,
    extra_metadata: Iterable[ox.Triple] = (),
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Validate `parsed` together, with what it points to in the store, then make it the whole content of
    `graph`. Violations raise InvalidData and nothing is written."""
    triples = _dedupe(t for item in parsed for t in item.triples)
    report = validation.Report(True)
    with store.write_lock:
        if validate:
            if progress:
                progress("validating")
            report = validation.validate(triples, context=context_for(store, triples, exclude=graph))
            if not report.conforms:
                names = ", ".join(p.name for p in parsed)
                raise InvalidData(f"{names}: the data does not conform to the shapes", report)
        replaced = store.has_graph(graph)
        if progress:
            progress("writing")
        metadata = describe_graph(graph, parsed, len(triples), title=title, license=license, agent=agent,
                                  kind=kind, extra=extra_metadata)
        store.replace_graph(graph, triples, metadata)
    return LoadResult(graph.value, len(triples), [p.name for p in parsed], replaced, report)


def _dedupe(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))


def graph_iri(text: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise BadData(f"{text!r} is not a valid graph IRI") from None


def default_graph_for(path: Path) -> ox.NamedNode:
    """The graph a file goes to when none is named: graph/file/{stem}."""
    stem = re.sub(r"[^a-z0-9]+", "-", path.name.split(".")[0].lower()).strip("-") or "data"
    return GRAPH["file/" + stem]

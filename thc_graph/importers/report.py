"""What every importer shares: the report (counts, links, rejected rows, matches), reading the source files
(a missing or malformed file is a BadData and changes nothing), chunked validation, and the final commit."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from .. import formats, ingest, validation
from ..errors import BadData, InvalidData
from ..namespaces import DCT, ID, OWL, PROV, RDF, VOID, XSD
from ..paths import display_path
from ..store import Store

CSV_FORMAT = formats.Format("csv", "text/csv", (".csv",))
JSON_FORMAT = formats.Format("json", "application/json", (".json",))
MARKDOWN_FORMAT = formats.Format("markdown", "text/markdown", (".md",))

LICENCE_OUVERTE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
MIT = "https://opensource.org/licenses/MIT"
CC_BY_NC_SA_3 = "https://creativecommons.org/licenses/by-nc-sa/3.0/"

# How many focus nodes pyshacl validates at once: its cost grows faster than linearly with the graph size.
CHUNK = 300

# progress(step, advance, total): a step name, how many items were just done, out of how many.
Progress = Callable[[str, int, int], Any] | None


@dataclass
class RowError:
    file: str
    line: int
    reason: str

    def text(self) -> str:
        return f"{self.file}, line {self.line}: {self.reason}"


@dataclass
class Match:
    """Two records of the same thing: ours (an IRI of thc-graph) and theirs, with the rule that matched them."""

    ours: str
    other: str
    rule: str
    sameas: bool = True  # recorded in the graph as `ours owl:sameAs other` (else: a reconciled name or place)


@dataclass
class Report:
    """The end of every import: counts per class, links resolved and unresolved, rows rejected, matches."""

    source: str
    graph: str = ""
    triples: int = 0
    replaced: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    links: dict[str, list[int]] = field(default_factory=dict)  # link name -> [resolved, unresolved]
    unresolved: list[str] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, cls: str, n: int = 1) -> None:
        self.counts[cls] += n

    def link(self, name: str, resolved: bool, detail: str | None = None) -> None:
        pair = self.links.setdefault(name, [0, 0])
        pair[0 if resolved else 1] += 1
        if not resolved and detail:
            self.unresolved.append(f"{name}: {detail}")

    def reject(self, file: str, line: int, reason: str) -> None:
        self.rejected.append(RowError(file, line, reason))

    def resolution_rate(self, name: str) -> float:
        resolved, unresolved = self.links.get(name, [0, 0])
        return resolved / (resolved + unresolved) if resolved + unresolved else 1.0

    def text(self, limit: int = 30) -> str:
        verb = "replaced" if self.replaced else "imported"
        lines = [f"{verb} <{self.graph}>: {self.triples} triples from {self.source}", "counts per class:"]
        lines += [f"  {cls:34} {n}" for cls, n in sorted(self.counts.items())]
        if self.links:
            lines.append("links (resolved / unresolved):")
            lines += [f"  {name:34} {ok} / {ko}" for name, (ok, ko) in sorted(self.links.items())]
        if self.matches:
            lines.append(f"matches with other sources: {len(self.matches)}")
            lines += [f"  {m.ours} = {m.other} ({m.rule})" for m in self.matches[:limit]]
        for title, items in (("unresolved", self.unresolved), ("rejected rows", [r.text() for r in self.rejected]),
                             ("notes", self.notes)):
            if items:
                lines.append(f"{title}: {len(items)}")
                lines += [f"  {item}" for item in items[:limit]]
                if len(items) > limit:
                    lines.append(f"  … and {len(items) - limit} more")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "graph": self.graph, "triples": self.triples, "replaced": self.replaced,
            "counts": dict(self.counts), "links": {k: {"resolved": v[0], "unresolved": v[1]}
                                                   for k, v in self.links.items()},
            "unresolved": self.unresolved, "rejected": [r.__dict__ for r in self.rejected],
            "matches": [m.__dict__ for m in self.matches], "notes": self.notes,
        }


# --------------------------------------------------------------------------- reading the inputs


@dataclass
class Input:
    """One source file read whole: its bytes (for the SHA-256 recorded in graph/meta) and its text."""

    path: Path
    data: bytes
    format: formats.Format

    @property
    def name(self) -> str:
        return display_path(self.path)

    @property
    def text(self) -> str:
        try:
            return self.data.decode("utf-8-sig")  # a byte-order mark is dropped
        except UnicodeDecodeError as exc:
            raise BadData(f"{self.name}: not UTF-8 text (byte {exc.start})") from None

    def parsed(self, triples: list[ox.Triple] | None = None) -> ingest.Parsed:
        return ingest.Parsed(self.name, self.format, triples or [], hashlib.sha256(self.data).hexdigest())


def read_input(directory: Path, name: str, fmt: formats.Format) -> Input:
    path = directory / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadData(f"{display_path(path)}: file not found (expected in {display_path(directory)})") from None
    except OSError as exc:
        raise BadData(f"{display_path(path)}: cannot read the file ({exc.strerror or exc})") from None
    return Input(path, data, fmt)


def csv_rows(source: Input, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number of the row's first line, row) for every row; a missing column or a broken quote is a BadData."""
    csv.field_size_limit(1 << 30)
    stream = io.StringIO(source.text, newline="")
    reader = csv.DictReader(stream, strict=True)
    try:
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise BadData(f"{source.name}, line 1: missing column(s) {', '.join(missing)}; found {', '.join(header)}")
        line = reader.line_num + 1
        for row in reader:
            yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise BadData(f"{source.name}, line {reader.line_num}: {exc}") from None


def json_value(source: Input) -> Any:
    try:
        return json.loads(source.text)
    except json.JSONDecodeError as exc:
        raise BadData(f"{source.name}, line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


# --------------------------------------------------------------------------- names and slugs


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def normalise(text: str) -> str:
    """A name reduced for comparison: no accents, no case, no punctuation, single spaces."""
    return " ".join(slugify(text.replace("'", " ").replace("’", " ")).split("-"))


def lit(value: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def typed(value: str, datatype: ox.NamedNode) -> ox.Literal:
    return ox.Literal(value, datatype=datatype)


def iri(kind: str, slug: str) -> ox.NamedNode:
    return ID[f"{kind}/{slug}"]


def safe_iri(text: str) -> ox.NamedNode | None:
    """An http(s) IRI from source text, or None when the text is not one."""
    text = (text or "").strip()
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", text):
        return None
    try:
        return ox.NamedNode(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------- validating and committing


def validate_in_chunks(store: Store, triples: Sequence[ox.Triple], graph: ox.NamedNode,
                       progress: Progress = None, chunk: int = CHUNK) -> validation.Report:
    """Validate `triples` against the shapes, a few hundred focus nodes at a time.

    pyshacl's cost grows with the square of the number of focus nodes named at once, so small chunks
    are much faster, and they run in parallel (one process per core, at most 4). Every subject is a focus
    node of exactly one chunk; a chunk sees its subjects' triples and, as context, the triples of the nodes
    they point to: from the data, and from the store as ingest.context_for gives them (two hops, and the
    memberships of the agents named). Our shapes (targets by class, forward paths) look no further, so
    the verdict is the one a single run would give. Data with blank-node subjects is validated in one go.
    """
    by_subject: dict[Any, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    named = [s for s in by_subject if isinstance(s, ox.NamedNode)]
    blank = [s for s in by_subject if isinstance(s, ox.BlankNode)]
    if blank or len(named) <= chunk:
        if progress:
            progress("validating", len(named), len(named))
        context = ingest.context_for(store, triples, exclude=graph)
        return validation.validate(triples, context=context)
    chunks: list[tuple[list[ox.Triple], list[ox.Triple]]] = []
    for start in range(0, len(named), chunk):
        subjects = set(named[start:start + chunk])
        data = [t for s in named[start:start + chunk] for t in by_subject[s]]
        linked = {t.object for t in data if isinstance(t.object, ox.NamedNode) and t.predicate != RDF.type}
        context = [t for node in linked - subjects for t in by_subject.get(node, ())]
        context += ingest.context_for(store, [t for t in data if t.object not in by_subject], exclude=graph)
        chunks.append((data, context))
    violations: list[validation.Violation] = []
    workers = min(len(chunks), os.cpu_count() or 1, 4)
    global _CHUNKS
    _CHUNKS = chunks
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            # Each worker inherits the chunks by fork and sends back only the violations.
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                for index, found in zip(range(len(chunks)), pool.map(_validate_chunk, range(len(chunks))),
                                        strict=True):
                    violations += found
                    if progress:
                        progress("validating", len({t.subject for t in chunks[index][0]}), len(named))
        else:
            for index in range(len(chunks)):
                violations += _validate_chunk(index)
                if progress:
                    progress("validating", len({t.subject for t in chunks[index][0]}), len(named))
    finally:
        _CHUNKS = []
    return validation.Report(conforms=not violations, violations=violations)


_CHUNKS: list[tuple[list[ox.Triple], list[ox.Triple]]] = []


def _validate_chunk(index: int) -> list[validation.Violation]:
    data, context = _CHUNKS[index]
    return validation.validate(data, context=context).violations


def commit(store: Store, report: Report, inputs: Sequence[Input], triples: list[ox.Triple], graph: ox.NamedNode, *,
           title: str, license: str, origins: Sequence[tuple[str, str, str]], kind: str,
           progress: Progress = None) -> Report:
    """Validate, then make `triples` the whole content of `graph`, described in graph/meta with the source files
    (name, format, SHA-256), the repositories and commits they come from (`origins`: IRI, title, date), the
    licence and the time of import. Violations raise InvalidData and nothing is written."""
    parsed = [item.parsed(list(triples) if i == 0 else []) for i, item in enumerate(inputs)]
    return _commit(store, report, parsed, graph, title=title, license=license, origins=origins, kind=kind,
                   progress=progress)


def commit_parsed(store: Store, report: Report, parsed: ingest.Parsed, graph: ox.NamedNode, *, title: str,
                  license: str, origins: Sequence[tuple[str, str, str]], kind: str,
                  progress: Progress = None) -> Report:
    """The same for an RDF file already made by an importer (data/derived/*.ttl)."""
    return _commit(store, report, [parsed], graph, title=title, license=license, origins=origins, kind=kind,
                   progress=progress)


def _commit(store: Store, report: Report, parsed: list[ingest.Parsed], graph: ox.NamedNode, *, title: str,
            license: str, origins: Sequence[tuple[str, str, str]], kind: str, progress: Progress) -> Report:
    triples = list(dict.fromkeys(t for item in parsed for t in item.triples))
    result = validate_in_chunks(store, triples, graph, progress)
    if not result.conforms:
        raise InvalidData(f"{report.source}: the imported data does not conform to the shapes", result)
    extra: list[ox.Triple] = []
    for origin_iri, origin_title, date in origins:
        origin = ox.NamedNode(origin_iri)
        extra += [
            ox.Triple(graph, PROV.wasDerivedFrom, origin),
            ox.Triple(origin, RDF.type, PROV.Entity),
            ox.Triple(origin, DCT.title, ox.Literal(origin_title)),
            ox.Triple(origin, DCT.date, typed(date, XSD.date)),
            ox.Triple(origin, DCT.license, ox.NamedNode(license)),
        ]
    extra += linksets(graph, report)
    if progress:
        progress("writing", 0, 0)
    loaded = ingest.ingest(store, parsed, graph, title=title, license=license, agent=f"thc import {kind}",
                           kind=f"import {kind}", validate=False, extra_metadata=extra)
    report.graph, report.triples, report.replaced = loaded.graph, loaded.triples, loaded.replaced
    return report


def linksets(graph: ox.NamedNode, report: Report) -> list[ox.Triple]:
    """One void:Linkset per matching rule, in the graph's description: the owl:sameAs links the importer made
    between sources, how many, and the rule (dct:description)."""
    by_rule = Counter(m.rule for m in report.matches if m.sameas)
    out: list[ox.Triple] = []
    for rule, count in sorted(by_rule.items()):
        node = ox.BlankNode()
        out += [
            ox.Triple(graph, VOID.subset, node),
            ox.Triple(node, RDF.type, VOID.Linkset),
            ox.Triple(node, VOID.linkPredicate, OWL.sameAs),
            ox.Triple(node, VOID.triples, typed(str(count), XSD.integer)),
            ox.Triple(node, DCT.description, ox.Literal(rule, language="en")),
        ]
    return out


def write_turtle(triples: Iterable[ox.Triple], path: Path, header: str, prefixes: dict[str, str]) -> None:
    """The graph as sorted Turtle (stable diffs), with a comment header naming source and licence."""
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    body = cast(bytes, ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=prefixes))  # no output: the bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    path.write_bytes(comment.encode() + body)

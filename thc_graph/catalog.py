"""What reusers need to find and fetch the data: VoID (partitions, linksets), a DCAT catalogue (one dataset per
named graph, with licence and distributions), dumps per graph and whole (N-Quads gzip, Turtle) kept current graph
by graph, and the list of resource IRIs for the sitemap."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from .describe import fingerprint
from .errors import NotFound
from .namespaces import DCAT, DCT, FOAF, GRAPH, META_GRAPH, OWL, PREFIXES, PROV, RDF, SD, SKOS, VOID, XSD
from .store import Store

DATASET = "https://w3id.org/thc/dataset"  # the whole dataset: the union of every graph
CATALOG = "https://w3id.org/thc/catalog"
NQ_GZ = "nq.gz"
DUMP_KINDS = {NQ_GZ: ("application/n-quads", "application/gzip"), "ttl": ("text/turtle", None)}

# External datasets our links point into, by IRI prefix: one void:Linkset per (dataset, link predicate).
LINK_TARGETS = {
    "http://www.wikidata.org/entity/": "https://www.wikidata.org/",
    "http://id.insee.fr/": "http://id.insee.fr/",
    "https://participedia.net/": "https://participedia.net/",
}
LINK_PREDICATES = (OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch)

PARTITIONS_QUERY = """
SELECT ?kind ?term (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?entities) WHERE {
  { ?s a ?term . BIND("class" AS ?kind) } UNION { ?s ?term ?o . BIND("property" AS ?kind) }
} GROUP BY ?kind ?term
"""


@dataclass(frozen=True)
class Stats:
    triples: int
    classes: dict[str, int]  # class → entities
    properties: dict[str, int]  # property → triples
    linksets: dict[tuple[str, str], int]  # (target dataset, predicate) → triples


_stats_lock = threading.Lock()
_stats: dict[int, tuple[tuple[str, ...], Stats]] = {}


def stats(store: Store) -> Stats:
    """Partitions and linksets, counted once per change of the store (cached on its fingerprint)."""
    key, current = id(store), fingerprint(store)
    with _stats_lock:
        cached = _stats.get(key)
        if cached and cached[0] == current:
            return cached[1]
    classes: dict[str, int] = {}
    properties: dict[str, int] = {}
    for row in store.select(PARTITIONS_QUERY):
        if row["kind"].value == "class":
            classes[row["term"].value] = int(row["entities"].value)
        else:
            properties[row["term"].value] = int(row["n"].value)
    linksets: dict[tuple[str, str], int] = {}
    for predicate in LINK_PREDICATES:
        for quad in store.quads(None, predicate, None, None):
            if isinstance(quad.object, ox.NamedNode):
                for prefix, target in LINK_TARGETS.items():
                    if quad.object.value.startswith(prefix):
                        linksets[(target, predicate.value)] = linksets.get((target, predicate.value), 0) + 1
    result = Stats(sum(properties.values()), classes, properties, linksets)
    with _stats_lock:
        _stats[key] = (current, result)
    return result


def _bnode_id(*parts: str) -> ox.NamedNode:
    digest = hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]
    return ox.NamedNode(f"{DATASET}#{parts[0]}-{digest}")


def void_triples(store: Store, public_url: str) -> list[ox.Triple]:
    """The VoID description: the whole dataset, its class and property partitions, one subset per named graph,
    and one void:Linkset per set of links to an external dataset."""
    T = ox.Triple
    dataset = ox.NamedNode(DATASET)
    s = stats(store)
    out = [
        T(dataset, RDF.type, VOID.Dataset),
        T(dataset, DCT.title, ox.Literal("Graphe de la transition démocratique (thc-graph)", language="fr")),
        T(dataset, DCT.title, ox.Literal("Democratic transition knowledge graph (thc-graph)", language="en")),
        T(dataset, DCT.license, ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")),
        T(dataset, VOID.sparqlEndpoint, ox.NamedNode(public_url + "/sparql")),
        T(dataset, VOID.uriSpace, ox.Literal("https://w3id.org/thc/id/")),
        T(dataset, VOID.vocabulary, ox.NamedNode("https://w3id.org/thc/ontology#")),
        T(dataset, VOID.triples, ox.Literal(str(s.triples), datatype=XSD.integer)),
        T(dataset, VOID.classes, ox.Literal(str(len(s.classes)), datatype=XSD.integer)),
        T(dataset, VOID.properties, ox.Literal(str(len(s.properties)), datatype=XSD.integer)),
        T(dataset, VOID.dataDump, ox.NamedNode(f"{public_url}/dumps/all.{NQ_GZ}")),
        T(dataset, VOID.dataDump, ox.NamedNode(f"{public_url}/dumps/all.ttl")),
        T(dataset, VOID.rootResource, ox.NamedNode("https://w3id.org/thc/id/actor/territoires-hautement-citoyens")),
    ]
    for namespace in sorted(PREFIXES.values()):
        out.append(T(dataset, VOID.vocabulary, ox.NamedNode(namespace)))
    for cls, entities in sorted(s.classes.items()):
        part = _bnode_id("class", cls)
        out += [T(dataset, VOID.classPartition, part), T(part, VOID["class"], ox.NamedNode(cls)),
                T(part, VOID.entities, ox.Literal(str(entities), datatype=XSD.integer))]
    for prop, triples in sorted(s.properties.items()):
        part = _bnode_id("property", prop)
        out += [T(dataset, VOID.propertyPartition, part), T(part, VOID.property, ox.NamedNode(prop)),
                T(part, VOID.triples, ox.Literal(str(triples), datatype=XSD.integer))]
    for graph in store.named_graphs():
        out += [T(dataset, VOID.subset, graph), T(graph, RDF.type, VOID.Dataset)]
    for (target, predicate), triples in sorted(s.linksets.items()):
        linkset = _bnode_id("linkset", target, predicate)
        out += [T(dataset, VOID.subset, linkset), T(linkset, RDF.type, VOID.Linkset),
                T(linkset, VOID.subjectsTarget, dataset), T(linkset, VOID.objectsTarget, ox.NamedNode(target)),
                T(linkset, VOID.linkPredicate, ox.NamedNode(predicate)),
                T(linkset, VOID.triples, ox.Literal(str(triples), datatype=XSD.integer)),
                T(ox.NamedNode(target), RDF.type, VOID.Dataset), T(ox.NamedNode(target), FOAF.homepage,
                                                                    ox.NamedNode(target))]
    return out


def graph_slug(graph: str) -> str:
    """'seed' for https://w3id.org/thc/graph/seed; 'import/etalab' for a nested one; for a graph named outside our
    namespace, 'other/' and a readable part of its IRI with a digest of the whole IRI (two IRIs never share one)."""
    if graph.startswith(str(GRAPH)) and len(graph) > len(str(GRAPH)):
        return graph[len(str(GRAPH)):]
    readable = re.sub(r"[^A-Za-z0-9]+", "-", graph.split("://", 1)[-1]).strip("-")[:60]
    return f"other/{readable}-{hashlib.sha256(graph.encode()).hexdigest()[:12]}"


def dcat_triples(store: Store, public_url: str) -> list[ox.Triple]:
    """The DCAT catalogue: one dcat:Dataset per named graph (its description in graph/meta, plus distributions:
    N-Quads gzip and Turtle dumps), the whole dataset, and the SPARQL endpoint as a dcat:DataService."""
    T = ox.Triple
    catalog, service = ox.NamedNode(CATALOG), ox.NamedNode(public_url + "/sparql")
    out = [
        T(catalog, RDF.type, DCAT.Catalog),
        T(catalog, DCT.title, ox.Literal("Catalogue des données thc-graph", language="fr")),
        T(catalog, DCT.title, ox.Literal("thc-graph data catalogue", language="en")),
        T(catalog, DCAT.service, service),
        T(service, RDF.type, DCAT.DataService), T(service, RDF.type, SD.Service),
        T(service, DCAT.endpointURL, service),
        T(service, DCT.conformsTo, ox.NamedNode("https://www.w3.org/TR/sparql11-protocol/")),
    ]
    meta = {q.subject: q for q in store.quads(None, DCT.modified, None, META_GRAPH)}
    datasets = [(ox.NamedNode(DATASET), "all")] + [(g, "graph/" + graph_slug(g.value)) for g in store.named_graphs()]
    for node, path in datasets:
        out += [T(catalog, DCAT.dataset, node), T(node, RDF.type, DCAT.Dataset), T(service, DCAT.servesDataset, node)]
        for q in store.quads(node, None, None, META_GRAPH):
            if q.predicate in (DCT.title, DCT.license, DCT.modified, DCT.description, DCT.issued, DCT.publisher):
                out.append(T(node, q.predicate, q.object))
        if node.value == DATASET:
            out.append(T(node, DCT.title, ox.Literal("thc-graph, every graph", language="en")))
            out.append(T(node, DCT.license, ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")))
        elif node not in meta:
            out.append(T(node, DCT.title, ox.Literal(graph_slug(node.value))))
        for kind, (media, compression) in DUMP_KINDS.items():
            url = f"{public_url}/dumps/{path}.{kind}"
            dist = ox.NamedNode(url + "#distribution")
            out += [T(node, DCAT.distribution, dist), T(dist, RDF.type, DCAT.Distribution),
                    T(dist, DCAT.downloadURL, ox.NamedNode(url)), T(dist, DCAT.mediaType,
                                                                     ox.NamedNode(
                                                                         "https://www.iana.org/assignments/media-types/"
                                                                         + media))]
            if compression:
                out.append(T(dist, DCAT.compressFormat,
                             ox.NamedNode("https://www.iana.org/assignments/media-types/" + compression)))
            licence = next((q.object for q in store.quads(node, DCT.license, None, META_GRAPH)), None)
            if licence is not None:
                out.append(T(dist, DCT.license, licence))
    return out


# -- dumps ------------------------------------------------------------------------------------

log = logging.getLogger("thc.dumps")
DEFAULT_KEY = ""  # the default graph, in the manifest and the change log (a named graph is keyed by its IRI)
MANIFEST = "dumps.json"
PARTS = "parts"
# What says, in graph/meta, that a graph changed: its last change, the activity that made it (a new one at each
# load, so two loads in the same second differ) and its withdrawal.
_STATE_PREDICATES = (DCT.modified, PROV.wasGeneratedBy, PROV.invalidatedAtTime)
_OLD_STATE_DIR = re.compile(r"[0-9a-f]{16}")  # the per-state directories of the dumps before parts (removed)


def graph_states(store: Store) -> dict[str, str]:
    """Each graph's standing in graph/meta (see _STATE_PREDICATES), by IRI: a few quads per graph, read from the
    metadata graph only. graph/meta's own standing is all of them together."""
    lines: dict[str, list[str]] = {}
    for predicate in _STATE_PREDICATES:
        for quad in store.quads(None, predicate, None, META_GRAPH):
            if isinstance(quad.subject, ox.NamedNode):
                lines.setdefault(quad.subject.value, []).append(f"{predicate.value} {quad.object}")
    states = {iri: "\n".join(sorted(values)) for iri, values in lines.items()}
    states[META_GRAPH.value] = hashlib.sha256("\n".join(f"{k} {v}" for k, v in sorted(states.items())).encode()
                                              ).hexdigest()
    return states


@dataclass(frozen=True)
class Part:
    """The dump files of one graph (N-Quads gzip and Turtle, under parts/), and what they were made from: its
    standing in graph/meta, its number of quads, and the digest of its N-Quads (the same content, the same digest)."""

    name: str
    state: str
    triples: int
    digest: str


class _Counting:
    """The writer pyoxigraph serialises N-Quads into: passes the bytes on, counts the lines (one per quad: N-Quads
    escapes line breaks), and hashes them."""

    def __init__(self, out: gzip.GzipFile) -> None:
        self.out, self.lines, self.hash = out, 0, hashlib.blake2b(digest_size=16)

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.lines += data.count(b"\n")
        self.hash.update(data)
        return len(data)

    def flush(self) -> None:
        """The gzip stream is flushed when it is closed."""


class Dumps:
    """Dump files in a directory, kept current graph by graph.

    Each graph has its own pair of files (N-Quads gzip, Turtle) under parts/, rebuilt only when that graph changed:
    the store's change log (store.changes) names the graphs each write changed. The whole dumps are the per-graph
    files one after the other: a concatenation of gzip members is one gzip stream (RFC 1952 §2.2), and a
    concatenation of the Turtle files is one Turtle document (each is whole statements, its blank nodes carry the
    store's own labels, and a repeated @prefix is allowed). So a write of 50 triples rewrites about 50 triples of
    compressed output, graph/meta's files, and two file copies.

    Every file is written under a temporary name and renamed into place once the whole refresh is made, so a reader
    gets an old file or a new one, never part of one; a failed refresh leaves the files as they were.
    dumps.json (the manifest) keeps what each graph's files were made from, so that another process checks them
    cheaply: each graph's standing in graph/meta and its number of quads (`graph_states`, one COUNT query).
    """

    def __init__(self, store: Store, directory: Path) -> None:
        self.store, self.directory = store, directory
        # Only our embedded store is written through us alone: the change log then names every change. Another
        # engine (a remote store) is checked against graph/meta and the counts at each download instead.
        self._trusted = isinstance(store, Store)
        self._building = threading.Lock()  # one refresh at a time (the background one or a download's)
        self._lock = threading.Lock()  # guards what follows
        self._generation: int | None = None  # the change log's generation the files are current at
        self._manifest: dict[str, Any] | None = None
        self._pending = False
        self._worker: threading.Thread | None = None
        self.refreshes = 0  # refreshes done by this object

    # -- what is offered ----------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Every dump offered: all.{nq.gz,ttl} and graph/{slug}.{nq.gz,ttl}."""
        paths = ["all"] + ["graph/" + graph_slug(g.value) for g in self.store.named_graphs()]
        return [f"{p}.{kind}" for p in paths for kind in DUMP_KINDS]

    def path(self, name: str) -> Path:
        """The file of dump `name`, current: if the store changed since the last refresh, refresh first (waiting for
        the one under way, if any). Open it at once: a later refresh may replace it (see `open`)."""
        kind = NQ_GZ if name.endswith("." + NQ_GZ) else name.rsplit(".", 1)[-1]
        stem = name[: -len(kind) - 1]
        if name not in self.names():
            raise NotFound(f"no dump named {name!r}; dumps: {', '.join(self.names())}")
        for _ in range(2):  # a graph made during the refresh is in the next one
            if not self.current():
                self.refresh()
            if stem == "all":
                return self.directory / f"all.{kind}"
            slug = stem.split("/", 1)[1]
            with self._lock:
                graphs = dict((self._manifest or {}).get("graphs", {}))
            for key, part in graphs.items():
                if key != DEFAULT_KEY and graph_slug(key) == slug:
                    return self.directory / PARTS / f"{part['name']}.{kind}"
        raise NotFound(f"no graph for dump {name!r}")

    def open(self, name: str) -> IO[bytes]:
        """Dump `name`, current, opened: the open file stays whole even if a refresh replaces it meanwhile."""
        for _ in range(3):
            try:
                return self.path(name).open("rb")
            except FileNotFoundError:  # the graph was just dropped, or the files of another process moved
                continue
        raise NotFound(f"dump {name!r} is not available now; try again")

    def current(self) -> bool:
        """Whether the files hold the store as it is now (no write since the last refresh)."""
        with self._lock:
            return self._trusted and self._generation == self.store.changes.generation

    # -- following the store's writes ---------------------------------------------------------------------------
    def schedule(self) -> None:
        """Ask for a refresh in this object's one background thread (started if idle), for store.on_commit: it never
        waits (the writer holds the write lock). Writes that arrive while a refresh runs make exactly one more run
        after it."""
        with self._lock:
            self._pending = True
            if self._worker is not None:
                return
            worker = self._worker = threading.Thread(target=self._work, name="thc-dumps", daemon=True)
        worker.start()

    def idle(self) -> bool:
        """No refresh running or asked for in the background."""
        with self._lock:
            return self._worker is None and not self._pending

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._worker = None
                    return
                self._pending = False
            try:
                self.refresh()
            except Exception:  # the thread goes on: the files stay as they were, the next write or download retries
                log.exception("the dumps in %s could not be refreshed", self.directory)

    # -- building -----------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring every dump up to date now: rebuild the files of the graphs written since the last refresh (all of
        them after a write the change log cannot name), then the whole dumps if a graph's content changed."""
        with self._building:
            with self._lock:
                since = self._generation if self._trusted else None
            changed: set[str] | None
            if since is None:  # first refresh here: check the files against graph/meta and the counts
                generation, changed, verify = self.store.changes.generation, set(), True
            else:
                generation, changed = self.store.changes.graphs_since(since)
                verify = False
                if generation == since:
                    return
            if changed:
                changed.add(META_GRAPH.value)  # a write that changes a graph changes its description too
            self._rebuild(changed, verify)
            with self._lock:
                self._generation = generation
                self.refreshes += 1

    def _rebuild(self, changed: set[str] | None, verify: bool) -> None:
        """Rebuild the parts of the graphs in `changed` (None: every graph; verify: those whose standing or count
        differs from the manifest's), stage everything under temporary names, then rename it all into place."""
        manifest = self._read_manifest()
        graphs: list[tuple[str, ox.NamedNode | ox.DefaultGraph]] = [
            *([(DEFAULT_KEY, ox.DefaultGraph())] if self._trusted else []),
            *((g.value, g) for g in self.store.named_graphs())]
        states = graph_states(self.store)
        counts = self._counts() if verify else {}
        old: dict[str, Part] = {k: Part(**v) for k, v in manifest.get("graphs", {}).items()}
        parts: dict[str, Part] = {}
        staged: list[tuple[Path, Path]] = []  # (temporary file, its place)
        try:
            for key, graph in graphs:
                state = states.get(key, "")
                before = old.get(key)
                fresh = before is not None and all((self.directory / PARTS / f"{before.name}.{kind}").exists()
                                                   for kind in DUMP_KINDS)
                if before is not None and fresh and not (changed is None or key in changed) and (
                        not verify or (before.state == state and before.triples == counts.get(key, 0))):
                    parts[key] = before
                    continue
                part, files = self._build_part(key, graph, state)
                if before is not None and fresh and before.digest == part.digest:
                    for tmp, _ in files:  # the same content: keep the files (and their dates)
                        tmp.unlink()
                    parts[key] = Part(before.name, state, part.triples, part.digest)
                else:
                    parts[key], staged = part, staged + files
            # all.ttl is the public union (Turtle cannot say which graph a triple is in): withdrawn contributions
            # are left out of it; all.nq.gz keeps them, in their own graphs, marked in graph/meta
            withdrawn = {g.value for g in self.store.withdrawn_graphs()}
            digest = hashlib.sha256("\n".join(f"{k} {p.digest}" + (" withdrawn" if k in withdrawn else "")
                                              for k, p in parts.items()).encode()).hexdigest()
            whole = [self.directory / f"all.{kind}" for kind in DUMP_KINDS]
            if digest != manifest.get("whole") or not all(path.exists() for path in whole):
                sources = {place: tmp for tmp, place in staged}
                for kind, place in zip(DUMP_KINDS, whole, strict=True):
                    members = [self.directory / PARTS / f"{p.name}.{kind}" for k, p in parts.items()
                               if kind == NQ_GZ or k not in withdrawn]
                    staged.append((self._concatenate([sources.get(m, m) for m in members], kind), place))
            new_manifest = {"version": 1, "whole": digest, "graphs": {k: asdict(p) for k, p in parts.items()}}
            staged.append((self._temp_with(json.dumps(new_manifest, indent=1).encode()), self.directory / MANIFEST))
        except BaseException:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
        for tmp, place in staged:  # the parts, then the whole dumps, then the manifest
            os.replace(tmp, place)
        with self._lock:
            self._manifest = new_manifest
        kept = {f"{p.name}.{kind}" for p in parts.values() for kind in DUMP_KINDS}
        for child in (self.directory / PARTS).iterdir():
            if child.name not in kept and not child.name.startswith("."):
                child.unlink(missing_ok=True)  # a dropped graph's files (a reader that has one open keeps it)
        if verify:
            self._forget_old_layout()

    def _build_part(self, key: str, graph: ox.NamedNode | ox.DefaultGraph,
                    state: str) -> tuple[Part, list[tuple[Path, Path]]]:
        """One graph's files, under temporary names: N-Quads gzip read from the store (the costly part), then
        Turtle parsed back from it (several times faster than reading the store again)."""
        name = hashlib.sha1(key.encode()).hexdigest()[:20]
        nq, ttl = self._temp(), self._temp()
        try:
            with nq.open("wb") as raw, gzip.GzipFile("", "wb", 6, raw, mtime=0) as out:  # no name, no date
                counting = _Counting(out)
                ox.serialize(self.store.quads(None, None, None, graph), cast("IO[bytes]", counting),
                             ox.RdfFormat.N_QUADS)
            with gzip.open(nq, "rb") as source, ttl.open("wb") as out:
                triples = (q.triple for q in ox.parse(cast("IO[bytes]", source), ox.RdfFormat.N_QUADS))
                ox.serialize(triples, out, ox.RdfFormat.TURTLE,
                             prefixes=dict(PREFIXES))
        except BaseException:
            nq.unlink(missing_ok=True)
            ttl.unlink(missing_ok=True)
            raise
        part = Part(name, state, counting.lines, counting.hash.hexdigest())
        return part, [(nq, self.directory / PARTS / f"{name}.{NQ_GZ}"), (ttl, self.directory / PARTS / f"{name}.ttl")]

    def _concatenate(self, members: list[Path], kind: str) -> Path:
        tmp = self._temp()
        try:
            with tmp.open("wb") as out:
                for member in members:
                    with member.open("rb") as source:
                        shutil.copyfileobj(source, out, 1 << 20)
                if kind == NQ_GZ and not members:
                    out.write(gzip.compress(b"", mtime=0))  # still a gzip file
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def _counts(self) -> dict[str, int]:
        """Quads per graph, counted by the engine (one query; about 0.4 s per million quads)."""
        rows = self.store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                                 dataset_from_query=True)
        counts = {row["g"].value: int(row["n"].value) for row in rows if "g" in row}
        if self._trusted:
            rows = self.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=[ox.DefaultGraph()])
            counts[DEFAULT_KEY] = int(rows[0]["n"].value) if rows else 0
        return counts

    def _read_manifest(self) -> dict[str, Any]:
        with self._lock:
            if self._manifest is not None:
                return self._manifest
        (self.directory / PARTS).mkdir(parents=True, exist_ok=True)
        try:
            manifest = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("version") != 1:
                raise ValueError("another version")
            for part in manifest["graphs"].values():
                Part(**part)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            manifest = {}  # none yet, or unreadable: every file is rebuilt
        return manifest  # type: ignore[no-any-return]  # json.loads gives Any: a dict, or {} if unreadable

    def _temp(self) -> Path:
        handle, name = tempfile.mkstemp(dir=self.directory / PARTS, prefix=".", suffix=".part")
        os.close(handle)
        return Path(name)

    def _temp_with(self, data: bytes) -> Path:
        tmp = self._temp()
        tmp.write_bytes(data)
        return tmp

    def _forget_old_layout(self) -> None:
        """Remove what earlier versions and interrupted refreshes left: one directory of dumps per state of the
        store, and temporary files older than an hour."""
        for child in self.directory.iterdir():
            if child.is_dir() and _OLD_STATE_DIR.fullmatch(child.name):
                shutil.rmtree(child, ignore_errors=True)
        for child in (self.directory / PARTS).glob(".*.part"):
            with contextlib.suppress(OSError):
                if time.time() - child.stat().st_mtime > 3600:
                    child.unlink()


_iris_lock = threading.Lock()
_iris: weakref.WeakKeyDictionary[Store, tuple[tuple[str, ...], str, list[str]]] = weakref.WeakKeyDictionary()


def resource_iris(store: Store, base: str) -> list[str]:
    """Every data IRI (a typed subject under base/id/), sorted, for the sitemap: one query per change of the store
    (cached on its fingerprint), so that each sitemap page is a slice of the same ordered list. Do not modify it."""
    current = fingerprint(store)
    with _iris_lock:
        cached = _iris.get(store)
        if cached and cached[0] == current and cached[1] == base:
            return cached[2]
    # ?prefix is projected because pyoxigraph substitutes only projected variables.
    # (store.query, not store.select: no dict per row; about 1 s for 200,000 resources.)
    solutions = store.query("SELECT DISTINCT ?prefix ?s WHERE { ?s a ?type FILTER(STRSTARTS(STR(?s), ?prefix)) }",
                            substitutions={"prefix": ox.Literal(base + "id/")})
    iris = sorted({node.value for node in (solution["s"] for solution in solutions) if isinstance(node, ox.NamedNode)})
    with _iris_lock:
        _iris[store] = (current, base, iris)
    return iris

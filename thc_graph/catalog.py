"""What reusers need to find and fetch the data: VoID (partitions, linksets), a DCAT catalogue (one dataset per
named graph, with licence and distributions), dumps per graph and whole (N-Quads gzip, Turtle) rebuilt after each
change of the store, and the list of resource IRIs for the sitemap."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .describe import fingerprint
from .errors import NotFound
from .namespaces import DCAT, DCT, FOAF, META_GRAPH, OWL, PREFIXES, RDF, SD, SKOS, VOID, XSD
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
    """'seed' for https://w3id.org/thc/graph/seed; 'import/etalab' for a nested one."""
    return graph.split("/graph/", 1)[1] if "/graph/" in graph else re.sub(r"[^A-Za-z0-9]+", "-", graph)


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

class Dumps:
    """Dump files in a directory, rebuilt when the store's fingerprint differs from the one they were made at."""

    def __init__(self, store: Store, directory: Path) -> None:
        self.store, self.directory = store, directory
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        """Every dump offered: all.{nq.gz,ttl} and graph/{slug}.{nq.gz,ttl}."""
        paths = ["all"] + ["graph/" + graph_slug(g.value) for g in self.store.named_graphs()]
        return [f"{p}.{kind}" for p in paths for kind in DUMP_KINDS]

    def path(self, name: str) -> Path:
        """The file of dump `name`, (re)built first if the store changed since it was made."""
        if name not in self.names():
            raise NotFound(f"no dump named {name!r}; dumps: {', '.join(self.names())}")
        stamp = hashlib.sha256("\n".join(fingerprint(self.store)).encode()).hexdigest()[:16]
        target = self.directory / stamp / name
        with self._lock:
            if not target.exists():
                self._write(name, target)
                self._forget_others(stamp)
        return target

    def refresh(self) -> list[Path]:
        """Build every dump now (e.g. right after a change), so that the next download is instant."""
        return [self.path(name) for name in self.names()]

    def _graph(self, name: str) -> ox.NamedNode | None:
        stem = name.rsplit(".", 2 if name.endswith(NQ_GZ) else 1)[0]
        if stem == "all":
            return None
        slug = stem.split("/", 1)[1]
        for graph in self.store.named_graphs():
            if graph_slug(graph.value) == slug:
                return graph
        raise NotFound(f"no graph for dump {name!r}")

    def _write(self, name: str, target: Path) -> None:
        graph = self._graph(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(handle)
        quads = self.store.quads(None, None, None, graph)
        if name.endswith(NQ_GZ):
            with gzip.open(tmp, "wb", compresslevel=6) as out:
                ox.serialize(quads, out, ox.RdfFormat.N_QUADS)
        else:
            triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
            with open(tmp, "wb") as out:
                ox.serialize(triples, out, ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
        os.replace(tmp, target)  # readers see the whole file or none

    def _forget_others(self, keep: str) -> None:
        if not self.directory.exists():
            return
        for child in self.directory.iterdir():
            if child.is_dir() and child.name != keep:
                shutil.rmtree(child, ignore_errors=True)


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

"""The ontology as documentation: each class and property with its labels, definition, alignments, the SHACL
shapes that apply, and how many resources use it (counted once per change of the store)."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import paths
from .describe import Labeller, fingerprint
from .namespaces import ONTOLOGY_GRAPH, ONTOLOGY_IRI, OWL, RDF, RDFS, SCHEMA, SH, SKOS, THC
from .store import Store

ALIGNMENTS = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty,
              SKOS.closeMatch, SKOS.exactMatch, RDFS.domain, RDFS.range, SCHEMA.domainIncludes,
              SCHEMA.rangeIncludes, RDFS.seeAlso)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, OWL.AnnotationProperty)
ACTOR = THC.Actor.value


@dataclass
class Term:
    iri: str
    name: str  # the fragment: its anchor on the page
    kind: str  # class or property
    labels: dict[str, str]
    definition: str | None
    alignments: list[tuple[str, str, str]]  # (predicate label, target IRI, target label)
    shapes: list[str]
    uses: int


@dataclass
class OntologyDoc:
    title: str
    description: str | None
    classes: list[Term] = field(default_factory=list)
    properties: list[Term] = field(default_factory=list)


@functools.lru_cache(maxsize=1)
def shapes_by_term() -> dict[str, list[str]]:
    """Shape names by the class they target or the property they constrain (from shapes/*.ttl)."""
    found: dict[str, list[str]] = {}
    for path in paths.shape_files():
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        owners = {}
        for t in triples:
            if t.predicate == SH.property:
                owners[str(t.object)] = t.subject
        for t in triples:
            if t.predicate == SH.targetClass:
                found.setdefault(t.object.value, []).append(_name(t.subject))
            elif t.predicate == SH.path and isinstance(t.object, ox.NamedNode):
                owner = owners.get(str(t.subject), t.subject)
                names = found.setdefault(t.object.value, [])
                if _name(owner) not in names:
                    names.append(_name(owner))
    return found


def _name(node: ox.NamedNode | ox.BlankNode) -> str:
    return node.value.rsplit("#", 1)[-1] if isinstance(node, ox.NamedNode) else "(anonymous shape)"


_usage_lock = threading.Lock()
_usage: dict[int, tuple[tuple[str, ...], dict[str, int]]] = {}

USAGE_QUERY = """
SELECT ?term (COUNT(*) AS ?n) WHERE {
  { ?s ?term ?o } UNION { ?s a ?term }
  FILTER(STRSTARTS(STR(?term), "https://w3id.org/thc/ontology#"))
} GROUP BY ?term
"""


def usage(store: Store) -> dict[str, int]:
    """How many statements use each of our properties, and how many resources each class types; cached until the
    store changes."""
    key = id(store)
    print_ = fingerprint(store)
    with _usage_lock:
        cached = _usage.get(key)
        if cached and cached[0] == print_:
            return cached[1]
    counts = {row["term"].value: int(row["n"].value) for row in store.select(USAGE_QUERY)}
    with _usage_lock:
        _usage[key] = (print_, counts)
    return counts


def document(store: Store, lang: str) -> OntologyDoc:
    label = Labeller(store, lang)
    onto = ox.NamedNode(ONTOLOGY_IRI)
    title = label(onto)
    counts = usage(store)
    shapes = shapes_by_term()
    doc = OntologyDoc(title, label.description(onto))
    for quad in store.quads(None, RDFS.isDefinedBy, onto, ONTOLOGY_GRAPH):
        node = quad.subject
        if not isinstance(node, ox.NamedNode):
            continue
        types = {q.object for q in store.quads(node, RDF.type, None, ONTOLOGY_GRAPH)}
        kind = "class" if OWL.Class in types or RDFS.Class in types else \
            "property" if types & set(PROPERTY_TYPES) else None
        if kind is None:
            continue
        labels = {q.object.language: q.object.value for q in store.quads(node, RDFS.label, None, ONTOLOGY_GRAPH)
                  if isinstance(q.object, ox.Literal) and q.object.language}
        definition = next((q.object.value for q in store.quads(node, SKOS.definition, None, ONTOLOGY_GRAPH)
                           if isinstance(q.object, ox.Literal) and q.object.language == lang), None)
        alignments = [(label(p), q.object.value, label(q.object)) for p in ALIGNMENTS
                      for q in store.quads(node, p, None, ONTOLOGY_GRAPH) if isinstance(q.object, ox.NamedNode)]
        term = Term(node.value, node.value.rsplit("#", 1)[-1], kind, labels, definition, alignments,
                    shapes.get(node.value, []), counts.get(node.value, 0))
        (doc.classes if kind == "class" else doc.properties).append(term)
    doc.classes.sort(key=lambda t: t.name.lower())
    doc.properties.sort(key=lambda t: t.name.lower())
    return doc


def ontology_triples(store: Store) -> list[ox.Triple]:
    """The ontology document's RDF: graph/ontology without the concept schemes' concepts."""
    return [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(None, None, None, ONTOLOGY_GRAPH)
            if not isinstance(q.subject, ox.NamedNode) or not q.subject.value.startswith("https://w3id.org/thc/scheme/")]


@functools.lru_cache(maxsize=64)
def _actor_classes() -> frozenset[str]:
    names = ("Actor", "Person", "Organization", "PublicAuthority", "CivilSocietyOrganization", "Company",
             "InformalGroup", "Network")
    return frozenset(THC[n].value for n in names)


def is_actor_class(iri: str) -> bool:
    return iri in _actor_classes() or iri == ACTOR

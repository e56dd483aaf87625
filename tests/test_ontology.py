"""The ontology and the concept schemes parse, are bilingual and aligned, and follow docs/model.md."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from thc_graph.paths import ONTOLOGY_DIR, ROOT, SCHEMES_DIR

THC = Namespace("https://w3id.org/thc/ontology#")
ONTOLOGY = URIRef("https://w3id.org/thc/ontology")
SCHEME_BASE = "https://w3id.org/thc/scheme/"
VANN = Namespace("http://purl.org/vocab/vann/")
MODEL_DOC = ROOT / "docs" / "model.md"
THC_TTL = ONTOLOGY_DIR / "thc.ttl"

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
PROPERTY_TYPES = TERM_TYPES[1:]
# A term is aligned when one of these links it to a term of another vocabulary. The SKOS mapping
# properties other than closeMatch/exactMatch count too: a flag such as thc:independent has no
# standard counterpart, only a related one (SKOS Reference §10).
ALIGNMENTS = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)
# Super-terms that say nothing: every class and every property is below them.
TRIVIAL = {OWL.Thing, RDFS.Resource, OWL.topObjectProperty, OWL.topDataProperty}

# Participedia's "general issues" codes (the values of general_issues_* in its exports).
PARTICIPEDIA_ISSUES = {
    "agriculture",
    "arts",
    "business",
    "economics",
    "education",
    "energy",
    "environment",
    "governance",
    "health",
    "housing",
    "human",
    "identity",
    "immigration",
    "international",
    "labor",
    "law",
    "media",
    "national",
    "planning",
    "science",
    "social",
    "transportation",
}
RANKS = {
    "irm-completion": {"no-evidence": 0, "not-started": 1, "limited": 2, "substantial": 3, "complete": 4},
    "irm-ogg": {"worsened": -1, "did-not-change": 0, "marginal": 1, "major": 2, "outstanding": 3},
}


# --------------------------------------------------------------------------- what the files hold


def ttl_files() -> list[Path]:
    return sorted(ONTOLOGY_DIR.rglob("*.ttl"))


@cache
def ontology() -> Graph:
    return Graph().parse(THC_TTL, format="turtle")


@cache
def scheme_graph(name: str) -> Graph:
    return Graph().parse(SCHEMES_DIR / f"{name}.ttl", format="turtle")


def qname(iri: URIRef) -> str:
    return "thc:" + iri.removeprefix(str(THC)) if iri.startswith(str(THC)) else str(iri)


@cache
def thc_terms() -> tuple[URIRef, ...]:
    """Every class and property that thc.ttl declares in the thc: namespace."""
    g = ontology()
    terms = {s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)}
    return tuple(sorted(t for t in terms if t.startswith(str(THC))))


# --------------------------------------------------------------------------- what the doc says


@cache
def model_text() -> str:
    return MODEL_DOC.read_text(encoding="utf-8")


@cache
def model_terms() -> tuple[str, ...]:
    """The local names of every `thc:Name` token in docs/model.md."""
    return tuple(sorted(set(re.findall(r"\bthc:([A-Za-z][A-Za-z0-9]*)", model_text()))))


@cache
def model_schemes() -> dict[str, tuple[str, ...]]:
    """The table of concept schemes in docs/model.md: scheme name -> concept slugs, in order."""
    section = model_text().split("## Concept schemes", 1)[1].split("\n## ", 1)[0]
    schemes: dict[str, tuple[str, ...]] = {}
    for name, cell in re.findall(r"^\|\s*`([a-z0-9-]+)`\s*\|(.*)\|\s*$", section, flags=re.MULTILINE):
        listing = cell.rsplit(":", 1)[-1]  # "Participedia's 22 general issues: agriculture, ..."
        schemes[name] = tuple(slug.strip() for slug in listing.split(",") if slug.strip())
    return schemes


def model_concepts() -> list[tuple[str, str]]:
    return [(name, slug) for name, slugs in model_schemes().items() for slug in slugs]


def scheme_iri(name: str) -> URIRef:
    return URIRef(SCHEME_BASE + name)


def concept_iri(name: str, slug: str) -> URIRef:
    return URIRef(f"{SCHEME_BASE}{name}/{slug}")


# --------------------------------------------------------------------------- helpers


def by_language(g: Graph, subject: URIRef, predicate: URIRef) -> Counter[str | None]:
    return Counter(o.language for o in g.objects(subject, predicate) if isinstance(o, Literal))


def assert_bilingual(g: Graph, subject: URIRef, predicate: URIRef) -> None:
    counts = by_language(g, subject, predicate)
    name = g.namespace_manager.normalizeUri(predicate)
    for lang in ("fr", "en"):
        assert counts[lang] == 1, f"{qname(subject)} needs exactly one {name} @{lang}, has {counts[lang]}"
    others = set(counts) - {"fr", "en"}
    assert not others, f"{qname(subject)} has {name} in unexpected languages {others}"


def external_alignments(g: Graph, term: URIRef) -> set[URIRef]:
    """Non-thc: terms that `term` is aligned to, directly or through its thc: super-terms."""
    found: set[URIRef] = set()
    seen: set[URIRef] = set()
    todo = [term]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for predicate in ALIGNMENTS:
            for other in g.objects(current, predicate):
                if not isinstance(other, URIRef) or other in TRIVIAL:
                    continue
                if other.startswith(str(THC)):
                    todo.append(other)
                else:
                    found.add(other)
    return found


# --------------------------------------------------------------------------- (a) every file parses


def test_ontology_files_exist() -> None:
    names = {p.relative_to(ONTOLOGY_DIR).as_posix() for p in ttl_files()}
    expected = {"thc.ttl"} | {f"schemes/{name}.ttl" for name in model_schemes()}
    assert expected <= names, f"missing: {sorted(expected - names)}"


@pytest.mark.parametrize("path", ttl_files(), ids=lambda p: p.relative_to(ONTOLOGY_DIR).as_posix())
def test_parses_with_rdflib_and_pyoxigraph(path: Path) -> None:
    rdflib_graph = Graph().parse(path, format="turtle")
    oxigraph_triples = set(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(rdflib_graph) > 0
    # Both parsers read the same statements (a guard against a construct one of them reads differently).
    assert len(oxigraph_triples) == len(rdflib_graph)


# --------------------------------------------------------------------------- the ontology header


def test_ontology_header() -> None:
    g = ontology()
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")
    assert isinstance(g.value(ONTOLOGY, OWL.versionIRI), URIRef)
    assert g.value(ONTOLOGY, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ONTOLOGY, DCTERMS.creator) == Literal("thc-graph developers")
    assert_bilingual(g, ONTOLOGY, DCTERMS.title)
    assert g.value(ONTOLOGY, VANN.preferredNamespacePrefix) == Literal("thc")
    assert str(g.value(ONTOLOGY, VANN.preferredNamespaceUri)) == str(THC)


# --------------------------------------------------------------------------- (b) every thc: term


def test_ontology_declares_terms() -> None:
    g = ontology()
    assert set(g.subjects(RDF.type, OWL.Class)) & set(thc_terms())
    assert {s for t in PROPERTY_TYPES for s in g.subjects(RDF.type, t)} & set(thc_terms())


@pytest.mark.parametrize("term", thc_terms(), ids=qname)
def test_term_is_labelled_and_defined(term: URIRef) -> None:
    g = ontology()
    assert_bilingual(g, term, RDFS.label)
    assert_bilingual(g, term, SKOS.definition)
    assert (term, RDFS.isDefinedBy, ONTOLOGY) in g


@pytest.mark.parametrize("term", thc_terms(), ids=qname)
def test_term_is_aligned_to_a_standard_vocabulary(term: URIRef) -> None:
    assert external_alignments(ontology(), term), f"{qname(term)} has no alignment outside thc:"


@pytest.mark.parametrize("term", thc_terms(), ids=qname)
def test_term_has_one_kind(term: URIRef) -> None:
    kinds = [t for t in TERM_TYPES if (term, RDF.type, t) in ontology()]
    assert len(kinds) == 1, f"{qname(term)} is declared as {kinds}"


def test_every_thc_iri_in_use_is_declared() -> None:
    """A misspelt thc: term anywhere under ontology/ (a domain, a range, a scheme's property) fails."""
    declared = set(thc_terms())
    used: set[URIRef] = set()
    for path in ttl_files():
        for triple in Graph().parse(path, format="turtle"):
            used |= {node for node in triple if isinstance(node, URIRef) and node.startswith(str(THC))}
    assert sorted(qname(t) for t in used - declared) == []


# --------------------------------------------------------------------------- (c) doc and ontology agree


def test_model_doc_names_terms() -> None:
    assert len(model_terms()) > 20


@pytest.mark.parametrize("name", model_terms(), ids=lambda n: f"thc:{n}")
def test_model_term_is_declared(name: str) -> None:
    g = ontology()
    term = THC[name]
    if name[0].isupper():
        assert (term, RDF.type, OWL.Class) in g, f"thc:{name} (docs/model.md) is not an owl:Class in thc.ttl"
    else:
        assert any((term, RDF.type, t) in g for t in PROPERTY_TYPES), (
            f"thc:{name} (docs/model.md) is not declared as a property in thc.ttl"
        )


def test_every_declared_term_is_in_the_model_doc() -> None:
    undocumented = {qname(t) for t in thc_terms()} - {f"thc:{n}" for n in model_terms()}
    assert sorted(undocumented) == [], "add these terms to docs/model.md"


# --------------------------------------------------------------------------- (d) the concept schemes


def test_model_doc_lists_schemes() -> None:
    schemes = model_schemes()
    assert len(schemes) >= 10
    assert all(schemes.values())
    assert len(schemes["themes"]) == 22


def test_one_file_per_scheme() -> None:
    files = {p.stem for p in SCHEMES_DIR.glob("*.ttl")}
    assert files == set(model_schemes())


@pytest.mark.parametrize("name", list(model_schemes()))
def test_scheme_is_described(name: str) -> None:
    g = scheme_graph(name)
    scheme = scheme_iri(name)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert_bilingual(g, scheme, SKOS.prefLabel)
    assert_bilingual(g, scheme, DCTERMS.title)


@pytest.mark.parametrize("name", list(model_schemes()))
def test_scheme_concepts_match_the_model_doc(name: str) -> None:
    g = scheme_graph(name)
    in_file = set(g.subjects(RDF.type, SKOS.Concept))
    expected = {concept_iri(name, slug) for slug in model_schemes()[name]}
    assert in_file == expected
    assert set(g.subjects(SKOS.inScheme, scheme_iri(name))) == expected
    assert set(g.objects(scheme_iri(name), SKOS.hasTopConcept)) == expected


@pytest.mark.parametrize(("name", "slug"), model_concepts(), ids=[f"{n}/{s}" for n, s in model_concepts()])
def test_concept_is_complete(name: str, slug: str) -> None:
    g = scheme_graph(name)
    concept = concept_iri(name, slug)
    assert (concept, RDF.type, SKOS.Concept) in g, f"{concept} is missing from schemes/{name}.ttl"
    assert_bilingual(g, concept, SKOS.prefLabel)
    assert_bilingual(g, concept, SKOS.definition)
    assert set(g.objects(concept, SKOS.inScheme)) == {scheme_iri(name)}
    assert set(g.objects(concept, SKOS.topConceptOf)) == {scheme_iri(name)}
    assert list(g.objects(concept, SKOS.notation)) == [Literal(slug)]


@pytest.mark.parametrize("slug", model_schemes()["themes"])
def test_theme_has_its_participedia_code(slug: str) -> None:
    codes = list(scheme_graph("themes").objects(concept_iri("themes", slug), THC.participediaCode))
    assert len(codes) == 1
    assert str(codes[0]) in PARTICIPEDIA_ISSUES


def test_themes_cover_every_participedia_issue() -> None:
    codes = {str(c) for c in scheme_graph("themes").objects(None, THC.participediaCode)}
    assert codes == PARTICIPEDIA_ISSUES


@pytest.mark.parametrize("name", sorted(RANKS))
def test_irm_scale_ranks(name: str) -> None:
    g = scheme_graph(name)
    ranks = {}
    for slug in model_schemes()[name]:
        values = list(g.objects(concept_iri(name, slug), THC.rank))
        assert len(values) == 1, f"{name}/{slug} needs one thc:rank"
        assert isinstance(values[0], Literal)
        assert isinstance(values[0].toPython(), int)
        ranks[slug] = values[0].toPython()
    assert ranks == RANKS[name]


def test_outcome_status_can_be_unknown() -> None:
    unknown = concept_iri("outcome-status", "unknown")
    assert (unknown, RDF.type, SKOS.Concept) in scheme_graph("outcome-status")


# --------------------------------------------------------------------------- (e) labels are unambiguous


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name", list(model_schemes()))
def test_pref_labels_are_unique_in_a_scheme(name: str, lang: str) -> None:
    g = scheme_graph(name)
    labels = Counter(
        str(label)
        for concept in g.subjects(RDF.type, SKOS.Concept)
        for label in g.objects(concept, SKOS.prefLabel)
        if isinstance(label, Literal) and label.language == lang
    )
    assert sorted(label for label, n in labels.items() if n > 1) == []

"""SHACL shapes: every fixture conforms or fails exactly where its header says; shapes match the contract."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from thc_graph import validation

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY_DIR = ROOT / "ontology"
MODEL = ROOT / "docs" / "model.md"
FIXTURES = Path(__file__).resolve().parent / "shapes"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
THCSH = "https://w3id.org/thc/shapes#"


@functools.cache
def _shapes() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@functools.cache
def _ontology() -> Graph:
    """The ontology and its schemes: sh:class and sh:targetClass follow their rdfs:subClassOf."""
    graph = Graph()
    for path in [ONTOLOGY_DIR / "thc.ttl", *sorted((ONTOLOGY_DIR / "schemes").glob("*.ttl"))]:
        if path.exists():
            graph.parse(path, format="turtle")
    return graph


def _validate(fixture: Path) -> validation.Report:
    """Validate a fixture the way the ingest pipeline does (thc_graph.validation, ontology added)."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(fixture))]
    return validation.validate(triples)


def _expectations(path: Path) -> list[tuple[str, str]]:
    """The (focus, path) pairs declared by `# expect-focus:` / `# expect-path:` header lines."""
    header = path.read_text(encoding="utf-8")
    focuses = re.findall(r"^# expect-focus:\s*(\S+)\s*$", header, re.MULTILINE)
    paths = re.findall(r"^# expect-path:\s*(\S+)\s*$", header, re.MULTILINE)
    assert focuses and len(focuses) == len(paths), f"{path.name}: pair each expect-focus with an expect-path"
    return list(zip(focuses, paths, strict=True))


def _matches(expected: tuple[str, str], violation: validation.Violation) -> bool:
    focus, path = expected
    if violation.focus != focus:
        return False
    if path == "sparql":  # a SPARQL-based constraint, whatever path it reports
        return violation.constraint == "SPARQLConstraintComponent"
    return violation.path == path


@pytest.mark.parametrize("fixture", VALID, ids=[p.name for p in VALID])
def test_valid_fixture_conforms(fixture: Path) -> None:
    report = _validate(fixture)
    assert report.conforms, [v.to_dict() for v in report.violations]


@pytest.mark.parametrize("fixture", INVALID, ids=[p.name for p in INVALID])
def test_invalid_fixture_fails_where_declared(fixture: Path) -> None:
    expected = _expectations(fixture)
    report = _validate(fixture)
    assert not report.conforms
    violations = report.violations
    for pair in expected:
        assert any(_matches(pair, v) for v in violations), f"no result at {pair}: {[v.to_dict() for v in violations]}"
    stray = [v.to_dict() for v in violations if not any(_matches(pair, v) for pair in expected)]
    assert not stray, f"results other than the declared ones: {stray}"
    for violation in violations:
        assert violation.severity == "Violation"
        # Both languages reach the user, sh:sparql constraints included (pyshacl drops their tags;
        # thc_graph.validation reads them back from the shapes).
        assert {"fr", "en"} <= set(violation.messages), violation.to_dict()
        assert violation.message("fr") != violation.message("en")


# ---------------------------------------------------------------- the shapes against the contract


def _contract_namespaces() -> dict[str, str]:
    """Prefixes from the namespace table of docs/model.md (`| `thc:` | `https://...` |`)."""
    table = re.findall(r"^\| `(\w+):` \| `([^`]+)`", MODEL.read_text(encoding="utf-8"), re.MULTILINE)
    return dict(table)


def _contract_tokens(pattern: str) -> set[URIRef]:
    namespaces = _contract_namespaces()
    tokens = set(re.findall(pattern, MODEL.read_text(encoding="utf-8")))
    return {URIRef(namespaces[prefix] + local) for prefix, local in tokens if prefix in namespaces}


def _contract_classes() -> set[URIRef]:
    """The classes the contract defines: every `thc:ClassName` token, and org:Membership."""
    return _contract_tokens(r"\b(thc):([A-Z][A-Za-z]+)\b") | _contract_tokens(r"\b(org):(Membership)\b")


def _node_shapes() -> dict[URIRef, set[URIRef]]:
    shapes = _shapes()
    return {
        shape: set(shapes.objects(shape, SH.targetClass))  # type: ignore[misc]
        for shape in shapes.subjects(RDF.type, SH.NodeShape)
        if isinstance(shape, URIRef)
    }


def test_contract_lists_classes() -> None:
    assert URIRef("https://w3id.org/thc/ontology#Commitment") in _contract_classes()
    assert URIRef("http://www.w3.org/ns/org#Membership") in _contract_classes()


def test_every_target_class_is_in_the_contract() -> None:
    named = _contract_tokens(r"\b([a-z][a-z0-9]*):([A-Z][A-Za-z]+)\b")
    targets = set().union(*_node_shapes().values())
    assert targets, "no sh:targetClass in shapes/"
    assert targets <= named, sorted(targets - named)


def test_every_contract_class_has_a_node_shape() -> None:
    targets = set().union(*_node_shapes().values())
    missing = _contract_classes() - targets
    assert not missing, sorted(missing)


def test_shapes_are_named_under_thcsh() -> None:
    assert all(str(shape).startswith(THCSH) for shape in _node_shapes())


def test_every_message_is_in_french_and_english() -> None:
    shapes = _shapes()
    constraints = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
    assert constraints
    for constraint in constraints | set(shapes.subjects(SH.message, None)):
        messages = list(shapes.objects(constraint, SH.message))
        languages = [m.language for m in messages if isinstance(m, Literal)]
        assert sorted(languages) == ["en", "fr"], f"{constraint}: sh:message {languages}"


def test_every_constraint_is_a_violation() -> None:
    shapes = _shapes()
    constraints = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
    for node in constraints | set(_node_shapes()):
        assert shapes.value(node, SH.severity) == SH.Violation, node


def test_scheme_values_exist_in_the_schemes() -> None:
    """Every sh:in value is a concept of ontology/schemes (when the schemes are there)."""
    concepts = set(_ontology().subjects(RDF.type, URIRef("http://www.w3.org/2004/02/skos/core#Concept")))
    if not concepts:
        pytest.skip("ontology/schemes not written yet")
    shapes = _shapes()
    values = {value for head in shapes.objects(None, SH["in"]) for value in Collection(shapes, head)}
    assert values <= concepts, sorted(values - concepts)


def test_every_node_shape_has_fixtures() -> None:
    names = {str(shape).removeprefix(THCSH) for shape in _node_shapes()}
    valid = {p.stem.split("--")[0] for p in VALID}
    invalid = {p.stem.split("--")[0] for p in INVALID}
    assert names - valid == set(), "node shapes without valid/{ShapeName}.ttl"
    assert names - invalid == set(), "node shapes without invalid/{ShapeName}--{what}.ttl"
    assert {p.stem for p in VALID} >= names
    assert valid | invalid <= names, sorted((valid | invalid) - names)
    assert all("--" in p.stem for p in INVALID)

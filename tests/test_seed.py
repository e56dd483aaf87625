"""The curated seed dataset (data/seed/*.ttl): it parses, conforms to the shapes, and states the key facts."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest

from thc_graph import validation

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = sorted((ROOT / "data" / "seed").glob("*.ttl"))
SHAPE_FILES = sorted((ROOT / "shapes").glob("*.ttl"))
ONTOLOGY_FILES = sorted((ROOT / "ontology").glob("**/*.ttl"))

PREFIXES = """
PREFIX thc: <https://w3id.org/thc/ontology#>
PREFIX actor: <https://w3id.org/thc/id/actor/>
PREFIX person: <https://w3id.org/thc/id/person/>
PREFIX event: <https://w3id.org/thc/id/event/>
PREFIX role: <https://w3id.org/thc/scheme/roles/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# Every actor class of docs/model.md, listed because the seed store holds no ontology (no inference).
ACTOR_CLASSES = """
VALUES ?class { thc:Actor thc:Person thc:Organization thc:PublicAuthority
                thc:CivilSocietyOrganization thc:Company thc:InformalGroup thc:Network }
"""

# Data IRIs: https://w3id.org/thc/id/{kind}/{slug} with the kinds of docs/model.md.
KINDS = (
    "actor|person|territory|tool|method|resource|experience|event|membership|relationship"
    "|diagnostic|plan|commitment|milestone|report|evaluation|source"
)
DATA_IRI = re.compile(rf"^https://w3id\.org/thc/id/(?:{KINDS})/[a-z0-9]+(?:-[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    s = pyoxigraph.Store()
    for path in SEED_FILES:
        s.bulk_extend(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    return s


def _ask(store: pyoxigraph.Store, query: str) -> bool:
    return bool(store.query(PREFIXES + query))


def _select(store: pyoxigraph.Store, query: str) -> list[str]:
    return [str(row[0]) for row in store.query(PREFIXES + query)]


def test_seed_files_exist() -> None:
    assert SEED_FILES, "no Turtle file in data/seed/"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_file_parses(path: Path) -> None:
    triples = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    assert triples, f"{path.name} is empty"


def test_seed_conforms_to_shapes() -> None:
    """The seed passes the shapes through the same validation as `thc load` (ontology added)."""
    assert SHAPE_FILES, "no shapes/*.ttl to validate against"
    triples = [pyoxigraph.Triple(q.subject, q.predicate, q.object)
               for path in SEED_FILES for q in pyoxigraph.parse(path=str(path))]
    report = validation.validate(triples)
    assert report.conforms, report.text("en")


def test_jean_rottner_is_mayor_of_mulhouse(store: pyoxigraph.Store) -> None:
    assert _ask(
        store,
        """ASK { ?m a org:Membership ; org:member person:jean-rottner ;
                 org:organization actor:commune-68224 ; org:role role:mayor . }""",
    )


def test_mulhouse_summit_date_and_participants(store: pyoxigraph.Store) -> None:
    assert _ask(
        store,
        """ASK { ?e a thc:CitizenSummit ; dct:spatial <https://w3id.org/thc/id/territory/commune-68224> ;
                 schema:startDate "2014-10-24"^^xsd:date ; thc:participantCount ?n .
                 FILTER(?n = 5000) }""",
    )


def test_democratie_ouverte_founded_2012(store: pyoxigraph.Store) -> None:
    assert _ask(store, 'ASK { actor:democratie-ouverte schema:foundingDate "2012"^^xsd:gYear . }')


def test_every_actor_has_a_french_label(store: pyoxigraph.Store) -> None:
    missing = _select(
        store,
        f"""SELECT DISTINCT ?a WHERE {{ {ACTOR_CLASSES} ?a a ?class .
              FILTER NOT EXISTS {{ ?a rdfs:label ?l . FILTER(LANG(?l) = "fr") }} }}""",
    )
    assert not missing, missing
    assert _ask(store, f"ASK {{ {ACTOR_CLASSES} ?a a ?class . }}")


def test_every_tie_has_a_source(store: pyoxigraph.Store) -> None:
    missing = _select(
        store,
        """SELECT ?t WHERE { VALUES ?class { org:Membership thc:Relationship } ?t a ?class .
              FILTER NOT EXISTS { ?t dct:source ?s } }""",
    )
    assert not missing, missing
    assert _ask(store, "ASK { ?t a org:Membership } ") and _ask(store, "ASK { ?t a thc:Relationship }")


def test_every_record_is_sourced_and_bilingual(store: pyoxigraph.Store) -> None:
    """Every typed resource except a cited document has dct:source and one label in fr and in en."""
    unsourced = _select(
        store,
        """SELECT ?r WHERE { ?r a ?c . FILTER(?c != thc:Source)
              FILTER NOT EXISTS { ?r dct:source ?s } }""",
    )
    assert not unsourced, unsourced
    for lang in ("fr", "en"):
        bad = _select(
            store,
            f"""SELECT ?r WHERE {{ ?r a ?c . OPTIONAL {{ ?r rdfs:label ?l . FILTER(LANG(?l) = "{lang}") }} }}
                GROUP BY ?r HAVING (COUNT(DISTINCT ?l) != 1)""",
        )
        assert not bad, (lang, bad)


def test_data_iris_follow_the_contract(store: pyoxigraph.Store) -> None:
    subjects = _select(store, "SELECT DISTINCT ?s WHERE { ?s ?p ?o }")
    bad = [s.strip("<>") for s in subjects if not DATA_IRI.match(s.strip("<>"))]
    assert not bad, bad

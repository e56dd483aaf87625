"""The derived data committed in data/derived/ (made by `make derived-data`): present, facts only, and as the
importers make them, so that `make demo` carries real data from a fresh clone without ../shared."""

from __future__ import annotations

import gc
from collections import Counter

import pyoxigraph as ox
import pytest

from thc_graph.namespaces import RDF, THC
from thc_graph.paths import DATA_DIR

DERIVED = DATA_DIR / "derived"


def classes(name: str) -> Counter[str]:
    return Counter(t.object.value.rpartition("#")[2] for t in ox.parse(path=str(DERIVED / name))
                   if t.predicate == RDF.type)


def test_only_openly_licensed_sources():
    assert sorted(p.name for p in DERIVED.glob("*.ttl")) == ["etalab.ttl", "territories.ttl"]


def test_territories():
    counts = classes("territories.ttl")
    assert counts["Commune"] == 34945 and counts["Intercommunalite"] == 1255
    assert counts["PublicAuthority"] == 36319


def test_etalab():
    counts = classes("etalab.ttl")
    assert counts["Experience"] == 40 and counts["DigitalTool"] == 5 and counts["Method"] == 7
    text = (DERIVED / "etalab.ttl").read_text(encoding="utf-8")
    assert "Copyright (c) 2017-2019 DINSIC/Etalab" in text and "Permission is hereby granted" in text


@pytest.mark.parametrize("name", ["etalab.ttl", "territories.ttl"])
def test_facts_only(name):
    """No prose: no description, no literal longer than a title."""
    triples = list(ox.parse(path=str(DERIVED / name)))
    assert not [t for t in triples if t.predicate.value.endswith("/description")]
    longest = max(len(t.object.value) for t in triples if isinstance(t.object, ox.Literal))
    assert longest < 200
    assert all(t.predicate != THC.lessonsLearned for t in triples)


def _triples(path):
    return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path))}


def _by_meaning(triples):
    """The triples as the store keeps them (47.0 and 47 are one xsd:decimal): compare RDF by meaning."""
    memory = ox.Store()
    memory.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return {ox.Triple(q.subject, q.predicate, q.object) for q in memory}


def test_territories_file_is_what_the_importer_makes():
    from thc_graph.importers import territories

    from .importers_support import TERRITORIES_DIR

    _, _, made = territories.build(TERRITORIES_DIR)
    assert _by_meaning(made) == _by_meaning(_triples(DERIVED / "territories.ttl"))


def test_etalab_file_loads_and_is_what_the_importer_makes(tmp_path_factory, runner):
    """On a store with the seed and the territories (as `make demo` has them): same triples, and it loads."""
    from thc_graph import cli as thc_cli
    from thc_graph.importers import etalab
    from thc_graph.store import Store

    from .importers_support import ETALAB_DIR, base_store, copy_store, rows

    base, _ = base_store(tmp_path_factory)
    path = copy_store(base, tmp_path_factory.mktemp("derived") / "store")
    store = Store(path)
    _, _, made = etalab.build(store, ETALAB_DIR)
    del store
    gc.collect()
    assert _by_meaning(made) == _by_meaning(_triples(DERIVED / "etalab.ttl"))
    result = runner.invoke(thc_cli.cli, ["--store", str(path), "import", "derived", str(DERIVED / "etalab.ttl")])
    assert result.exit_code == 0, result.output
    store = Store(path)
    graph = etalab.GRAPH_IRI.value
    found = rows(store, f"SELECT (COUNT(?e) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?e a thc:Experience }} }}")
    assert found == [{"n": "40"}]

"""The derived data committed in data/derived/ (made by `make derived-data`): present, facts only, and as the
importers make them, so that `make demo` carries real data from a fresh clone without ../shared."""

from __future__ import annotations

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

"""Every named query of queries/ runs against the seed, with the example values its header gives."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from thc_graph import queries
from thc_graph.errors import BadQuery, NotFound

ALL = queries.load_all()
EXAMPLE = re.compile(r"e\.g\. (\S+)")


def example_values(named: queries.NamedQuery) -> dict[str, str]:
    """The value each parameter's help text gives as its example ('e.g. VALUE')."""
    values = {}
    for param in named.params:
        match = EXAMPLE.search(param.help)
        assert match or param.optional, f"{named.name}: required parameter {param.name} has no 'e.g.' example"
        if match:
            values[param.name] = match.group(1).rstrip(".,;)")
    return values


@pytest.mark.parametrize("name", sorted(ALL), ids=str)
def test_query_has_a_header(name):
    named = ALL[name]
    assert named.title and named.title != name
    assert named.description
    for param in named.params:
        assert param.help, f"{name}: parameter {param.name} needs a help text"


@pytest.mark.parametrize("name", sorted(n for n in ALL if not n.startswith("network/")), ids=str)
def test_query_runs_on_the_seed_and_finds_something(seed_store, name):
    named = ALL[name]
    values = example_values(named)
    results = named.run(seed_store, values)
    if isinstance(results, ox.QueryBoolean):
        assert bool(results)
        return
    rows = list(results)
    assert rows, f"{name} found nothing in the seed with {values}"
    for param_name, text in values.items():
        # A parameter that is also projected must come back with the bound value.
        if param_name in [v.value for v in results.variables]:
            assert all(row[param_name].value == text for row in rows)


def test_members_of_democratie_ouverte_include_its_president(seed_store):
    rows = ALL["members_of_organisation"].run(
        seed_store, {"organization": "https://w3id.org/thc/id/actor/democratie-ouverte"})
    roles = {(row["member"].value, row["role"].value) for row in rows if row["role"] is not None}
    assert ("https://w3id.org/thc/id/person/armel-le-coz",
            "https://w3id.org/thc/scheme/roles/president") in roles


def test_optional_parameter_narrows_the_results(seed_store):
    named = ALL["actors_by_type"]
    everyone = list(named.run(seed_store))
    csos = list(named.run(seed_store, {"type": "https://w3id.org/thc/ontology#CivilSocietyOrganization"}))
    assert 0 < len(csos) < len(everyone)
    assert {r["type"].value for r in csos} == {"https://w3id.org/thc/ontology#CivilSocietyOrganization"}


@pytest.mark.parametrize(("values", "words"), [
    ({"organization": "not an iri"}, ["organization", "not an IRI"]),
    ({"organization": "http://e/x", "colour": "red"}, ["no parameter colour"]),
    ({}, ["needs the parameter(s) organization"]),
], ids=["bad-iri", "unknown-param", "missing-param"])
def test_bad_parameters_are_clear_errors(seed_store, values, words):
    with pytest.raises(BadQuery) as info:
        ALL["members_of_organisation"].run(seed_store, values)
    for word in words:
        assert word in info.value.message


def test_injection_is_impossible(seed_store):
    # An IRI with SPARQL in it does not parse as an IRI; it is refused, never pasted into the query.
    with pytest.raises(BadQuery):
        ALL["members_of_organisation"].run(seed_store, {"organization": "http://e/x> } UNION { ?s ?p ?o"})


def test_unknown_query_lists_the_known_ones():
    with pytest.raises(NotFound) as info:
        queries.get("no_such_query")
    assert "members_of_organisation" in info.value.message

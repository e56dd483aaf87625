"""`thc import territories` on the real files of ../shared/data, and on small broken copies of them (issue 6)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from thc_graph.importers import territories
from thc_graph.importers.territories import of_place
from thc_graph.namespaces import META_GRAPH
from thc_graph.store import Store

from .conftest import dump_dataset
from .importers_support import TERRITORIES_DIR, ask, base_store, graph_content, rows

GRAPH = territories.GRAPH_IRI.value


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    path, report = base_store(tmp_path_factory)
    store = Store(path)
    yield store, report
    del store


def test_counts_per_class(imported):
    store, report = imported
    assert report.counts["igeo:Commune"] == 34945
    assert report.counts["igeo:Departement"] == 101
    assert report.counts["igeo:Region"] == 18
    assert report.counts["igeo:Intercommunalite"] == 1255
    assert report.counts["thc:PublicAuthority"] == 34945 + 101 + 18 + 1255
    assert report.rejected == []
    counted = {r["class"]: int(r["n"]) for r in rows(store, f"""
        SELECT ?class (COUNT(?t) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?t a ?class }} }} GROUP BY ?class""")}
    assert counted[str(territories.IGEO.Commune.value)] == 34945
    assert counted["https://w3id.org/thc/ontology#Territory"] == 34945 + 101 + 18 + 1255


def test_links_resolved(imported):
    _, report = imported
    # 34,928 communes are members of an EPCI; 3 members of epci.json are newer than communes.csv.
    assert report.links["commune → EPCI"] == [34928, 3]
    assert any("85212" in line for line in report.unresolved)


def test_mulhouse(imported):
    store, _ = imported
    assert ask(store, f"""ASK {{ GRAPH <{GRAPH}> {{
        territory:commune-68224 a thc:Territory , igeo:Commune ; rdfs:label "Mulhouse"@fr ; igeo:codeINSEE "68224" ;
            schema:postalCode "68100" , "68200" ; thc:within territory:departement-68 ;
            thc:memberOfIntercommunality territory:epci-200066009 ;
            skos:exactMatch <http://id.insee.fr/geo/commune/68224> ;
            wgs:lat 47.7527 ; wgs:long 7.3256 ; thc:population ?population .
        territory:departement-68 a igeo:Departement ; igeo:codeINSEE "68" ; thc:within territory:region-44 .
        territory:region-44 a igeo:Region ; rdfs:label "Grand Est"@fr ; igeo:codeINSEE "44" .
        territory:epci-200066009 a igeo:Intercommunalite ; thc:siren "200066009" .
        actor:commune-68224 a thc:PublicAuthority ; dct:spatial territory:commune-68224 ;
            thc:actorType <https://w3id.org/thc/scheme/actor-types/local-government> .
        actor:epci-200066009 a thc:PublicAuthority ; dct:spatial territory:epci-200066009 .
        FILTER(DATATYPE(?population) = xsd:integer && ?population > 100000) }} }}""")


def test_seed_and_import_name_mulhouse_with_the_same_iris(imported):
    store, _ = imported
    graphs = rows(store, """SELECT DISTINCT ?g WHERE { GRAPH ?g { territory:commune-68224 igeo:codeINSEE "68224" } }""")
    assert {r["g"] for r in graphs} == {GRAPH, "https://w3id.org/thc/graph/seed"}
    labels = rows(store, """SELECT DISTINCT ?l WHERE { actor:commune-68224 rdfs:label ?l FILTER(LANG(?l) = "fr") }""")
    assert [r["l"] for r in labels] == ["Ville de Mulhouse"]


def test_corsica_and_overseas_codes(imported):
    store, _ = imported
    assert ask(store, """ASK { territory:commune-2a004 igeo:codeINSEE "2A004" ; thc:within territory:departement-2a .
                               territory:departement-971 thc:within territory:region-01 }""")


def test_graph_metadata(imported):
    store, _ = imported
    assert ask(store, f"""ASK {{ GRAPH <{META_GRAPH.value}> {{
        <{GRAPH}> dct:license <https://www.etalab.gouv.fr/licence-ouverte-open-licence/> ;
            prov:generatedAtTime ?t ; dct:title ?title ;
            prov:wasDerivedFrom <{territories.PMDARTUS[0]}> , <{territories.GEM[0]}> ;
            dct:source [ dct:title "communes.csv" ; dct:format "text/csv" ; thc:sha256 ?sha ] .
        <{territories.PMDARTUS[0]}> dct:date "2023-12-29"^^xsd:date . }}
        FILTER(STRLEN(?sha) = 64) }}""")


def test_french_place_names():
    assert of_place("Mulhouse") == "de Mulhouse"
    assert of_place("Angers") == "d'Angers"
    assert of_place("Le Havre") == "du Havre"
    assert of_place("Les Sables-d'Olonne") == "des Sables-d'Olonne"
    assert of_place("La Rochelle") == "de La Rochelle"


# --------------------------------------------------------------------------- small copies, broken on purpose


def small_copy(tmp_path: Path) -> Path:
    """regions, départements, the communes of the Haut-Rhin's first lines and one EPCI, from the real files."""
    target = tmp_path / "territories"
    target.mkdir()
    for name in ("regions.csv", "departements.csv"):
        shutil.copyfile(TERRITORIES_DIR / name, target / name)
    lines = (TERRITORIES_DIR / "communes.csv").read_text(encoding="utf-8").splitlines()
    keep = [lines[0]] + [line for line in lines[1:] if '"68224"' in line or '"68006"' in line or '"49007"' in line]
    (target / "communes.csv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    epci = [e for e in json.loads((TERRITORIES_DIR / "epci.json").read_text(encoding="utf-8"))
            if e["code"] == "200066009"]
    (target / "epci.json").write_text(json.dumps(epci, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


def test_small_copy_imports(thc, store_path, tmp_path):
    directory = small_copy(tmp_path)
    assert thc("init").exit_code == 0
    result = thc("import", "territories", directory)
    assert result.exit_code == 0, result.output
    assert "igeo:Commune                       3" in result.stdout
    assert "validating" in result.stderr  # the progress bar


def test_bad_rows_are_reported_and_skipped(thc, store_path, tmp_path):
    directory = small_copy(tmp_path)
    communes = directory / "communes.csv"
    lines = communes.read_text(encoding="utf-8").splitlines()
    lines.insert(2, '"Nulle-Part","6822X","68100","Grand Est","44","Haut-Rhin","68",7.3,47.7')
    lines.append('"Ailleurs","68999","68100","Grand Est","44","Haut-Rhin","68",east,47.7')
    communes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    epci = json.loads((directory / "epci.json").read_text(encoding="utf-8"))
    epci.append({"code": "12345", "nom": "Trop court", "membres": []})
    (directory / "epci.json").write_text(json.dumps(epci, indent=2), encoding="utf-8")
    assert thc("init").exit_code == 0
    result = thc("import", "territories", directory)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "rejected rows: 3" in out
    assert "communes.csv, line 3: commune code '6822X' is not an INSEE commune code" in out
    assert f"communes.csv, line {len(lines)}: coordinates" in out
    assert "epci.json, line" in out and "SIREN '12345' is not 9 digits" in out
    assert "igeo:Commune                       3" in out  # the good rows are in


@pytest.mark.parametrize("damage", ["missing", "broken-json", "missing-column", "broken-quote"])
def test_bad_file_changes_nothing(thc, store_path, tmp_path, damage):
    directory = small_copy(tmp_path)
    assert thc("init").exit_code == 0
    assert thc("import", "territories", directory).exit_code == 0
    before = dump_dataset(store_path)
    if damage == "missing":
        (directory / "departements.csv").unlink()
    elif damage == "broken-json":
        (directory / "epci.json").write_text('[{"code": "200066009", ', encoding="utf-8")
    elif damage == "missing-column":
        (directory / "regions.csv").write_text('"name","code"\n"Grand Est","44"\n', encoding="utf-8")
    else:
        (directory / "communes.csv").write_text('"nom","code","codes_postaux","region_nom","region_code",'
                                                '"department_nom","departement_code","longitude","latitude"\n'
                                                '"Mulhouse,"68224","68100\n', encoding="utf-8")
    result = thc("import", "territories", directory)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    named = {"missing": "departements.csv", "broken-json": "epci.json", "missing-column": "regions.csv",
             "broken-quote": "communes.csv"}[damage]
    assert named in result.stderr
    assert dump_dataset(store_path) == before


def test_reimport_replaces_the_graph(thc, store_path, tmp_path):
    directory = small_copy(tmp_path)
    assert thc("init").exit_code == 0
    first = thc("import", "territories", directory)
    store = Store(store_path)
    content = graph_content(store, territories.GRAPH_IRI)
    del store
    second = thc("import", "territories", directory)
    assert second.exit_code == 0 and "replaced <" in second.stdout and "imported <" in first.stdout
    store = Store(store_path)
    assert graph_content(store, territories.GRAPH_IRI) == content
    # One description of the graph, not two.
    titles = rows(store, f"SELECT ?t WHERE {{ GRAPH <{META_GRAPH.value}> {{ <{GRAPH}> dct:title ?t }} }}")
    assert len(titles) == 1


def test_turtle_output_loads_back_as_derived_data(thc, runner, store_path, tmp_path):
    """`--turtle` writes the graph; `thc import derived` loads it into the same graph of a fresh store."""
    from thc_graph import cli as thc_cli

    directory = small_copy(tmp_path)
    derived = tmp_path / "derived" / "territories.ttl"
    assert thc("init").exit_code == 0
    assert thc("import", "territories", directory, "--turtle", derived).exit_code == 0
    text = derived.read_text(encoding="utf-8")
    assert text.startswith("# Territoires français") and "Licence Ouverte" in text and "INSEE, DGCL, Etalab" in text
    store = Store(store_path)
    content = graph_content(store, territories.GRAPH_IRI)
    del store
    other = tmp_path / "other"
    assert runner.invoke(thc_cli.cli, ["--store", str(other), "init"]).exit_code == 0
    result = runner.invoke(thc_cli.cli, ["--store", str(other), "import", "derived", str(derived)])
    assert result.exit_code == 0, result.output
    store = Store(other)
    assert graph_content(store, territories.GRAPH_IRI) == content
    assert ask(store, f"""ASK {{ GRAPH <{META_GRAPH.value}> {{
        <{GRAPH}> dct:license <https://www.etalab.gouv.fr/licence-ouverte-open-licence/> ;
            dct:source [ dct:title "territories.ttl" ] }} }}""")
    wrong = tmp_path / "something.ttl"
    wrong.write_text("", encoding="utf-8")
    result = runner.invoke(thc_cli.cli, ["--store", str(other), "import", "derived", str(wrong)])
    assert result.exit_code == 2 and "territories.ttl" in result.stderr

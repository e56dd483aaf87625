"""`thc import etalab` on the real catalogue (../shared/data), reconciled with the territories and the seed."""

from __future__ import annotations

import pytest

from thc_graph.importers import etalab
from thc_graph.namespaces import META_GRAPH
from thc_graph.store import Store

from .conftest import dump_dataset
from .importers_support import ETALAB_DIR, ask, base_store, copy_files, copy_store, graph_content, rows

GRAPH = etalab.GRAPH_IRI.value


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    base, _ = base_store(tmp_path_factory)
    store = Store(copy_store(base, tmp_path_factory.mktemp("etalab") / "store"))
    report = etalab.run(store, ETALAB_DIR)
    yield store, report
    del store


def test_counts(imported):
    _, report = imported
    assert report.counts["thc:DigitalTool"] == 5
    assert report.counts["thc:Method"] == 7
    assert report.counts["thc:Experience"] == 40
    assert report.rejected == []


def test_link_resolution(imported):
    _, report = imported
    # The README of the source: 30 of 35 tool references resolve (Assembl 3, Autre 2 do not), 48 of 49 methods.
    assert report.links["experience → tool"] == [30, 5]
    assert report.links["experience → method"] == [48, 1]
    assert report.links["tool → owner"] == [5, 0]
    resolved, unresolved = report.links["experience → organiser"]
    assert resolved + unresolved == 40
    assert resolved >= 12  # the local governments, the prefectures, the CESE and the CNNum of the seed


def test_nothing_dropped_silently(imported):
    _, report = imported
    text = "\n".join(report.unresolved)
    assert "'Assembl'" in text and "'Autre'" in text and "'Les plateformes en lignes'" in text
    assert "dreal-bourgogne): no organiser" in text
    assert "'Haut-commissaire aux retraites' (hcrr): no actor or territory matched; minted" in text


def test_angers_used_decidim(imported):
    store, _ = imported
    assert ask(store, f"""ASK {{ GRAPH <{GRAPH}> {{
        experience:decidim-angers a thc:Experience ; rdfs:label "Ecrivons Angers"@fr ;
            thc:usedTool tool:decidim ; thc:usedMethod method:consultation-en-ligne ;
            thc:organiser actor:commune-49007 ; dct:spatial territory:commune-49007 ;
            schema:url <https://ecrivons.angers.fr/> ; dct:date "2018-11-14"^^xsd:date ;
            thc:outcomeStatus <https://w3id.org/thc/scheme/outcome-status/ongoing> . }}
        actor:commune-49007 a thc:PublicAuthority ; dct:spatial territory:commune-49007 .
        territory:commune-49007 igeo:codeINSEE "49007" }}""")


def test_local_governments_reconciled_by_code(imported):
    store, report = imported
    organisers = {r["label"]: r["o"] for r in rows(store, f"""SELECT ?label ?o WHERE {{ GRAPH <{GRAPH}> {{
        ?e thc:organiser ?o ; rdfs:label ?label }} }}""")}
    assert organisers["Consultations de la Ville de Nanterre"].endswith("/actor/commune-92050")
    assert organisers["Métropôle Européenne de Lille"].endswith("/actor/epci-200093201")
    assert organisers["Démarche de concertation de la Région Auvergne Rhône Alpes autour du SRADDET"].endswith(
        "/actor/region-84")
    assert organisers["Améliorer l'accès au Service Public des Hautes-Alpes"].endswith("/actor/prefecture-05")
    assert organisers["Convention Citoyenne sur le Climat"].endswith("/actor/cese")  # the seed's actor
    rules = {m.other: m.rule for m in report.matches}
    assert "INSEE code" in rules["Ville d'Angers"]


def test_tools_and_owners(imported):
    store, _ = imported
    assert ask(store, f"""ASK {{ GRAPH <{GRAPH}> {{
        tool:decidim a thc:DigitalTool ; thc:developedBy ?osp ; thc:openSource true ;
            dct:license <http://spdx.org/licenses/AGPL-3.0-only> ; schema:url <https://meta.decidim.org/> .
        ?osp a thc:Company ; rdfs:label "Open Source Politics"@fr .
        tool:cap-collectif thc:openSource false ; dct:license "Propriétaire" . }} }}""")


def test_cross_source_links(imported):
    store, report = imported
    assert ask(store, """ASK {
        experience:granddebatnational owl:sameAs <https://participedia.net/case/5592> .
        experience:convention-climat owl:sameAs <https://participedia.net/case/6044> .
        method:budget-participatif owl:sameAs <https://participedia.net/method/146> ,
            method:participatory-budgeting }""")
    assert sum(1 for m in report.matches if m.rule == etalab.CURATED) == 3
    assert ask(store, f"""ASK {{ GRAPH <{META_GRAPH.value}> {{ <{GRAPH}> void:subset [ a void:Linkset ;
        void:linkPredicate owl:sameAs ; void:triples 3 ; dct:description "{etalab.CURATED}"@en ] }} }}""")


def test_graph_metadata(imported):
    store, _ = imported
    assert ask(store, f"""ASK {{ GRAPH <{META_GRAPH.value}> {{
        <{GRAPH}> dct:license <https://opensource.org/licenses/MIT> ; prov:wasDerivedFrom <{etalab.REPOSITORY[0]}> ;
            prov:generatedAtTime ?t ; dct:source [ dct:title "usages.csv" ; thc:sha256 ?sha ] . }} }}""")


def test_reimport_is_idempotent(imported):
    store, report = imported
    before = graph_content(store, etalab.GRAPH_IRI)
    again = etalab.run(store, ETALAB_DIR)
    assert again.replaced
    assert graph_content(store, etalab.GRAPH_IRI) == before
    assert again.links == report.links and len(again.matches) == len(report.matches)


def test_bad_row_is_reported_and_skipped(thc, store_path, tmp_path):
    directory = copy_files(ETALAB_DIR, tmp_path / "etalab", ("outils.csv", "usages.csv"))
    usages = directory / "usages.csv"
    lines = usages.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",True,", ",Maybe,")
    lines[4] = lines[4].replace("2019-01-15 09:29:08 +0000", "someday")
    usages.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert thc("init").exit_code == 0
    result = thc("import", "etalab", directory)
    assert result.exit_code == 0, result.output
    assert "usages.csv, line 4: in_progress 'Maybe' is neither True nor False" in result.stdout
    assert "usages.csv, line 5: date 'someday' is not a date" in result.stdout
    assert "thc:Experience                     38" in result.stdout
    # Without territories in the store, the local governments are listed, not dropped.
    assert "no territories in the store" in result.stdout


@pytest.mark.parametrize("damage", ["missing", "missing-column"])
def test_bad_file_changes_nothing(thc, store_path, tmp_path, damage):
    directory = copy_files(ETALAB_DIR, tmp_path / "etalab", ("outils.csv", "usages.csv"))
    assert thc("init").exit_code == 0
    assert thc("import", "etalab", directory).exit_code == 0
    before = dump_dataset(store_path)
    if damage == "missing":
        (directory / "outils.csv").unlink()
    else:
        (directory / "usages.csv").write_text("slug,title\nx,y\n", encoding="utf-8")
    result = thc("import", "etalab", directory)
    assert result.exit_code == 2
    assert ("outils.csv" if damage == "missing" else "usages.csv, line 1: missing column") in result.stderr
    assert dump_dataset(store_path) == before

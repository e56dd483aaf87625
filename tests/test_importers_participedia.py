"""`thc import participedia` on the real exports (../shared/data): counts, links, facets, quirks, cross-source
matches with the Etalab catalogue and the territories, licence, idempotence, bad rows and bad files."""

from __future__ import annotations

import csv
import io

import pytest

from thc_graph.importers import etalab, participedia
from thc_graph.importers.participedia import RowError, parse_array, parse_composites, parse_id, sentence_case
from thc_graph.namespaces import META_GRAPH
from thc_graph.store import Store

from .conftest import dump_dataset
from .importers_support import (
    ETALAB_DIR,
    PARTICIPEDIA_DIR,
    ask,
    base_store,
    copy_files,
    copy_store,
    graph_content,
    rows,
)

GRAPH = participedia.GRAPH_IRI.value
FILES = ("cases_titles.csv", "cases_facts.csv", "methods.csv", "organizations.csv")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Territories (and seed), then Etalab, then Participedia: the order of `make` and of the docs."""
    base, _ = base_store(tmp_path_factory)
    store = Store(copy_store(base, tmp_path_factory.mktemp("participedia") / "store"))
    etalab.run(store, ETALAB_DIR)
    report = participedia.run(store, PARTICIPEDIA_DIR)
    yield store, report
    del store


# --------------------------------------------------------------------------- the quirks of the exports


def test_float_ids():
    assert parse_id("4377.0", "id") == 4377
    assert parse_id(" 146 ", "id") == 146
    assert parse_id("", "id") is None
    with pytest.raises(RowError, match="'43a' is not an integer id"):
        parse_id("43a", "id")


def test_array_literals():
    assert parse_array("{5179,4777,560}", "x") == ["5179", "4777", "560"]
    assert parse_array("{}", "x") == []
    assert parse_array('{consultation,"research"}', "x") == ["consultation", "research"]
    with pytest.raises(RowError, match="not an array literal"):
        parse_array("{5179,4777", "x")


def test_composite_literals():
    text = '{"(188,method,\\"Dialogue-to-Change (Study Circles)\\")","(4328,method,\\"ICT, and more\\")"}'
    assert parse_composites(text, "x") == [(188, "method"), (4328, "method")]
    assert parse_composites("{}", "x") == []
    with pytest.raises(RowError):
        parse_composites("{garbage}", "x")


def test_lower_cased_titles():
    assert sentence_case("participation days in angers, france") == "Participation days in angers, france"
    assert sentence_case("  grand débat   national ") == "Grand débat national"


# --------------------------------------------------------------------------- the real files


def test_counts(imported):
    _, report = imported
    assert report.counts["thc:Experience"] == 2258  # titled cases; the 1,056 untitled drafts are left out
    assert report.counts["thc:Method"] == 373  # methods.csv starts with a byte-order mark: its `id` column is read
    organisations = sum(report.counts[c] for c in ("thc:Organization", "thc:CivilSocietyOrganization", "thc:Company"))
    assert organisations == 847
    assert report.rejected == []
    assert any("1056 rows of cases_facts.csv have no published title" in n for n in report.notes)


def test_link_resolution(imported):
    _, report = imported
    assert report.links["case → method"] == [2730, 7]
    # 434 titled cases name a primary organiser; 404 of them are in organizations.csv (260 and 6583 are not).
    assert report.links["case → primary organiser"] == [404, 30]
    assert report.links["organisation → method"] == [415, 2]
    assert report.resolution_rate("case → method") > 0.99
    assert report.links["method facet → purposes"][1] == 0
    assert report.links["method facet → scope"][1] == 0
    assert report.links["method facet → decision-methods"][1] == 0
    assert report.links["method facet → recruitment"][1] == 0


def test_participatory_budgeting_and_its_cases(imported):
    store, _ = imported
    assert ask(store, f"""ASK {{ GRAPH <{GRAPH}> {{
        method:participedia-146 a thc:Method ; rdfs:label "Participatory Budgeting"@en ;
            owl:sameAs <https://participedia.net/method/146> ;
            thc:purpose ?purpose ; thc:scope ?scope ; thc:participationLevel ?level . }}
        ?purpose skos:inScheme <https://w3id.org/thc/scheme/purposes> .
        ?scope skos:inScheme <https://w3id.org/thc/scheme/scope> . }}""")
    cases = rows(store, f"SELECT ?case WHERE {{ GRAPH <{GRAPH}> {{ ?case thc:usedMethod method:participedia-146 }} }}")
    # The titled cases whose specific_methods_tools_techniques holds 146, counted from the raw files.
    titles = PARTICIPEDIA_DIR.joinpath("cases_titles.csv").read_text("utf-8")
    titled = {r["id"] for r in csv.DictReader(io.StringIO(titles))}
    facts = PARTICIPEDIA_DIR.joinpath("cases_facts.csv").read_text("utf-8")
    using = {r["id"] for r in csv.DictReader(io.StringIO(facts))
             if r["id"] in titled and "146" in r["specific_methods_tools_techniques"].strip("{}").split(",")}
    assert len(using) == 93
    assert {c["case"].rpartition("-")[2] for c in cases} == using
    assert ask(store, """ASK { experience:participedia-case-1 owl:sameAs <https://participedia.net/case/1> ;
                                   rdfs:label "British columbia citizens' assembly on electoral reform"@en }""")


def test_organisations_and_places(imported):
    store, _ = imported
    assert ask(store, f"""ASK {{ GRAPH <{GRAPH}> {{
        actor:participedia-organization-199 a thc:CivilSocietyOrganization ; rdfs:label "AmericaSpeaks"@fr ;
            owl:sameAs <https://participedia.net/organization/199> ;
            schema:knowsAbout method:participedia-145 ; dct:subject <https://w3id.org/thc/scheme/themes/economics> ;
            schema:address ?place .
        ?place schema:addressLocality "Washington" ; schema:addressCountry "United States" ;
            wgs:lat 38.9071923 ; wgs:long -77.0368707 . }} }}""")


def test_cross_source_matches(imported):
    store, report = imported
    # The Grand Débat National and the Convention citoyenne pour le climat: one thing in two sources.
    assert ask(store, f"""ASK {{ GRAPH <{GRAPH}> {{
        experience:participedia-case-5592 owl:sameAs experience:granddebatnational .
        experience:participedia-case-6044 owl:sameAs experience:convention-climat .
        method:participedia-146 owl:sameAs method:budget-participatif . }} }}""")
    # Angers: an organiser in Etalab, a case's place in Participedia, a commune of the INSEE list.
    assert ask(store, f"""ASK {{
        GRAPH <{GRAPH}> {{ experience:participedia-case-105 dct:spatial territory:commune-49007 }}
        GRAPH <{etalab.GRAPH_IRI.value}> {{ experience:decidim-angers thc:organiser actor:commune-49007 }}
        actor:commune-49007 dct:spatial territory:commune-49007 . }}""")
    rules = {m.rule for m in report.matches}
    assert "both name the same participedia.net IRI (owl:sameAs)" in rules
    # Each rule is described, with its count, as a void:Linkset of the graph in graph/meta.
    assert ask(store, f"""ASK {{ GRAPH <{META_GRAPH.value}> {{ <{GRAPH}> void:subset [ a void:Linkset ;
        void:linkPredicate owl:sameAs ; void:triples 3 ;
        dct:description "both name the same participedia.net IRI (owl:sameAs)"@en ] }} }}""")
    assert sum(1 for m in report.matches if "participedia.net IRI" in m.rule) == 3
    assert report.links["French place → commune"][0] >= 30


def test_licence_on_its_graph(imported):
    store, _ = imported
    assert ask(store, f"""ASK {{ GRAPH <{META_GRAPH.value}> {{
        <{GRAPH}> dct:license <https://creativecommons.org/licenses/by-nc-sa/3.0/> ; prov:generatedAtTime ?t ;
            prov:wasDerivedFrom ?origin ; dct:source [ dct:title "methods.csv" ; thc:sha256 ?sha ] .
        ?origin dct:date ?date . }} }}""")


def test_reimport_is_idempotent(imported):
    store, report = imported
    before = graph_content(store, participedia.GRAPH_IRI)
    again = participedia.run(store, PARTICIPEDIA_DIR)
    assert again.replaced and again.triples == report.triples
    assert graph_content(store, participedia.GRAPH_IRI) == before
    assert len(again.matches) == len(report.matches)


# --------------------------------------------------------------------------- broken copies


def small_copy(tmp_path):
    """The four files cut to their first rows (whole CSV records: quoted newlines are kept)."""

    directory = copy_files(PARTICIPEDIA_DIR, tmp_path / "participedia", FILES)
    csv.field_size_limit(1 << 30)
    for name, keep in (("cases_facts.csv", 60), ("methods.csv", 25), ("organizations.csv", 25),
                       ("cases_titles.csv", 2258)):
        raw = (directory / name).read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(records[:keep + 1])
        (directory / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode())
    return directory


def test_bad_rows_are_reported_and_skipped(thc, store_path, tmp_path):
    directory = small_copy(tmp_path)
    facts = directory / "cases_facts.csv"
    text = facts.read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    row = ["" for _ in header]
    row[header.index("id")] = "1.5"
    row[header.index("type")] = "case"
    row2 = list(row)
    row2[header.index("id")] = "1"
    row2[header.index("specific_methods_tools_techniques")] = '"{5179,4777"'
    facts.write_text(text + ",".join(row) + "\n" + ",".join(row2) + "\n", encoding="utf-8")
    assert thc("init").exit_code == 0
    result = thc("import", "participedia", directory)
    assert result.exit_code == 0, result.output
    n = len(lines)
    assert f"cases_facts.csv, line {n + 1}: id '1.5' is not an integer id" in result.stdout
    assert f"cases_facts.csv, line {n + 2}: specific_methods_tools_techniques '{{5179,4777' is not an array" \
        in result.stdout
    assert "validating" in result.stderr


@pytest.mark.parametrize("damage", ["missing", "bad-encoding", "broken-quote"])
def test_bad_file_changes_nothing(thc, store_path, tmp_path, damage):
    directory = small_copy(tmp_path)
    assert thc("init").exit_code == 0
    assert thc("import", "participedia", directory).exit_code == 0
    before = dump_dataset(store_path)
    if damage == "missing":
        (directory / "organizations.csv").unlink()
    elif damage == "bad-encoding":
        (directory / "methods.csv").write_bytes(b"id,title\n1,\xff\xfe\n")
    else:
        (directory / "cases_titles.csv").write_text('id,title,description,url\n1,"unclosed\n', encoding="utf-8")
    result = thc("import", "participedia", directory)
    assert result.exit_code == 2, result.output
    assert {"missing": "organizations.csv", "bad-encoding": "methods.csv",
            "broken-quote": "cases_titles.csv"}[damage] in result.stderr
    assert dump_dataset(store_path) == before

"""Pages for people and their JSON/CSV twins: home, class index (facets, sort, pages), search, dashboard, map,
network, YASGUI, named queries; bad parameters are a 400 with a message."""

from __future__ import annotations

import csv
import io

import pytest

from tests.web_support import seeded_store
from thc_graph import i18n
from thc_graph.app import create_app
from thc_graph.search import Index, fold

MULHOUSE = "https://w3id.org/thc/id/territory/commune-68224"


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    return seeded_store()


@pytest.fixture(scope="module")
def client(store, tmp_path_factory):  # type: ignore[no-untyped-def]
    app = create_app({"store": "memory", "dumps_dir": str(tmp_path_factory.mktemp("dumps"))}, store=store)
    return app.test_client(use_cookies=False)


def rows_of(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# -- home ---------------------------------------------------------------------------------------

def test_home_has_counts_latest_changes_and_entry_points(client):  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    assert 'href="/class/Actor"' in html and 'href="/class/Territory"' in html
    assert 'href="/graph/seed"' in html  # latest changes
    for entry in ("/search", "/dashboard", "/network", "/data"):
        assert f'href="{entry}"' in html
    assert 'id="lang-switch"' in html and "?lang=en" in html


# -- class index --------------------------------------------------------------------------------

def test_class_index_lists_members_of_subclasses(client):  # type: ignore[no-untyped-def]
    html = client.get("/class/Actor").get_data(as_text=True)
    assert "Démocratie Ouverte" in html  # a CivilSocietyOrganization, a sub-class of Actor
    assert 'data-facet="kind"' in html


@pytest.mark.parametrize(("suffix", "accept"), [(".json", None), ("", "application/json")])
def test_class_index_json_twin(client, suffix, accept):  # type: ignore[no-untyped-def]
    response = client.get(f"/class/Territory{suffix}", headers={"Accept": accept} if accept else {})
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["total"] == 9  # 8 seed territories and the hostile fixture's
    assert MULHOUSE in [item["iri"] for item in data["items"]]
    assert {"kind", "territory"} <= set(data["facets"])


@pytest.mark.parametrize(("suffix", "accept"), [(".csv", None), ("", "text/csv")])
def test_class_index_csv_twin(client, suffix, accept):  # type: ignore[no-untyped-def]
    rows = rows_of(client.get(f"/class/Territory{suffix}", headers={"Accept": accept} if accept else {}))
    assert len(rows) == 9
    assert {"iri", "label", "date"} == set(rows[0])


def test_class_index_facets_filter(client):  # type: ignore[no-untyped-def]
    data = client.get("/class/Territory.json?kind=http://rdf.insee.fr/def/geo%23Commune").get_json()
    assert data["total"] == 3
    data = client.get("/class/Actor.json?territory=" + MULHOUSE).get_json()
    assert data["total"] >= 1
    data = client.get("/class/Event.json?year=2014").get_json()
    assert all((item["date"] or "").startswith("2014") for item in data["items"])
    assert data["total"] >= 1


def test_class_index_sort_and_pages(client):  # type: ignore[no-untyped-def]
    first = client.get("/class/Actor.json?limit=3").get_json()
    second = client.get("/class/Actor.json?limit=3&page=2").get_json()
    assert len(first["items"]) == 3 and first["has_next"]
    assert not {i["iri"] for i in first["items"]} & {i["iri"] for i in second["items"]}
    labels = [i["label"].lower() for i in client.get("/class/Actor.json?limit=200").get_json()["items"]]
    assert labels == sorted(labels)
    dated = client.get("/class/Event.json?sort=date").get_json()["items"]
    dates = [i["date"] for i in dated if i["date"]]
    assert dates == sorted(dates)
    html = client.get("/class/Actor?limit=3").get_data(as_text=True)
    assert 'rel="next"' in html


BAD_INDEX = [("sort=price", "sort"), ("page=0", "page"), ("page=abc", "page"), ("limit=100000", "limit"),
             ("year=20x4", "year"), ("theme=not%20an%20iri", "theme"), ("colour=red", "colour")]


@pytest.mark.parametrize(("query", "named"), BAD_INDEX, ids=[b[1] for b in BAD_INDEX])
def test_class_index_bad_parameters_are_400(client, query, named):  # type: ignore[no-untyped-def]
    response = client.get(f"/class/Actor.json?{query}")
    assert response.status_code == 400
    assert named in response.get_json()["message"]


@pytest.mark.parametrize("path", ["/?colour=red", "/dashboard?x=1", "/map.json?x=1", "/network?x=1", "/queries?x=1",
                                  "/data?x=1", "/class/Actor?lang=de", "/?lang=de", "/ontology?x=1",
                                  "/id/territory/commune-68224?x=1", "/id/territory/commune-68224.html?lang=xx"])
def test_unknown_parameters_are_400(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert "x" in message or "lang" in message or "colour" in message


@pytest.mark.parametrize("path", ["/class/Nothing", "/class/not-a-class", "/class/Actor.xlsx"])
def test_unknown_class_or_format_is_404(client, path):  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 404


# -- search -------------------------------------------------------------------------------------

def test_fold_ignores_accents_and_case() -> None:
    assert fold("Démocratie ŒUVRE Île") == "democratie oeuvre ile"


def test_index_ranks_label_matches_first() -> None:
    index = Index()
    index.add("a", "Un texte qui parle de Mulhouse en passant", 1.0, False)
    index.add("b", "Mulhouse", 10.0, True)
    index.add("c", "Ville de Mulhouse", 10.0, True)
    index.freeze()
    ranked = [s for s, _ in index.search("mulhouse")]
    assert ranked == ["b", "c", "a"]


@pytest.mark.parametrize("query", ["Mulhouse", "mulhouse", "MULHOUSE", "mulh"])
def test_search_finds_mulhouse_first(client, query):  # type: ignore[no-untyped-def]
    data = client.get(f"/search.json?q={query}").get_json()
    assert data["items"][0]["iri"] == MULHOUSE


@pytest.mark.parametrize(("query", "expected"), [
    ("democratie ouverte", "https://w3id.org/thc/id/actor/democratie-ouverte"),
    ("DÉMOCRATIE OUVERTE", "https://w3id.org/thc/id/actor/democratie-ouverte"),
    ("city of mulhouse", "https://w3id.org/thc/id/actor/commune-68224"),  # English label
    ("ville de mulhouse", "https://w3id.org/thc/id/actor/commune-68224"),
])
def test_search_ignores_accents_and_case_in_both_languages(client, query, expected):  # type: ignore[no-untyped-def]
    data = client.get("/search.json", query_string={"q": query}).get_json()
    assert expected in [item["iri"] for item in data["items"][:3]]


def test_search_page_and_csv(client):  # type: ignore[no-untyped-def]
    html = client.get("/search?q=Mulhouse").get_data(as_text=True)
    assert '<a class="hit" href="/id/territory/commune-68224">Mulhouse</a>' in html
    rows = rows_of(client.get("/search.csv?q=Mulhouse"))
    assert rows[0]["iri"] == MULHOUSE
    assert client.get("/search?q=zzzzqqqq").status_code == 200


@pytest.mark.parametrize("query", ["q=" + "x" * 500, "page=-1", "page=x", "q=a&sort=1"])
def test_search_bad_parameters_are_400(client, query):  # type: ignore[no-untyped-def]
    assert client.get(f"/search.json?{query}").status_code == 400


def test_search_index_follows_changes(tmp_path):  # type: ignore[no-untyped-def]
    from thc_graph import ingest
    from thc_graph.namespaces import GRAPH

    store = seeded_store(hostile=False)
    client = create_app({"store": "memory", "dumps_dir": str(tmp_path)}, store=store).test_client()
    assert client.get("/search.json?q=zanzibar").get_json()["total"] == 0
    extra = tmp_path / "extra.ttl"
    extra.write_text('<https://w3id.org/thc/id/actor/zanzibar> a <https://w3id.org/thc/ontology#Company> ;'
                     ' <http://www.w3.org/2000/01/rdf-schema#label> "Zanzibar SA"@fr .\n')
    ingest.ingest(store, [ingest.parse_file(extra)], GRAPH["test/extra"], validate=False)
    assert client.get("/search.json?q=zanzibar").get_json()["total"] == 1


# -- dashboard, map, network --------------------------------------------------------------------

def test_dashboard_lists_territories_plans_and_commitments(client):  # type: ignore[no-untyped-def]
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/id/territory/commune-68224"' in html
    assert 'href="/id/plan/mulhouse-2014"' in html
    assert 'href="/id/commitment/mulhouse-2014-municipal-organisation"' in html
    data = client.get("/dashboard.json").get_json()
    mulhouse = next(t for t in data["territories"] if t["iri"] == MULHOUSE)
    assert mulhouse["plans"][0]["commitments"]
    rows = rows_of(client.get("/dashboard.csv"))
    assert any(r["territory"] == MULHOUSE for r in rows)


def test_dashboard_shows_latest_status_and_history(tmp_path):  # type: ignore[no-untyped-def]
    from thc_graph import ingest
    from thc_graph.namespaces import GRAPH

    store = seeded_store(hostile=False)
    reports = tmp_path / "reports.ttl"
    reports.write_text("""
@prefix thc: <https://w3id.org/thc/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/thc/id/report/r1> a thc:ProgressReport ; rdfs:label "Rapport 1"@fr ;
  thc:aboutCommitment <https://w3id.org/thc/id/commitment/mulhouse-2014-municipal-organisation> ;
  dct:date "2015-01-10"^^xsd:date ; thc:completion <https://w3id.org/thc/scheme/irm-completion/limited> .
<https://w3id.org/thc/id/report/r2> a thc:ProgressReport ; rdfs:label "Rapport 2"@fr ;
  thc:aboutCommitment <https://w3id.org/thc/id/commitment/mulhouse-2014-municipal-organisation> ;
  dct:date "2016-01-10"^^xsd:date ; thc:completion <https://w3id.org/thc/scheme/irm-completion/complete> ;
  prov:wasRevisionOf <https://w3id.org/thc/id/report/r1> .
""")
    ingest.ingest(store, [ingest.parse_file(reports)], GRAPH["test/reports"], validate=False)
    client = create_app({"store": "memory", "dumps_dir": str(tmp_path)}, store=store).test_client()
    data = client.get("/dashboard.json").get_json()
    mulhouse = next(t for t in data["territories"] if t["iri"] == MULHOUSE)
    commitment = next(c for c in mulhouse["plans"][0]["commitments"] if c["iri"].endswith("municipal-organisation"))
    assert commitment["status"].endswith("/complete") and commitment["reports"] == 2
    assert mulhouse["progress"] > 0
    html = client.get("/id/commitment/mulhouse-2014-municipal-organisation.html").get_data(as_text=True)
    history = html.split('class="history"', 1)[1].split("</section>", 1)[0]
    assert history.index("2015-01-10") < history.index("2016-01-10")  # date order


def test_map_page_and_twins(client):  # type: ignore[no-untyped-def]
    html = client.get("/map").get_data(as_text=True)
    assert 'id="map"' in html and "leaflet.js" in html
    assert 'href="/id/territory/commune-68224"' in html  # readable without JavaScript
    markers = client.get("/map.json").get_json()["markers"]
    assert any(m["iri"] == MULHOUSE and m["lat"] == pytest.approx(47.7527) for m in markers)
    assert any(r["iri"] == MULHOUSE for r in rows_of(client.get("/map.csv")))


def test_network_page(client):  # type: ignore[no-untyped-def]
    html = client.get("/network").get_data(as_text=True)
    assert 'id="network"' in html and 'data-src="/-/network.json"' in html and "cytoscape.min.js" in html


# -- SPARQL for people --------------------------------------------------------------------------

def test_editor_preloads_every_named_query(client):  # type: ignore[no-untyped-def]
    from thc_graph import queries

    html = client.get("/editor").get_data(as_text=True)
    assert 'id="yasgui"' in html and "/static/dist/yasgui/yasgui.min.js" in html
    for query in queries.load_all().values():
        assert f'href="/queries/{query.name}"' in html


def test_queries_list_and_twins(client):  # type: ignore[no-untyped-def]
    assert "commitments_of_territory" in client.get("/queries").get_data(as_text=True)
    names = [q["name"] for q in client.get("/queries.json").get_json()["queries"]]
    assert "actors_by_type" in names
    assert any(r["name"] == "actors_by_type" for r in rows_of(client.get("/queries.csv")))


def test_named_query_page_form_then_results(client):  # type: ignore[no-untyped-def]
    html = client.get("/queries/commitments_of_territory").get_data(as_text=True)
    assert 'name="territory"' in html and "<table" not in html
    html = client.get(f"/queries/commitments_of_territory?territory={MULHOUSE}").get_data(as_text=True)
    assert 'class="results"' in html and "mulhouse-2014-municipal-organisation" in html
    data = client.get(f"/queries/commitments_of_territory.json?territory={MULHOUSE}").get_json()
    assert data["rows"] and data["rows"][0]["territory"] == MULHOUSE
    rows = rows_of(client.get(f"/queries/commitments_of_territory.csv?territory={MULHOUSE}"))
    assert rows and rows[0]["territory"] == MULHOUSE


@pytest.mark.parametrize(("path", "status"), [
    ("/queries/commitments_of_territory.json?territory=not%20an%20iri", 400),
    ("/queries/commitments_of_territory.json", 400),
    ("/queries/commitments_of_territory.json?territory=" + MULHOUSE + "&colour=red", 400),
    ("/queries/no_such_query.json", 404),
])
def test_named_query_bad_input(client, path, status):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == status
    assert response.get_json()["message"]


# -- languages ----------------------------------------------------------------------------------

def test_language_choice_order() -> None:
    assert i18n.choose("en", "fr", [("fr", 1.0)], "fr") == "en"
    assert i18n.choose(None, "en", [("fr", 1.0)], "fr") == "en"
    assert i18n.choose(None, None, [("de", 1.0), ("en-US", 0.8)], "fr") == "en"
    assert i18n.choose("xx", None, [], "fr") == "fr"


def test_every_interface_word_exists_in_both_languages() -> None:
    assert set(i18n.UI["fr"]) == set(i18n.UI["en"])


@pytest.mark.parametrize("path", ["/", "/class/Actor", "/search?q=mulhouse", "/dashboard", "/map", "/network",
                                  "/editor", "/queries", "/ontology", "/data"])
def test_pages_switch_language(client, path):  # type: ignore[no-untyped-def]
    sep = "&" if "?" in path else "?"
    fr = client.get(path).get_data(as_text=True)
    en = client.get(f"{path}{sep}lang=en").get_data(as_text=True)
    assert '<html lang="fr">' in fr and '<html lang="en">' in en
    assert "Accueil" in fr and "Home" in en

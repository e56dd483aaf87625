"""Dereferencing data IRIs and the ontology: 303 scheme, negotiation of every format, alternates, 404, escaping."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.web_support import seeded_store
from thc_graph.app import create_app
from thc_graph.describe import resource_triples

MULHOUSE = "https://w3id.org/thc/id/territory/commune-68224"
MULHOUSE_PATH = "/id/territory/commune-68224"


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    return seeded_store()


@pytest.fixture(scope="module")
def client(store, tmp_path_factory):  # type: ignore[no-untyped-def]
    app = create_app({"store": "memory", "dumps_dir": str(tmp_path_factory.mktemp("dumps"))}, store=store)
    return app.test_client(use_cookies=False)


def expected_graph(store) -> rdflib.Graph:  # type: ignore[no-untyped-def]
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(resource_triples(store, MULHOUSE), format=ox.RdfFormat.N_TRIPLES).decode(),
                format="nt")
    return graph


ACCEPT_CASES = [
    ("text/html,application/xhtml+xml,*/*;q=0.8", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
    ("*/*", "html"),
    ("", "html"),
]


@pytest.mark.parametrize(("accept", "suffix"), ACCEPT_CASES, ids=[c[1] + ":" + (c[0] or "none") for c in ACCEPT_CASES])
def test_data_iri_answers_303_to_the_negotiated_document(client, accept, suffix):  # type: ignore[no-untyped-def]
    response = client.get(MULHOUSE_PATH, headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{MULHOUSE_PATH}.{suffix}")
    assert "Accept" in response.headers["Vary"]
    for alt in ("ttl", "jsonld", "nt", "rdf", "html"):
        assert f"<{MULHOUSE_PATH}.{alt}>" in response.headers["Link"]


@pytest.mark.parametrize(("override", "suffix"), [("turtle", "ttl"), ("jsonld", "jsonld"), ("nt", "nt"),
                                                   ("rdfxml", "rdf"), ("html", "html")])
def test_format_parameter_overrides_accept(client, override, suffix):  # type: ignore[no-untyped-def]
    response = client.get(f"{MULHOUSE_PATH}?format={override}", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f".{suffix}")


def test_unknown_format_parameter_is_406_not_500(client):  # type: ignore[no-untyped-def]
    response = client.get(f"{MULHOUSE_PATH}?format=docx")
    assert response.status_code == 406
    assert "docx" in response.get_data(as_text=True)


RDF_DOCS = [("ttl", "text/turtle", "turtle"), ("nt", "application/n-triples", "nt"),
            ("rdf", "application/rdf+xml", "xml"), ("jsonld", "application/ld+json", "json-ld")]


@pytest.mark.parametrize(("suffix", "media", "parser"), RDF_DOCS, ids=[d[0] for d in RDF_DOCS])
def test_documents_hold_the_resource_statements(client, store, suffix, media, parser):  # type: ignore[no-untyped-def]
    response = client.get(f"{MULHOUSE_PATH}.{suffix}")
    assert response.status_code == 200
    assert response.mimetype == media
    assert response.headers["Content-Location"] == f"{MULHOUSE_PATH}.{suffix}"
    assert 'rel="alternate"' in response.headers["Link"]
    body = response.get_data(as_text=True)
    if parser == "json-ld":
        document = json.loads(body)
        assert document["@context"].endswith("/context.jsonld")
        context = client.get("/context.jsonld").get_json()
        document["@context"] = context["@context"]
        body = json.dumps(document)
    graph = rdflib.Graph()
    graph.parse(data=body, format=parser)
    assert isomorphic(graph, expected_graph(store))


def test_jsonld_is_compacted_with_our_prefixes(client):  # type: ignore[no-untyped-def]
    document = client.get(f"{MULHOUSE_PATH}.jsonld").get_json()
    assert "rdfs:label" in document
    assert "thc:within" in document
    context = client.get("/context.jsonld")
    assert context.mimetype == "application/ld+json"
    assert context.get_json()["@context"]["thc"] == "https://w3id.org/thc/ontology#"


def test_html_document_is_the_resource_page(client):  # type: ignore[no-untyped-def]
    response = client.get(f"{MULHOUSE_PATH}.html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<h1 id="label">Mulhouse</h1>' in html
    assert f'href="{MULHOUSE_PATH}.ttl"' in html


@pytest.mark.parametrize("path", ["/scheme/themes/governance", "/scheme/themes", "/graph/seed"])
def test_schemes_and_graphs_dereference_the_same_way(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("path", ["/id/actor/nobody-at-all", "/id/territory/commune-68224x", "/id/../etc/passwd",
                                  "/id/actor/%3Cscript%3E", "/scheme/nothing"])
def test_unknown_iri_is_a_404_page_offering_a_search(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'action="/search"' in html
    assert "<script>" not in html.split("</header>", 1)[1]


def test_unknown_iri_for_a_machine_is_a_json_404(client):  # type: ignore[no-untyped-def]
    response = client.get("/id/actor/nobody-at-all", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


# -- the ontology -------------------------------------------------------------------------------

ONTO_CASES = [("text/turtle", "text/turtle", "turtle"), ("application/ld+json", "application/ld+json", None),
              ("application/n-triples", "application/n-triples", "nt"),
              ("application/rdf+xml", "application/rdf+xml", "xml"), ("text/html", "text/html", None)]


@pytest.mark.parametrize(("accept", "media", "parser"), ONTO_CASES, ids=[c[0] for c in ONTO_CASES])
def test_ontology_negotiates(client, accept, media, parser):  # type: ignore[no-untyped-def]
    response = client.get("/ontology", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
    assert "Accept" in response.headers["Vary"]
    assert '</ontology.ttl>; rel="alternate"' in response.headers["Link"]
    if parser:
        graph = rdflib.Graph()
        graph.parse(data=response.get_data(as_text=True), format=parser)
        actor = rdflib.URIRef("https://w3id.org/thc/ontology#Actor")
        assert (actor, rdflib.RDF.type, rdflib.OWL.Class) in graph


@pytest.mark.parametrize("suffix", ["ttl", "jsonld", "nt", "rdf", "html"])
def test_ontology_suffixes(client, suffix):  # type: ignore[no-untyped-def]
    assert client.get(f"/ontology.{suffix}").status_code == 200


def test_ontology_terms_resolve_to_their_section(client):  # type: ignore[no-untyped-def]
    """A hash IRI (thc:Actor) is fetched as /ontology; its section documents it."""
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    section = html.split('id="Actor"', 1)[1].split("</section>", 1)[0]
    assert "Acteur" in section and "Actor" in section  # labels in both languages
    assert "Personne, organisation ou groupe" in section  # definition
    assert "foaf:Agent" in section  # alignment
    assert "ActorShape" in section  # shapes that apply
    assert 'href="/class/Actor"' in section  # how many resources use it, linked to the index
    prop = html.split('id="actorType"', 1)[1].split("</section>", 1)[0]
    assert "ActorShape" in prop


def test_ontology_in_english(client):  # type: ignore[no-untyped-def]
    html = client.get("/ontology?lang=en").get_data(as_text=True)
    assert "A person, organisation or group" in html


# -- the resource page --------------------------------------------------------------------------

def test_resource_page_shows_labels_links_both_ways_and_sources(client):  # type: ignore[no-untyped-def]
    html = client.get(f"{MULHOUSE_PATH}.html").get_data(as_text=True)
    assert "Commune du Haut-Rhin" in html  # French description by default
    assert 'href="/id/territory/departement-68"' in html  # outbound value linked by label
    assert "Haut-Rhin" in html
    inbound = html.split('class="inbound"', 1)[1]
    assert "Ville de Mulhouse" in inbound  # the city government points at its territory
    assert 'class="count">(' in inbound
    provenance = html.split('class="provenance"', 1)[1]
    assert "Seed" in provenance and "creativecommons.org/licenses/by/4.0" in provenance
    assert 'id="small-map"' in html and 'data-lat="47.7527"' in html


def test_resource_page_language_switch_is_remembered(store, tmp_path):  # type: ignore[no-untyped-def]
    client = create_app({"store": "memory", "dumps_dir": str(tmp_path)}, store=store).test_client()
    html = client.get("/id/actor/commune-68224.html?lang=en").get_data(as_text=True)
    assert "City of Mulhouse" in html and 'lang="en"' in html
    html = client.get("/id/actor/commune-68224.html").get_data(as_text=True)  # the cookie remembers
    assert "City of Mulhouse" in html
    html = client.get("/id/actor/commune-68224.html?lang=fr").get_data(as_text=True)
    assert "Ville de Mulhouse" in html


def test_accept_language_is_honoured(client):  # type: ignore[no-untyped-def]
    html = client.get("/id/actor/commune-68224.html", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True)
    assert "City of Mulhouse" in html
    response = client.get("/id/actor/commune-68224.html", headers={"Accept-Language": "de"})
    assert "Ville de Mulhouse" in response.get_data(as_text=True)  # neither: French, the default
    assert "Accept-Language" in response.headers["Vary"]


def test_missing_language_falls_back_to_the_other(client):  # type: ignore[no-untyped-def]
    # the hostile fixture's description exists only in French
    html = client.get("/id/actor/hostile.html?lang=en").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(3)&gt; &amp; co" in html


def test_commitment_page_has_its_history(client):  # type: ignore[no-untyped-def]
    html = client.get("/id/commitment/mulhouse-2014-municipal-organisation.html").get_data(as_text=True)
    assert 'class="history"' in html


def test_actor_page_has_an_ego_network(client):  # type: ignore[no-untyped-def]
    html = client.get("/id/actor/democratie-ouverte.html").get_data(as_text=True)
    assert 'id="ego-network"' in html and "cytoscape.min.js" in html


# -- hostile data -------------------------------------------------------------------------------

HOSTILE_PAGES = ["/id/actor/hostile.html", "/id/actor/hostile.html?lang=en", "/class/CivilSocietyOrganization",
                 "/class/Territory", "/search?q=script", "/search?q=onmouseover", "/map", "/class/Actor?lang=en",
                 "/id/source/article-2015-thc.html", "/id/territory/commune-99999.html"]


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_hostile_labels_render_as_text(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert '" onmouseover=alert' not in html
    assert 'href="javascript:' not in html
    assert "<b onclick" not in html
    if "hostile" in path:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&#34; onmouseover=alert(2)" in html


def test_hostile_territory_is_on_the_map_as_text(client):  # type: ignore[no-untyped-def]
    html = client.get("/map").get_data(as_text=True)
    assert "Villa&#34; onmouseover=alert(5) x=&#34;ge" in html
    markers = client.get("/map.json").get_json()["markers"]
    assert any(m["label"] == 'Villa" onmouseover=alert(5) x="ge' for m in markers)  # JSON keeps the text as is


def test_no_page_loads_anything_from_another_host(client):  # type: ignore[no-untyped-def]
    for path in ["/", f"{MULHOUSE_PATH}.html", "/editor", "/map", "/network", "/dashboard"]:
        html = client.get(path).get_data(as_text=True)
        for attribute in ('src="http', "src='http", 'href="//', 'src="//'):
            assert attribute not in html, (path, attribute)
        assert 'rel="stylesheet" href="http' not in html


def test_static_files_are_served(client):  # type: ignore[no-untyped-def]
    built = Path(__file__).parents[1] / "web" / "static" / "dist"
    for name in ["css/site.css", "js/site.js", "js/editor.js", "dist/yasgui/yasgui.min.js", "dist/leaflet/leaflet.js",
                 "dist/cytoscape/cytoscape.min.js"]:
        assert (built.parent / name).is_file(), f"run `make web` first: {name} is missing"
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        response.close()  # send_file streams the file: close it


# -- 404 everywhere -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/no/such/page", "/dumps/nothing.ttl", "/class/Nothing", "/queries/no_such_query",
                                  "/sitemap-999.xml"])
def test_every_html_404_offers_a_search(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    main = response.get_data(as_text=True).split('<main id="content">', 1)[1]
    assert 'class="big-search"' in main and 'action="/search"' in main
    assert "<code>" + path + "</code>" in main


def test_a_404_page_searches_the_last_words_of_the_path(client):  # type: ignore[no-untyped-def]
    html = client.get("/no/such/mulhouse", headers={"Accept": "text/html"}).get_data(as_text=True)
    main = html.split('<main id="content">', 1)[1]
    assert 'value="mulhouse"' in main
    assert 'href="/id/territory/commune-68224"' in main  # a hit


def test_a_404_page_says_why_when_it_knows(client):  # type: ignore[no-untyped-def]
    main = client.get("/sitemap-999.xml", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "there is no sitemap page 999" in main
    main = client.get("/no/such/page", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "requested URL was not found" not in main  # werkzeug's English default adds nothing


def test_a_404_page_escapes_the_path(client):  # type: ignore[no-untyped-def]
    response = client.get("/%3Cscript%3Ealert(1)%3C/script%3E", headers={"Accept": "text/html"})
    assert response.status_code == 404
    main = response.get_data(as_text=True).split("</header>", 1)[1]
    assert "<script>" not in main and "alert(1)" in main
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main
    head = response.get_data(as_text=True).split("</header>", 1)[0]
    assert "<script>alert" not in head


@pytest.mark.parametrize(("path", "headers", "mimetype"), [
    ("/no/such/page", {"Accept": "application/json"}, "application/json"),
    ("/api/no/such/thing", {"Accept": "text/html"}, "application/json"),
    ("/sparql/no/such", {"Accept": "text/html"}, "text/plain"),
    ("/no/such/page", {}, "text/plain"),
])
def test_404_for_machines_is_unchanged(client, path, headers, mimetype):  # type: ignore[no-untyped-def]
    response = client.get(path, headers=headers)
    assert response.status_code == 404 and response.mimetype == mimetype
    if mimetype == "application/json":
        assert response.get_json()["status"] == 404

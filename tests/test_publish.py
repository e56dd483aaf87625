"""For reusers: VoID with partitions and linksets, the DCAT catalogue, dumps kept current, the sitemap."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib

from tests.web_support import seeded_store
from thc_graph import ingest
from thc_graph.app import create_app
from thc_graph.namespaces import GRAPH
from thc_graph.views import publish

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DATASET = rdflib.URIRef("https://w3id.org/thc/dataset")


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    return seeded_store(hostile=False)


@pytest.fixture(scope="module")
def client(store, tmp_path_factory):  # type: ignore[no-untyped-def]
    app = create_app({"store": "memory", "dumps_dir": str(tmp_path_factory.mktemp("dumps"))}, store=store)
    return app.test_client(use_cookies=False)


def graph_of(response, fmt: str = "turtle") -> rdflib.Graph:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    graph = rdflib.Graph()
    graph.parse(data=response.get_data(as_text=True), format=fmt)
    return graph


def test_void_describes_partitions_subsets_and_linksets(client):  # type: ignore[no-untyped-def]
    void = graph_of(client.get("/.well-known/void"))
    assert (DATASET, rdflib.RDF.type, VOID.Dataset) in void
    assert void.value(DATASET, VOID.sparqlEndpoint) is not None
    classes = {void.value(p, VOID["class"]) for p in void.objects(DATASET, VOID.classPartition)}
    assert rdflib.URIRef("https://w3id.org/thc/ontology#Territory") in classes
    props = {void.value(p, VOID.property): int(void.value(p, VOID.triples))
             for p in void.objects(DATASET, VOID.propertyPartition)}
    assert props[rdflib.URIRef("http://www.w3.org/2000/01/rdf-schema#label")] > 10
    linksets = [s for s in void.objects(DATASET, VOID.subset) if (s, rdflib.RDF.type, VOID.Linkset) in void]
    targets = {str(void.value(s, VOID.objectsTarget)) for s in linksets}
    assert {"https://www.wikidata.org/", "http://id.insee.fr/"} <= targets
    for linkset in linksets:
        assert int(void.value(linkset, VOID.triples)) > 0
        assert void.value(linkset, VOID.linkPredicate) is not None
    assert rdflib.URIRef("https://w3id.org/thc/graph/seed") in set(void.objects(DATASET, VOID.subset))


@pytest.mark.parametrize(("accept", "fmt"), [("application/ld+json", None), ("application/n-triples", "nt"),
                                             ("application/rdf+xml", "xml")])
def test_void_negotiates(client, accept, fmt):  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.mimetype == accept
    if fmt:
        assert (DATASET, rdflib.RDF.type, VOID.Dataset) in graph_of(response, fmt)


def test_dcat_has_one_dataset_per_graph_with_licence_and_distributions(client, store):  # type: ignore[no-untyped-def]
    dcat = graph_of(client.get("/catalog"))
    catalog = rdflib.URIRef("https://w3id.org/thc/catalog")
    datasets = set(dcat.objects(catalog, DCAT.dataset))
    for graph in store.named_graphs():
        assert rdflib.URIRef(graph.value) in datasets
    seed = rdflib.URIRef("https://w3id.org/thc/graph/seed")
    assert str(dcat.value(seed, DCT.license)) == "https://creativecommons.org/licenses/by/4.0/"
    urls = {str(dcat.value(d, DCAT.downloadURL)) for d in dcat.objects(seed, DCAT.distribution)}
    assert any(u.endswith("/dumps/graph/seed.nq.gz") for u in urls)
    assert any(u.endswith("/dumps/graph/seed.ttl") for u in urls)
    assert (None, rdflib.RDF.type, DCAT.DataService) in dcat


def test_dumps_hold_the_data(client, store):  # type: ignore[no-untyped-def]
    response = client.get("/dumps/all.nq.gz")
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    quads = set(ox.parse(gzip.decompress(response.get_data()), format=ox.RdfFormat.N_QUADS))
    response.close()
    assert quads == set(store.quads())
    response = client.get("/dumps/graph/seed.ttl")
    graph = graph_of(response)
    response.close()
    assert len(graph) == store.count(GRAPH.seed)


def test_dumps_are_rebuilt_after_a_change(tmp_path):  # type: ignore[no-untyped-def]
    store = seeded_store(hostile=False)
    client = create_app({"store": "memory", "dumps_dir": str(tmp_path / "dumps")}, store=store).test_client()
    response = client.get("/dumps/all.nq.gz")
    before = gzip.decompress(response.get_data())
    response.close()
    extra = tmp_path / "extra.ttl"
    extra.write_text('<https://w3id.org/thc/id/actor/zanzibar> <http://www.w3.org/2000/01/rdf-schema#label> "Z"@fr .\n')
    ingest.ingest(store, [ingest.parse_file(extra)], GRAPH["test/extra"], validate=False)
    response = client.get("/dumps/all.nq.gz")
    after = gzip.decompress(response.get_data())
    response.close()
    assert b"zanzibar" not in before and b"zanzibar" in after
    response = client.get("/dumps/graph/test/extra.ttl")
    assert response.status_code == 200
    response.close()
    assert len([d for d in (tmp_path / "dumps").iterdir() if d.is_dir()]) == 1  # old dumps removed


@pytest.mark.parametrize("name", ["nothing.ttl", "all.zip", "graph/nope.ttl", "../etc/passwd"])
def test_unknown_dump_is_404(client, name):  # type: ignore[no-untyped-def]
    assert client.get(f"/dumps/{name}").status_code == 404


def test_data_page_lists_every_dump(client):  # type: ignore[no-untyped-def]
    html = client.get("/data").get_data(as_text=True)
    assert 'href="/dumps/all.nq.gz"' in html and 'href="/dumps/graph/seed.ttl"' in html
    assert 'href="/.well-known/void"' in html and 'href="/catalog"' in html


def test_sitemap_lists_pages_and_resources(client):  # type: ignore[no-untyped-def]
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    urls = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert any(u.endswith("/id/territory/commune-68224") for u in urls)
    assert any(u.endswith("/class/Actor") for u in urls)


SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locs(response) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """(root element name, the <loc>s) of a sitemap or sitemap index."""
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    return root.tag.removeprefix(SM), [loc.text for loc in root.iter(SM + "loc")]


def test_small_sitemap_is_one_urlset_also_served_as_page_1(client):  # type: ignore[no-untyped-def]
    kind, urls = locs(client.get("/sitemap.xml"))
    assert kind == "urlset"
    assert len(urls) == len(set(urls))
    assert locs(client.get("/sitemap-1.xml")) == (kind, urls)
    assert client.get("/sitemap-2.xml").status_code == 404


def test_large_sitemap_is_an_index_of_pages_covering_every_resource_once(client, store,  # type: ignore[no-untyped-def]
                                                                          monkeypatch):
    kind, whole = locs(client.get("/sitemap.xml"))
    assert kind == "urlset"
    resources = {row["s"].value.removeprefix("https://w3id.org/thc/") for row in store.select(
        "SELECT DISTINCT ?s WHERE { ?s a ?t FILTER(STRSTARTS(STR(?s), 'https://w3id.org/thc/id/')) }")}
    assert len(resources) > 20
    monkeypatch.setattr(publish, "SITEMAP_PAGE_SIZE", 10)
    kind, pages = locs(client.get("/sitemap.xml"))
    assert kind == "sitemapindex"
    assert len(pages) == -(-len(whole) // 10)
    assert pages == [f"http://localhost/sitemap-{n}.xml" for n in range(1, len(pages) + 1)]
    listed: list[str] = []
    for page in pages:
        kind, urls = locs(client.get(page.removeprefix("http://localhost")))
        assert kind == "urlset" and 1 <= len(urls) <= 10
        listed += urls
    assert listed == whole  # the same order everywhere, so pages are stable
    assert len(listed) == len(set(listed))  # no URL twice
    local = {u.removeprefix("http://localhost/") for u in listed}
    assert {u for u in local if u.startswith("id/")} == resources
    assert {"", "search", "class/Actor"} <= local
    last = len(pages)
    for missing in (0, last + 1, 10**30):
        response = client.get(f"/sitemap-{missing}.xml", headers={"Accept": "application/json"})
        assert response.status_code == 404
        assert f"/sitemap-{last}.xml" in response.get_json()["message"]
    assert client.get("/sitemap-01.xml").status_code == 404  # one URL per page


@pytest.mark.parametrize("page", ["abc", "-1", "1.5", "%C2%B2", "1x"])
def test_sitemap_page_that_is_not_a_number_is_400(client, page):  # type: ignore[no-untyped-def]
    response = client.get(f"/sitemap-{page}.xml", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "not a number" in response.get_json()["message"]


def test_sitemap_follows_a_change_of_the_store(tmp_path):  # type: ignore[no-untyped-def]
    store = seeded_store(hostile=False)
    client = create_app({"store": "memory", "dumps_dir": str(tmp_path / "dumps")}, store=store).test_client()
    assert not any(u.endswith("/id/actor/zanzibar") for u in locs(client.get("/sitemap.xml"))[1])
    extra = tmp_path / "extra.ttl"
    extra.write_text("<https://w3id.org/thc/id/actor/zanzibar> a <https://w3id.org/thc/ontology#Actor> .\n")
    ingest.ingest(store, [ingest.parse_file(extra)], GRAPH["test/extra"], validate=False)
    assert any(u.endswith("/id/actor/zanzibar") for u in locs(client.get("/sitemap.xml"))[1])

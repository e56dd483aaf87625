"""The search index follows the store write by write (thc_graph.search, thc_graph.changes): contributions, ingests,
withdrawals and restorations update it for the IRIs they touched; writes the change log cannot follow rebuild it;
withdrawn contributions are neither searchable nor labels; readers never see an index half updated."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from thc_graph import formats, ingest, search
from thc_graph.app import create_app
from thc_graph.describe import Labeller
from thc_graph.namespaces import DCT, GRAPH, META_GRAPH, RDFS
from thc_graph.search import Index, Searcher
from thc_graph.views.site import searcher as app_searcher

from .contrib_env import ID, PREFIXES, Env, make_env, report_ttl

CONTRIB = "https://w3id.org/thc/graph/contribution/"
EX = "https://w3id.org/thc/id/test/"
_REAL_BUILD = search.build_index  # before any test counts its calls


def _fresh(store) -> Index:  # type: ignore[no-untyped-def]
    """An index built from scratch (not counted as a build of the searcher)."""
    return _REAL_BUILD(store)


@pytest.fixture
def env(seed_store, tmp_path) -> Env:
    """The contribution tests' app and tokens, with a rate limit the threads below do not reach."""
    made = make_env(seed_store, tmp_path)
    overrides = {"store": str(made.store.path), "tokens_file": str(tmp_path / "tokens.json"),
                 "rate_limit_per_minute": "1000000"}
    return Env(create_app(overrides, store=made.store), made.store, made.settings, made.secrets)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every full build of an index, counted (the incremental path must not call build_index)."""
    calls: list[int] = []
    real = search.build_index

    def counted(store):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(store)

    monkeypatch.setattr(search, "build_index", counted)
    return calls


def searcher_of(env: Env) -> Searcher:
    with env.app.app_context():
        return app_searcher()


def found(env: Env, query: str) -> list[str]:
    response = env.client.get("/search.json", query_string={"q": query})
    assert response.status_code == 200, response.json
    return [item["iri"] for item in response.json["items"]]


def labels(env: Env, iri: str) -> set[tuple[str, str | None]] | None:
    """The labels of `iri` in the table pages read (None: the table is not current)."""
    table = searcher_of(env).labels_if_ready()
    if table is None:
        return None
    return {(lit.value, lit.language) for lit in table.get(f"<{iri}>", [])}


def assert_same_as_fresh(index: Index, store) -> None:  # type: ignore[no-untyped-def]
    """The index equals one built from scratch from the same store, table by table."""
    fresh = _fresh(store)
    assert index.postings == fresh.postings
    assert index.labels == fresh.labels
    assert {key: found for key, found in index.display.items() if found} == fresh.display  # see apply()
    assert index.vocabulary == fresh.vocabulary
    assert {s: set(w) for s, w in index.words_of.items()} == {s: set(w) for s, w in fresh.words_of.items()}


def turtle(body: str) -> ingest.Parsed:
    data = (PREFIXES + "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n" + body).encode()
    return ingest.parse_bytes(data, "test.ttl", formats.rdf_format_for("test.ttl"), base_iri=ID)


def ingest_graph(env: Env, graph: str, body: str) -> None:
    ingest.ingest(env.store, [turtle(body)], ox.NamedNode(graph), title=graph.rsplit("/", 1)[-1], validate=False)


def withdraw(env: Env, graph: str, who: str = "mulhouse") -> None:
    response = env.client.post("/api/contributions/" + graph[len(CONTRIB):] + "/withdraw", headers=env.auth(who))
    assert response.status_code == 200, response.json


def restore(env: Env, graph: str) -> None:
    response = env.client.post("/api/contributions/" + graph[len(CONTRIB):] + "/restore", headers=env.auth("admin"))
    assert response.status_code == 200, response.json


def contribute(env: Env, body: str, who: str = "mulhouse") -> str:
    response = env.post(who, body)
    assert response.status_code == 201, response.json
    return str(response.json["graph"])


# -- contributions and ingests --------------------------------------------------------------------------------------

def test_a_contribution_is_found_at_once_without_a_rebuild(env, builds):
    assert ID + "territory/commune-68224" in found(env, "mulhouse")
    assert len(builds) == 1
    contribute(env, report_ttl("quetzalcoatl"))
    assert found(env, "quetzalcoatl") == [ID + "report/quetzalcoatl"]
    assert ID + "report/quetzalcoatl" in found(env, "avancement quetz")  # the description, the last word unfinished
    assert labels(env, ID + "report/quetzalcoatl") == {("Rapport quetzalcoatl", "fr")}
    assert len(builds) == 1 and searcher_of(env).updates >= 1
    assert_same_as_fresh(searcher_of(env).index(), env.store)


def test_a_replaced_graph_loses_its_old_labels(env, builds):
    graph = GRAPH["test/replaced"].value
    ingest_graph(env, graph, f'<{EX}thing> rdfs:label "Ornithorynque alpha"@fr ; dct:description "Pangolin"@fr .')
    assert found(env, "ornithorynque") == [EX + "thing"]
    assert found(env, "pangolin") == [EX + "thing"]
    ingest_graph(env, graph, f'<{EX}thing> rdfs:label "Tamanoir beta"@fr .')
    assert found(env, "ornithorynque") == [] and found(env, "ornith") == [] and found(env, "pangolin") == []
    assert found(env, "tamanoir") == [EX + "thing"]
    index = searcher_of(env).index()
    assert "ornithorynque" not in index.vocabulary and "pangolin" not in index.postings
    assert labels(env, EX + "thing") == {("Tamanoir beta", "fr")}
    assert len(builds) == 1
    assert_same_as_fresh(index, env.store)


def test_labels_if_ready_follows_a_small_change_within_the_request(env, builds):
    assert searcher_of(env).index() is not None
    contribute(env, report_ttl("axolotl"))
    # no rebuild to wait for: the table pages read is current at once, with the new label
    assert labels(env, ID + "report/axolotl") == {("Rapport axolotl", "fr")}
    assert len(builds) == 1


# -- withdrawal and restoration --------------------------------------------------------------------------------------

def test_a_withdrawn_contribution_is_not_searchable_and_comes_back_when_restored(env, builds):
    report = ID + "report/walrus"
    first = contribute(env, report_ttl("walrus"))
    second = contribute(env, PREFIXES + f'<{report}> rdfs:label "Narwhal report"@en ; dct:description "Beluga"@en .')
    assert found(env, "narwhal") == [report] and found(env, "beluga") == [report]
    assert labels(env, report) == {("Rapport walrus", "fr"), ("Narwhal report", "en")}

    withdraw(env, second)
    assert found(env, "narwhal") == [] and found(env, "beluga") == []
    assert found(env, "walrus") == [report]  # what the first contribution says is still public
    assert labels(env, report) == {("Rapport walrus", "fr")}
    index = searcher_of(env).index()
    assert "narwhal" not in index.vocabulary
    assert_same_as_fresh(index, env.store)

    withdraw(env, first)
    assert found(env, "walrus") == [] and found(env, "rapport walrus") == []
    table = searcher_of(env).labels_if_ready()
    assert table is not None and not table.get(f"<{report}>")  # no label left (an empty entry: see apply())

    restore(env, second)
    assert found(env, "narwhal") == [report] and found(env, "walrus") == []
    assert labels(env, report) == {("Narwhal report", "en")}
    restore(env, first)
    assert labels(env, report) == {("Rapport walrus", "fr"), ("Narwhal report", "en")}
    assert len(builds) == 1
    assert_same_as_fresh(searcher_of(env).index(), env.store)


def test_a_full_build_leaves_withdrawn_contributions_out(env):
    report = ID + "report/okapi"
    graph = contribute(env, report_ttl("okapi"))
    assert "okapi" in _fresh(env.store).postings
    withdraw(env, graph)
    fresh = _fresh(env.store)
    assert "okapi" not in fresh.postings and report not in fresh.labels and f"<{report}>" not in fresh.display
    assert report not in fresh.words_of


# -- writes the change log cannot follow ----------------------------------------------------------------------------

def test_a_raw_sparql_update_rebuilds_the_index(env, builds):
    assert found(env, "mulhouse")
    assert len(builds) == 1
    env.store.update(f'INSERT DATA {{ GRAPH <{GRAPH["test/raw"].value}> {{ '
                     f'<{EX}raw> <{RDFS.label.value}> "Ornithorynque brut"@fr }} }}')
    assert found(env, "ornithorynque") == [EX + "raw"]
    assert len(builds) == 2
    env.store.update(f'DELETE WHERE {{ GRAPH ?g {{ <{EX}raw> ?p ?o }} }}')
    assert found(env, "ornithorynque") == []
    assert len(builds) == 3
    assert_same_as_fresh(searcher_of(env).index(), env.store)


def test_labels_if_ready_rebuilds_in_the_background_after_an_unknown_write(env, builds):
    s = searcher_of(env)
    assert s.labels_if_ready() is None  # nothing built yet: the build starts in the background
    _wait_for_labels(s)
    env.store.update(f'INSERT DATA {{ <{EX}raw> <{RDFS.label.value}> "Capybara"@fr }}')
    table = s.labels_if_ready()
    if table is not None:  # the background build may already be done; it must then know the new label
        assert f"<{EX}raw>" in table
    assert f"<{EX}raw>" in _wait_for_labels(s)
    assert len(builds) == 2


def _wait_for_labels(s: Searcher) -> dict[str, list[ox.Literal]]:
    """The table, once the background build has published it (waits for the build thread, no time limit asserted)."""
    for thread in threading.enumerate():
        if thread.name == "search-index":
            thread.join()
    table = s.labels_if_ready()
    assert table is not None
    return table


def test_a_changed_fingerprint_without_a_logged_write_rebuilds(env, builds):
    """Another client of a remote store writes without our change log knowing: the fingerprint tells."""
    assert found(env, "mulhouse")
    graph = GRAPH["test/foreign"]
    env.store.oxigraph.extend([  # straight into pyoxigraph, as another process would: the change log sees nothing
        ox.Quad(ox.NamedNode(EX + "foreign"), RDFS.label, ox.Literal("Okapi étranger", language="fr"), graph),
        ox.Quad(graph, DCT.modified, ox.Literal("2030-01-01T00:00:00Z"), META_GRAPH),
    ])
    assert found(env, "okapi") == [EX + "foreign"]
    assert len(builds) == 2


def test_a_write_under_way_does_not_rebuild(env, builds):
    """Between a write's change of the store and its record in the change log, the fingerprint has moved and the log
    not yet: the write holds the store's write lock, so the index waits for its record instead of rebuilding."""
    assert found(env, "mulhouse")
    graph = GRAPH["test/under-way"]
    written, committed = threading.Event(), threading.Event()

    def write() -> None:
        with env.store.write_lock:
            pending = env.store.changes.begin([graph])
            env.store.oxigraph.extend([
                ox.Quad(ox.NamedNode(EX + "under-way"), RDFS.label, ox.Literal("Chinchilla", language="fr"), graph),
                ox.Quad(graph, DCT.modified, ox.Literal("2030-01-01T00:00:00Z"), META_GRAPH),
            ])
            written.set()
            committed.wait()
            env.store.committed(pending)

    writer = threading.Thread(target=write)
    writer.start()
    assert written.wait(60)
    try:
        assert found(env, "chinchilla") == []  # not recorded yet: the index as it was, no rebuild
        assert len(builds) == 1
    finally:
        committed.set()
        writer.join()
    assert found(env, "chinchilla") == [EX + "under-way"]
    assert len(builds) == 1  # the write's record was followed


def test_refresh_during_an_update_still_rebuilds(env, builds, monkeypatch):
    s = searcher_of(env)
    s.index()
    real = search.read_entries

    def refreshed_meanwhile(*args):  # type: ignore[no-untyped-def]
        s.refresh()  # as if a bulk load had bypassed the Store while the update read the store
        return real(*args)

    monkeypatch.setattr(search, "read_entries", refreshed_meanwhile)
    contribute(env, report_ttl("vigogne"))
    s.index()
    assert len(builds) == 1 and s.updates == 1
    monkeypatch.setattr(search, "read_entries", real)
    assert found(env, "vigogne") == [ID + "report/vigogne"]
    assert len(builds) == 2  # the refresh was not lost


def test_refresh_rebuilds(env, builds):
    assert found(env, "mulhouse")
    env.store.oxigraph.add(ox.Quad(ox.NamedNode(EX + "bulk"), RDFS.label, ox.Literal("Pangolin"), GRAPH["test/bulk"]))
    assert found(env, "pangolin") == []  # nothing tells the index: a bulk load bypasses the Store
    searcher_of(env).refresh()
    assert found(env, "pangolin") == [EX + "bulk"]
    assert len(builds) == 2


def test_a_write_touching_most_of_the_index_rebuilds(env, builds, monkeypatch):
    assert found(env, "mulhouse")
    monkeypatch.setattr(search, "REBUILD_MIN", 0)
    monkeypatch.setattr(search, "REBUILD_FRACTION", 0.0)  # any IRI touched is "too many"
    contribute(env, report_ttl("tapir"))
    assert found(env, "tapir") == [ID + "report/tapir"]
    assert len(builds) == 2


# -- an incremental index is the index built from scratch ---------------------------------------------------------

def test_after_varied_writes_the_index_equals_a_fresh_build(env, builds):
    s = searcher_of(env)
    index = s.index()
    assert_same_as_fresh(index, env.store)

    def check() -> None:
        assert_same_as_fresh(s.index(), env.store)

    # replace_graph: a new graph, then the same graph again with other labels (one subject leaves, one stays)
    graph = GRAPH["test/varied"].value
    ingest_graph(env, graph, f'<{EX}a> rdfs:label "Alpaga"@fr, "Alpaca"@en ; dct:description "Laine douce"@fr .\n'
                             f'<{EX}b> skos:prefLabel "Bison"@fr .\n<{EX}c> rdfs:label "Caribou"@fr .')
    check()
    ingest_graph(env, graph, f'<{EX}a> rdfs:label "Alpaga"@fr .\n<{EX}c> rdfs:comment "Cervidé du nord"@fr .')
    check()
    # a second graph about the same subject, then the first dropped (the subject keeps the second's labels)
    ingest_graph(env, GRAPH["test/other"].value, f'<{EX}a> rdfs:label "Lama"@fr .')
    check()
    env.store.drop_graph(ox.NamedNode(graph))
    check()
    assert found(env, "alpaga") == [] and found(env, "lama") == [EX + "a"]
    # Graph Store merge into an existing graph, then into a new one, then a PUT replacing one
    admin = env.auth("admin")
    merged = env.client.post("/rdf-graph-store", query_string={"graph": GRAPH["test/other"].value},
                             data=f'<{EX}d> <{RDFS.label.value}> "Dromadaire"@fr .', content_type="text/turtle",
                             headers=admin)
    assert merged.status_code == 204
    check()
    created = env.client.post("/rdf-graph-store", query_string={"graph": GRAPH["test/new"].value},
                              data=f'<{EX}e> <{RDFS.label.value}> "Élan"@fr .', content_type="text/turtle",
                              headers=admin)
    assert created.status_code == 201
    check()
    put = env.client.put("/rdf-graph-store", query_string={"graph": GRAPH["test/new"].value},
                         data=f'<{EX}e> <{RDFS.label.value}> "Émeu"@fr .', content_type="text/turtle", headers=admin)
    assert put.status_code == 204
    check()
    assert found(env, "emeu") == [EX + "e"] and found(env, "elan") == []
    # the default graph through the Graph Store
    assert env.client.post("/rdf-graph-store?default", data=f'<{EX}f> <{RDFS.label.value}> "Fennec"@fr .',
                           content_type="text/turtle", headers=admin).status_code == 204
    check()
    # contributions: a new one, a revision of it, a withdrawal, a restoration, an ingest after it all
    first = contribute(env, report_ttl("gnou"))
    check()
    second = env.post("mulhouse", report_ttl("gnou2", extra=f"; prov:wasRevisionOf <{ID}report/gnou> "),
                      revises=first)
    assert second.status_code == 201, second.json
    check()
    withdraw(env, first)
    check()
    withdraw(env, second.json["graph"])
    check()
    restore(env, first)
    check()
    ingest_graph(env, GRAPH["test/other"].value, f'<{EX}a> rdfs:label "Hérisson"@fr .')
    check()
    env.store.drop_graph(GRAPH["test/new"])
    check()
    assert found(env, "gnou") == [ID + "report/gnou"] and found(env, "gnou2") == []
    assert len(builds) == 1, "every write above names its graphs: the index must follow them without a rebuild"
    assert s.updates >= 10


def test_the_labels_table_follows_updates_entry_by_entry(env):
    """Pages read the table without the index's lock: an update replaces its entries whole (never changes a list a
    page may hold), and a subject that lost its labels keeps an empty entry (a page that saw the key finds it)."""
    s = searcher_of(env)
    s.index()
    table = s.labels_if_ready()
    assert table is not None
    graph = GRAPH["test/z"].value
    ingest_graph(env, graph, f'<{EX}z> rdfs:label "Zébu"@fr .')
    assert s.labels_if_ready() is table
    held = table[f"<{EX}z>"]
    assert held == [ox.Literal("Zébu", language="fr")]
    ingest_graph(env, graph, f'<{EX}gaur> rdfs:label "Gaur"@fr .')
    assert s.labels_if_ready() is table
    assert table[f"<{EX}z>"] == [] and held == [ox.Literal("Zébu", language="fr")]
    assert Labeller(env.store, "fr", table)(EX + "z") != "Zébu"
    assert Labeller(env.store, "fr", table)(EX + "gaur") == "Gaur"


def test_an_update_is_applied_while_no_search_ranks(env, monkeypatch):
    """A search that found the index current, then an update: the search ranks before the update is applied or
    after it has been applied whole, never in between."""
    s = searcher_of(env)
    s.index()
    planned, resume, applying, go = (threading.Event() for _ in range(4))
    real_index, real_apply = Searcher.index, Index.apply

    def index_then_pause(self: Searcher) -> Index:  # the search has found the index current, and stops there
        index = real_index(self)
        if threading.current_thread().name == "searching":
            planned.set()
            resume.wait()
        return index

    def paused_apply(self: Index, entries) -> None:  # type: ignore[no-untyped-def]
        applying.set()
        go.wait()
        real_apply(self, entries)

    monkeypatch.setattr(Searcher, "index", index_then_pause)
    monkeypatch.setattr(Index, "apply", paused_apply)
    results: list[tuple[int, list[search.Hit]]] = []
    searching = threading.Thread(target=lambda: results.append(s.search("ocelot", "fr")), name="searching")
    searching.start()
    assert planned.wait(60)
    ingest_graph(env, GRAPH["test/ocelot"].value, f'<{EX}ocelot> rdfs:label "Ocelot"@fr .')
    updating = threading.Thread(target=s.index, name="updating")
    updating.start()
    assert applying.wait(60)
    resume.set()  # the search goes on to rank while the update is being applied
    searching.join(timeout=2)
    ranked_during_update = not searching.is_alive()
    go.set()
    searching.join()
    updating.join()
    assert not ranked_during_update, "a search ranked while an update was being applied"
    assert EX + "ocelot" in [hit.iri for hit in results[0][1]]  # ranked after the update, whole


# -- threads ------------------------------------------------------------------------------------------------------

def _consistent(index: Index) -> None:
    """What a reader may rely on: the vocabulary is the postings' words, and each subject's words post it."""
    assert index.vocabulary == sorted(index.postings)
    for subject, posted in index.words_of.items():
        for word in posted:
            assert subject in index.postings[word]


def test_searches_while_writes_happen_never_fail(env):
    s = searcher_of(env)
    s.index()
    errors: list[BaseException] = []
    done = threading.Event()
    seen: list[Index] = []
    seen_words: list[int] = []

    def reader() -> None:
        client = env.app.test_client()
        try:
            while not done.is_set():
                response = client.get("/search.json", query_string={"q": "rapport vari"})
                assert response.status_code == 200, response.data
                with s.reading() as index:
                    if not seen or seen[-1] is not index or len(index.postings) != seen_words[-1]:
                        seen.append(index)  # a new index, or the same one updated: check it once
                        seen_words.append(len(index.postings))
                        _consistent(index)
                table = s.labels_if_ready()
                assert table is None or isinstance(table, dict)
                assert client.get("/class/ProgressReport").status_code == 200
        except BaseException as exc:  # every failure of a reader thread is reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for n in range(9):
            graph = contribute(env, report_ttl(f"variation-{n}"))
            ingest_graph(env, GRAPH["test/threads"].value, f'<{EX}t> rdfs:label "Variante {n}"@fr .')
            if n % 3 == 0:
                withdraw(env, graph)
            if n % 4 == 0:
                env.store.update(f'INSERT DATA {{ <{EX}raw{n}> <{RDFS.label.value}> "Variante brute {n}"@fr }}')
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert seen
    final = s.index()
    _consistent(final)
    assert_same_as_fresh(final, env.store)
    assert found(env, "variante 8") == [EX + "t", EX + "raw8"]  # the exact label first
    assert found(env, "variante 7") == []  # the graph's earlier label
    assert found(env, "variation 6") == []  # withdrawn (6 % 3 == 0)
    assert found(env, "variation 8") == [ID + "report/variation-8"]


def _iter_postings(index: Index) -> Iterator[tuple[str, str]]:
    for word, posting in index.postings.items():
        for subject in posting:
            yield word, subject


def test_words_of_is_the_inverse_of_postings(seed_store):
    index = _fresh(seed_store)
    inverse: dict[str, set[str]] = {}
    for word, subject in _iter_postings(index):
        inverse.setdefault(subject, set()).add(word)
    assert inverse == {s: set(w) for s, w in index.words_of.items()}
    assert len(inverse) > 100


def test_the_index_of_an_empty_store_follows_its_first_write(tmp_path: Path):
    from thc_graph.store import Store

    store = Store(tmp_path / "store")
    s = Searcher(store)
    assert s.search("lynx", "fr") == (0, [])
    ingest.ingest(store, [turtle(f'<{EX}l> rdfs:label "Lynx boréal"@fr .')], GRAPH["test/l"], validate=False)
    total, hits = s.search("boreal", "fr")
    assert total == 1 and hits[0].iri == EX + "l" and hits[0].label == "Lynx boréal"
    assert s.builds == 1 and s.updates == 1


@pytest.mark.server
def test_on_a_remote_store_other_clients_writes_rebuild_the_index(tmp_path: Path):
    """Another client of a remote store writes where our change log cannot see: the fingerprint (graph/meta) tells."""
    from thc_graph.remote import RemoteStore

    from .servers import oxigraph_serve

    with oxigraph_serve(tmp_path / "oxigraph") as base:
        ours = RemoteStore(f"{base}/query", update_url=f"{base}/update", timeout_s=30)
        other = RemoteStore(f"{base}/query", update_url=f"{base}/update", timeout_s=30)
        s = Searcher(ours)  # type: ignore[arg-type]
        assert s.search("lynx", "fr") == (0, [])
        graph = GRAPH["test/remote"]
        other.update(f'INSERT DATA {{ GRAPH {graph} {{ <{EX}lynx> {RDFS.label} "Lynx"@fr }} '
                     f'GRAPH {META_GRAPH} {{ {graph} {DCT.modified} "2030-01-01T00:00:00Z" }} }}')
        assert [hit.iri for hit in s.search("lynx", "fr")[1]] == [EX + "lynx"]
        assert s.builds == 2
        ours.update(f'INSERT DATA {{ GRAPH {graph} {{ <{EX}loutre> {RDFS.label} "Loutre"@fr }} }}',
                    graphs=[graph])  # ours, but a remote store's log records every write as unknown
        assert [hit.iri for hit in s.search("loutre", "fr")[1]] == [EX + "loutre"]
        assert s.builds == 3 and s.updates == 0

"""Dumps kept current at each change, at the cost of what changed (thc_graph/catalog.py, class Dumps): after a write
the background thread rewrites the files of the graphs that changed and the whole dumps, without any download;
other files stay as they were; the whole N-Quads gzip is the per-graph gzip members one after the other."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from flask import Flask

from thc_graph import catalog, ingest, tokens
from thc_graph.app import create_app
from thc_graph.errors import BadQuery
from thc_graph.namespaces import GRAPH, META_GRAPH, ONTOLOGY_GRAPH, RDFS, SEED_GRAPH
from thc_graph.store import Store
from thc_graph.views import publish

from .contrib_env import make_env, report_ttl

DEADLINE_S = 120.0  # how long to wait for the background thread: generous, never asserted on
ID = "https://w3id.org/thc/id/"
EXTRA = GRAPH["test/extra"]


@dataclass
class Site:
    app: Flask
    store: Store
    dumps: catalog.Dumps
    admin: dict[str, str]

    @property
    def directory(self) -> Path:
        return self.dumps.directory


def make_site(seed_store: Store, tmp_path: Path, **overrides: str) -> Site:
    """A copy of the seeded store on disk and an app over it (dumps in <store>-dumps, refreshed at commit)."""
    path = tmp_path / "store"
    if not path.exists():
        seed_store.backup(path)
    store = Store(path)
    settings = {"store": str(path), "tokens_file": str(tmp_path / "tokens.json"), **overrides}
    app = create_app(settings, store=store)
    admin = {"Authorization": "Bearer " + tokens.create(app.config["THC_SETTINGS"], "root", admin=True)}
    return Site(app, store, publish.dumps_of(app), admin)


@pytest.fixture
def site(seed_store: Store, tmp_path: Path) -> Site:
    site = make_site(seed_store, tmp_path)
    site.dumps.refresh()  # the files as they are before the write under test
    return site


def settle(dumps: catalog.Dumps) -> None:
    """Wait until the background thread is done and the files hold the store as it is now."""
    deadline = time.monotonic() + DEADLINE_S
    while not (dumps.idle() and dumps.current()):
        if time.monotonic() > deadline:
            pytest.fail(f"the dumps were not refreshed within {DEADLINE_S} s")
        time.sleep(0.02)


def manifest(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "dumps.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def files(directory: Path) -> dict[str, tuple[int, int]]:
    """Every dump file on disk (temporary files aside) → (inode, modification time in ns)."""
    found = {}
    for path in [*directory.glob("all.*"), *(directory / "parts").iterdir()]:
        if not path.name.startswith("."):
            stat = path.stat()
            found[path.relative_to(directory).as_posix()] = (stat.st_ino, stat.st_mtime_ns)
    return found


def files_of(directory: Path, graph: str) -> set[str]:
    name = manifest(directory)["graphs"][graph]["name"]
    return {f"parts/{name}.nq.gz", f"parts/{name}.ttl"}


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


def graph_name(key: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.NamedNode(key) if key else ox.DefaultGraph()


def assert_dumps_hold_the_store(store: Store, directory: Path) -> None:
    """Read back with pyoxigraph, from the files on disk: each graph's N-Quads and Turtle, the whole N-Quads gzip
    and the whole Turtle, compared quad by quad with the store."""
    graphs = manifest(directory)["graphs"]
    assert set(graphs) == {""} | {g.value for g in store.named_graphs()}
    for key, part in graphs.items():
        expected = set(store.quads(None, None, None, graph_name(key)))
        nq = gzip.decompress((directory / "parts" / f"{part['name']}.nq.gz").read_bytes())
        assert set(ox.parse(nq, ox.RdfFormat.N_QUADS)) == expected, key
        ttl = (directory / "parts" / f"{part['name']}.ttl").read_bytes()
        assert {q.triple for q in ox.parse(ttl, ox.RdfFormat.TURTLE)} == {q.triple for q in expected}, key
        assert part["triples"] == len(expected)
    with gzip.open(directory / "all.nq.gz", "rb") as whole:
        assert set(ox.parse(whole.read(), ox.RdfFormat.N_QUADS)) == set(store.quads())
    union = {q.triple for q in ox.parse((directory / "all.ttl").read_bytes(), ox.RdfFormat.TURTLE)}
    assert union == {q.triple for q in store.public_quads()}  # withdrawn contributions left out


def small_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.ttl"
    path.write_text(f'<{ID}actor/{name}> <{RDFS.label.value}> "{text}"@fr .\n', encoding="utf-8")
    return path


def load(site: Site, tmp_path: Path, graph: ox.NamedNode, name: str) -> None:
    ingest.ingest(site.store, [ingest.parse_file(small_file(tmp_path, name, name.title()))], graph, validate=False)


# -- each kind of write rewrites the files of what it changed, and only those ---------------------------------------
def _ingest(site: Site, tmp_path: Path) -> set[str]:
    load(site, tmp_path, EXTRA, "zanzibar")
    return {EXTRA.value, META_GRAPH.value}


def _replace_the_ontology(site: Site, tmp_path: Path) -> set[str]:
    load(site, tmp_path, ONTOLOGY_GRAPH, "ontology-replaced")
    return {ONTOLOGY_GRAPH.value, META_GRAPH.value}


def _graph_store_merge(site: Site, tmp_path: Path) -> set[str]:
    """A Graph Store POST into an existing graph: graph/meta does not change."""
    body = f'<{ID}actor/merged> <{RDFS.label.value}> "Merged"@fr .'
    response = site.app.test_client().post(f"/rdf-graph-store?graph={SEED_GRAPH.value}", data=body,
                                           content_type="text/turtle", headers=site.admin)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return {SEED_GRAPH.value}


def _sparql_update_keeping_the_count(site: Site, tmp_path: Path) -> set[str]:
    """A raw update that keeps the graph's number of triples (one label for another): neither graph/meta nor the
    count tells it. The change log records it as unknown (until the endpoint names the graphs an update writes), so
    every graph is read again, and only this one's files differ."""
    label = next(site.store.quads(None, RDFS.label, None, SEED_GRAPH))
    changed = ox.Literal(label.object.value + " (modifié)", language="fr")
    update = (f"DELETE DATA {{ GRAPH {SEED_GRAPH} {{ {label.subject} {RDFS.label} {label.object} }} }} ; "
              f"INSERT DATA {{ GRAPH {SEED_GRAPH} {{ {label.subject} {RDFS.label} {changed} }} }}")
    response = site.app.test_client().post("/sparql", data={"update": update}, headers=site.admin)
    assert response.status_code == 204, response.get_data(as_text=True)
    return {SEED_GRAPH.value}


def _drop(site: Site, tmp_path: Path) -> set[str]:
    site.store.drop_graph(ONTOLOGY_GRAPH)
    return {META_GRAPH.value}  # and the ontology's files are gone


WRITES: dict[str, Callable[[Site, Path], set[str]]] = {
    "ingest-of-a-new-graph": _ingest,
    "ingest-replacing-a-graph": _replace_the_ontology,
    "graph-store-merge": _graph_store_merge,
    "sparql-update-same-count": _sparql_update_keeping_the_count,
    "drop-graph": _drop,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_rewrites_the_files_of_what_it_changed_and_nothing_else(site: Site, tmp_path: Path,
                                                                         write: Callable[[Site, Path], set[str]],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    graphs_before = manifest(site.directory)["graphs"]
    before, refreshes = files(site.directory), site.dumps.refreshes
    read: list[str] = []  # the graphs read from the store again
    build = catalog.Dumps._build_part

    def spy(self: catalog.Dumps, key: str, *args: Any) -> Any:
        read.append(key)
        return build(self, key, *args)

    monkeypatch.setattr(catalog.Dumps, "_build_part", spy)
    changed = write(site, tmp_path)
    settle(site.dumps)  # no download: the background thread does it
    assert site.dumps.refreshes > refreshes
    named = (changed | {META_GRAPH.value}) - {ONTOLOGY_GRAPH.value if write is _drop else ""}
    if write is _sparql_update_keeping_the_count:  # unknown to the change log (today): every graph is read again
        assert set(read) in (set(manifest(site.directory)["graphs"]), named)
    else:  # the graphs the write named, and graph/meta (their description)
        assert set(read) == named
    after = files(site.directory)
    expected = {"all.nq.gz", "all.ttl"} | {f for g in changed for f in files_of(site.directory, g)}
    assert rewritten(before, after) == expected
    gone = set(graphs_before) - set(manifest(site.directory)["graphs"])
    assert gone == ({ONTOLOGY_GRAPH.value} if write is _drop else set())
    assert set(before) - set(after) == {f"parts/{graphs_before[g]['name']}.{kind}" for g in gone
                                        for kind in ("nq.gz", "ttl")}
    assert_dumps_hold_the_store(site.store, site.directory)


def test_a_contribution_and_its_withdrawal_reach_the_dumps_without_a_download(seed_store: Store,
                                                                              tmp_path: Path) -> None:
    env = make_env(seed_store, tmp_path)
    dumps = publish.dumps_of(env.app)
    dumps.refresh()
    directory = dumps.directory
    before = files(directory)
    response = env.post("mulhouse", report_ttl("dumps"))
    assert response.status_code == 201, response.json
    graph = response.json["graph"]
    settle(dumps)
    after = files(directory)
    assert rewritten(before, after) == ({"all.nq.gz", "all.ttl"} | files_of(directory, graph)
                                        | files_of(directory, META_GRAPH.value))
    assert_dumps_hold_the_store(env.store, directory)
    # withdrawn: the contribution stays in the whole N-Quads dump (its graph, marked in graph/meta) and leaves the
    # whole Turtle (the public union); its own files are the same content, so they stay; graph/meta's change
    path = "/api/contributions/" + graph.split("/graph/contribution/", 1)[1]
    assert env.client.post(path + "/withdraw", headers=env.auth("mulhouse")).status_code == 200
    settle(dumps)
    withdrawn = files(directory)
    assert rewritten(after, withdrawn) == {"all.nq.gz", "all.ttl"} | files_of(directory, META_GRAPH.value)
    assert_dumps_hold_the_store(env.store, directory)
    assert "invalidatedAtTime" in manifest(directory)["graphs"][graph]["state"]
    whole = {q.graph_name for q in ox.parse(gzip.decompress((directory / "all.nq.gz").read_bytes()),
                                            ox.RdfFormat.N_QUADS)}
    assert ox.NamedNode(graph) in whole
    turtle = {q.triple for q in ox.parse((directory / "all.ttl").read_bytes(), ox.RdfFormat.TURTLE)}
    assert not any(t.subject.value.endswith("report/dumps") for t in turtle)
    # restored: back in the whole Turtle
    assert env.client.post(path + "/restore", headers=env.auth("admin")).status_code == 200
    settle(dumps)
    assert_dumps_hold_the_store(env.store, directory)
    turtle = {q.triple for q in ox.parse((directory / "all.ttl").read_bytes(), ox.RdfFormat.TURTLE)}
    assert any(t.subject.value.endswith("report/dumps") for t in turtle)


# -- the whole gzip: one stream of members ---------------------------------------------------------------------------
def _members(data: bytes) -> list[bytes]:
    """The gzip members of `data`, each decompressed (zlib stops at the end of each)."""
    found = []
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        found.append(inflater.decompress(data))
        data = inflater.unused_data
    return found


def test_the_whole_gzip_is_the_graphs_members_and_reads_whole(site: Site, tmp_path: Path) -> None:
    load(site, tmp_path, EXTRA, "zanzibar")
    settle(site.dumps)
    data = (site.directory / "all.nq.gz").read_bytes()
    graphs = manifest(site.directory)["graphs"]
    members = _members(data)
    assert len(members) == len(graphs) >= 4  # the default graph, graph/meta, the ontology, the seed, the extra
    parts = [gzip.decompress((site.directory / "parts" / f"{p['name']}.nq.gz").read_bytes()) for p in graphs.values()]
    assert members == parts
    assert gzip.decompress(data) == b"".join(parts)  # Python's gzip reads every member
    with gzip.open(site.directory / "all.nq.gz", "rb") as stream:
        assert stream.read() == b"".join(parts)
    zcat = shutil.which("zcat")
    if zcat is None:
        pytest.skip("zcat is not installed")
    out = subprocess.run([zcat, str(site.directory / "all.nq.gz")], capture_output=True, check=True).stdout
    assert out == b"".join(parts)
    assert b"zanzibar" in out


def test_a_download_serves_the_file_whole_with_a_validator(site: Site, tmp_path: Path) -> None:
    load(site, tmp_path, EXTRA, "zanzibar")
    client = site.app.test_client()
    response = client.get("/dumps/all.nq.gz")  # right after the write: never the state before it
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    body = response.get_data()
    assert set(ox.parse(gzip.decompress(body), ox.RdfFormat.N_QUADS)) == set(site.store.quads())
    assert int(response.headers["Content-Length"]) == len(body)
    etag = response.headers["ETag"]
    response.close()
    settle(site.dumps)
    again = client.get("/dumps/all.nq.gz", headers={"If-None-Match": etag})
    assert again.status_code == 304
    again.close()
    turtle = client.get("/dumps/graph/test/extra.ttl")
    assert turtle.status_code == 200 and b"zanzibar" in turtle.get_data()
    turtle.close()


# -- failures leave the dumps as they were ---------------------------------------------------------------------------
def test_a_failed_write_leaves_the_dumps_as_they_were(site: Site) -> None:
    before, generation = files(site.directory), site.store.changes.generation
    contents = {name: (site.directory / name).read_bytes() for name in before}
    with pytest.raises(BadQuery):
        site.store.update(f"INSERT DATA {{ GRAPH {SEED_GRAPH} {{ <{ID}a> <{ID}b> }} }}")  # not SPARQL: nothing written
    response = site.app.test_client().post("/rdf-graph-store?graph=" + SEED_GRAPH.value, data="not turtle <",
                                           content_type="text/turtle", headers=site.admin)
    assert response.status_code == 400
    assert site.store.changes.generation == generation  # nothing was committed...
    assert site.dumps.idle() and site.dumps.current()  # ...so nothing was scheduled
    assert files(site.directory) == before
    assert {name: (site.directory / name).read_bytes() for name in before} == contents


def test_a_failed_refresh_leaves_the_dumps_as_they_were_and_the_next_one_makes_them(
        seed_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(seed_store, tmp_path, dumps_on_commit="false")
    site.dumps.refresh()
    before = files(site.directory)
    contents = {name: (site.directory / name).read_bytes() for name in before}
    load(site, tmp_path, EXTRA, "zanzibar")

    def broken(self: catalog.Dumps, members: list[Path], kind: str) -> Path:
        raise OSError("disk full")  # after the new graph's files were made, before the whole dumps

    monkeypatch.setattr(catalog.Dumps, "_concatenate", broken)
    with pytest.raises(OSError, match="disk full"):
        site.dumps.refresh()
    assert files(site.directory) == before
    assert {name: (site.directory / name).read_bytes() for name in before} == contents
    assert not list((site.directory / "parts").glob(".*.part"))  # no temporary file left behind
    assert not site.dumps.current()
    monkeypatch.undo()
    response = site.app.test_client().get("/dumps/all.ttl")  # the next download makes them
    assert response.status_code == 200 and b"zanzibar" in response.get_data()
    response.close()
    assert_dumps_hold_the_store(site.store, site.directory)


# -- one background thread; writes while it runs make one more run -------------------------------------------------
def test_writes_during_a_refresh_make_exactly_one_more_and_never_two_at_once(site: Site, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    entered, gate = threading.Event(), threading.Event()
    runs: list[int] = []
    active, most = [0], [0]
    lock = threading.Lock()
    original = catalog.Dumps._rebuild

    def held(self: catalog.Dumps, changed: set[str] | None, verify: bool) -> None:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
            runs.append(len(runs) + 1)
        try:
            if len(runs) == 1:
                entered.set()
                assert gate.wait(DEADLINE_S), "the test did not release the first refresh"
            original(self, changed, verify)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(catalog.Dumps, "_rebuild", held)
    load(site, tmp_path, GRAPH["test/one"], "one")
    assert entered.wait(DEADLINE_S), "no refresh started after the write"
    for name in ("two", "three", "four"):  # the writer is not held by the refresh under way
        load(site, tmp_path, GRAPH[f"test/{name}"], name)
    assert not gate.is_set() and len(runs) == 1
    downloaded: list[bytes] = []

    def fetch() -> None:
        response = site.app.test_client().get("/dumps/all.nq.gz")
        downloaded.append(response.get_data())
        response.close()

    download = threading.Thread(target=fetch)
    download.start()  # a download during the refresh waits for it, then gets every write
    gate.set()
    download.join(DEADLINE_S)
    settle(site.dumps)
    assert len(runs) == 2 and most[0] == 1
    assert set(ox.parse(gzip.decompress(downloaded[0]), ox.RdfFormat.N_QUADS)) == set(site.store.quads())
    assert_dumps_hold_the_store(site.store, site.directory)


# -- the setting off: the first download after a change builds what changed ----------------------------------------
def test_with_dumps_on_commit_off_the_first_download_builds_what_changed(seed_store: Store, tmp_path: Path) -> None:
    site = make_site(seed_store, tmp_path, dumps_on_commit="false")
    site.dumps.refresh()
    before, refreshes = files(site.directory), site.dumps.refreshes
    load(site, tmp_path, EXTRA, "zanzibar")
    assert site.dumps.idle() and site.dumps.refreshes == refreshes  # nothing runs in the background
    assert files(site.directory) == before
    response = site.app.test_client().get("/dumps/graph/test/extra.nq.gz")
    assert response.status_code == 200 and b"zanzibar" in gzip.decompress(response.get_data())
    response.close()
    assert rewritten(before, files(site.directory)) == ({"all.nq.gz", "all.ttl"} | files_of(site.directory, EXTRA.value)
                                                        | files_of(site.directory, META_GRAPH.value))
    assert_dumps_hold_the_store(site.store, site.directory)


def test_another_process_checks_the_files_against_graph_meta_and_the_counts(seed_store: Store, tmp_path: Path) -> None:
    """A new app over the same store and directory (a restart) keeps the files that still hold their graph, and
    rebuilds the graph written while nobody followed."""
    site = make_site(seed_store, tmp_path, dumps_on_commit="false")
    site.dumps.refresh()
    before = files(site.directory)
    load(site, tmp_path, EXTRA, "zanzibar")  # the first app never downloads again
    restarted = catalog.Dumps(site.store, site.directory)
    restarted.refresh()
    assert rewritten(before, files(site.directory)) == ({"all.nq.gz", "all.ttl"}
                                                        | files_of(site.directory, EXTRA.value)
                                                        | files_of(site.directory, META_GRAPH.value))
    assert_dumps_hold_the_store(site.store, site.directory)


def test_graphs_named_outside_our_namespace_each_have_their_own_dump(site: Site, tmp_path: Path) -> None:
    # these two would share one slug if it were only the IRI's letters; a third mimics one of ours
    others = [ox.NamedNode("http://example.org/g/1"), ox.NamedNode("http://example.org/g-1"),
              ox.NamedNode("http://example.org/graph/seed")]
    for graph, name in zip(others, ("alpha", "beta", "gamma"), strict=True):
        load(site, tmp_path, graph, name)
    settle(site.dumps)
    slugs = [catalog.graph_slug(g.value) for g in others]
    assert len(set(slugs)) == 3 and all(s.startswith("other/") for s in slugs)
    assert catalog.graph_slug(EXTRA.value) == "test/extra"
    client = site.app.test_client()
    for slug, name in zip(slugs, ("alpha", "beta", "gamma"), strict=True):
        response = client.get(f"/dumps/graph/{slug}.ttl")
        assert response.status_code == 200, slug
        body = response.get_data()
        assert name.encode() in body and not any(o.encode() in body for o in {"alpha", "beta", "gamma"} - {name})
        response.close()
    seed = client.get("/dumps/graph/seed.ttl")  # ours is still ours
    assert seed.status_code == 200 and b"gamma" not in seed.get_data()
    seed.close()

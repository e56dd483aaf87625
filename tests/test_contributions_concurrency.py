"""20 clients contributing at once over a real HTTP server on 127.0.0.1 (tests/live.py: a thread per request, so
the 20 requests are served at the same time): every contribution lands whole or is rejected cleanly; none is lost,
none mixed with another."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pyoxigraph as ox
import pytest

from thc_graph import tokens
from thc_graph.namespaces import DCT, META_GRAPH

from .contrib_env import ID, MULHOUSE, Env, make_env, report_ttl
from .live import serve

CLIENTS = 20
pytestmark = pytest.mark.server


@pytest.fixture
def env(seed_store, tmp_path) -> Env:
    return make_env(seed_store, tmp_path)


def _post(url: str, secret: str, body: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Authorization": f"Bearer {secret}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_twenty_clients_at_once(env):
    # each client its own token (so its own contributor name) for Mulhouse
    secrets = {f"client-{i}": tokens.create(env.settings, f"client-{i}", territory=MULHOUSE) for i in range(CLIENTS)}
    bodies: dict[str, tuple[bytes, str, bool]] = {}
    for i, name in enumerate(secrets):
        if i % 5 == 4:  # every fifth one is invalid in its last statement: a report dated in the future
            text = report_ttl(f"{name}-a") + report_ttl(f"{name}-b", when="2999-12-31")
            bodies[name] = (text.encode(), "text/turtle", False)
        elif i % 2:
            csv = (f"identifiant,engagement,date,realisation,description_fr\r\n"
                   f"{name}-a,mulhouse-2014-open-data,2025-02-0{1 + i % 9},limited,Rapport de {name}\r\n"
                   f"{name}-b,mulhouse-2014-progress-reporting,2025-03,substantial,Suite de {name}\r\n")
            bodies[name] = (csv.encode(), "text/csv", True)
        else:
            text = report_ttl(f"{name}-a") + report_ttl(f"{name}-b", completion="complete")
            bodies[name] = (text.encode(), "text/turtle", True)
    before = env.dump()
    results: dict[str, tuple[int, dict]] = {}
    barrier = threading.Barrier(CLIENTS)

    with serve(env.app) as base:
        def client(name: str) -> None:
            body, content_type, _valid = bodies[name]
            barrier.wait()
            results[name] = _post(base + "/api/contributions", secrets[name], body, content_type)

        threads = [threading.Thread(target=client, args=(name,)) for name in secrets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

    assert len(results) == CLIENTS
    landed = {}
    for name, (status, answer) in results.items():
        valid = bodies[name][2]
        assert status == (201 if valid else 422), (name, status, answer)
        if valid:
            landed[name] = answer["graph"]
            assert answer["graph"].startswith(f"https://w3id.org/thc/graph/contribution/{name}/")
        else:
            assert {v["focus"] for v in answer["violations"]} == {f"{ID}report/{name}-b"}

    # none lost: one new graph per accepted client; none mixed: each holds its own two reports, all of them
    graphs = {g.value for g in env.store.named_graphs() if "/contribution/" in g.value}
    assert graphs == set(landed.values())
    for name, graph in landed.items():
        subjects = {q.subject.value for q in env.store.quads(None, None, None, ox.NamedNode(graph))}
        assert subjects == {f"{ID}report/{name}-a", f"{ID}report/{name}-b"}
        body, content_type, _ = bodies[name]
        if content_type == "text/turtle":
            sent = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
            assert env.graph(graph) == sent
        creators = [q.object.value for q in env.store.quads(ox.NamedNode(graph), DCT.creator, None, META_GRAPH)]
        assert creators == [name]
    # the rejected ones left nothing, anywhere
    after = env.dump()
    for name, (_body, _type, valid) in bodies.items():
        if not valid:
            assert not any(f"report/{name}-" in quad for quad in after)
    assert before <= after
    assert all("/contribution/" in quad or "graph/meta" in quad for quad in after - before)
    # the history of the commitment shows every accepted report once
    history = env.client.get("/api/commitments/mulhouse-2014-open-data/history").json["history"]
    reports = [h["iri"] for h in history if h["kind"] == "report"]
    expected = {f"{ID}report/{name}-{part}" for name, (_b, content_type, _v) in bodies.items() if name in landed
                for part in ("a", "b") if content_type == "text/turtle" or part == "a"}
    assert len(reports) == len(set(reports)) and set(reports) == expected

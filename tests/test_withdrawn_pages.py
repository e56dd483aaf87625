"""Withdrawn contributions leave the resource pages and RDF documents too (issue 7's public union, issue 4's
pages): a resource known only from withdrawn contributions answers 410 Gone, naming them."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.contrib_env import COMMITMENT, ID, Env, make_env, report_ttl
from thc_graph.store import Store

CONTRIB = "https://w3id.org/thc/graph/contribution/"
COMMITMENT_PAGE = "/" + COMMITMENT.split("https://w3id.org/thc/", 1)[1] + ".html"


@pytest.fixture
def env(seed_store: Store, tmp_path: Path) -> Env:
    return make_env(seed_store, tmp_path)


def _withdraw(env: Env, graph: str, who: str = "mulhouse") -> str:
    path = "/api/contributions/" + graph[len(CONTRIB):]
    response = env.client.post(path + "/withdraw", headers=env.auth(who))
    assert response.status_code == 200, response.get_data(as_text=True)
    return path


def test_a_withdrawn_report_is_gone_in_every_format_and_back_after_restore(env: Env) -> None:
    graph = env.post("mulhouse", report_ttl("gone1")).json["graph"]
    assert env.client.get("/id/report/gone1.html").status_code == 200
    path = _withdraw(env, graph)

    page = env.client.get("/id/report/gone1.html")
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert graph[len("https://w3id.org/thc"):] in html  # the contribution, linked by name
    assert "Rapport gone1" not in html
    assert env.client.get("/id/report/gone1").status_code == 410
    machine = env.client.get("/id/report/gone1", headers={"Accept": "text/turtle"})
    assert machine.status_code == 410 and machine.json["withdrawn_contributions"] == [graph]
    assert env.client.get("/id/report/gone1.ttl").status_code == 410
    # the contribution itself stays readable by name
    assert env.client.get(graph[len("https://w3id.org/thc"):] + ".html").status_code == 200

    assert env.client.post(path + "/restore", headers=env.auth("admin")).status_code == 200
    assert env.client.get("/id/report/gone1.html").status_code == 200
    assert "Rapport gone1" in env.client.get("/id/report/gone1.html").get_data(as_text=True)


def test_the_commitment_page_and_rdf_forget_a_withdrawn_report(env: Env) -> None:
    graph = env.post("mulhouse", report_ttl("gone2", when="2025-02-01")).json["graph"]
    report = ID + "report/gone2"
    assert "Rapport gone2" in env.client.get(COMMITMENT_PAGE).get_data(as_text=True)
    _withdraw(env, graph)
    html = env.client.get(COMMITMENT_PAGE).get_data(as_text=True)
    assert "Rapport gone2" not in html and "report/gone2" not in html
    turtle = env.client.get("/id/report/gone2.ttl")
    assert turtle.status_code == 410
    # a statement a withdrawn contribution made about a resource that stays is not in its RDF either
    assert report not in env.client.get(COMMITMENT_PAGE.replace(".html", ".nt")).get_data(as_text=True)



def test_new_data_cannot_lean_on_a_withdrawn_contribution(env: Env) -> None:
    from tests.contrib_env import SAILLANS_PLAN

    plan = env.post("saillans", SAILLANS_PLAN)
    assert plan.status_code == 201, plan.json
    commitment = ID + "commitment/saillans-2014-collegiale"
    report = report_ttl("lean1", commitment=commitment, by=ID + "actor/commune-26289")
    assert env.post("saillans", report).status_code == 201  # the commitment exists: the report lands
    _withdraw(env, plan.json["graph"], who="saillans")
    before = env.dump()
    refused = env.post("saillans", report_ttl("lean2", commitment=commitment, by=ID + "actor/commune-26289"))
    # the plan, commitment and local government are no longer in the public union: the shapes see no actor behind
    # prov:wasAttributedTo (the validation context leaves withdrawn graphs out), not only the contribution rules
    assert refused.status_code == 422, refused.json
    assert {"ClassConstraintComponent"} <= {v["constraint"] for v in refused.json["violations"]}, refused.json
    assert env.dump() == before


def test_the_network_reads_public_graphs_only_once_one_is_withdrawn(env: Env) -> None:
    from thc_graph import network

    graph = env.post("mulhouse", report_ttl("net1")).json["graph"]
    _withdraw(env, graph)
    graphs = network.input_graphs(env.store)  # the public default graph also lists the store's default graph
    assert graphs and all(isinstance(g, ox.NamedNode) for g in graphs)
    assert ox.NamedNode(graph) not in graphs
    assert any(g.number_of_nodes() for g in network.build(env.store, graphs=graphs).values())


def test_a_label_that_is_an_iri_does_not_break_a_page(env: Env) -> None:
    # the Graph Store and SPARQL Update are not validated: a label may be anything
    env.store.update(f"INSERT DATA {{ GRAPH <https://w3id.org/thc/graph/raw> {{ <{COMMITMENT}> "
                     f"<http://www.w3.org/2000/01/rdf-schema#label> <http://example.org/not-a-literal> }} }}")
    page = env.client.get(COMMITMENT_PAGE)
    assert page.status_code == 200
    assert "http://example.org/not-a-literal" in page.get_data(as_text=True)

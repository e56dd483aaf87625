"""POST /api/contributions and its history: every kind in every format, every rule, scopes, atomicity,
revisions, withdrawal and restore, templates, and `thc contribute`."""

from __future__ import annotations

import hashlib
import json
import re

import pyoxigraph as ox
import pytest

from thc_graph import contribution_csv, contributions, paths
from thc_graph.namespaces import DCT, META_GRAPH, PROV, RDF, THC

from .contrib_env import COMMITMENT, ID, MULHOUSE, PREFIXES, SAILLANS, SAILLANS_PLAN, Env, make_env, report_ttl

CONTRIB = "https://w3id.org/thc/graph/contribution/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_NON_NEGATIVE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")
TOKEN_OF_KIND = {"evaluation": "evaluator"}


@pytest.fixture
def env(seed_store, tmp_path) -> Env:
    return make_env(seed_store, tmp_path)


def _triples_of_template(kind: str, where: Env, who: str) -> list[ox.Triple]:
    """The template's example row, as triples (what every format below says)."""
    from thc_graph import tokens

    principal = tokens.authenticate(where.settings, where.auth(who)["Authorization"])
    data = contribution_csv.template_csv(kind).encode()
    return contribution_csv.read_csv(data, f"{kind}.csv", kind, contributions.defaults_for(principal)).triples


def _body(kind: str, fmt: str, where: Env, who: str) -> tuple[bytes, str, set[ox.Triple]]:
    if fmt == "csv":
        data = contribution_csv.template_csv(kind).encode()
        triples = _triples_of_template(kind, where, who)
        # the generated identifiers differ from one reading to the next: compare without them
        return data, "text/csv", set(triples)
    triples = _triples_of_template(kind, where, who)
    rdf = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}[fmt]
    data = ox.serialize(triples, format=rdf)
    return data, rdf.media_type, set(triples)


def _stored(triples: set[ox.Triple]) -> set[ox.Triple]:
    """What the store keeps: pyoxigraph 0.5 stores an xsd:nonNegativeInteger as an xsd:integer (same value)."""
    return {ox.Triple(t.subject, t.predicate, ox.Literal(t.object.value, datatype=XSD_INTEGER))
            if isinstance(t.object, ox.Literal) and t.object.datatype == XSD_NON_NEGATIVE else t for t in triples}


def _shape(triples: set[ox.Triple]) -> set[tuple[str, str]]:
    """Predicates and objects, without subjects (a CSV row without an identifier gets a fresh one)."""
    return {(t.predicate.value, str(t.object)) for t in _stored(triples)}


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "csv"])
@pytest.mark.parametrize("kind", contributions.KINDS)
def test_every_kind_in_every_format_lands_in_a_new_graph_with_its_provenance(env, kind, fmt):
    who = TOKEN_OF_KIND.get(kind, "mulhouse")
    data, media_type, sent = _body(kind, fmt, env, who)
    before = set(env.store.named_graphs())
    response = env.post(who, data, media_type, name=f"{kind}.{fmt}")
    assert response.status_code == 201, response.json
    body = response.json
    graph = body["graph"]
    contributor = {"evaluator": "evaluateur"}.get(who, who)
    assert re.fullmatch(re.escape(CONTRIB + contributor) + r"/\d{8}T\d{6}Z-[0-9a-f]{8}", graph)
    assert set(env.store.named_graphs()) - before == {ox.NamedNode(graph)}
    assert body["kinds"] == [kind]
    assert response.headers["Location"] == "/api/contributions/" + graph[len(CONTRIB):]
    landed = env.graph(graph)
    if fmt == "csv":
        assert _shape(landed) == _shape(sent)
    else:
        assert landed == _stored(sent)
    g = ox.NamedNode(graph)
    meta = {(q.predicate, q.object) for q in env.store.quads(g, None, None, META_GRAPH)}
    assert (DCT.creator, ox.Literal(contributor)) in meta
    assert (DCT.type, ox.Literal(kind)) in meta
    assert any(p == PROV.generatedAtTime for p, _ in meta)
    sources = [o for p, o in meta if p == DCT.source]
    assert len(sources) == 1
    sha = next(q.object.value for q in env.store.quads(sources[0], THC.sha256, None, META_GRAPH))
    assert sha == hashlib.sha256(data).hexdigest()


def test_turtle_and_json_ld_written_by_hand(env):
    assert env.post("mulhouse", report_ttl("by-hand")).status_code == 201
    jsonld = {
        "@context": {"thc": "https://w3id.org/thc/ontology#", "dct": "http://purl.org/dc/terms/",
                     "prov": "http://www.w3.org/ns/prov#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                     "xsd": "http://www.w3.org/2001/XMLSchema#", "@base": ID},
        "@id": "report/json-ld", "@type": "thc:ProgressReport",
        "rdfs:label": {"@value": "Rapport en JSON-LD", "@language": "fr"},
        "thc:aboutCommitment": {"@id": "commitment/mulhouse-2014-open-data"},
        "dct:date": {"@value": "2025-02-01", "@type": "xsd:date"},
        "prov:wasAttributedTo": {"@id": "actor/commune-68224"},
        "thc:completion": {"@id": "https://w3id.org/thc/scheme/irm-completion/substantial"},
    }
    response = env.post("mulhouse", json.dumps(jsonld), "application/ld+json")
    assert response.status_code == 201, response.json
    assert response.json["subjects"] == [ID + "report/json-ld"]


def test_multipart_upload_as_curl_f_does(env):
    data = contribution_csv.template_csv("report").replace("mulhouse-2014-open-data-2025-03", "upload").encode()
    response = env.client.post("/api/contributions", headers=env.auth("mulhouse"),
                               data={"file": (__import__("io").BytesIO(data), "rapport.csv")},
                               content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    assert response.json["subjects"] == [ID + "report/upload"]


def test_csv_with_semicolons_and_windows_encoding(env):
    text = ("Identifiant;Engagement;Date;Réalisation;Description FR\r\n"
            "excel;mulhouse-2014-open-data;15/01/2025;limited;Publié en décembre\r\n")
    response = env.post("mulhouse", text.encode("cp1252"), "text/csv", kind="report")
    assert response.status_code == 201, response.json
    landed = env.graph(response.json["graph"])
    assert ox.Triple(ox.NamedNode(ID + "report/excel"), DCT.date,
                     ox.Literal("2025-01-15", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))) in landed
    assert any(t.object == ox.Literal("Publié en décembre", language="fr") for t in landed)


# -- the rules ------------------------------------------------------------------------------------------------------
def _violations(response) -> list[dict]:
    assert response.status_code == 422, response.json
    return response.json["violations"]


def test_a_report_date_in_the_future_is_refused_with_messages_in_both_languages(env):
    before = env.dump()
    found = _violations(env.post("mulhouse", report_ttl("future", when="2999-01-01")))
    assert [(v["focus"], v["path"]) for v in found] == [(ID + "report/future", str(DCT.date)[1:-1])]
    message = found[0]["message"]
    assert "futur" in message["fr"] and "future" in message["en"] and "2999-01-01" in message["en"]
    assert env.dump() == before


def test_an_independent_evaluation_by_the_evaluated_authority_or_its_agent_is_refused(env):
    evaluation = PREFIXES + """
<{id}evaluation/e1> a thc:Evaluation ; rdfs:label "Évaluation"@fr ; thc:evaluates <{c}> ;
    dct:date "2025-06"^^xsd:gYearMonth ; prov:wasAttributedTo <{by}> ; thc:independent true .
"""
    by_authority = evaluation.format(id=ID, c=COMMITMENT, by=ID + "actor/commune-68224")
    found = _violations(env.post("admin", by_authority))
    assert {v["path"] for v in found} == {str(PROV.wasAttributedTo)[1:-1]}
    # the mayor of Mulhouse, holding an evaluator token, is still an agent of the evaluated authority
    by_mayor = evaluation.format(id=ID, c=COMMITMENT, by=ID + "person/jean-rottner")
    assert _violations(env.post("rottner", by_mayor))
    by_other = evaluation.format(id=ID, c=COMMITMENT, by=ID + "actor/villes-internet")
    assert env.post("evaluator", by_other).status_code == 201


def test_the_author_of_a_report_cannot_evaluate_it_independently(env):
    assert env.post("mulhouse", report_ttl("r", by=ID + "actor/villes-internet")).status_code == 201
    evaluation = PREFIXES + f"""
<{ID}evaluation/e2> a thc:Evaluation ; rdfs:label "Évaluation"@fr ; thc:evaluates <{COMMITMENT}> ;
    dct:date "2025-06"^^xsd:gYearMonth ; prov:wasAttributedTo <{ID}actor/villes-internet> ; thc:independent true .
"""
    found = _violations(env.post("evaluator", evaluation))
    assert any(ID + "report/r" in v["message"]["en"] or "report" in v["message"]["en"] for v in found)


def test_statuses_use_the_scheme_values_and_csv_messages_name_the_cell(env):
    text = contribution_csv.template_csv("report").replace(",substantial,", ",almost-done,")
    found = _violations(env.post("mulhouse", text, "text/csv"))
    assert [(v["line"], v["column"]) for v in found] == [(2, "realisation")]
    assert "irm-completion" in found[0]["message"]["fr"]


def test_dates_in_order(env):
    text = contribution_csv.template_csv("experience").replace(",2024-01,2024-11,", ",2024-11,2024-01,")
    found = _violations(env.post("mulhouse", text, "text/csv"))
    assert any(v["path"] and v["path"].endswith("endDate") for v in found)


def test_a_report_about_an_unknown_commitment_is_invalid(env):
    found = _violations(env.post("mulhouse", report_ttl("nowhere", commitment=ID + "commitment/nothing")))
    assert {v["path"] for v in found} >= {str(THC.aboutCommitment)[1:-1]}


# -- scopes ---------------------------------------------------------------------------------------------------------
@pytest.fixture
def saillans(env):
    response = env.post("saillans", SAILLANS_PLAN)
    assert response.status_code == 201, response.json
    return env


def test_a_mulhouse_token_cannot_write_about_saillans(saillans):
    env = saillans
    before = env.dump()
    response = env.post("mulhouse", report_ttl("elsewhere", commitment=ID + "commitment/saillans-2014-collegiale"))
    assert response.status_code == 403
    assert response.json["refused"][0]["territory"] == SAILLANS
    assert "commune-26289" in response.json["message"] and "commune-26289" in response.json["message_fr"]
    experience = PREFIXES + f"""<{ID}experience/x> a thc:Experience ; rdfs:label "X"@fr ;
        dct:spatial <{SAILLANS}> ; thc:outcomeStatus <https://w3id.org/thc/scheme/outcome-status/succeeded> ."""
    assert env.post("mulhouse", experience).status_code == 403
    plan = contribution_csv.template_csv("plan").replace("commune-68224,commune-68224", "commune-26289,")
    assert env.post("mulhouse", plan, "text/csv").status_code == 403
    # the same report by Saillans' own token is fine
    assert env.post("saillans", report_ttl("own", commitment=ID + "commitment/saillans-2014-collegiale",
                                           by=ID + "actor/commune-26289")).status_code == 201
    assert env.dump() - before and all("contribution/saillans/" in q or "graph/meta" in q
                                       for q in env.dump() - before)


def test_one_foreign_statement_refuses_the_whole_contribution(saillans):
    env = saillans
    before = env.dump()
    both = report_ttl("ours") + report_ttl("theirs", commitment=ID + "commitment/saillans-2014-collegiale")
    response = env.post("mulhouse", both)
    assert response.status_code == 403
    assert env.dump() == before


def test_an_evaluator_publishes_evaluations_of_its_territories_only(saillans):
    env = saillans
    assert env.post("evaluator", report_ttl("eval-report", by=ID + "actor/villes-internet")).status_code == 403
    of_saillans = PREFIXES + f"""<{ID}evaluation/s> a thc:Evaluation ; rdfs:label "É"@fr ;
        thc:evaluates <{ID}commitment/saillans-2014-collegiale> ; dct:date "2025"^^xsd:gYear ;
        prov:wasAttributedTo <{ID}actor/villes-internet> ."""
    assert env.post("evaluator", of_saillans).status_code == 403
    assert env.post("admin", of_saillans).status_code == 201


def test_an_association_publishes_experiences_and_actors_not_governance(env):
    assert env.post("association", report_ttl("asso")).status_code == 403
    experience = contribution_csv.template_csv("experience")
    assert env.post("association", experience, "text/csv").status_code == 201


def test_a_territory_token_cannot_describe_other_things(env):
    label = PREFIXES + f'<{SAILLANS}> rdfs:label "Saillans la belle"@fr .'
    response = env.post("mulhouse", label)
    assert response.status_code == 403
    assert SAILLANS in response.json["refused"][0]["focus"]


def test_the_scope_check_costs_what_the_contribution_holds_not_what_the_store_holds(env):
    """The store lookups the territory rule makes do not grow with the store."""
    from thc_graph import tokens

    who = tokens.authenticate(env.settings, env.auth("mulhouse")["Authorization"])
    triples = list(ox.parse(report_ttl("cost").encode(), format=ox.RdfFormat.TURTLE))
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in triples]
    calls: list[tuple] = []
    original = env.store.quads

    def counting(*args):
        calls.append(args)
        return original(*args)

    env.store.quads = counting  # type: ignore[method-assign]
    contributions.check_scope(env.store, who, triples)
    small = len(calls)
    bulk = ox.NamedNode("https://w3id.org/thc/graph/bulk")
    env.store.oxigraph.extend(ox.Quad(ox.NamedNode(f"{ID}report/bulk-{i}"), THC.aboutCommitment,
                                      ox.NamedNode(COMMITMENT), bulk) for i in range(3000))
    calls.clear()
    contributions.check_scope(env.store, who, triples)
    assert len(calls) == small


# -- input errors and credentials ------------------------------------------------------------------------------------
def test_a_syntax_error_is_400_with_its_position(env):
    before = env.dump()
    broken = report_ttl("ok") + "\n<a> <b> ."
    response = env.post("mulhouse", broken)
    assert response.status_code == 400
    line = broken.count("\n") + 1
    assert response.json["line"] == line and response.json["column"] >= 1
    assert f"line {line}" in response.json["message"]
    assert env.dump() == before


@pytest.mark.parametrize("cell, message", [
    ("2025-13-45", "is not a date"),
    ("hier", "is not a date"),
])
def test_a_bad_csv_cell_is_400_naming_line_and_column(env, cell, message):
    text = contribution_csv.template_csv("report").replace("2025-03-01", cell)
    response = env.post("mulhouse", text, "text/csv")
    assert response.status_code == 400
    assert "line 2, column date" in response.json["message"] and message in response.json["message"]


def test_csv_header_problems_are_400(env):
    unknown = "engagement,date,realisation,couleur\r\nx,2025,limited,bleu\r\n"
    response = env.post("mulhouse", unknown, "text/csv", kind="report")
    assert response.status_code == 400 and "couleur" in response.json["message"]
    ambiguous = "libelle_fr\r\nX\r\n"
    assert env.post("mulhouse", ambiguous, "text/csv").status_code == 400
    missing = "engagement,date\r\nmulhouse-2014-open-data,2025\r\n"
    response = env.post("mulhouse", missing, "text/csv", kind="report")
    assert response.status_code == 400 and "realisation" in response.json["message"]


def test_empty_body_and_dataset_formats_are_400(env):
    assert env.post("mulhouse", b"").status_code == 400
    assert env.post("mulhouse", b"<a> <b> <c> <d> .", "application/n-quads").status_code == 400


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic dXNlcjpwYXNz"])
def test_credentials_are_required(env, header):
    headers = {"Content-Type": "text/turtle", **({"Authorization": header} if header else {})}
    response = env.client.post("/api/contributions", data=report_ttl("x"), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(env):
    from thc_graph import tokens

    tokens.revoke(env.settings, "mulhouse")
    assert env.post("mulhouse", report_ttl("revoked")).status_code == 401


# -- atomicity -------------------------------------------------------------------------------------------------------
def test_a_contribution_invalid_only_in_its_last_statement_leaves_no_trace(env):
    before = env.dump()
    graphs = set(env.store.named_graphs())
    body = "".join(report_ttl(f"batch-{i}") for i in range(30))
    body += PREFIXES + f"<{ID}report/batch-29> thc:completion <https://w3id.org/thc/scheme/irm-completion/nearly> ."
    found = _violations(env.post("mulhouse", body))
    assert {v["focus"] for v in found} == {ID + "report/batch-29"}
    assert env.dump() == before
    assert set(env.store.named_graphs()) == graphs


# -- revisions, history, withdrawal ------------------------------------------------------------------------------------
def _public_ask(where: Env, report: str) -> bool:
    store = where.store
    return bool(store.query(f"ASK {{ <{report}> ?p ?o }}", default_graph=store.public_default_graph()))


def test_revisions_keep_every_version(env):
    first = env.post("mulhouse", report_ttl("v1", completion="limited")).json["graph"]
    second = env.post("mulhouse", report_ttl("v2", completion="substantial",
                                             extra=f"; prov:wasRevisionOf <{ID}report/v1> "),
                      revises=first)
    assert second.status_code == 201, second.json
    assert second.json["revises"] == first
    g2 = ox.NamedNode(second.json["graph"])
    assert ox.Quad(g2, PROV.wasRevisionOf, ox.NamedNode(first), META_GRAPH) in env.store.oxigraph
    assert env.graph(first) and env.graph(second.json["graph"])
    history = env.client.get("/api/commitments/mulhouse-2014-open-data/history").json
    reports = [h for h in history["history"] if h["kind"] == "report"]
    assert [r["iri"] for r in reports] == [ID + "report/v1", ID + "report/v2"]
    assert reports[1]["revision_of"] == ID + "report/v1"
    # by the short form too; one cannot revise another's contribution, nor one that does not exist
    assert env.post("mulhouse", report_ttl("v3"), revises=second.json["graph"][len(CONTRIB):]).status_code == 201
    assert env.post("saillans", SAILLANS_PLAN, revises=first).status_code == 403
    assert env.post("mulhouse", report_ttl("v4"), revises="mulhouse/20200101T000000Z-00000000").status_code == 404


def test_listing_with_filters(env):
    report = env.post("mulhouse", report_ttl("l1")).json["graph"]
    actor = env.post("mulhouse", contribution_csv.template_csv("actor"), "text/csv").json["graph"]
    evaluation = env.post("evaluator", contribution_csv.template_csv("evaluation"), "text/csv").json["graph"]
    listed = env.client.get("/api/contributions").json
    assert listed["count"] == 3
    assert {c["graph"] for c in listed["contributions"]} == {report, actor, evaluation}
    by_kind = env.client.get("/api/contributions?kind=report").json["contributions"]
    assert [c["graph"] for c in by_kind] == [report]
    by_who = env.client.get("/api/contributions?contributor=evaluateur").json["contributions"]
    assert [c["graph"] for c in by_who] == [evaluation]
    assert by_who[0]["attributed_to"] == ID + "actor/villes-internet"
    assert by_who[0]["source"]["format"] == "text/csv"
    today = by_who[0]["generated"][:10]
    assert env.client.get(f"/api/contributions?since={today}&until={today}").json["count"] == 3
    assert env.client.get("/api/contributions?until=2000-01-01").json["count"] == 0
    assert env.client.get("/api/contributions?since=yesterday").status_code == 400
    one = env.client.get("/api/contributions/" + report[len(CONTRIB):])
    assert one.json["graph"] == report
    turtle = env.client.get("/api/contributions/" + report[len(CONTRIB):] + "?format=turtle")
    assert turtle.mimetype == "text/turtle" and b"ProgressReport" in turtle.data
    assert env.client.get("/api/contributions/mulhouse/nothing-here").status_code == 404


def test_withdraw_and_restore(env):
    graph = env.post("mulhouse", report_ttl("w1")).json["graph"]
    path = "/api/contributions/" + graph[len(CONTRIB):]
    report = ID + "report/w1"
    assert _public_ask(env, report)
    assert env.client.post(path + "/withdraw", headers=env.auth("saillans")).status_code == 403
    assert env.client.post(path + "/withdraw").status_code == 401
    done = env.client.post(path + "/withdraw", headers=env.auth("mulhouse"))
    assert done.status_code == 200 and done.json["by"] == "mulhouse"
    assert env.client.post(path + "/withdraw", headers=env.auth("mulhouse")).status_code == 400
    # out of the public union, still there by name, marked with who and when
    assert not _public_ask(env, report)
    assert env.store.query(f"ASK {{ GRAPH <{graph}> {{ <{report}> ?p ?o }} }}")
    g = ox.NamedNode(graph)
    activity = next(env.store.quads(g, PROV.wasInvalidatedBy, None, META_GRAPH)).object
    assert ox.Quad(activity, PROV.wasAssociatedWith, ox.Literal("mulhouse"), META_GRAPH) in env.store.oxigraph
    assert next(env.store.quads(g, PROV.invalidatedAtTime, None, META_GRAPH)).object.value == done.json["withdrawn"]
    listed = env.client.get("/api/contributions?withdrawn=yes").json["contributions"]
    assert [(c["graph"], c["withdrawn_by"]) for c in listed] == [(graph, "mulhouse")]
    history = env.client.get("/api/commitments/mulhouse-2014-open-data/history").json
    assert history["history"][0]["withdrawn"] == done.json["withdrawn"] and history["latest"] is None
    # the SPARQL endpoint's default graph is the public union
    sparql = env.client.get("/sparql", query_string={"query": f"ASK {{ <{report}> ?p ?o }}"},
                            headers={"Accept": "application/sparql-results+json"})
    assert sparql.status_code == 200 and sparql.json["boolean"] is False
    # only an admin restores
    assert env.client.post(path + "/restore", headers=env.auth("mulhouse")).status_code == 403
    restored = env.client.post(path + "/restore", headers=env.auth("admin"))
    assert restored.status_code == 200 and restored.json["by"] == "admin"
    assert _public_ask(env, report)
    assert env.store.public_default_graph() is None
    item = env.client.get(path).json
    assert item["withdrawn"] is None
    assert [e["event"] for e in item["history"]] == ["withdrawal", "restoration"]
    assert env.client.post(path + "/restore", headers=env.auth("admin")).status_code == 404


def test_history_of_an_unknown_commitment_is_404(env):
    assert env.client.get("/api/commitments/nothing/history").status_code == 404
    assert env.client.get("/api/commitments/Not_A_Slug/history").status_code == 404


def test_me_lists_the_commitments_of_the_token(saillans):
    env = saillans
    mine = env.client.get("/api/me", headers=env.auth("mulhouse")).json
    assert mine["territory"] == MULHOUSE
    slugs = {c["slug"] for c in mine["commitments"]}
    assert "mulhouse-2014-open-data" in slugs and "saillans-2014-collegiale" not in slugs
    assert env.client.get("/api/me").status_code == 401


# -- templates ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", contributions.KINDS)
def test_templates_are_downloadable_and_match_the_published_files(env, kind):
    response = env.client.get(f"/api/templates/{kind}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="{kind}.csv"' in response.headers["Content-Disposition"]
    text = response.data.decode()
    header, example = text.splitlines()[:2]
    assert header.split(",")[0] == "identifiant" and example
    assert (paths.DATA_DIR / "templates" / f"{kind}.csv").read_bytes().decode() == text


def test_template_index_and_unknown_template(env):
    index = env.client.get("/api/templates?lang=en").json["templates"]
    assert sorted(t["kind"] for t in index) == sorted(contributions.KINDS)
    report = next(t for t in index if t["kind"] == "report")
    assert report["columns"][1]["help"].startswith("The commitment") and report["url"] == "/api/templates/report.csv"
    assert env.client.get("/api/templates/nothing.csv").status_code == 404


# -- the command line --------------------------------------------------------------------------------------------------
def test_thc_contribute(env, runner, tmp_path):
    from thc_graph import cli as thc_cli

    env.store.oxigraph.flush()
    path = env.settings.store
    secret = env.secrets["mulhouse"]
    env.store = None  # type: ignore[assignment]
    env.app.extensions.pop("thc_store")
    __import__("gc").collect()
    good = tmp_path / "rapport.ttl"
    good.write_text(report_ttl("cli"))
    args = ["--store", path, "contribute", str(good), "--token", secret]
    result = runner.invoke(thc_cli.cli, args, env={"THC_TOKENS_FILE": str(tmp_path / "tokens.json")})
    assert result.exit_code == 0, result.output
    graph = result.stdout.strip().splitlines()[-1]
    assert graph.startswith(CONTRIB + "mulhouse/")
    bad = tmp_path / "futur.ttl"
    bad.write_text(report_ttl("cli-future", when="2999-01-01"))
    refused = runner.invoke(thc_cli.cli, ["--store", path, "contribute", str(bad)],
                            env={"THC_TOKENS_FILE": str(tmp_path / "tokens.json"), "THC_TOKEN": secret})
    assert refused.exit_code == 1 and "futur" in refused.stderr
    listed = runner.invoke(thc_cli.cli, ["--store", path, "contribution", "list"])
    assert [c["graph"] for c in json.loads(listed.stdout)] == [graph]
    withdrawn = runner.invoke(thc_cli.cli, ["--store", path, "contribution", "withdraw", graph, "--token", secret],
                              env={"THC_TOKENS_FILE": str(tmp_path / "tokens.json")})
    assert withdrawn.exit_code == 0 and "withdrawn" in withdrawn.stdout
    no_token = runner.invoke(thc_cli.cli, ["--store", path, "contribute", str(good)],
                             env={"THC_TOKENS_FILE": str(tmp_path / "tokens.json"), "THC_TOKEN": ""})
    assert no_token.exit_code == 1 and "token" in no_token.stderr


def test_rdf_type_is_what_decides_the_kind(env):
    """A resource typed with a sub-class of thc:Actor is an actor."""
    person = PREFIXES + f'<{ID}person/marie-curie> a thc:Person ; rdfs:label "Marie Curie"@fr .'
    response = env.post("mulhouse", person)
    assert response.status_code == 201, response.json
    assert response.json["kinds"] == ["actor"]
    assert ox.Quad(ox.NamedNode(ID + "person/marie-curie"), RDF.type, THC.Person,
                   ox.NamedNode(response.json["graph"])) in env.store.oxigraph


def test_contribution_graphs_are_not_written_raw_by_contributors(env):
    """The Graph Store and SPARQL Update endpoints would skip the checks: they refuse a contributor's own graphs."""
    graph = CONTRIB + "mulhouse/raw"
    put = env.client.put("/rdf-graph-store", query_string={"graph": graph}, data=report_ttl("raw"),
                         content_type="text/turtle", headers=env.auth("mulhouse"))
    assert put.status_code == 403
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ <{ID}report/raw> a <https://w3id.org/thc/ontology#X> }} }}"
    posted = env.client.post("/sparql", data=update, content_type="application/sparql-update",
                             headers=env.auth("mulhouse"))
    assert posted.status_code == 403
    assert not env.store.has_graph(ox.NamedNode(graph))


def test_the_docs_describe_every_template_column():
    text = (paths.ROOT / "docs" / "contributing-data.md").read_text(encoding="utf-8")
    for template in contribution_csv.TEMPLATES.values():
        section = text.split(f"`{template.kind}.csv`", 1)[1].split("\n### ", 1)[0]
        for column in template.columns:
            assert f"| `{column.header}` |" in section, (template.kind, column.header)


def test_no_report_on_a_withdrawn_commitment(env):
    """A commitment whose contribution was withdrawn no longer takes reports (it is not public any more)."""
    commitment = contribution_csv.template_csv("commitment")
    graph = env.post("mulhouse", commitment, "text/csv").json["graph"]
    new = ID + "commitment/mulhouse-2020-budget-participatif"
    assert env.post("mulhouse", report_ttl("on-new", commitment=new)).status_code == 201
    env.client.post("/api/contributions/" + graph[len(CONTRIB):] + "/withdraw", headers=env.auth("mulhouse"))
    found = _violations(env.post("mulhouse", report_ttl("on-withdrawn", commitment=new)))
    assert any("territoire" in v["message"]["fr"] for v in found)

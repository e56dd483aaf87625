"""The commitments dashboard shows each commitment's history: its progress reports and evaluations in date order,
withdrawn ones marked with who and when, in the page (without JavaScript) and in /dashboard.json."""

from __future__ import annotations

import html as htmllib
import time

import pytest

from thc_graph import contribution_csv, dashboard

from .contrib_env import COMMITMENT, ID, MULHOUSE, Env, make_env, report_ttl

CONTRIB = "https://w3id.org/thc/graph/contribution/"
COMPLETION = "https://w3id.org/thc/scheme/irm-completion/"


@pytest.fixture
def env(seed_store, tmp_path) -> Env:
    return make_env(seed_store, tmp_path)


def _history_of(html: str, commitment: str) -> str:
    """The <details> history under the commitment's row."""
    path = commitment.replace("https://w3id.org/thc", "")
    after = html.split(f'href="{path}"', 1)[1]
    return after.split('<details class="history">', 1)[1].split("</details>", 1)[0]


def _commitment_json(env: Env, lang: str = "fr") -> dict:
    data = env.client.get(f"/dashboard.json?lang={lang}").get_json()
    mulhouse = next(t for t in data["territories"] if t["iri"] == MULHOUSE)
    return next(c for p in mulhouse["plans"] for c in p["commitments"] if c["iri"] == COMMITMENT)


def _three_contributions(env: Env) -> tuple[str, str, str]:
    first = env.post("mulhouse", report_ttl("d1", when="2025-01-15", completion="limited",
                                            extra="; thc:evidence <https://data.mulhouse.fr/> "))
    assert first.status_code == 201, first.json
    second = env.post("mulhouse", report_ttl("d2", when="2025-03-01", completion="substantial",
                                             extra=f"; prov:wasRevisionOf <{ID}report/d1> "),
                      revises=first.json["graph"])
    assert second.status_code == 201, second.json
    evaluation = env.post("evaluator", contribution_csv.template_csv("evaluation"), "text/csv")
    assert evaluation.status_code == 201, evaluation.json
    return first.json["graph"], second.json["graph"], evaluation.json["graph"]


def test_the_dashboard_shows_reports_and_evaluations_in_date_order(env):
    _three_contributions(env)
    html = env.client.get("/dashboard?lang=fr").get_data(as_text=True)
    history = _history_of(html, COMMITMENT)
    assert history.index("Rapport d1") < history.index("Rapport d2") < history.index("2025-06")  # date order
    assert 'class="status rank-2">' in history and 'class="status rank-3">' in history
    assert "rank-3" in history and 'href="/id/report/d1"' in history and 'href="/id/report/d2"' in history
    assert "Ouverture de la gouvernance" in history and "indépendante" in history
    assert 'href="https://data.mulhouse.fr/"' in history  # the evidence link
    assert "withdrawn" not in history and "Retiré" not in history
    # the latest status is the newest rated item: the evaluation (limited) after the substantial report
    commitment = _commitment_json(env)
    assert commitment["reports"] == 2 and commitment["evaluations"] == 1
    kinds = [(h["kind"], h["date"], h["status"]) for h in commitment["history"]]
    assert kinds == [("report", "2025-01-15", COMPLETION + "limited"),
                     ("report", "2025-03-01", COMPLETION + "substantial"),
                     ("evaluation", "2025-06", COMPLETION + "limited")]
    report, evaluation = commitment["history"][1], commitment["history"][2]
    assert report["revision_of"] == ID + "report/d1" and report["by"] == ID + "actor/commune-68224"
    assert report["contributor"] == "mulhouse" and report["withdrawn"] is None
    assert evaluation["independent"] is True and evaluation["opened_government"].endswith("/marginal")
    assert evaluation["by"] == ID + "actor/villes-internet" and evaluation["status_label"]
    assert commitment["status"] == COMPLETION + "limited"
    # in English, the labels follow the page language
    english = _history_of(env.client.get("/dashboard?lang=en").get_data(as_text=True), COMMITMENT)
    assert "Did it open government" in english and "Progress report" in english


def test_a_withdrawn_report_is_marked_and_the_latest_status_falls_back(env):
    first = env.post("mulhouse", report_ttl("d1", when="2025-01-15", completion="limited")).json["graph"]
    second = env.post("mulhouse", report_ttl("d2", when="2025-03-01", completion="substantial",
                                             extra=f"; prov:wasRevisionOf <{ID}report/d1> "), revises=first)
    assert second.status_code == 201, second.json
    assert _commitment_json(env)["status"] == COMPLETION + "substantial"
    done = env.client.post("/api/contributions/" + second.json["graph"][len(CONTRIB):] + "/withdraw",
                           headers=env.auth("mulhouse"))
    assert done.status_code == 200
    commitment = _commitment_json(env)
    assert commitment["status"] == COMPLETION + "limited" and commitment["rank"] == 2  # falls back
    # the history API names the same item, by the same rule
    api = env.client.get("/api/commitments/mulhouse-2014-open-data/history").json
    assert api["status"]["iri"] == ID + "report/d1" and api["status"]["completion"] == COMPLETION + "limited"
    assert commitment["reports"] == 1
    withdrawn = [h for h in commitment["history"] if h["withdrawn"]]
    assert [(h["iri"], h["withdrawn"], h["withdrawn_by"]) for h in withdrawn] == \
        [(ID + "report/d2", done.json["withdrawn"], "mulhouse")]
    assert [h["iri"] for h in commitment["history"]] == [ID + "report/d1", ID + "report/d2"]  # still in date order
    history = _history_of(env.client.get("/dashboard?lang=fr").get_data(as_text=True), COMMITMENT)
    item = history.split('class="report withdrawn"', 1)[1].split("</li>", 1)[0]
    assert "Rapport d2" in item and "Retiré" in item and f"retiré le {done.json['withdrawn'][:10]} par mulhouse" in item
    assert 'class="report"' in history.split('class="report withdrawn"', 1)[0]  # the first one is not marked
    english = _history_of(env.client.get("/dashboard?lang=en").get_data(as_text=True), COMMITMENT)
    assert "withdrawn on" in english


def test_a_hostile_description_renders_as_text(env):
    hostile = '<script>alert(1)</script><b onmouseover="x()">"&'
    body = report_ttl("h1").replace('"Avancement h1"@fr', '"' + hostile.replace('"', '\\"') + '"@fr')
    body = body.replace('"Rapport h1"@fr', '"<img src=x onerror=alert(2)>"@fr')
    response = env.post("mulhouse", body)
    assert response.status_code == 201, response.json
    html = env.client.get("/dashboard?lang=fr").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html and '<b onmouseover' not in html
    history = _history_of(html, COMMITMENT)
    assert htmllib.escape(hostile) in history.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")
    assert "&lt;img src=x onerror=alert(2)&gt;" in history
    assert _commitment_json(env)["history"][0]["description"] == hostile


def test_the_histories_come_from_one_query(env, monkeypatch):
    """The dashboard costs one history query whatever the number of commitments (no query per commitment)."""
    _three_contributions(env)
    calls = []
    real = env.store.select

    def counting(sparql, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(sparql)
        return real(sparql, *args, **kwargs)

    monkeypatch.setattr(env.store, "select", counting)
    started = time.perf_counter()
    rows = dashboard.territories(env.store, "fr")
    elapsed = time.perf_counter() - started
    assert sum(len(p.commitments) for t in rows for p in t.plans) > 1
    assert sum("aboutCommitment" in q for q in calls) == 1 and len(calls) <= 3
    assert elapsed < 2

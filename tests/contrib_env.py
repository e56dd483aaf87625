"""What the contribution tests share: a seeded store copied per test, an app over it, and one token per role."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Flask

from thc_graph import tokens
from thc_graph.app import create_app
from thc_graph.settings import Settings
from thc_graph.store import Store

ID = "https://w3id.org/thc/id/"
MULHOUSE = ID + "territory/commune-68224"
SAILLANS = ID + "territory/commune-26289"
COMMITMENT = ID + "commitment/mulhouse-2014-open-data"
PREFIXES = """@prefix thc: <https://w3id.org/thc/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix completion: <https://w3id.org/thc/scheme/irm-completion/> .
@prefix id: <https://w3id.org/thc/id/> .
"""
# Saillans has no plan in the seed: its token publishes its local government, a plan and a commitment.
SAILLANS_PLAN = PREFIXES + """
id:actor\\/commune-26289 a thc:PublicAuthority ; rdfs:label "Commune de Saillans"@fr ;
    dct:spatial id:territory\\/commune-26289 ;
    thc:actorType <https://w3id.org/thc/scheme/actor-types/local-government> .
id:plan\\/saillans-2014 a thc:ActionPlan ; rdfs:label "Plan d'action de Saillans"@fr ;
    thc:territory id:territory\\/commune-26289 ; thc:authority id:actor\\/commune-26289 .
id:commitment\\/saillans-2014-collegiale a thc:Commitment ; rdfs:label "Gouvernance collégiale"@fr ;
    thc:inPlan id:plan\\/saillans-2014 .
"""


def report_ttl(slug: str, *, commitment: str = COMMITMENT, when: str = "2025-01-15", completion: str = "limited",
               by: str = ID + "actor/commune-68224", extra: str = "") -> str:
    return PREFIXES + f"""
<{ID}report/{slug}> a thc:ProgressReport ; rdfs:label "Rapport {slug}"@fr ;
    thc:aboutCommitment <{commitment}> ; dct:date "{when}"^^xsd:date ;
    prov:wasAttributedTo <{by}> ; thc:completion completion:{completion} ;
    dct:description "Avancement {slug}"@fr {extra}.
"""


@dataclass
class Env:
    app: Flask
    store: Store
    settings: Settings
    secrets: dict[str, str]

    @property
    def client(self) -> Any:
        return self.app.test_client()

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[who]}"}

    def post(self, who: str | None, body: str | bytes, content_type: str = "text/turtle", **params: str) -> Any:
        headers = {"Content-Type": content_type, **(self.auth(who) if who else {})}
        data = body.encode() if isinstance(body, str) else body
        return self.client.post("/api/contributions", data=data, headers=headers, query_string=params)

    def dump(self) -> set[str]:
        out = io.BytesIO()
        self.store.dump(out, ox.RdfFormat.N_QUADS)
        return set(out.getvalue().decode().splitlines())

    def graph(self, iri: str) -> set[ox.Triple]:
        return {ox.Triple(q.subject, q.predicate, q.object) for q in self.store.quads(None, None, None,
                                                                                     ox.NamedNode(iri))}


def make_env(seed_store: Store, tmp_path: Path) -> Env:
    path = tmp_path / "store"
    seed_store.backup(path)
    store = Store(path)
    overrides = {"store": str(path), "tokens_file": str(tmp_path / "tokens.json")}
    app = create_app(overrides, store=store)
    settings = Settings(overrides)
    secrets = {
        "mulhouse": tokens.create(settings, "mulhouse", territory=MULHOUSE),
        "saillans": tokens.create(settings, "saillans", territory=SAILLANS),
        "evaluator": tokens.create(settings, "evaluateur", evaluator_of=[MULHOUSE], agent=ID + "actor/villes-internet"),
        "rottner": tokens.create(settings, "rottner", evaluator_of=[MULHOUSE], agent=ID + "person/jean-rottner"),
        "association": tokens.create(settings, "democratie-ouverte", agent=ID + "actor/democratie-ouverte"),
        "admin": tokens.create(settings, "admin", admin=True),
    }
    return Env(app, store, settings, secrets)

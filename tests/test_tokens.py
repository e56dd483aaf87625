"""Write tokens: created with a secret shown once, stored as hashes, scoped, revoked; `thc token`."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from thc_graph import tokens
from thc_graph.errors import BadRequest, Forbidden, NotFound, Unauthorized
from thc_graph.settings import Settings

MULHOUSE = "https://w3id.org/thc/id/territory/commune-68224"
OWN = "https://w3id.org/thc/graph/contribution/mulhouse/"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings({"store": str(tmp_path / "store")}, environ={})


def test_the_file_holds_hashes_never_the_secret(settings, tmp_path):
    secret = tokens.create(settings, "mulhouse", territory=MULHOUSE)
    path = tmp_path / "store.tokens.json"
    text = path.read_text()
    assert secret not in text
    record = json.loads(text)["tokens"][0]
    assert record["sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret) >= 40  # 32 random bytes, url-safe base64


def test_authenticate_gives_the_principal_and_its_scope(settings):
    secret = tokens.create(settings, "mulhouse", territory=MULHOUSE)
    who = tokens.authenticate(settings, f"Bearer {secret}")
    assert (who.name, who.role, who.admin, who.territory) == ("mulhouse", "territory", False, MULHOUSE)
    assert who.authority == "https://w3id.org/thc/id/actor/commune-68224"
    assert who.graphs == () and who.contribution_prefix == OWN
    for graph in (None, "https://w3id.org/thc/graph/seed", OWN, "https://w3id.org/thc/graph/contribution/saillans/1",
                  "https://w3id.org/thc/graph/contribution/mulhousex/1"):
        with pytest.raises(Forbidden):
            who.check_write(graph)
    # its own contribution graphs are written through the validating API only, never raw
    with pytest.raises(Forbidden, match="POST /api/contributions"):
        who.check_write(OWN + "20250101T000000Z-abc")


def test_admin_writes_everything(settings):
    who = tokens.authenticate(settings, "Bearer " + tokens.create(settings, "root", admin=True))
    assert who.admin and who.role == "admin"
    who.check_write(None)
    who.check_write("https://w3id.org/thc/graph/seed")


def test_extra_graphs_exact_or_prefix(settings):
    secret = tokens.create(settings, "asso", graphs=["https://example.org/g/one", "https://example.org/all/"])
    who = tokens.authenticate(settings, f"bearer {secret}")
    assert who.role == "contributor"
    who.check_write("https://example.org/g/one")
    who.check_write("https://example.org/all/x")
    with pytest.raises(Forbidden):
        who.check_write("https://example.org/g/one/more")


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "Bearer wrong-token", "Token x"])
def test_missing_or_unknown_is_unauthorized(settings, header):
    tokens.create(settings, "mulhouse", territory=MULHOUSE)
    with pytest.raises(Unauthorized):
        tokens.authenticate(settings, header)


def test_revoked_no_longer_authenticates_and_the_name_can_be_reused(settings):
    first = tokens.create(settings, "mulhouse", territory=MULHOUSE)
    with pytest.raises(BadRequest, match="already exists"):
        tokens.create(settings, "mulhouse", territory=MULHOUSE)
    tokens.revoke(settings, "mulhouse")
    with pytest.raises(Unauthorized):
        tokens.authenticate(settings, f"Bearer {first}")
    with pytest.raises(NotFound):
        tokens.revoke(settings, "mulhouse")
    second = tokens.create(settings, "mulhouse", territory=MULHOUSE)
    assert tokens.authenticate(settings, f"Bearer {second}").name == "mulhouse"
    with pytest.raises(Unauthorized):
        tokens.authenticate(settings, f"Bearer {first}")
    assert [t.revoked is None for t in tokens.list_tokens(settings)] == [True]


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "Mulhouse"}, "lower-case"),
    ({"name": "a/b"}, "lower-case"),
    ({"name": "x", "role": "territory"}, "--territory"),
    ({"name": "x", "role": "evaluator"}, "--evaluator-of"),
    ({"name": "x", "role": "king"}, "role"),
    ({"name": "x", "territory": "not an iri"}, "not a valid IRI"),
])
def test_bad_creations_are_refused(settings, kwargs, message):
    name = kwargs.pop("name")
    with pytest.raises(BadRequest, match=message):
        tokens.create(settings, name, **kwargs)


def test_where_the_file_lives(tmp_path):
    assert tokens.tokens_path(Settings({"store": "var/x"}, environ={})) == Path("var/x.tokens.json")
    assert tokens.tokens_path(Settings({"store": "http://h/sparql"}, environ={})) == Path("var/tokens.json")
    custom = tmp_path / "t.json"
    assert tokens.tokens_path(Settings({"tokens_file": str(custom)}, environ={})) == custom


def test_a_token_made_elsewhere_is_seen_at_once(settings, thc, store_path):
    """The server re-reads the file when it changes: a token created by the CLI works without a restart."""
    tokens.create(settings.replace(store=str(store_path)), "first", admin=True)
    result = thc("token", "create", "mulhouse", "--territory", MULHOUSE)
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert tokens.authenticate(settings.replace(store=str(store_path)), f"Bearer {secret}").territory == MULHOUSE


def test_cli_create_list_revoke(thc, store_path):
    created = thc("token", "create", "eval", "--evaluator-of", MULHOUSE, "--agent",
                  "https://w3id.org/thc/id/actor/villes-internet")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    listed = thc("token", "list")
    assert "eval\tevaluator\tactive" in listed.stdout and secret not in listed.stdout
    as_json = json.loads(thc("token", "list", "--json").stdout)
    assert as_json[0]["evaluator_of"] == [MULHOUSE] and "sha256" not in as_json[0]
    assert thc("token", "revoke", "eval").exit_code == 0
    assert "revoked" in thc("token", "list").stdout
    again = thc("token", "revoke", "eval")
    assert again.exit_code == 1 and "no active token" in again.stderr
    bad = thc("token", "create", "Bad Name")
    assert bad.exit_code == 1 and "lower-case" in bad.stderr


def test_tokens_created_at_once_are_all_kept(settings):
    import threading

    secrets: dict[str, str] = {}

    def make(i: int) -> None:
        secrets[f"t-{i}"] = tokens.create(settings, f"t-{i}", territory=MULHOUSE)

    threads = [threading.Thread(target=make, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(t.name for t in tokens.list_tokens(settings)) == sorted(secrets)
    for name, secret in secrets.items():
        assert tokens.authenticate(settings, f"Bearer {secret}").name == name

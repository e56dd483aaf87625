"""Credentials for writers: named bearer tokens, stored as SHA-256 hashes in a JSON file beside the store.

A token is a random secret (`secrets.token_urlsafe(32)`, 256 bits); only its SHA-256 is kept, so the file
never holds a usable secret. Each token has a name (a slug, which is also the contributor's name in
`graph/contribution/{name}/...`), a role and what it may write:

- admin: everything (the default graph, the whole dataset, every graph);
- territory: its own contribution graphs `graph/contribution/{name}/...`, publishing about its territory
  (`territory`), speaking for its local government (`authority`);
- evaluator: its own contribution graphs, publishing evaluations of the territories in `evaluator_of`;
- contributor (an association): its own contribution graphs (experiences and actors).

Contribution graphs are written only through POST /api/contributions (`contributions.submit`), which checks the
scope and validates: `check_write`, which the raw write protocols (SPARQL Update, Graph Store) call, does not
open them. `graphs` lists the other graphs an admin granted with --graph, written raw through those protocols;
entries ending in `/` are prefixes (every graph under them), the others name one graph.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import BadRequest, ConfigError, Forbidden, NotFound, Unauthorized
from .namespaces import GRAPH

ROLES = ("territory", "evaluator", "admin", "contributor")
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple[int, int, int], list[dict[str, Any]]]] = {}


def contribution_prefix(name: str) -> str:
    """The IRI under which the contributor `name` writes its contributions."""
    return f"{GRAPH}contribution/{name}/"


@dataclass(frozen=True)
class Principal:
    """Who is writing, and what they may write."""

    name: str
    admin: bool
    graphs: tuple[str, ...]
    role: str
    territory: str | None = None
    authority: str | None = None
    agent: str | None = None
    evaluator_of: tuple[str, ...] = field(default=())

    def may_write(self, graph_iri: str | None) -> bool:
        if self.admin:
            return True
        if graph_iri is None:
            return False
        return any((graph_iri.startswith(g) and len(graph_iri) > len(g)) if g.endswith("/") else graph_iri == g
                   for g in self.graphs)

    def check_write(self, graph_iri: str | None) -> None:
        """Raise Forbidden unless this principal may write `graph_iri` (None: the default graph or the whole
        dataset, which only an admin may write)."""
        if self.may_write(graph_iri):
            return
        if graph_iri is not None and graph_iri.startswith(contribution_prefix("")[:-1]):
            raise Forbidden(f"the token {self.name!r} may not write <{graph_iri}> directly: contributions go through "
                            "POST /api/contributions, which validates them",
                            message_fr=f"le jeton {self.name!r} ne peut pas écrire directement <{graph_iri}> : les "
                                       "contributions passent par POST /api/contributions, qui les valide")
        what = "the default graph or the whole dataset" if graph_iri is None else f"the graph <{graph_iri}>"
        raise Forbidden(f"the token {self.name!r} may not write {what}",
                        message_fr=f"le jeton {self.name!r} ne peut pas écrire "
                                   + ("le graphe par défaut ni tout le jeu de données" if graph_iri is None
                                      else f"dans le graphe <{graph_iri}>"))

    @property
    def contribution_prefix(self) -> str:
        return contribution_prefix(self.name)

    @property
    def speaks_for(self) -> str | None:
        """The actor IRI the contributions are attributed to: the agent, else the authority."""
        return self.agent or self.authority


@dataclass
class TokenInfo:
    """What `list_tokens` shows: everything but the secret (which is never stored)."""

    name: str
    role: str
    admin: bool
    graphs: list[str]
    territory: str | None
    authority: str | None
    agent: str | None
    evaluator_of: list[str]
    created: str
    revoked: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def tokens_path(settings: Any) -> Path:
    """Where the token file lives: the `tokens_file` setting, else beside the store."""
    configured = str(settings["tokens_file"] or "")
    if configured:
        return Path(configured)
    store = str(settings["store"])
    if store.startswith(("http://", "https://")):
        return Path("var/tokens.json")
    return Path(store.rstrip("/") + ".tokens.json")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _read(path: Path) -> list[dict[str, Any]]:
    """The token records, re-read only when the file changed (authentication happens on every write)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return []
    key = str(path.resolve())
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _CACHE.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the token file ({exc})") from None
    records = list(data.get("tokens", [])) if isinstance(data, dict) else []
    _CACHE[key] = (stamp, records)
    return records


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer of the token file at a time, across threads and processes (the CLI beside the server)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    """Replace the file at once (write beside, then rename), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"tokens": records}, out, ensure_ascii=False, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _CACHE.pop(str(path.resolve()), None)


def _iri(text: str, what: str) -> str:
    try:
        return ox.NamedNode(text).value
    except ValueError:
        raise BadRequest(f"{what}: {text!r} is not a valid IRI") from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def create(settings: Any, name: str, *, graphs: tuple[str, ...] | list[str] = (), admin: bool = False,
           role: str | None = None, territory: str | None = None, authority: str | None = None,
           agent: str | None = None, evaluator_of: tuple[str, ...] | list[str] = ()) -> str:
    """Create the token `name` and return its secret (shown once; only its hash is kept).

    The role follows from the options when not given: admin, else evaluator (with `evaluator_of`), else
    territory (with `territory`), else contributor. A territory token's authority defaults to the local
    government of the same code (`id/territory/commune-68224` → `id/actor/commune-68224`)."""
    if not _NAME.match(name):
        raise BadRequest(f"token name {name!r}: use lower-case ASCII words joined by '-' (e.g. mulhouse)")
    if role is None:
        role = "admin" if admin else "evaluator" if evaluator_of else "territory" if territory else "contributor"
    if role not in ROLES:
        raise BadRequest(f"role {role!r}: one of {', '.join(ROLES)}")
    admin = admin or role == "admin"
    if role == "territory" and not territory:
        raise BadRequest("a territory token needs --territory IRI")
    if role == "evaluator" and not evaluator_of:
        raise BadRequest("an evaluator token needs --evaluator-of IRI (one or more territories)")
    territory = _iri(territory, "--territory") if territory else None
    if territory and not authority and "/id/territory/" in territory:
        authority = territory.replace("/id/territory/", "/id/actor/", 1)
    record = {
        "name": name,
        "sha256": "",
        "role": role,
        "admin": admin,
        "graphs": [_iri(g, "--graph") for g in graphs],
        "territory": territory,
        "authority": _iri(authority, "--authority") if authority else None,
        "agent": _iri(agent, "--agent") if agent else None,
        "evaluator_of": [_iri(t, "--evaluator-of") for t in evaluator_of],
        "created": _now(),
        "revoked": None,
    }
    secret = secrets.token_urlsafe(32)
    record["sha256"] = _hash(secret)
    path = tokens_path(settings)
    with _locked(path):
        records = _read(path)
        if any(r["name"] == name and not r.get("revoked") for r in records):
            raise BadRequest(f"a token named {name!r} already exists; revoke it first")
        records = [r for r in records if r["name"] != name] + [record]
        _write(path, records)
    return secret


def list_tokens(settings: Any) -> list[TokenInfo]:
    return [TokenInfo(name=r["name"], role=r["role"], admin=bool(r["admin"]), graphs=list(r["graphs"]),
                      territory=r.get("territory"), authority=r.get("authority"), agent=r.get("agent"),
                      evaluator_of=list(r.get("evaluator_of", [])), created=r["created"], revoked=r.get("revoked"))
            for r in _read(tokens_path(settings))]


def revoke(settings: Any, name: str) -> None:
    """Revoke the token `name`: it no longer authenticates (its record stays, with the date)."""
    path = tokens_path(settings)
    with _locked(path):
        records = [dict(r) for r in _read(path)]
        live = [r for r in records if r["name"] == name and not r.get("revoked")]
        if not live:
            raise NotFound(f"no active token named {name!r}")
        for r in live:
            r["revoked"] = _now()
        _write(path, records)


def _principal(record: dict[str, Any]) -> Principal:
    return Principal(name=record["name"], admin=bool(record["admin"]), graphs=tuple(record["graphs"]),
                     role=record["role"], territory=record.get("territory"), authority=record.get("authority"),
                     agent=record.get("agent"), evaluator_of=tuple(record.get("evaluator_of", ())))


def authenticate(settings: Any, authorization_header: str | None) -> Principal:
    """The principal of an `Authorization: Bearer TOKEN` header; Unauthorized when missing, unknown or revoked.

    The comparison is constant-time over every record, so the answer's timing does not tell which
    part of a guess was right."""
    if not authorization_header:
        raise Unauthorized("this request needs a token: Authorization: Bearer TOKEN",
                           message_fr="cette requête demande un jeton : Authorization: Bearer JETON")
    scheme, _, secret = authorization_header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Unauthorized("the Authorization header must be 'Bearer TOKEN'",
                           message_fr="l'en-tête Authorization doit être « Bearer JETON »")
    digest = _hash(secret)
    found: dict[str, Any] | None = None
    for record in _read(tokens_path(settings)):
        if hmac.compare_digest(digest, str(record.get("sha256", ""))) and not record.get("revoked"):
            found = record
    if found is None:
        raise Unauthorized("unknown or revoked token", message_fr="jeton inconnu ou révoqué")
    return _principal(found)

"""Named queries: one SPARQL query per queries/*.rq file with a `#+ key: value` header.

Header keys: `title`, `description`, and one `param` line per parameter:
`#+ param: NAME TYPE [optional] - help text` with TYPE one of iri, string, integer, date, lang.
Parameters are bound through pyoxigraph substitutions (never pasted into the text).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import paths
from .errors import BadQuery, NotFound
from .namespaces import XSD
from .store import Store

PARAM_TYPES = ("iri", "string", "integer", "date", "lang")
_HEADER = re.compile(r"^#\+\s*([a-z_]+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s+(\w+)(\s+optional)?(?:\s+-\s+(.*))?$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool
    help: str

    def bind(self, text: str, query: str) -> ox.NamedNode | ox.Literal:
        """The term for a value given as text; a value of the wrong kind is a BadQuery naming it."""
        where = f"parameter {self.name} of query {query}"
        if self.type == "iri":
            try:
                return ox.NamedNode(text)
            except ValueError:
                raise BadQuery(f"{where}: {text!r} is not an IRI (expected e.g. https://w3id.org/thc/id/...)") from None
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d+", text.strip()):
                raise BadQuery(f"{where}: {text!r} is not an integer")
            return ox.Literal(text.strip(), datatype=XSD.integer)
        if self.type == "date":
            try:
                date.fromisoformat(text.strip())
            except ValueError:
                raise BadQuery(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from None
            return ox.Literal(text.strip(), datatype=XSD.date)
        if self.type == "lang":
            if text not in ("fr", "en"):
                raise BadQuery(f"{where}: {text!r} must be fr or en")
            return ox.Literal(text)
        return ox.Literal(text)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str
    title: str
    description: str
    params: tuple[Param, ...] = field(default_factory=tuple)

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("#"))
        body = re.sub(r"(?is)^\s*((PREFIX|BASE)\s+[^\n]*\s*)*", "", body)
        match = re.match(r"\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)", body, re.IGNORECASE)
        return match.group(1).upper() if match else "SELECT"

    def substitutions(self, values: dict[str, str]) -> dict[str, Any]:
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise BadQuery(f"query {self.name} has no parameter {', '.join(unknown)}; its parameters: {names}")
        missing = [p.name for p in self.params if not p.optional and not values.get(p.name)]
        if missing:
            raise BadQuery(f"query {self.name} needs the parameter(s) {', '.join(missing)}")
        return {name: known[name].bind(text, self.name) for name, text in values.items() if text != ""}

    def run(self, store: Store, values: dict[str, str] | None = None) -> Any:
        return store.query(self.text, substitutions=self.substitutions(values or {}))


def parse_query_file(path: Path, name: str) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm or pm.group(2) not in PARAM_TYPES:
                raise BadQuery(f"{path.name}: bad param line {value!r}; expected 'NAME TYPE [optional] - help' "
                               f"with TYPE one of {', '.join(PARAM_TYPES)}")
            params.append(Param(pm.group(1), pm.group(2), bool(pm.group(3)), (pm.group(4) or "").strip()))
        else:
            header[key] = value
    named = NamedQuery(name, path, text, header.get("title", name), header.get("description", ""), tuple(params))
    if named.form == "SELECT" and not re.search(r"(?is)SELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", text):
        # pyoxigraph binds a substitution only to a projected variable (SEP-0007).
        for param in params:
            if not re.search(rf"(?is)SELECT\b[^{{]*\?{param.name}\b", text):
                raise BadQuery(f"{path.name}: parameter {param.name} must be projected by the SELECT clause")
    return named


@functools.lru_cache(maxsize=4)
def load_all(directory: Path = paths.QUERIES_DIR) -> dict[str, NamedQuery]:
    """Every queries/**/*.rq, by name (its path below queries/ without .rq)."""
    found = {}
    for path in sorted(directory.rglob("*.rq")):
        name = path.relative_to(directory).with_suffix("").as_posix()
        found[name] = parse_query_file(path, name)
    return found


def get(name_or_file: str) -> NamedQuery:
    """A named query by name, or a .rq file by path."""
    queries = load_all()
    if name_or_file in queries:
        return queries[name_or_file]
    path = Path(name_or_file)
    if path.suffix == ".rq" and path.is_file():
        return parse_query_file(path, path.stem)
    names = ", ".join(queries) or "(none)"
    raise NotFound(f"no query named {name_or_file!r}; named queries: {names}")

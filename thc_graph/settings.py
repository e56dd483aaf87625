"""One table of settings: name, default, help; read from THC_* variables and overrides."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

ENV_PREFIX = "THC_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError("must be more than 0")
    return value


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ValueError("must be true or false")
    return lowered in ("1", "true", "yes", "on")


def _iri_prefixes(text: str) -> tuple[str, ...]:
    """IRI prefixes separated by spaces or commas, each http(s) with a host."""
    prefixes = tuple(p for p in re.split(r"[\s,]+", text.strip()) if p)
    for prefix in prefixes:
        parts = urlsplit(prefix)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{prefix!r} is not the start of an http(s) IRI with a host "
                             "(e.g. https://query.wikidata.org/sparql)")
    return prefixes


def _lang(text: str) -> str:
    if text not in ("fr", "en"):
        raise ValueError("must be fr or en")
    return text


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "var/store",
            "Where the data lives: a directory for the embedded Oxigraph store, "
            "or the http(s) URL of a remote SPARQL 1.1 query endpoint."),
    Setting("store_update_url", "", "With a remote store: its SPARQL 1.1 Update endpoint (default: the query URL)."),
    Setting("store_graph_store_url", "", "With a remote store: its Graph Store Protocol endpoint."),
    Setting("base", "https://w3id.org/thc/", "The base of every data IRI; the server answers /id/... for it."),
    Setting("public_url", "", "The public URL of this service behind a proxy (e.g. https://thc.example.org)."),
    Setting("lang", "fr", "Language of messages and pages when the client states none (fr or en).", _lang),
    Setting("query_timeout_s", 30.0, "Longest time a SPARQL query may run before it is stopped.", _positive_float),
    Setting("max_result_rows", 10000, "Most rows a SELECT returns over HTTP; truncation is signalled.", _positive_int),
    Setting("max_body_bytes", 10 * 1024 * 1024, "Largest request body accepted over HTTP.", _positive_int),
    Setting("rate_limit_per_minute", 600, "Requests one client may make per minute.", _positive_int),
    Setting("readers", 2, "Reader processes answering queries from store checkpoints.", _positive_int),
    Setting("reader_memory", True,
            "Reader processes copy each store checkpoint into memory (faster queries, one copy of the data per "
            "reader); false: they read the checkpoint on disk.", _bool),
    Setting("warm_up", True,
            "`thc serve` builds in the background, as it starts, the search index, the home page's counts, the "
            "index of every class with members and the dumps, so that no first view or download waits for them; "
            "false: each is built when first asked for.", _bool),
    Setting("server_threads", 8, "Threads of `thc serve` answering HTTP requests (queries wait on the readers).",
            _positive_int),
    Setting("bulk_threshold", 50000,
            "Loads of more quads than this use the bulk path (checkpoint, bulk write, roll back on failure).",
            _positive_int),
    Setting("dumps_dir", "",
            "Where the dumps (/dumps/...) are written, kept current after each change; empty: <store>-dumps beside a "
            "store directory, var/dumps otherwise."),
    Setting("dumps_on_commit", True,
            "Refresh the dumps in a background thread after each write (the graphs that changed); false: at the first "
            "download after a change.", _bool),
    Setting("service_allow", (),
            "IRI prefixes (separated by spaces or commas) of the endpoints a query's SERVICE may call; empty: any "
            "public http(s) host (not loopback, private or link-local; resolved first).", _iri_prefixes),
    Setting("tokens_file", "",
            "The JSON file of write tokens (hashes only); empty: <store>.tokens.json beside a store directory, "
            "var/tokens.json with a remote store."),
)

BY_NAME = {s.name: s for s in SETTINGS}


class Settings(Mapping[str, Any]):
    """The settings in force: defaults, then THC_* variables, then explicit overrides."""

    def __init__(self, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            values[setting.name] = setting.default
            if setting.env in env:
                values[setting.name] = _convert(setting, env[setting.env], f"environment variable {setting.env}")
        for name, value in (overrides or {}).items():
            if name not in BY_NAME:
                known = ", ".join(BY_NAME)
                raise ConfigError(f"unknown setting {name!r}; known settings: {known}")
            if value is None:
                continue
            setting = BY_NAME[name]
            values[name] = _convert(setting, value, f"setting {name}") if isinstance(value, str) else value
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **overrides: Any) -> Settings:
        merged = dict(self._values)
        merged.update(overrides)
        return Settings(merged, environ={})


def _convert(setting: Setting, text: str, where: str) -> Any:
    try:
        return setting.parse(text)
    except ValueError as exc:
        raise ConfigError(f"{where} = {text!r} is not valid: {exc}") from None

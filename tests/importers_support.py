"""Shared by the importer tests: one store with the ontology, the seed and every territory imported from the real
files (a few minutes: done once per session), copied cheaply (a RocksDB checkpoint) for each test that writes."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pyoxigraph as ox

from thc_graph import ingest, paths
from thc_graph.importers import territories
from thc_graph.importers.report import Report
from thc_graph.namespaces import ONTOLOGY_GRAPH, PREFIXES, SEED_GRAPH
from thc_graph.store import Store

from .conftest import SHARED_DATA

TERRITORIES_DIR = SHARED_DATA / "fr-decoupage-administratif"
ETALAB_DIR = SHARED_DATA / "consultation-etalab"
PARTICIPEDIA_DIR = SHARED_DATA / "participedia"
HEAD = "".join(f"PREFIX {p}: <{n}>\n" for p, n in PREFIXES.items()) + (
    "PREFIX territory: <https://w3id.org/thc/id/territory/>\nPREFIX actor: <https://w3id.org/thc/id/actor/>\n"
    "PREFIX tool: <https://w3id.org/thc/id/tool/>\nPREFIX method: <https://w3id.org/thc/id/method/>\n"
    "PREFIX experience: <https://w3id.org/thc/id/experience/>\nPREFIX scheme: <https://w3id.org/thc/scheme/>\n"
    "PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n")

_BASE: dict[str, object] = {}


def base_store(tmp_path_factory) -> tuple[Path, Report]:  # type: ignore[no-untyped-def]
    """(path of a closed store holding ontology + seed + all territories, the territories report)."""
    if "path" not in _BASE:
        path = tmp_path_factory.mktemp("importers") / "base"
        store = Store(path)
        ingest.ingest(store, [ingest.parse_file(p) for p in paths.ontology_files()], ONTOLOGY_GRAPH, validate=False)
        seed = [ingest.parse_file(p) for p in sorted(paths.SEED_DIR.glob("*.ttl"))]
        ingest.ingest(store, seed, SEED_GRAPH)
        _BASE["report"] = territories.run(store, TERRITORIES_DIR)
        store.oxigraph.flush()
        del store
        gc.collect()
        _BASE["path"] = path
    return _BASE["path"], _BASE["report"]  # type: ignore[return-value]


def copy_store(source: Path, target: Path) -> Path:
    """A writable copy of a closed store directory."""
    shutil.copytree(source, target)
    return target


def copy_files(source: Path, target: Path, names: tuple[str, ...]) -> Path:
    """Writable copies of some files of a (read-only) source directory."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(source / name, target / name)
    return target


def ask(store: Store, query: str) -> bool:
    return bool(store.query(HEAD + query))


def rows(store: Store, query: str) -> list[dict[str, str]]:
    return [{k: v.value for k, v in row.items()} for row in store.select(HEAD + query)]


def graph_content(store: Store, graph: ox.NamedNode) -> set[str]:
    return {str(q) for q in store.quads(None, None, None, graph)}

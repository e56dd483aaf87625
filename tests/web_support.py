"""A store with the ontology, the seed and a hostile fixture, shared read-only by the web tests (fast)."""

from __future__ import annotations

from pathlib import Path

from thc_graph import ingest, paths
from thc_graph.namespaces import GRAPH, ONTOLOGY_GRAPH, SEED_GRAPH
from thc_graph.store import Store

HOSTILE = Path(__file__).parent / "data" / "web" / "hostile.ttl"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def seeded_store(path: Path | None = None, *, hostile: bool = True) -> Store:
    """Ontology, seed (and the hostile fixture in graph/test/hostile), loaded without validation for speed."""
    store = Store(path)
    ingest.ingest(store, [ingest.parse_file(p) for p in paths.ontology_files()], ONTOLOGY_GRAPH,
                  title="thc ontology and concept schemes", license=CC_BY, validate=False)
    ingest.ingest(store, [ingest.parse_file(p) for p in sorted(paths.SEED_DIR.glob("*.ttl"))], SEED_GRAPH,
                  title="Seed", license=CC_BY, validate=False)
    if hostile:
        ingest.ingest(store, [ingest.parse_file(HOSTILE)], GRAPH["test/hostile"], title="hostile", validate=False)
    return store

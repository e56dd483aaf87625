"""Shared fixtures: a fresh on-disk store per test, the CLI runner, and a store dump to compare."""

from __future__ import annotations

import gc
import io
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from thc_graph import cli as thc_cli
from thc_graph.store import Store

TESTS = Path(__file__).parent
DATA = TESTS / "data"
SHARED_DATA = TESTS.parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A session-wide on-disk store holding the ontology and the curated seed, loaded as `make demo` does.

    Read-only by convention: tests that write use their own `store`.
    """
    from thc_graph import ingest, paths
    from thc_graph.namespaces import ONTOLOGY_GRAPH, SEED_GRAPH

    store = Store(tmp_path_factory.mktemp("seed") / "store")
    ontology = [ingest.parse_file(p) for p in paths.ontology_files()]
    ingest.ingest(store, ontology, ONTOLOGY_GRAPH, validate=False, kind="init")
    seed = [ingest.parse_file(p) for p in sorted(paths.SEED_DIR.glob("*.ttl"))]
    ingest.ingest(store, seed, SEED_GRAPH, title="seed", license="https://creativecommons.org/licenses/by/4.0/")
    return store


@pytest.fixture(scope="session")
def seed_checkpoint(seed_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A consistent on-disk copy of the seeded store (a RocksDB checkpoint) that tests copy to start from."""
    path = tmp_path_factory.mktemp("seed-checkpoint") / "store"
    seed_store.backup(path)
    return path


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(store_path: Path) -> Store:
    return Store(store_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def thc(runner: CliRunner, store_path: Path) -> Callable[..., Result]:
    """Run `thc --store <tmp> ARGS...` through click's runner."""

    def run(*args: str) -> Result:
        return runner.invoke(thc_cli.cli, ["--store", str(store_path), *map(str, args)], catch_exceptions=False)

    return run


def dump_dataset(path: Path) -> set[str]:
    """The store's content as a set of N-Quads lines (blank nodes aside), to compare before/after."""
    if not path.exists():
        return set()
    store = ox.Store(str(path))
    buffer = io.BytesIO()
    store.dump(buffer, format=ox.RdfFormat.N_QUADS)
    del store
    gc.collect()
    return set(buffer.getvalue().decode().splitlines())

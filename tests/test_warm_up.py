"""`thc serve` warms up: the search index, the counts per class and the class indexes are built as it starts, in the
background, before any view asks for them (setting warm_up)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from thc_graph import listing
from thc_graph.server import build_app, close_app


@pytest.fixture
def store_copy(seed_checkpoint: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(seed_checkpoint, path)
    return path


def test_serve_builds_the_indexes_before_any_view(store_copy: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    listing.clear_cache()
    reads: list[frozenset[str]] = []
    real = listing.read_class
    monkeypatch.setattr(listing, "read_class", lambda store, classes, latest: reads.append(classes) or real(
        store, classes, latest))
    app = build_app({"store": str(store_copy), "tokens_file": str(tmp_path / "t.json")}, pool=False)
    try:
        thread, _stop = app.extensions["thc_warm_up"]
        thread.join(120)
        assert not thread.is_alive()
        searcher = app.extensions["thc_searcher"]
        assert searcher.labels_if_ready() is not None  # built, and current
        warmed = set(reads)
        assert any("https://w3id.org/thc/ontology#Territory" in classes for classes in warmed)
        with app.app_context():
            counted = {name for _, name, _, n in listing.class_counts(app.extensions["thc_store"], "fr") if n}
        assert len(warmed) == len(counted) >= 5  # every class with members
        from thc_graph.views.publish import dumps_of

        assert dumps_of(app).current() and (store_copy.with_name("store-dumps") / "all.nq.gz").exists()
        # a first view now reads nothing more of the store
        before = len(reads)
        response = app.test_client().get("/class/Territory")
        assert response.status_code == 200 and "Mulhouse" in response.get_data(as_text=True)
        assert len(reads) == before
    finally:
        close_app(app)


def test_no_warm_up_when_it_is_off(store_copy: Path, tmp_path: Path) -> None:
    app = build_app({"store": str(store_copy), "tokens_file": str(tmp_path / "t.json"), "warm_up": "false"},
                    pool=False)
    try:
        assert "thc_warm_up" not in app.extensions
        assert "thc_searcher" not in app.extensions
    finally:
        close_app(app)

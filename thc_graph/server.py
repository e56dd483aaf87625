"""`thc serve`: the production server (waitress, threads) with one process owning the store and a reader pool.

The process that serves owns the writable store (the engine allows one writer process); queries to /sparql run in
reader processes on store checkpoints (thc_graph.pool), where query_timeout_s holds. Over a remote store there is
no pool: the remote engine runs the queries, and each HTTP call to it is bounded by query_timeout_s.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .pool import ReaderPool
from .store import Store

if TYPE_CHECKING:
    from flask import Flask

# Flask is imported when the app is built, not when `thc` starts: the command line stays free of the web layer.


def build_app(overrides: Mapping[str, Any] | None = None, *, store: Store | None = None,
              pool: bool = True) -> Flask:
    """The app as `thc serve` runs it: with a reader pool as the query executor when the store is on disk."""
    from .app import create_app

    app = create_app(overrides, store=store)
    settings = app.config["THC_SETTINGS"]
    owned = app.extensions["thc_store"]
    if pool and isinstance(owned, Store) and owned.path is not None:
        readers = ReaderPool(owned, readers=settings.readers, timeout_s=settings.query_timeout_s,
                             in_memory=settings.reader_memory)
        app.extensions["thc_reader_pool"] = readers
        app.extensions["thc_executor"] = readers.execute
    if settings.warm_up and isinstance(owned, Store):  # over a remote store, each read is an HTTP call: no
        stop = threading.Event()
        thread = threading.Thread(target=warm_up, args=(app, stop), name="thc-warm-up", daemon=True)
        app.extensions["thc_warm_up"] = (thread, stop)
        thread.start()
    return app


def warm_up(app: Flask, stop: threading.Event) -> None:
    """Build what the first views would otherwise wait for: the search index (and its label table), the counts per
    class, then the index of each class that has members, largest first, then the dumps (when they follow the
    writes: setting dumps_on_commit). Each is then kept current at the cost of each write. Stops between steps when
    the app closes."""
    from . import listing
    from .views.site import searcher

    log = logging.getLogger("thc.warm_up")
    with app.app_context():
        store = app.extensions["thc_store"]
        lang = app.config["THC_SETTINGS"].lang
        try:
            index = searcher()
            index.index()
            counts = listing.class_counts(store, lang)
            for _iri, name, _label, _members in counts:
                if stop.is_set():
                    return
                request = listing.Request.parse(name, {})
                listing.list_class(store, request, lang, labels=index.labels_if_ready())
            if app.config["THC_SETTINGS"].dumps_on_commit and not stop.is_set():
                from .views.publish import dumps_of

                dumps_of(app).refresh()
            log.info("warm: search index, %d class indexes and the dumps built", len(counts))
        except Exception:
            log.exception("warm-up stopped; first views will build what they need")


def close_app(app: Flask) -> None:
    warming = app.extensions.pop("thc_warm_up", None)
    if warming is not None:
        warming[1].set()
        warming[0].join(60)
    app.extensions.pop("thc_dumps", None)  # it holds the store: let it close
    pool = app.extensions.pop("thc_reader_pool", None)
    app.extensions.pop("thc_executor", None)
    if pool is not None:
        pool.close()


def configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("thc", "waitress"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)

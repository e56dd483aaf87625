"""`thc serve`: the production server (waitress, threads) with one process owning the store and a reader pool.

The process that serves owns the writable store (the engine allows one writer process); queries to /sparql run in
reader processes on store checkpoints (thc_graph.pool), where query_timeout_s holds. Over a remote store there is
no pool: the remote engine runs the queries, and each HTTP call to it is bounded by query_timeout_s.
"""

from __future__ import annotations

import logging
import sys
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
    return app


def close_app(app: Flask) -> None:
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

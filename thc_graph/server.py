"""`thc serve`: the production server (waitress, threads) with one process owning the store and a reader pool.

The process that serves owns the writable store (the engine allows one writer process); queries to /sparql run in
reader processes on store checkpoints (thc_graph.pool), where query_timeout_s holds. Over a remote store there is
no pool: the remote engine runs the queries, and each HTTP call to it is bounded by query_timeout_s.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask

from .app import create_app
from .cli import Context, handle_errors, pass_context
from .pool import ReaderPool
from .store import Store


def build_app(overrides: Mapping[str, Any] | None = None, *, store: Store | None = None,
              pool: bool = True) -> Flask:
    """The app as `thc serve` runs it: with a reader pool as the query executor when the store is on disk."""
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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="The port to listen on.")
@pass_context
@handle_errors
def serve(ctx: Context, host: str, port: int) -> None:
    """Serve the store over HTTP (SPARQL endpoint, pages, API) with waitress, until Ctrl-C.

    Queries run in `readers` reader processes (setting readers) and are stopped after query_timeout_s.
    """
    import waitress

    ctx.close()  # this process opens the store once, below
    settings = ctx.settings
    configure_logging()
    app = build_app(dict(settings))
    pool = app.extensions.get("thc_reader_pool")
    where = f"{pool.size} reader processes" if pool is not None else "the remote store"
    click.echo(f"thc serve: {settings.store} on http://{host}:{port}/ (queries: {where}, "
               f"query_timeout_s = {settings.query_timeout_s:g}); Ctrl-C to stop", err=True)
    # SIGTERM (a service manager, `kill`) ends the server as Ctrl-C does: the readers are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        waitress.serve(app, host=host, port=port, threads=settings.server_threads, ident="thc-graph",
                       channel_timeout=max(120, int(settings.query_timeout_s) + 30), _quiet=True)
    finally:
        close_app(app)

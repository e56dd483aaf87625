"""`thc serve`: the command that runs thc_graph.server's app under waitress."""

from __future__ import annotations

import signal
import sys

import click

from .cli import Context, handle_errors, pass_context
from .server import build_app, close_app, configure_logging


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

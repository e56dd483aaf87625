"""A real HTTP server on 127.0.0.1 for the app under test (werkzeug, threaded), for tests that need a socket.

(tests/servers.py's waitress server raised EBADF from its thread on close when started and stopped ~50 times in a
row; werkzeug's shutdown() waits for the serving loop to end, so the many short-lived servers here stop cleanly.)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from flask import Flask
from werkzeug.serving import make_server


@contextlib.contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on a free port; yields the base URL (no trailing slash)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

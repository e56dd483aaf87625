"""Real servers on 127.0.0.1 for the tests that need them: our app under waitress, `oxigraph serve`, HTTP calls."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import waitress
from flask import Flask

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
THC = Path(sys.executable).parent / "thc"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_waitress(app: Flask, threads: int = 8) -> Iterator[str]:
    """Serve `app` with waitress (as `thc serve` does) on a free port; yields the base URL."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server ended with status {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def oxigraph_serve(location: Path, *, files: tuple[Path, ...] = (), union: bool = True) -> Iterator[str]:
    """`oxigraph serve` (PyPI package oxigraph) on a free port, after `oxigraph load` of `files`; yields its base URL
    (the query endpoint is /query, updates /update, the graph store /store)."""
    for file in files:
        subprocess.run([str(OXIGRAPH), "load", "--location", str(location), "--file", str(file)], check=True,
                       capture_output=True)
    port = free_port()
    command = [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    if union:
        command.append("--union-default-graph")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/query?query=ASK%7B%7D", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.body)  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        return self.body.decode()


def http(url: str, *, query: str | None = None, accept: str = "application/sparql-results+json",
         data: bytes | None = None, content_type: str | None = None, timeout: float = 60) -> Answer:
    """One HTTP call (a SPARQL query as a POSTed form when `query` is given); never raises on an HTTP status."""
    headers = {"Accept": accept}
    if query is not None:
        data = urllib.parse.urlencode({"query": query}).encode()
        content_type = "application/x-www-form-urlencoded"
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return Answer(response.status, dict(response.headers), body, time.perf_counter() - started)
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return Answer(exc.code, dict(exc.headers), body, time.perf_counter() - started)


def rows(answer: Answer) -> set[tuple[tuple[str, str], ...]]:
    """The bindings of a SPARQL JSON answer, as a set of ((variable, value), ...) to compare by meaning."""
    data = answer.json()
    return {tuple(sorted((k, "_:" if v["type"] == "bnode" else v["value"]) for k, v in b.items()))
            for b in data["results"]["bindings"]}

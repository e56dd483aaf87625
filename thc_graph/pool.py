"""Reader processes that answer queries from store checkpoints, so that a query past its time limit can be stopped.

pyoxigraph can neither cancel nor time out a query (ARCHITECTURE.md, "Known constraints of the engine"), so a
query runs in a reader process: one process owns the writable store and, after each committed write, publishes a
checkpoint (`Store.backup`: RocksDB hard links, milliseconds); each reader answers from the newest checkpoint (by
default copied into memory, the fastest way pyoxigraph reads); a query that runs past query_timeout_s is stopped
by ending its process, which frees its CPU and memory at once, and the pool starts a new reader in its place.
Checkpoints no reader holds any more are removed. The readers also spread queries over every core.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import shutil
import signal
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import changes, errors, formats, sparql
from .errors import StoreError, ThcError
from .limits import query_timeout
from .store import Store

# Loading a checkpoint is not the query's time: it is bounded on its own (seconds per million triples).
LOAD_TIMEOUT_S = 600.0


def apply_delta(store: Store, path: str, graphs: tuple[str, ...]) -> None:
    """Bring an in-memory copy up to the checkpoint at `path` by copying only `graphs` from it (by graph key: an IRI,
    or "" for the default graph): each is emptied, then filled with the checkpoint's version."""
    on_disk = ox.Store.read_only(path)
    memory = store.oxigraph
    for key in graphs:
        graph = changes.graph_of(key)
        if isinstance(graph, ox.NamedNode):
            memory.remove_graph(graph)
        else:
            memory.clear_graph(graph)
        memory.bulk_extend(on_disk.quads_for_pattern(None, None, None, graph))
    del on_disk
    gc.collect()


def open_checkpoint(path: str, in_memory: bool) -> Store:
    """A checkpoint as a Store: read-only on disk, or copied into an in-memory store."""
    on_disk = ox.Store.read_only(path)
    if not in_memory:
        return Store.of(on_disk)
    memory = ox.Store()
    memory.bulk_extend(on_disk.quads_for_pattern(None, None, None, None))
    del on_disk
    gc.collect()
    return Store.of(memory)


class _PipeWorker(sparql._Worker):
    """sparql's query worker run on the reader's own thread, writing its chunks straight into the pipe.

    The reader process does one thing at a time, so the hand-off thread and queue of sparql.execute (there so that
    a web server's thread can stream the answer) would only add two context switches per query.
    """

    def __init__(self, store: Store, request: sparql.QueryRequest, fmt: formats.Format, conn: Connection) -> None:
        super().__init__(store, request, fmt)
        self.conn = conn
        self.started = False

    def _emit(self) -> None:
        if len(self._buffer) >= sparql.CHUNK_BYTES:  # smaller: kept for the end, to travel with the header
            super()._emit()

    def _put(self, item: bytes | BaseException | None) -> None:
        if isinstance(item, bytes):
            if not self.started:  # truncation is known before the first byte (rows are counted first)
                self.conn.send(("answer", self.format.name, self.format.results is not None, self.truncated))
                self.started = True
            self.conn.send(("chunk", item))

    def answer_into_pipe(self) -> None:
        try:
            self._serialise()
            if self._buffer and self.started:
                super()._emit()
        except BaseException as exc:
            error = sparql._run_error(exc)
            if not isinstance(error, ThcError):
                raise
            if self.started:
                self.conn.send(("failed", error.message))
            else:
                self.conn.send(("error", type(error).__name__, error.message, error.status, error.title))
            return
        if not self.started:  # a small answer travels whole, in one message
            body = bytes(self._buffer)
            self.conn.send(("whole", self.format.name, self.format.results is not None, self.truncated, body))
            return
        self.conn.send(("end",))


def _reader_main(conn: Connection, in_memory: bool) -> None:
    """The loop of one reader process: load the checkpoint named (if new to it), run the query, stream the answer.

    Messages in: (kind, generation, checkpoint path, base, graphs[, query]): an in-memory reader at generation `base`
    copies just `graphs` from the checkpoint (a delta) when they are given; otherwise it loads the whole checkpoint.
    Messages out: ("loaded", generation, "delta" or "full") when it loaded a checkpoint; then for a query ("error",
    class, message,
    status, title), or ("whole", format name, is results, truncated, bytes) for an answer of less than a chunk, or
    ("answer", format name, is results, truncated), ("chunk", bytes)... and ("end",) or ("failed", message).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in `thc serve` is the parent's to handle
    generation: int | None = None
    store: Store | None = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        kind, wanted, path, base, graphs = message[:5]
        if wanted != generation:
            how = "full"
            if in_memory and store is not None and graphs is not None and base == generation:
                try:
                    apply_delta(store, path, graphs)
                    how = "delta"
                except (OSError, ValueError):
                    pass  # copy the whole checkpoint instead
            if how == "full":
                store = None
                gc.collect()
                store = open_checkpoint(path, in_memory)
            generation = wanted
            conn.send(("loaded", generation, how))
        if kind != "query":
            continue
        assert store is not None
        request: sparql.QueryRequest = message[5]
        try:
            form = sparql.query_form(request.query) or "SELECT"
            fmt = formats.negotiate(request.accept, sparql.offered_formats(form), request.format)
        except ThcError as exc:
            conn.send(("error", type(exc).__name__, exc.message, exc.status, exc.title))
            continue
        _PipeWorker(store, request, fmt, conn).answer_into_pipe()


def _answer_format(name: str, is_results: bool) -> formats.Format:
    offered = formats.RESULT_FORMATS if is_results else sparql.offered_formats("CONSTRUCT")
    return next(f for f in offered if f.name == name)


def _rebuild_error(name: str, message: str, status: int, title: str) -> ThcError:
    """The reader's error as the same class here (the classes are plain; only the message crosses)."""
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, ThcError) and cls is not errors.InvalidData:
        return cls(message)
    exc = ThcError(message)
    exc.status, exc.title = status, title
    return exc


class _Reader:
    _ids = itertools.count(1)

    def __init__(self, context: Any, in_memory: bool) -> None:
        self.id = next(self._ids)
        parent, child = context.Pipe()
        self.process = context.Process(target=_reader_main, args=(child, in_memory), daemon=True,
                                       name=f"thc-reader-{self.id}")
        self.process.start()
        child.close()
        self.conn: Connection = parent
        self.generation: int | None = None  # the checkpoint it has (or was asked to load)
        self.holds: int | None = None  # the checkpoint whose files it may still read
        self.ended = False
        self._ending = threading.Lock()

    @property
    def pid(self) -> int:
        return int(self.process.pid or 0)

    def end(self, *, kill: bool) -> None:
        """End the process (at once if `kill`, else when its query is done); idempotent, from any thread."""
        with self._ending:
            if self.ended:
                return
            self.ended = True
            if kill:
                self.process.kill()
            else:
                with contextlib.suppress(OSError):
                    self.conn.send(None)
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
            with contextlib.suppress(OSError):
                self.conn.close()


class ReaderPool:
    """`readers` processes answering queries; `execute` has the signature the SPARQL view expects of an executor."""

    def __init__(self, store: Store, *, readers: int = 2, timeout_s: float = 30.0, in_memory: bool = True,
                 directory: Path | None = None, start_method: str = "forkserver") -> None:
        if store.path is None:
            raise StoreError("the reader pool needs an on-disk store (its checkpoints are made on disk)")
        self.store = store
        self.size = readers
        self.timeout_s = timeout_s
        self.in_memory = in_memory
        self.directory = directory or store.path.with_name(store.path.name + ".readers")
        shutil.rmtree(self.directory, ignore_errors=True)  # left by a server that was killed
        self.directory.mkdir(parents=True)
        self._context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(["thc_graph.pool"])
        self._cond = threading.Condition()
        self._idle: list[_Reader] = []
        self._readers: set[_Reader] = set()
        self._checkpoints: dict[int, Path] = {}
        self._generation = 0
        self._log_at: dict[int, int] = {}  # checkpoint generation → the store's change-log generation it holds
        self._closed = False
        self.counts: Counter[str] = Counter()
        self.publish()
        for _ in range(readers):
            self._start_reader()
        store.on_commit.append(self.publish)

    # -- checkpoints -------------------------------------------------------------------------------------------
    def publish(self) -> None:
        """Checkpoint the store as it is now; readers move to it (idle ones at once, busy ones when done)."""
        with self.store.write_lock:
            generation = self._generation + 1
            path = self.directory / f"{generation:08d}"
            self.store.backup(path)
            log_generation = self.store.changes.generation
        with self._cond:
            self._generation = generation
            self._checkpoints[generation] = path
            self._log_at[generation] = log_generation
            stale = [r for r in self._idle if r.generation != generation]
            for reader in stale:
                self._idle.remove(reader)
        if stale:
            threading.Thread(target=self._refresh, args=(stale,), daemon=True, name="thc-reader-refresh").start()
        self._collect()

    def _refresh(self, readers: list[_Reader]) -> None:
        for reader in readers:
            try:
                self._load(reader, "load")
            except ThcError:
                continue  # _load has replaced it
            self._release(reader)

    def _collect(self) -> None:
        """Remove the checkpoints that are not the newest and that no reader holds."""
        with self._cond:
            held = {r.holds for r in self._readers}
            old = [g for g in self._checkpoints if g != self._generation and g not in held]
            paths = [self._checkpoints.pop(g) for g in old]
            known = {r.generation for r in self._readers} | {self._generation}
            for stale in [g for g in self._log_at if g not in known]:
                del self._log_at[stale]
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)

    def checkpoints(self) -> list[Path]:
        with self._cond:
            return sorted(self._checkpoints.values())

    # -- readers -----------------------------------------------------------------------------------------------
    def _start_reader(self) -> None:
        """Start a reader; it takes queries once it has loaded the newest checkpoint (in the background)."""
        reader = _Reader(self._context, self.in_memory)
        with self._cond:
            if self._closed:
                reader.end(kill=True)
                return
            self._readers.add(reader)
        threading.Thread(target=self._refresh, args=([reader],), daemon=True, name="thc-reader-load").start()

    def _replace(self, reader: _Reader) -> None:
        """End a reader (its query, CPU and memory with it) and start another in its place, in the background."""
        with self._cond:
            self._readers.discard(reader)
            with contextlib.suppress(ValueError):
                self._idle.remove(reader)
        reader.end(kill=True)
        self.counts["replaced"] += 1
        self._collect()
        if not self._closed:
            threading.Thread(target=self._start_reader, daemon=True, name="thc-reader-start").start()

    def _acquire(self, deadline: float) -> _Reader:
        with self._cond:
            while not self._idle:
                remaining = deadline - time.monotonic()
                if self._closed:
                    raise StoreError("the server is shutting down")
                if remaining <= 0:
                    self.counts["timeouts"] += 1
                    raise errors.Timeout(
                        f"all {len(self._readers)} readers stayed busy for query_timeout_s = {self.timeout_s:g} "
                        "seconds; try again later (operators: raise THC_READERS)",
                        setting="query_timeout_s", limit=self.timeout_s)
                self._cond.wait(remaining)
            return self._idle.pop(0)

    def _release(self, reader: _Reader) -> None:
        """Back to the idle list; a reader behind the newest checkpoint first loads it (in the background)."""
        with self._cond:
            gone = self._closed or reader not in self._readers
            stale = not gone and reader.generation != self._generation
            if not gone and not stale:
                self._idle.append(reader)
                self._cond.notify()
        if gone:
            reader.end(kill=True)
        elif stale:
            threading.Thread(target=self._refresh, args=([reader],), daemon=True, name="thc-reader-refresh").start()
        self._collect()

    def _receive(self, reader: _Reader, deadline: float, *, loading: bool = False) -> Any:
        remaining = deadline - time.monotonic()
        try:
            ready = remaining > 0 and reader.conn.poll(remaining)
            if ready:
                return reader.conn.recv()
        except (EOFError, OSError):
            self._replace(reader)
            raise StoreError("a reader process ended while answering; the query was not completed") from None
        self._replace(reader)
        if loading:
            raise StoreError(f"a reader could not load the store checkpoint within {LOAD_TIMEOUT_S:g} s")
        self.counts["timeouts"] += 1
        raise query_timeout(self.timeout_s)

    def _load(self, reader: _Reader, kind: str, request: sparql.QueryRequest | None = None) -> None:
        """Send `reader` the newest checkpoint (and the query); if it is new to the reader, wait until it is loaded
        (loading is not the query's time)."""
        with self._cond:
            generation = self._generation
            path = self._checkpoints[generation]
            base = reader.generation
            behind = base != generation
            graphs: tuple[str, ...] | None = None
            if behind and self.in_memory and base is not None and base in self._log_at:
                _, written = self.store.changes.graphs_since(self._log_at[base])
                graphs = tuple(sorted(written)) if written is not None else None
            reader.generation = reader.holds = generation
        message: tuple[Any, ...] = (kind, generation, str(path), base, graphs)
        if request is not None:
            message += (request,)
        try:
            reader.conn.send(message)
        except OSError:
            self._replace(reader)
            raise StoreError("a reader process ended before it could take the query") from None
        if behind:
            loaded = self._receive(reader, time.monotonic() + LOAD_TIMEOUT_S, loading=True)
            self.counts["deltas" if loaded[2] == "delta" else "loads"] += 1
        if self.in_memory:
            reader.holds = None  # it has its own copy now

    # -- the executor ------------------------------------------------------------------------------------------
    def execute(self, store: Any, request: sparql.QueryRequest) -> sparql.QueryAnswer:
        """Run `request` in a reader; the answer's chunks stream from it. Past query_timeout_s: 503 (Timeout)."""
        self.counts["queries"] += 1
        reader = self._acquire(time.monotonic() + self.timeout_s)
        try:
            self._load(reader, "query", request)
            deadline = time.monotonic() + self.timeout_s
            message = self._receive(reader, deadline)
        except ThcError:
            raise  # the reader was replaced
        except BaseException:
            self._replace(reader)
            raise
        if message[0] == "error":
            self._release(reader)
            raise _rebuild_error(*message[1:])
        if message[0] == "whole":
            self._release(reader)
            _, name, is_results, truncated, body = message
            return sparql.QueryAnswer(_answer_format(name, is_results), iter([body] if body else []), truncated)
        _, name, is_results, truncated = message
        return sparql.QueryAnswer(_answer_format(name, is_results), _Stream(self, reader, deadline), truncated)

    # -- life --------------------------------------------------------------------------------------------------
    def pids(self) -> list[int]:
        with self._cond:
            return sorted(r.pid for r in self._readers)

    def stats(self) -> dict[str, Any]:
        with self._cond:
            return {"readers": len(self._readers), "idle": len(self._idle), "generation": self._generation,
                    "pids": sorted(r.pid for r in self._readers),
                    "checkpoints": len(self._checkpoints), "in_memory": self.in_memory,
                    "queries": self.counts["queries"], "timeouts": self.counts["timeouts"],
                    "checkpoint_loads": self.counts["loads"], "checkpoint_deltas": self.counts["deltas"],
                    "readers_replaced": self.counts["replaced"]}

    def close(self) -> None:
        with self._cond:
            self._closed = True
            readers = list(self._readers)
            self._readers.clear()
            self._idle.clear()
            self._cond.notify_all()
        with contextlib.suppress(ValueError):
            self.store.on_commit.remove(self.publish)
        for reader in readers:
            reader.end(kill=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Stream:
    """The chunks of one answer, read from its reader until the end; closing early ends the reader."""

    def __init__(self, pool: ReaderPool, reader: _Reader, deadline: float) -> None:
        self.pool, self.reader, self.deadline = pool, reader, deadline
        self.done = False

    def __iter__(self) -> _Stream:
        return self

    def __next__(self) -> bytes:
        if self.done:
            raise StopIteration
        try:
            message = self.pool._receive(self.reader, self.deadline)
        except BaseException:
            self.done = True  # the reader was replaced
            raise
        if message[0] == "chunk":
            return message[1]  # type: ignore[no-any-return]  # a reader's message is Any; a chunk holds bytes
        self.done = True
        if message[0] == "end":
            self.pool._release(self.reader)
            raise StopIteration
        self.pool._release(self.reader)
        raise StoreError(f"the query failed while its answer was sent: {message[1]}")

    def close(self) -> None:
        """The client went away (or the answer was not wanted): the reader may be mid-answer, so end it."""
        if not self.done:
            self.done = True
            self.pool._replace(self.reader)

    def __del__(self) -> None:
        with contextlib.suppress(ThcError, OSError, RuntimeError):  # at interpreter exit the pool may be gone
            self.close()

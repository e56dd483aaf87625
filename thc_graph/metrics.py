"""Request counts and latency percentiles since start, for /-/stats and the query log."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted values (q in 0..100).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 99)
    (2.0, 4.0)
    """
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


class RequestStats:
    """Counts per status and per kind, and the latencies of the last `window` queries."""

    def __init__(self, window: int = 10000) -> None:
        self.started = time.time()
        self._lock = threading.Lock()
        self.requests = 0
        self.queries = 0
        self.statuses: Counter[int] = Counter()
        self.query_statuses: Counter[int] = Counter()
        self._latencies: deque[float] = deque(maxlen=window)

    def record(self, status: int, seconds: float, *, query: bool) -> None:
        with self._lock:
            self.requests += 1
            self.statuses[status] += 1
            if query:
                self.queries += 1
                self.query_statuses[status] += 1
                self._latencies.append(seconds)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            latencies = sorted(self._latencies)
            data: dict[str, Any] = {
                "uptime_s": round(time.time() - self.started, 1),
                "requests": self.requests,
                "queries": self.queries,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "query_statuses": {str(k): v for k, v in sorted(self.query_statuses.items())},
            }
        data["query_latency_ms"] = {
            name: (round(value * 1000, 2) if value is not None else None)
            for name, value in (("p50", percentile(latencies, 50)), ("p95", percentile(latencies, 95)),
                                ("p99", percentile(latencies, 99)))
        } | {"window": len(latencies)}
        return data

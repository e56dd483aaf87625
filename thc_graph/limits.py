"""Limits that protect everyone: a per-client rate limit (token bucket) and the messages naming each setting."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from .errors import RateLimited, Timeout, TooLarge


def timeout_message(timeout_s: float) -> str:
    return (f"the query ran past query_timeout_s = {timeout_s:g} seconds and was stopped; "
            "narrow it (LIMIT, a more selective pattern) or ask the operator to raise THC_QUERY_TIMEOUT_S")


def query_timeout(timeout_s: float) -> Timeout:
    return Timeout(timeout_message(timeout_s), setting="query_timeout_s", limit=timeout_s)


def body_too_large(limit: int) -> TooLarge:
    return TooLarge(f"the request body is larger than max_body_bytes = {limit} bytes; "
                    "send less at once, or ask the operator to raise THC_MAX_BODY_BYTES",
                    setting="max_body_bytes", limit=limit)


class RateLimiter:
    """A token bucket per client: `per_minute` requests a minute, in bursts of up to `per_minute`.

    >>> limiter = RateLimiter(2, clock=lambda: 0.0)
    >>> limiter.check("a"), limiter.check("a"), limiter.check("a")
    (None, None, 30)
    >>> limiter.check("b")
    """

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last time)
        self._lock = threading.Lock()
        self._last_prune = clock()

    def check(self, client: str) -> int | None:
        """Take one token for `client`; None if allowed, else the seconds to wait (for Retry-After)."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                self._prune(now)
                return None
            self._buckets[client] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _prune(self, now: float) -> None:
        """Forget clients whose bucket has refilled, once a minute, so memory stays bounded."""
        if now - self._last_prune < 60:
            return
        self._last_prune = now
        full = [c for c, (tokens, last) in self._buckets.items()
                if tokens + (now - last) * self.rate >= self.per_minute]
        for client in full:
            del self._buckets[client]

    def refusal(self, retry_after: int) -> RateLimited:
        return RateLimited(f"more than rate_limit_per_minute = {self.per_minute} requests from this client; "
                           f"retry in {retry_after} s", setting="rate_limit_per_minute", limit=self.per_minute,
                           retry_after=retry_after)

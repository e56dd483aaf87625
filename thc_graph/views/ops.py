"""Operations: /-/ping and /-/stats, the per-client rate limit, and one log line per request with its duration."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState

from ..app import error_response, get_settings, get_store
from ..limits import RateLimiter
from ..metrics import RequestStats

bp = Blueprint("ops", __name__)
log = logging.getLogger("thc.requests")

# Monitors poll these; they are neither limited nor counted as queries.
UNLIMITED = ("/-/ping", "/-/stats")
QUERY_PATHS = ("/sparql", "/query")


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    settings = state.app.config["THC_SETTINGS"]
    state.app.extensions.setdefault("thc_stats", RequestStats())
    state.app.extensions.setdefault("thc_rate_limiter", RateLimiter(settings.rate_limit_per_minute))


@bp.before_app_request
def _limit() -> Any:
    g.thc_started = time.perf_counter()
    if request.path in UNLIMITED:
        return None
    limiter: RateLimiter = current_app.extensions["thc_rate_limiter"]
    wait = limiter.check(request.remote_addr or "-")
    if wait is None:
        return None
    refusal = limiter.refusal(wait)
    response = error_response(refusal.status, refusal.title, refusal.message, refusal.to_dict())
    response.headers["Retry-After"] = str(wait)
    return response


@bp.after_app_request
def _account(response: Any) -> Any:
    """Record the request once its body is sent (a streamed answer takes its whole time)."""
    started = g.get("thc_started", time.perf_counter())
    stats: RequestStats = current_app.extensions["thc_stats"]
    method, path, client, status = request.method, request.path, request.remote_addr or "-", response.status_code
    is_query = path.startswith(QUERY_PATHS)
    # The SPARQL view leaves the query text in g.thc_query (it reads the body itself); GET has it in the URL.
    text = (g.get("thc_query") or request.args.get("query") or "") if is_query else ""

    def record() -> None:
        seconds = time.perf_counter() - started
        stats.record(status, seconds, query=is_query)
        if path in UNLIMITED:
            return
        summary = f" query={' '.join(text.split())[:120]!r}" if text else ""
        log.info("%s %s %s %d %.1fms%s", client, method, path, status, seconds * 1000, summary)

    response.call_on_close(record)
    return response


@bp.get("/-/ping")
def ping() -> Response:
    return jsonify({"ok": True})


@bp.get("/-/stats")
def stats() -> Response:
    store = get_store()
    data: dict[str, Any] = {"triples": store.count(), "graphs": len(store.named_graphs())}
    data |= current_app.extensions["thc_stats"].snapshot()
    pool = current_app.extensions.get("thc_reader_pool")
    if pool is not None:
        data["readers"] = pool.stats()
    settings = get_settings()
    data["limits"] = {name: settings[name] for name in
                      ("query_timeout_s", "max_result_rows", "max_body_bytes", "rate_limit_per_minute", "readers")}
    return jsonify(data)

"""The Flask application factory: settings, store, blueprints, one error handler, request log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, NotFound

from .errors import ThcError
from .settings import Settings
from .store import Store, open_store


def create_app(test_config: Mapping[str, Any] | None = None, *, store: Store | None = None) -> Flask:
    """Build the app. `test_config` holds setting overrides (see thc_graph.settings); `store` an open store."""
    app = Flask(__name__, static_folder=None)
    settings = Settings(test_config)
    app.config["THC_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider has it; typed as the base
    app.extensions["thc_store"] = store if store is not None else open_store(settings)

    from .views import register_blueprints

    register_blueprints(app)
    # The dumps follow the store: after each committed write, one background thread rebuilds the files of the graphs
    # that changed (setting dumps_on_commit; off, or None here: at the first download after a change).
    from .views.publish import dumps_on_commit

    refresh_dumps = dumps_on_commit(app)
    if refresh_dumps is not None:
        app.extensions["thc_store"].on_commit.append(refresh_dumps)
    app.register_error_handler(ThcError, _handle_thc_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    return app


def get_store() -> Store:
    return current_app.extensions["thc_store"]  # type: ignore[no-any-return]  # app.extensions holds Any


def get_settings() -> Settings:
    return current_app.config["THC_SETTINGS"]  # type: ignore[no-any-return]  # app.config holds Any


def _wants(kind: str) -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html", "text/plain"], default="text/plain")
    return best == kind


def error_response(status: int, title: str, message: str, payload: dict[str, Any] | None = None) -> Any:
    """One error answer in the client's language: JSON for APIs, text on the SPARQL endpoint, HTML for browsers."""
    from flask import jsonify, render_template_string

    body = payload or {"error": title, "status": status, "message": message}
    path = request.path
    if path.startswith(("/sparql", "/query", "/update", "/rdf-graph-store")):
        return current_app.response_class(f"{title}: {message}\n", status=status,
                                          mimetype="text/plain")
    if path.startswith("/api/") or _wants("application/json") or request.is_json:
        response = jsonify(body)
        response.status_code = status
        return response
    if _wants("text/html"):
        if status == 404:
            page = _not_found_page(message)
            if page is not None:
                return page
        html = render_template_string(
            "<!doctype html><html lang=fr><meta charset=utf-8><title>{{ title }}</title>"
            "<main><h1>{{ status }} {{ title }}</h1><p>{{ message }}</p></main></html>",
            status=status, title=title, message=message)
        return current_app.response_class(html, status=status, mimetype="text/html")
    return current_app.response_class(f"{title}: {message}\n", status=status, mimetype="text/plain")


def _not_found_page(message: str) -> Any:
    """The site's 404 page (with its search box) for any HTML 404; None if it cannot be drawn (the plain page then)."""
    from .views.resources import not_found_page

    try:
        return not_found_page(request.path, None if message == NotFound.description else message)
    except Exception:  # an error page must not fail: the caller falls back to the plain one
        current_app.logger.exception("the 404 page could not be drawn for %s", request.path)
        return None


def _handle_thc_error(exc: ThcError) -> Any:
    return error_response(exc.status, exc.title, exc.message, exc.to_dict())


def _handle_http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    if status == 413:
        limit = get_settings().max_body_bytes
        return error_response(413, "Payload too large",
                              f"the request body is larger than max_body_bytes = {limit}")
    return error_response(status, exc.name, exc.description or exc.name)

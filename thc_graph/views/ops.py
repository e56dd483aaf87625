"""Operations: /-/ping and /-/stats for operators and monitors."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..app import get_store

bp = Blueprint("ops", __name__)


@bp.get("/-/ping")
def ping():  # type: ignore[no-untyped-def]
    return jsonify({"ok": True})


@bp.get("/-/stats")
def stats():  # type: ignore[no-untyped-def]
    store = get_store()
    return jsonify({"triples": store.count(), "graphs": len(store.named_graphs())})

"""One blueprint per URL area; register_blueprints() mounts them all."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import ops

    app.register_blueprint(ops.bp)

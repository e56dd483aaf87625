"""One blueprint per URL area; register_blueprints() mounts them all."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import ops

    app.register_blueprint(ops.bp)
    from . import graph_store, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(graph_store.bp)
    from . import pages, publish, resources, site

    app.register_blueprint(site.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(publish.bp)
    from . import api

    app.register_blueprint(api.bp)
    from . import network  # /-/network.json, /-/network/measures.{json,csv}, /-/network/export.* (issue 5)

    app.register_blueprint(network.bp)

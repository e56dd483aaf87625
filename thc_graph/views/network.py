"""The published network analysis as data for the web: node-link JSON, the measures table, Gephi downloads.

Everything here reads the newest run of `thc analyze` (or ?run=ID) from the store; nothing is computed but the
ego network (and, for ?as_of= or ?from=/?to=, the ties of that window). The page /network and the actor pages
fetch these.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import networkx as nx
from flask import Blueprint, Response, jsonify, request

from .. import network
from ..app import get_store
from ..errors import BadRequest, NotFound
from ..namespaces import DCT, META_GRAPH

bp = Blueprint("network", __name__)

_cache: dict[tuple[str, str | None, str, str], tuple[dict[str, Any], Any]] = {}
_lock = threading.Lock()

MEDIA = {
    "gexf": "application/gexf+xml",
    "graphml": "application/graphml+xml",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "nodes.csv": "text/csv; charset=utf-8",
    "edges.csv": "text/csv; charset=utf-8",
}


def _window() -> network.Window | None:
    """The window asked for (?as_of=DAY, or ?from=DAY and/or ?to=DAY), None when none; a bad one is a 400 that names
    its parameter."""
    def day(name: str) -> date | None:
        text = request.args.get(name, "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise BadRequest(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None

    window = network.Window(day("as_of"), day("from"), day("to"))
    if window.as_of and (window.start or window.end):
        raise BadRequest("as_of is one day; give it alone, or give from and/or to")
    if window.start and window.end and window.start > window.end:
        raise BadRequest(f"from {window.start} is after to {window.end}")
    return window if window.values() else None


def _published() -> tuple[dict[str, Any], Any]:
    """The run asked for (?run=ID, default the newest) and its network, cached while the store is unchanged.

    With a window (?as_of= or ?from=/?to=) the network is rebuilt with the ties of that window instead of the run's;
    its nodes keep the run's measures and communities (computed over the run's own window)."""
    store = get_store()
    run = request.args.get("run") or None
    window = _window()
    # Any load, import or run changes dct:modified in graph/meta: cheaper than counting the store.
    last = store.select(f"SELECT (MAX(STR(?m)) AS ?last) WHERE {{ GRAPH {META_GRAPH} {{ ?g {DCT.modified} ?m }} }}")
    stamp = last[0]["last"].value if last and "last" in last[0] else ""
    key = (str(store.path), run, stamp, "")
    with _lock:
        if key not in _cache:
            if len(_cache) > 8:
                _cache.clear()
            _cache[key] = network.published(store, run)
        info, graph = _cache[key]
        if window is None:
            return info, graph
        windowed_key = (str(store.path), run, stamp, repr(sorted(window.values().items())))
        if windowed_key not in _cache:
            if len(_cache) > 8:
                _cache.clear()
            _cache[windowed_key] = ({**info, "view_window": window}, _rewindowed(store, info, graph, window))
        return _cache[windowed_key]


def _rewindowed(store: Any, info: dict[str, Any], published: Any, window: network.Window) -> Any:
    """The run's network rebuilt with the ties of `window`, its nodes carrying the run's measures and community."""
    graph = network.build(store, window, kinds=(info["network"],))[info["network"]]
    for node in graph:
        if node in published:
            graph.nodes[node]["measures"] = dict(published.nodes[node].get("measures", {}))
            if "community" in published.nodes[node]:
                graph.nodes[node]["community"] = published.nodes[node]["community"]
        else:
            graph.nodes[node]["measures"] = {}
    for a, b in nx.bridges(graph):
        graph.edges[a, b]["bridge"] = True
    return graph


def _info(info: dict[str, Any]) -> dict[str, Any]:
    lang = request.args.get("lang", "fr")
    metrics = {m.name: {"label": m.label_fr if lang == "fr" else m.label_en, "label_fr": m.label_fr,
                        "label_en": m.label_en, "definition": m.definition_fr if lang == "fr" else m.definition_en,
                        "datatype": m.datatype, "level": m.level, "iri": m.iri.value} for m in network.METRICS}
    return {"run": info["run"], "iri": info["iri"], "graph": info["graph"], "started": info["started"],
            "network": info["network"],
            "seed": info["seed"], "window": info["window"].values(), "networks": info.get("networks", {}),
            "computations": info.get("computations", {}), "metrics": metrics,
            "actor_metrics": list(network.ACTOR_METRICS),
            **({"ties_window": info["view_window"].values()} if "view_window" in info else {})}


def _without_isolates(graph: Any) -> Any:
    """Unless ?isolates=1: the actors that have at least one tie (the importers bring every local government)."""
    if request.args.get("isolates") in ("1", "true", "yes"):
        return graph
    return graph.subgraph([n for n in graph if graph.degree(n)]).copy()


@bp.get("/-/network.json")
def network_json() -> Response:
    """Node-link JSON: ?run=ID (default newest), ?ego=IRI&radius=N for an actor's ego network, ?isolates=1,
    ?as_of=DAY or ?from=DAY&to=DAY for the ties of that window (with the run's measures)."""
    info, graph = _published()
    ego = request.args.get("ego")
    if ego:
        try:
            radius = int(request.args.get("radius", "1"))
        except ValueError:
            raise BadRequest(f"radius: {request.args.get('radius')!r} is not an integer") from None
        if not 1 <= radius <= 3:
            raise BadRequest("radius must be 1, 2 or 3")
        graph = network.ego(graph, ego, radius)
    else:
        graph = _without_isolates(graph)
    payload = network.node_link(graph, _info(info))
    if ego:
        payload["graph"]["ego"] = ego
    return jsonify(payload)


@bp.get("/-/network/runs.json")
def runs_json() -> Response:
    runs = network.runs(get_store())
    return jsonify([{"run": r["run"], "iri": r["iri"], "graph": r["graph"], "started": r["started"],
                     "seed": r["seed"], "window": r["window"].values(), "network": r["network"]} for r in runs])


@bp.get("/-/network/measures.json")
def measures_json() -> Response:
    info, graph = _published()
    header, rows = network.measures_table(_without_isolates(graph))
    return jsonify({"run": _info(info), "columns": header, "rows": [dict(zip(header, r, strict=True)) for r in rows]})


@bp.get("/-/network/measures.csv")
def measures_csv() -> Response:
    info, graph = _published()
    body = network.export_bytes(_without_isolates(graph), "nodes.csv")
    return _download(body, "nodes.csv", f"thc-measures-{info['run']}.csv")


@bp.get("/-/network/export.<string:fmt>")
def export(fmt: str) -> Response:
    if fmt not in MEDIA:
        raise NotFound(f"no export .{fmt}; exports: {', '.join('.' + f for f in MEDIA)}")
    info, graph = _published()
    body = network.export_bytes(graph, fmt, _info(info))
    return _download(body, fmt, f"thc-network-{info['run']}.{fmt}")


def _download(body: bytes, fmt: str, filename: str) -> Response:
    response = Response(body, mimetype=MEDIA[fmt].split(";")[0])
    response.headers["Content-Type"] = MEDIA[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""Actor-network analysis: networks built by the SPARQL of queries/network/, measured with networkx, and
published as linked data (one named graph per run: DQV measurements, communities, PROV run).

networkx lives behind this module only. The core of the project: no Flask here.

Determinism: nodes and edges enter the graphs in sorted order, every random choice takes the run's seed, and
floating-point values are written with 12 significant digits, so the same inputs and seed give the same triples.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
import re
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from . import ingest, queries
from .errors import BadRequest, NotFound
from .namespaces import BASE, DCAT, DCT, FOAF, GRAPH, META_GRAPH, PROV, RDF, RDFS, SCHEMA, THC, XSD, Namespace
from .store import Store

DQV = Namespace("http://www.w3.org/ns/dqv#")
ANALYSIS_GRAPH_PREFIX = GRAPH.iri + "analysis/"
RUN_PREFIX = BASE + "id/analysis/"
METRIC_PREFIX = BASE + "id/metric/"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

# Above this many nodes, the measures that need one shortest-path search per node (betweenness, closeness,
# the exact diameter) are estimated from SAMPLES pivot nodes drawn with the run's seed.
EXACT_LIMIT = 2000
SAMPLES = 200
FLOAT_DIGITS = 12

# The most specific class wins when an actor has several.
CLASS_ORDER = ("PublicAuthority", "CivilSocietyOrganization", "Company", "Network", "InformalGroup", "Person",
               "Organization", "Actor")

# --------------------------------------------------------------------------- the metrics (dqv:Metric resources)


@dataclass(frozen=True)
class Metric:
    name: str
    label_fr: str
    label_en: str
    definition_fr: str
    definition_en: str
    datatype: str = "double"  # double, integer or boolean
    level: str = "actor"  # actor, network or community

    @property
    def iri(self) -> ox.NamedNode:
        return ox.NamedNode(METRIC_PREFIX + self.name)


METRICS: tuple[Metric, ...] = (
    Metric("degree", "degré", "degree",
           "Nombre d'acteurs avec lesquels l'acteur a au moins un lien.",
           "Number of actors the actor has at least one tie with.", "integer"),
    Metric("weighted-degree", "degré pondéré", "weighted degree",
           "Somme des poids des liens de l'acteur (un lien pèse le nombre de liens sourcés qui le forment).",
           "Sum of the weights of the actor's ties (a tie weighs the number of sourced ties that make it).",
           "integer"),
    Metric("betweenness", "intermédiarité", "betweenness centrality",
           "Part des plus courts chemins entre deux autres acteurs qui passent par l'acteur (normalisée).",
           "Share of the shortest paths between two other actors that go through the actor (normalised)."),
    Metric("closeness", "proximité", "closeness centrality",
           "Inverse de la distance moyenne aux acteurs joignables, corrigée par la taille de la composante "
           "(Wasserman et Faust).",
           "Inverse of the mean distance to the reachable actors, scaled by the component's size "
           "(Wasserman and Faust)."),
    Metric("eigenvector", "centralité de vecteur propre", "eigenvector centrality",
           "Importance d'un acteur selon l'importance de ses voisins (vecteur propre principal, liens pondérés).",
           "Importance of an actor by the importance of its neighbours (principal eigenvector, weighted ties)."),
    Metric("pagerank", "PageRank", "PageRank",
           "Probabilité stationnaire d'une marche aléatoire sur les liens pondérés (amortissement 0,85).",
           "Stationary probability of a random walk over the weighted ties (damping 0.85)."),
    Metric("clustering", "coefficient de regroupement", "clustering coefficient",
           "Part des paires de voisins de l'acteur qui sont elles-mêmes liées.",
           "Share of the pairs of the actor's neighbours that are themselves tied."),
    Metric("core-number", "k-cœur", "k-core number",
           "Le plus grand k tel que l'acteur appartient au k-cœur (sous-réseau où chacun a au moins k liens).",
           "The largest k such that the actor belongs to the k-core (the sub-network where everyone has k ties "
           "or more).", "integer"),
    Metric("constraint", "contrainte de Burt", "Burt's constraint",
           "Dépendance de l'acteur envers des contacts eux-mêmes liés entre eux ; faible pour un courtier.",
           "How much the actor's contacts are tied to one another; low for a broker."),
    Metric("effective-size", "taille effective", "effective size",
           "Nombre de contacts non redondants de l'acteur (Burt) ; élevé pour un courtier.",
           "Number of non-redundant contacts of the actor (Burt); high for a broker."),
    Metric("articulation-point", "point d'articulation", "articulation point",
           "Vrai si retirer l'acteur coupe sa composante en plusieurs morceaux.",
           "True when removing the actor splits its component into pieces.", "boolean"),
    Metric("bridges", "ponts", "bridges",
           "Nombre de liens de l'acteur dont le retrait coupe sa composante (ponts).",
           "Number of the actor's ties whose removal splits its component (bridges).", "integer"),
    Metric("component", "composante", "component",
           "Numéro de la composante connexe de l'acteur, 1 étant la plus grande.",
           "Number of the actor's connected component, 1 being the largest.", "integer"),
    # The whole network.
    Metric("nodes", "nœuds", "nodes", "Nombre de nœuds du réseau.", "Number of nodes of the network.",
           "integer", "network"),
    Metric("edges", "liens", "edges", "Nombre de liens (paires liées) du réseau.",
           "Number of ties (tied pairs) of the network.", "integer", "network"),
    Metric("density", "densité", "density", "Part des paires d'acteurs qui sont liées.",
           "Share of the pairs of actors that are tied.", "double", "network"),
    Metric("components", "composantes", "components", "Nombre de composantes connexes (acteurs isolés compris).",
           "Number of connected components (isolated actors included).", "integer", "network"),
    Metric("largest-component", "plus grande composante", "largest component",
           "Nombre de nœuds de la plus grande composante connexe.",
           "Number of nodes of the largest connected component.", "integer", "network"),
    Metric("diameter", "diamètre", "diameter",
           "Plus grande distance entre deux nœuds de la plus grande composante (borne inférieure si estimée).",
           "Longest distance between two nodes of the largest component (a lower bound when estimated).",
           "integer", "network"),
    Metric("average-clustering", "regroupement moyen", "average clustering",
           "Moyenne des coefficients de regroupement des nœuds.", "Mean of the nodes' clustering coefficients.",
           "double", "network"),
    Metric("modularity", "modularité", "modularity",
           "Modularité du partage en communautés de Louvain.", "Modularity of the Louvain partition.",
           "double", "network"),
    Metric("communities", "communautés", "communities",
           "Nombre de communautés de Louvain d'au moins deux acteurs (un acteur isolé n'en forme pas).",
           "Number of Louvain communities of two actors or more (an isolated actor forms none).", "integer",
           "network"),
    Metric("isolates", "acteurs isolés", "isolated actors", "Nombre d'acteurs sans aucun lien.",
           "Number of actors without any tie.", "integer", "network"),
    Metric("type-assortativity", "assortativité par type", "assortativity by actor type",
           "Tendance des acteurs à se lier à des acteurs du même type (de -1 à 1).",
           "Tendency of actors to tie with actors of the same type (from -1 to 1).", "double", "network"),
    Metric("degree-centralisation", "centralisation du degré", "degree centralisation",
           "Centralisation de Freeman des degrés : 1 pour une étoile, 0 quand tous ont le même degré.",
           "Freeman centralisation of the degrees: 1 for a star, 0 when all have the same degree.",
           "double", "network"),
    Metric("betweenness-centralisation", "centralisation de l'intermédiarité", "betweenness centralisation",
           "Centralisation de Freeman de l'intermédiarité : 1 pour une étoile.",
           "Freeman centralisation of betweenness: 1 for a star.", "double", "network"),
    Metric("bridge-count", "nombre de ponts", "bridge count", "Nombre de liens dont le retrait coupe le réseau.",
           "Number of ties whose removal disconnects the network.", "integer", "network"),
    Metric("articulation-points", "points d'articulation", "articulation points",
           "Nombre d'acteurs dont le retrait coupe le réseau.",
           "Number of actors whose removal disconnects the network.", "integer", "network"),
    Metric("size", "taille", "size", "Nombre de membres de la communauté.", "Number of members of the community.",
           "integer", "community"),
)
METRIC_BY_NAME = {m.name: m for m in METRICS}
ACTOR_METRICS = tuple(m.name for m in METRICS if m.level == "actor")

# --------------------------------------------------------------------------- the window of time


@dataclass(frozen=True)
class Window:
    """The ties kept: those whose own dates overlap [start, end]; as_of is the one-day window."""

    as_of: date | None = None
    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, as_of: str | None = None, start: str | None = None, end: str | None = None) -> Window:
        def day(text: str | None, option: str) -> date | None:
            if text in (None, ""):
                return None
            try:
                return date.fromisoformat(str(text).strip())
            except ValueError:
                raise BadRequest(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None

        window = cls(day(as_of, "--as-of"), day(start, "--from"), day(end, "--to"))
        if window.as_of and (window.start or window.end):
            raise BadRequest("--as-of is one day; give it alone, or give --from and/or --to")
        if window.start and window.end and window.start > window.end:
            raise BadRequest(f"--from {window.start} is after --to {window.end}")
        return window

    def values(self) -> dict[str, str]:
        out = {}
        if self.as_of:
            out["as_of"] = self.as_of.isoformat()
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        return out

    def describe(self) -> str:
        if self.as_of:
            return f"as of {self.as_of}"
        if self.start or self.end:
            return f"from {self.start or '…'} to {self.end or '…'}"
        return "all dates"


# --------------------------------------------------------------------------- building the networks

EDGE_QUERIES = ("network/memberships", "network/relationships", "network/co_participation")
BIPARTITE_QUERIES = {"actor-experience": "network/actor_experience", "actor-method": "network/actor_method"}
NETWORKS = ("actors", "actor-experience", "actor-method", "actor-experience-actors", "actor-experience-experiences",
            "actor-method-actors", "actor-method-methods")


def input_graphs(store: Store) -> list[ox.NamedNode]:
    """The graphs the networks are read from: every public graph but the analyses and the metadata."""
    public = store.public_default_graph()
    graphs = public if public is not None else store.named_graphs()
    # the public default graph lists the store's default graph too (a DefaultGraph, not a graph IRI): left out
    return [g for g in graphs
            if isinstance(g, ox.NamedNode) and not g.value.startswith(ANALYSIS_GRAPH_PREFIX) and g != META_GRAPH]


def _select(store: Store, name: str, window: Window,
            graphs: Sequence[ox.NamedNode | ox.DefaultGraph] | None) -> list[dict[str, Any]]:
    """Run a query of queries/network/ with the window bound; over `graphs`, or (None) over the public default graph:
    the analysis graphs hold none of the patterns these queries match, and the union is several times faster on
    disk than an explicit list of graphs."""
    named = queries.get(name)
    values = {k: v for k, v in window.values().items() if any(p.name == k for p in named.params)}
    if graphs is None:
        graphs = store.public_default_graph()
    return store.select(named.text, substitutions=named.substitutions(values),
                        default_graph=list(graphs) if graphs is not None else None)


def _text(term: Any) -> str | None:
    return None if term is None else str(term.value)


def _slug(iri: str | None) -> str:
    return "" if not iri else iri.rstrip("/").rpartition("/")[2].rpartition("#")[2]


def _add_tie(graph: nx.Graph, a: str, b: str, tie: str | None, tie_type: str, source: str | None) -> None:
    if graph.has_edge(a, b):
        data = graph.edges[a, b]
    else:
        graph.add_edge(a, b, ties=set(), tie_types=set(), sources=set())
        data = graph.edges[a, b]
    if tie:
        data["ties"].add(tie)
    data["tie_types"].add(tie_type)
    if source:
        data["sources"].add(source)


def _finish(graph: nx.Graph) -> nx.Graph:
    """A copy with nodes and edges in sorted order, sets as sorted lists, and the weight of each edge."""
    out = nx.Graph(**graph.graph)
    for node in sorted(graph.nodes):
        out.add_node(node, **graph.nodes[node])
    edges = sorted((min(a, b), max(a, b), d) for a, b, d in graph.edges(data=True))
    for a, b, data in edges:
        ties, types, sources = sorted(data["ties"]), sorted(data["tie_types"]), sorted(data["sources"])
        out.add_edge(a, b, weight=max(len(ties), 1), ties=ties, tie_types=types, sources=sources)
    return out


def actors(store: Store, graphs: Sequence[ox.NamedNode] | None) -> dict[str, dict[str, Any]]:
    """Every actor with its attributes: label, label_en, type (class), actor_type, territory."""
    found: dict[str, dict[str, Any]] = {}
    for row in _select(store, "network/actors", Window(), graphs):
        iri = row["actor"].value
        entry = found.setdefault(iri, {"kind": "actor", "classes": set(), "territories": set()})
        entry["classes"].add(_slug(row["class"].value))
        for key, var in (("label", "label"), ("label_en", "labelEn"), ("actor_type", "actorType")):
            value = _text(row.get(var))
            if value and (key not in entry or value < entry[key]):
                entry[key] = value
        if "territory" in row:
            entry["territories"].add(row["territory"].value)
    out = {}
    for iri, entry in found.items():
        classes = entry.pop("classes")
        territories = sorted(entry.pop("territories"))
        entry["type"] = next((c for c in CLASS_ORDER if c in classes), sorted(classes)[0])
        entry["territory"] = territories[0] if territories else ""
        entry.setdefault("label", entry.get("label_en", _slug(iri)))
        entry.setdefault("label_en", entry["label"])
        entry["actor_type"] = _slug(entry.get("actor_type")) or entry["type"]
        out[iri] = entry
    return out


def _node_defaults(iri: str, kind: str) -> dict[str, Any]:
    return {"kind": kind, "label": _slug(iri), "label_en": _slug(iri), "type": kind, "actor_type": kind,
            "territory": ""}


def build(store: Store, window: Window | None = None, graphs: Sequence[ox.NamedNode] | None = None,
          kinds: Iterable[str] = NETWORKS) -> dict[str, nx.Graph]:
    """The networks of NETWORKS (undirected, weighted, each edge with its ties, tie types and sources)."""
    window = window or Window()
    kinds = set(kinds)
    people = actors(store, graphs)
    out: dict[str, nx.Graph] = {}

    network = nx.Graph(name="actors")
    for iri, attrs in people.items():
        network.add_node(iri, **attrs)
    for name in EDGE_QUERIES:
        for row in _select(store, name, window, graphs):
            a, b = row["a"].value, row["b"].value
            for node in (a, b):
                if node not in network:
                    network.add_node(node, **_node_defaults(node, "actor"))
            _add_tie(network, a, b, _text(row.get("tie")), row["tieType"].value, _text(row.get("source")))
    out["actors"] = _finish(network)

    for name, query in BIPARTITE_QUERIES.items():
        if not any(k.startswith(name) for k in kinds):
            continue
        other = name.split("-")[1]
        bipartite = nx.Graph(name=name)
        for row in _select(store, query, window, graphs):
            a, b = row["a"].value, row["b"].value
            if a not in bipartite:
                bipartite.add_node(a, **people.get(a, _node_defaults(a, "actor")), bipartite=0)
            if b not in bipartite:
                attrs = _node_defaults(b, other)
                for key, var in (("label", "label"), ("label_en", "labelEn")):
                    if row.get(var) is not None:
                        attrs[key] = row[var].value
                bipartite.add_node(b, **attrs, bipartite=1)
            _add_tie(bipartite, a, b, _text(row.get("tie")), row["tieType"].value, _text(row.get("source")))
        bipartite = _finish(bipartite)
        out[name] = bipartite
        for side, label in ((0, "actors"), (1, f"{other}s")):
            out[f"{name}-{label}"] = _project(bipartite, side, f"{name}-{label}",
                                              "shared-" + (other if side == 0 else "actor"))
    return {k: v for k, v in out.items() if k in kinds}


def _project(bipartite: nx.Graph, side: int, name: str, tie_type: str) -> nx.Graph:
    """One-mode projection onto one side: two nodes tied once per node of the other side they share (the weight),
    the shared nodes as the edge's ties, and the sources of the ties that make it."""
    projected = nx.Graph(name=name)
    nodes = sorted(n for n, d in bipartite.nodes(data=True) if d["bipartite"] == side)
    for node in nodes:
        projected.add_node(node, **bipartite.nodes[node])
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for middle in sorted(n for n, d in bipartite.nodes(data=True) if d["bipartite"] != side):
        around = sorted(bipartite[middle])
        for i, a in enumerate(around):
            for b in around[i + 1:]:
                shared[(a, b)].append(middle)
    for (a, b), middles in sorted(shared.items()):
        sources = sorted({s for m in middles for n in (a, b) for s in bipartite.edges[n, m]["sources"]})
        projected.add_edge(a, b, weight=len(middles), ties=middles, tie_types=[tie_type], sources=sources)
    return projected


# --------------------------------------------------------------------------- the measures


@dataclass
class Analysis:
    """What one analysis of a network found."""

    graph: nx.Graph
    seed: int
    node_measures: dict[str, dict[str, Any]] = field(default_factory=dict)  # metric -> node -> value
    network_measures: dict[str, Any] = field(default_factory=dict)  # metric -> value
    communities: list[list[str]] = field(default_factory=list)  # largest first
    bridges: list[tuple[str, str]] = field(default_factory=list)
    computations: dict[str, dict[str, Any]] = field(default_factory=dict)  # metric -> how it was computed

    def community_of(self) -> dict[str, int]:
        return {node: i + 1 for i, members in enumerate(self.communities) for node in members}


def _betweenness(graph: nx.Graph, seed: int, exact_limit: int, samples: int) -> tuple[
        dict[str, float], dict[str, Any]]:
    n = graph.number_of_nodes()
    kwargs: dict[str, Any] = {"normalized": True}
    how: dict[str, Any] = {"method": "exact", "backend": "networkx"}
    if n > exact_limit:
        kwargs.update(k=min(samples, n), seed=seed)
        how.update(method="sampled", samples=kwargs["k"], seed=seed)
    return nx.betweenness_centrality(graph, **kwargs), how


# networkx backends (dispatch) the suite can use: name -> (PyPI package, the measures it computes for us).
# nx-parallel is not offered: its release for Python 3.11 (0.3) fails to import with networkx 3.6.
BACKENDS = {"graphblas": ("graphblas-algorithms", ("clustering", "pagerank"))}


def check_backend(backend: str | None) -> None:
    if backend is None:
        return
    if backend not in BACKENDS:
        raise BadRequest(f"unknown backend {backend!r}; backends: {', '.join(BACKENDS)}")
    from networkx.utils.backends import backends as installed

    if backend not in installed:
        raise BadRequest(f"the networkx backend {backend!r} is not installed (pip install {BACKENDS[backend][0]})")


def _closeness(graph: nx.Graph, seed: int, exact_limit: int, samples: int) -> tuple[dict[str, float],
                                                                                      dict[str, Any]]:
    """Closeness as networkx defines it (Wasserman–Faust scaling, unweighted distances). Above `exact_limit`
    nodes, each large component's distance sums are estimated from sampled pivots (Eppstein & Wang, 2004)."""
    n = graph.number_of_nodes()
    if n <= exact_limit:
        return nx.closeness_centrality(graph), {"method": "exact", "backend": "networkx"}
    out: dict[str, float] = {}
    rng = random.Random(seed)
    for component in sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0])):
        r = len(component)
        sums: dict[str, float] = defaultdict(float)
        if r <= samples:
            for node in component:
                sums[node] = float(sum(nx.single_source_shortest_path_length(graph, node).values()))
        else:
            pivots = rng.sample(component, samples)
            for pivot in pivots:
                for node, dist in nx.single_source_shortest_path_length(graph, pivot).items():
                    sums[node] += dist
            scale = r / samples  # pivots drawn uniformly from the r nodes: E[sum over pivots] = samples / r × sum
            for node in component:
                sums[node] *= scale
        for node in component:
            total = sums[node]
            out[node] = 0.0 if total <= 0 or n <= 1 else ((r - 1) / total) * ((r - 1) / (n - 1))
    return out, {"method": "sampled", "samples": samples, "seed": seed, "backend": "networkx",
                 "note": "Eppstein-Wang estimate in components larger than the sample; exact elsewhere"}


def _eigenvector(graph: nx.Graph, nodes: list[str]) -> dict[str, float]:
    """networkx's eigenvector centrality (power iteration on A + I, weighted), done with scipy sparse matrices."""
    import numpy as np

    if graph.number_of_edges() == 0:
        return dict.fromkeys(nodes, 0.0)
    matrix = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight="weight", format="csr")
    x = np.full(len(nodes), 1.0 / len(nodes))
    for _ in range(1000):
        previous = x
        x = previous + matrix @ previous
        x = x / (np.linalg.norm(x) or 1.0)
        if float(np.abs(x - previous).sum()) < len(nodes) * 1e-10:
            break
    return {node: float(v) for node, v in zip(nodes, x, strict=True)}


def _burt(graph: nx.Graph) -> tuple[dict[str, float], dict[str, float]]:
    """Burt's constraint and effective size with weights, as networkx defines them for an undirected graph
    (networkx.constraint / networkx.effective_size), computed once per node pair rather than per triple."""
    strength = {n: float(sum(d.get("weight", 1) for d in graph[n].values())) for n in graph}
    top = {n: float(max((d.get("weight", 1) for d in graph[n].values()), default=0)) for n in graph}
    neighbours = {n: set(graph[n]) for n in graph}

    def p(i: str, j: str) -> float:
        w = graph[i][j].get("weight", 1) if j in neighbours[i] else 0
        return (2 * w) / (2 * strength[i]) if strength[i] else 0.0

    constraint: dict[str, float] = {}
    esize: dict[str, float] = {}
    for i in graph:
        if not neighbours[i]:
            continue
        p_i = {j: p(i, j) for j in graph[i]}
        total_c = 0.0
        total_e = 0.0
        for j in graph[i]:
            common = [q for q in graph[i] if q in neighbours[j]]  # in adjacency order: sums do not depend on hashing
            indirect = sum(p_i[q] * p(q, j) for q in common)
            total_c += (p_i[j] + indirect) ** 2
            redundancy = sum(p_i[q] * (graph[j][q].get("weight", 1) / top[j]) for q in common) if top[j] else 0.0
            total_e += 1 - redundancy
        constraint[i] = total_c
        esize[i] = total_e
    return constraint, esize


def _centralisation(values: dict[str, float], n: int, denominator: float) -> float | None:
    if n < 3 or not values or denominator <= 0:
        return None
    top = max(values.values())
    return sum(top - v for v in values.values()) / denominator


Step = tuple[str, Callable[[], None]]


def analyse(graph: nx.Graph, *, seed: int = 42, exact_limit: int = EXACT_LIMIT, samples: int = SAMPLES,
            backend: str | None = None, progress: Callable[[str], None] | None = None) -> Analysis:
    """Every measure of the suite on `graph` (undirected, weighted by 'weight')."""
    check_backend(backend)
    result = Analysis(graph, seed)
    for step_name, step in steps(result, exact_limit=exact_limit, samples=samples, backend=backend):
        if progress:
            progress(step_name)
        step()
    return result


def steps(result: Analysis, *, exact_limit: int = EXACT_LIMIT, samples: int = SAMPLES,
          backend: str | None = None) -> list[Step]:
    """The analysis as named steps, so that a caller can show where it is (and a bench can time each)."""
    graph, seed = result.graph, result.seed
    nodes = list(graph.nodes)
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    nm, wm, how = result.node_measures, result.network_measures, result.computations
    # The centralities are computed over the actors that have at least one tie (the "core"): the importers bring
    # tens of thousands of actors with no tie yet (every local government), who would only shrink the normalised
    # values and, for the sampled measures, draw the pivots away from where the paths are.
    core = graph.subgraph([node for node in nodes if graph.degree(node)]).copy()
    c = core.number_of_nodes()

    def exact(name: str, note: str | None = None) -> None:
        how[name] = {"method": "exact", "backend": "networkx", **({"note": note} if note else {})}

    def degree() -> None:
        nm["degree"] = dict(graph.degree())
        nm["weighted-degree"] = dict(graph.degree(weight="weight"))
        exact("degree")
        exact("weighted-degree")
        wm["nodes"], wm["edges"] = n, m
        wm["density"] = nx.density(graph) if n > 1 else 0.0
        wm["degree-centralisation"] = _centralisation({k: nm["degree"][k] for k in core}, c, (c - 1) * (c - 2))

    def betweenness() -> None:
        nm["betweenness"], how["betweenness"] = _betweenness(core, seed, exact_limit, samples)
        wm["betweenness-centralisation"] = _centralisation(nm["betweenness"], c, c - 1)

    def closeness() -> None:
        nm["closeness"], how["closeness"] = _closeness(core, seed, exact_limit, samples)

    def eigenvector() -> None:
        nm["eigenvector"] = _eigenvector(core, list(core))
        exact("eigenvector", "power iteration on A + I (scipy sparse), as networkx.eigenvector_centrality")

    def dispatched(name: str) -> dict[str, Any]:
        """The backend keyword for a measure the chosen backend computes (recorded in the run)."""
        if backend and name in BACKENDS[backend][1] and m:
            how[name] = {"method": "exact", "backend": BACKENDS[backend][0]}
            return {"backend": backend}
        exact(name)
        return {}

    def pagerank() -> None:
        with warnings.catch_warnings():  # a backend warns that it caches its copy of the graph: it is meant to
            warnings.simplefilter("ignore")
            found = nx.pagerank(core, weight="weight", **dispatched("pagerank")) if c else {}
        nm["pagerank"] = {k: float(v) for k, v in found.items()}

    def clustering() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = nx.clustering(core, **dispatched("clustering")) if c else {}
        nm["clustering"] = {k: float(v) for k, v in found.items()}
        wm["average-clustering"] = sum(nm["clustering"].values()) / c if c else 0.0

    def kcore() -> None:
        nm["core-number"] = nx.core_number(core)
        exact("core-number")

    def louvain() -> None:
        found = nx.community.louvain_communities(graph, weight="weight", seed=seed) if n else []
        partition = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
        wm["modularity"] = nx.community.modularity(graph, partition, weight="weight") if m else 0.0
        # An isolated actor is a community of one: not a community anyone would study, so not published.
        result.communities = [c for c in partition if len(c) > 1]
        wm["communities"] = len(result.communities)
        wm["isolates"] = sum(1 for c in partition if len(c) == 1)
        how["modularity"] = {"method": "louvain", "seed": seed, "backend": "networkx", "resolution": 1}

    def burt() -> None:
        nm["constraint"], nm["effective-size"] = _burt(graph)
        exact("constraint")
        exact("effective-size")

    def cuts() -> None:
        points = set(nx.articulation_points(graph))
        nm["articulation-point"] = {node: node in points for node in nodes}
        result.bridges = sorted((min(a, b), max(a, b)) for a, b in nx.bridges(graph))
        count: dict[str, int] = dict.fromkeys(nodes, 0)
        for a, b in result.bridges:
            count[a] += 1
            count[b] += 1
        nm["bridges"] = count
        wm["bridge-count"], wm["articulation-points"] = len(result.bridges), len(points)
        exact("bridges")
        exact("articulation-point")

    def components() -> None:
        parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
        nm["component"] = {node: i + 1 for i, part in enumerate(parts) for node in part}
        wm["components"] = len(parts)
        wm["largest-component"] = len(parts[0]) if parts else 0
        exact("component")
        if not parts:
            return
        largest = graph.subgraph(parts[0])
        if len(parts[0]) <= exact_limit:
            wm["diameter"] = nx.diameter(largest)
            exact("diameter")
        else:
            wm["diameter"] = nx.approximation.diameter(largest, seed=seed)
            how["diameter"] = {"method": "sampled", "backend": "networkx", "seed": seed,
                               "note": "2-sweep lower bound (networkx.approximation.diameter)"}

    def assortativity() -> None:
        # Undefined (0/0) without ties or when every tied actor has the same type: not published.
        types = {graph.nodes[node].get("type") for edge in graph.edges for node in edge}
        value = nx.attribute_assortativity_coefficient(graph, "type") if len(types) > 1 else float("nan")
        wm["type-assortativity"] = None if math.isnan(value) else value
        exact("type-assortativity")

    return [("degree", degree), ("betweenness", betweenness), ("closeness", closeness),
            ("eigenvector", eigenvector), ("pagerank", pagerank), ("clustering", clustering),
            ("k-core", kcore), ("louvain", louvain), ("burt", burt), ("bridges", cuts), ("components", components),
            ("assortativity", assortativity)]


def ego(graph: nx.Graph, node: str, radius: int = 1) -> nx.Graph:
    """The ego network of `node`: its neighbours up to `radius` steps and the ties among them."""
    if node not in graph:
        raise NotFound(f"{node} is not a node of the network")
    return nx.ego_graph(graph, node, radius=radius)


def whole_network(graph: nx.Graph) -> dict[str, Any]:
    """The cheap whole-network measures, for the bipartite networks and the projections."""
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    parts = list(nx.connected_components(graph))
    return {"nodes": n, "edges": m, "density": nx.density(graph) if n > 1 else 0.0, "components": len(parts),
            "largest-component": max((len(p) for p in parts), default=0)}


# --------------------------------------------------------------------------- publishing a run as linked data


def _number(value: Any, datatype: str) -> ox.Literal:
    if datatype == "boolean":
        return ox.Literal("true" if value else "false", datatype=XSD.boolean)
    if datatype == "integer":
        return ox.Literal(str(int(value)), datatype=XSD.integer)
    return ox.Literal(format(float(value), f".{FLOAT_DIGITS}g"), datatype=XSD.double)


def _key(iri: str) -> str:
    """A stable, readable IRI path part for a node: its kind/slug under our base, else a digest."""
    if iri.startswith(BASE + "id/"):
        tail = iri[len(BASE) + 3:]
        if re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+", tail):
            return tail
    return "x/" + hashlib.sha256(iri.encode()).hexdigest()[:16]


def new_run_id(store: Store, now: datetime | None = None) -> str:
    """An id from the time (UTC), made unique among the runs already in the store."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d-%H%M%S")
    run, n = stamp, 1
    while store.has_graph(ox.NamedNode(ANALYSIS_GRAPH_PREFIX + run)):
        n += 1
        run = f"{stamp}-{n}"
    return run


def run_graph(run: str) -> ox.NamedNode:
    return ox.NamedNode(ANALYSIS_GRAPH_PREFIX + run)


def run_iri(run: str) -> ox.NamedNode:
    return ox.NamedNode(RUN_PREFIX + run)


def metric_triples() -> list[ox.Triple]:
    """The dqv:Metric resources, labelled and defined in French and English."""
    out = []
    for metric in METRICS:
        iri = metric.iri
        datatype = {"double": XSD.double, "integer": XSD.integer, "boolean": XSD.boolean}[metric.datatype]
        out += [
            ox.Triple(iri, RDF.type, DQV.Metric),
            ox.Triple(iri, RDFS.label, ox.Literal(metric.label_fr, language="fr")),
            ox.Triple(iri, RDFS.label, ox.Literal(metric.label_en, language="en")),
            ox.Triple(iri, ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition"),
                      ox.Literal(metric.definition_fr, language="fr")),
            ox.Triple(iri, ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition"),
                      ox.Literal(metric.definition_en, language="en")),
            ox.Triple(iri, DQV.expectedDataType, datatype),
            ox.Triple(iri, DCT.type, ox.Literal(metric.level)),
        ]
    return out


def _date_literal(value: date) -> ox.Literal:
    return ox.Literal(value.isoformat(), datatype=XSD.date)


def to_triples(analysis: Analysis, run: str, *, window: Window, inputs: Sequence[ox.NamedNode],
               others: dict[str, nx.Graph] | None = None, started: datetime | None = None,
               ended: datetime | None = None) -> list[ox.Triple]:
    """The run's named graph: the run (prov:Activity), its networks, measurements, communities and metrics."""
    activity = run_iri(run)
    base = activity.value
    t = ox.Triple
    out: list[ox.Triple] = []
    now = datetime.now(UTC)

    def stamp(value: datetime) -> ox.Literal:
        return ox.Literal(value.isoformat(timespec="seconds").replace("+00:00", "Z"), datatype=XSD.dateTime)

    nxver = ox.NamedNode(f"https://pypi.org/project/networkx/{nx.__version__}/")
    out += [
        t(activity, RDF.type, PROV.Activity), t(activity, RDF.type, THC.NetworkAnalysis),
        t(activity, RDFS.label, ox.Literal(f"Analyse de réseau {run}", language="fr")),
        t(activity, RDFS.label, ox.Literal(f"Network analysis {run}", language="en")),
        t(activity, PROV.startedAtTime, stamp(started or now)), t(activity, PROV.endedAtTime, stamp(ended or now)),
        t(activity, THC.randomSeed, ox.Literal(str(analysis.seed), datatype=XSD.integer)),
        t(activity, DCT.description, ox.Literal(f"Ties {window.describe()}; seed {analysis.seed}.", language="en")),
        t(activity, PROV.wasAssociatedWith, nxver),
        t(nxver, RDF.type, PROV.SoftwareAgent), t(nxver, SCHEMA.name, ox.Literal("networkx")),
        t(nxver, SCHEMA.softwareVersion, ox.Literal(nx.__version__)),
    ]
    for graph in inputs:
        out.append(t(activity, PROV.used, graph))
    for name in (*EDGE_QUERIES, "network/actors", *BIPARTITE_QUERIES.values()):
        out.append(t(activity, PROV.used, ox.NamedNode(f"{BASE}queries/{name}")))
    if window.as_of or window.start or window.end:
        period = ox.NamedNode(base + "/period")
        out += [t(activity, DCT.temporal, period), t(period, RDF.type, DCT.PeriodOfTime)]
        first, last = (window.as_of, window.as_of) if window.as_of else (window.start, window.end)
        if first:
            out.append(t(period, DCAT.startDate, _date_literal(first)))
        if last:
            out.append(t(period, DCAT.endDate, _date_literal(last)))
        if window.as_of:
            out.append(t(activity, THC.asOf, _date_literal(window.as_of)))

    # How each measure was computed (exact or sampled, the backend).
    for name in sorted(analysis.computations):
        detail = analysis.computations[name]
        step = ox.NamedNode(f"{base}/computation/{name}")
        out += [t(step, RDF.type, PROV.Activity), t(step, DCT.isPartOf, activity),
                t(step, PROV.used, METRIC_BY_NAME[name].iri),
                t(step, DCT.type, ox.Literal(detail["method"])),
                t(step, PROV.wasAssociatedWith, ox.NamedNode(f"https://pypi.org/project/{detail['backend']}/")
                  if detail["backend"] != "networkx" else nxver)]
        if "samples" in detail:
            out.append(t(step, THC.sampleSize, ox.Literal(str(detail["samples"]), datatype=XSD.integer)))
        note = ", ".join(f"{k}={v}" for k, v in sorted(detail.items()))
        out.append(t(step, DCT.description, ox.Literal(note, language="en")))

    def measurement(metric: str, on: ox.NamedNode, key: str, value: Any) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        spec = METRIC_BY_NAME[metric]
        node = ox.NamedNode(f"{base}/{metric}/{key}")
        out.extend([t(node, RDF.type, DQV.QualityMeasurement), t(node, DQV.computedOn, on),
                    t(node, DQV.isMeasurementOf, spec.iri), t(node, DQV.value, _number(value, spec.datatype)),
                    t(node, PROV.wasGeneratedBy, activity)])

    networks = {analysis.graph.graph.get("name") or "actors": (analysis.graph, analysis.network_measures)}
    for name, other in sorted((others or {}).items()):
        networks[name] = (other, whole_network(other))
    out.append(t(activity, DCT.subject, ox.NamedNode(f"{base}/network/{next(iter(networks))}")))
    for name, (_graph, measures) in networks.items():
        net = ox.NamedNode(f"{base}/network/{name}")
        out += [t(net, RDF.type, PROV.Entity), t(net, PROV.wasGeneratedBy, activity), t(net, DCT.identifier,
                ox.Literal(name)), t(net, RDFS.label, ox.Literal(f"réseau {name}", language="fr")),
                t(net, RDFS.label, ox.Literal(f"{name} network", language="en"))]
        for metric in sorted(measures):
            measurement(metric, net, f"network-{name}", measures[metric])

    # An isolated actor gets its degree (0) only: every other measure is trivial or undefined for it, and the
    # importers bring tens of thousands of actors (every local government) that have no tie yet.
    graph = analysis.graph
    for metric in ACTOR_METRICS:
        values = analysis.node_measures.get(metric, {})
        for node in sorted(values):
            if metric == "degree" or graph.degree(node):
                measurement(metric, ox.NamedNode(node), _key(node), values[node])

    for i, members in enumerate(analysis.communities, start=1):
        community = ox.NamedNode(f"{base}/community/{i}")
        out += [t(community, RDF.type, THC.Community), t(community, PROV.wasGeneratedBy, activity),
                t(community, RDFS.label, ox.Literal(f"Communauté {i} ({run})", language="fr")),
                t(community, RDFS.label, ox.Literal(f"Community {i} ({run})", language="en")),
                t(community, DCT.identifier, ox.Literal(str(i)))]
        out += [t(community, FOAF.member, ox.NamedNode(member)) for member in members]
        measurement("size", community, f"community-{i}", len(members))
    out += metric_triples()
    return out


@dataclass
class Run:
    run: str
    graph: str
    triples: int
    analysis: Analysis
    networks: dict[str, nx.Graph]
    window: Window
    inputs: list[str]


MEASURABLE = ("actors", "actor-experience-actors", "actor-method-actors")


def run_analysis(store: Store, *, seed: int = 42, window: Window | None = None, exact_limit: int = EXACT_LIMIT,
                 samples: int = SAMPLES, backend: str | None = None, run: str | None = None,
                 measure: str = "actors", progress: Callable[[str], None] | None = None) -> Run:
    """Build the networks, measure one of them (the actor network by default, or a projection onto the actors),
    and publish the results as a new named graph."""
    window = window or Window()
    check_backend(backend)
    if measure not in MEASURABLE:
        raise BadRequest(f"cannot measure network {measure!r}; networks: {', '.join(MEASURABLE)}")
    started = datetime.now(UTC)
    inputs = input_graphs(store)
    if progress:
        progress("building")
    networks = build(store, window)
    analysis = analyse(networks[measure], seed=seed, exact_limit=exact_limit, samples=samples, backend=backend,
                       progress=progress)
    if progress:
        progress("publishing")
    run = run or new_run_id(store, started)
    others = {k: v for k, v in networks.items() if k != measure}
    triples = to_triples(analysis, run, window=window, inputs=inputs, others=others, started=started,
                         ended=datetime.now(UTC))
    graph = run_graph(run)
    # The triples are computed from graphs already validated, not contributed: written without SHACL.
    metadata = ingest.describe_graph(
        graph, [], len(triples), title=f"Network analysis {run} ({window.describe()}, seed {seed})",
        license=LICENSE, agent="thc analyze", kind="analysis",
        extra=[ox.Triple(graph, PROV.wasGeneratedBy, run_iri(run))]
        + [ox.Triple(graph, PROV.wasDerivedFrom, g) for g in inputs])
    store.replace_graph(graph, triples, metadata)
    return Run(run, graph.value, len(triples), analysis, networks, window, [g.value for g in inputs])


# --------------------------------------------------------------------------- reading a published run back


def runs(store: Store) -> list[dict[str, Any]]:
    """The published runs, newest first: run id, graph, started, seed, window."""
    rows = store.select("""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX thc: <https://w3id.org/thc/ontology#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?g ?run ?started ?seed ?asOf ?from ?to ?network WHERE {
          GRAPH ?g { ?run a thc:NetworkAnalysis ; prov:startedAtTime ?started ; thc:randomSeed ?seed .
            OPTIONAL { ?run dct:subject [ dct:identifier ?network ] }
            OPTIONAL { ?run thc:asOf ?asOf }
            OPTIONAL { ?run dct:temporal ?p OPTIONAL { ?p dcat:startDate ?from } OPTIONAL { ?p dcat:endDate ?to } } }
        }""")
    out = []
    for row in rows:
        if not row["g"].value.startswith(ANALYSIS_GRAPH_PREFIX):
            continue
        run = row["g"].value[len(ANALYSIS_GRAPH_PREFIX):]
        as_of = _text(row.get("asOf"))
        window = Window.parse(as_of, None if as_of else _text(row.get("from")), None if as_of else _text(row.get("to")))
        out.append({"run": run, "graph": row["g"].value, "iri": row["run"].value, "started": row["started"].value,
                    "seed": int(row["seed"].value), "window": window,
                    "network": _text(row.get("network")) or "actors"})
    return sorted(out, key=lambda r: (r["started"], r["run"]), reverse=True)


def latest_run(store: Store) -> dict[str, Any]:
    found = runs(store)
    if not found:
        raise NotFound("no network analysis has been published yet; run `thc analyze`")
    return found[0]


def published(store: Store, run: str | None = None) -> tuple[dict[str, Any], nx.Graph]:
    """A published run and the network it measured: nodes and edges rebuilt with the run's window, each node
    carrying the run's measures and community (read back by SPARQL from the run's graph)."""
    info = next((r for r in runs(store) if r["run"] == run), None) if run else latest_run(store)
    if info is None:
        raise NotFound(f"no network analysis run {run!r}")
    graph_iri = ox.NamedNode(info["graph"])
    # The network is rebuilt over the public graphs as they are now, with the run's window.
    graph = build(store, info["window"], kinds=(info["network"],))[info["network"]]
    for node in graph:
        graph.nodes[node]["measures"] = {}
    rows = store.select("""
        PREFIX dqv: <http://www.w3.org/ns/dqv#>
        SELECT ?node ?metric ?value ?rg WHERE { GRAPH ?rg { ?m dqv:computedOn ?node ; dqv:isMeasurementOf ?metric ;
                                                           dqv:value ?value } }""", substitutions={"rg": graph_iri})
    whole: dict[str, dict[str, Any]] = defaultdict(dict)
    prefix = info["iri"] + "/network/"
    for row in rows:
        name = row["metric"].value[len(METRIC_PREFIX):]
        node = row["node"].value
        value = _python(row["value"])
        if node in graph:
            graph.nodes[node]["measures"][name] = value
        elif node.startswith(prefix):
            whole[node[len(prefix):]][name] = value
    for row in store.select("""
        PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?n ?member ?rg WHERE { GRAPH ?rg { ?c a <https://w3id.org/thc/ontology#Community> ; dct:identifier ?n ;
                                                 foaf:member ?member } }""", substitutions={"rg": graph_iri}):
        if row["member"].value in graph:
            graph.nodes[row["member"].value]["community"] = int(row["n"].value)
    for a, b in nx.bridges(graph):
        graph.edges[a, b]["bridge"] = True
    info["networks"] = dict(whole)
    info["computations"] = {row["metric"].value[len(METRIC_PREFIX):]: row["how"].value for row in store.select("""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?metric ?how ?rg ?run WHERE {
          GRAPH ?rg { ?c dct:isPartOf ?run ; prov:used ?metric ; dct:description ?how } }""",
        substitutions={"rg": graph_iri, "run": ox.NamedNode(info["iri"])})}
    return info, graph


def _python(term: Any) -> Any:
    datatype = term.datatype.value if isinstance(term, ox.Literal) else ""
    if datatype.endswith("#integer"):
        return int(term.value)
    if datatype.endswith("#double"):
        return float(term.value)
    if datatype.endswith("#boolean"):
        return term.value == "true"
    return term.value


def attach(analysis: Analysis) -> nx.Graph:
    """A copy of the analysed network whose nodes carry their community and measures (for exports)."""
    graph = analysis.graph.copy()
    communities = analysis.community_of()
    for node in graph:
        graph.nodes[node]["community"] = communities.get(node, 0)
        graph.nodes[node]["measures"] = {metric: values[node] for metric, values in analysis.node_measures.items()
                                         if node in values and values[node] is not None}
    for a, b in analysis.bridges:
        graph.edges[a, b]["bridge"] = True
    return graph


# --------------------------------------------------------------------------- exports


EXPORT_FORMATS = ("gexf", "graphml", "json", "nodes.csv", "edges.csv")


def _flat(graph: nx.Graph) -> nx.Graph:
    """A copy whose attributes are all scalars (GEXF/GraphML take no lists or dicts): lists joined by spaces,
    measures spread as one attribute each, absent values given a type-consistent default."""
    out = nx.Graph()
    metrics = sorted({k for _, d in graph.nodes(data=True) for k in d.get("measures", {})})
    for node, data in graph.nodes(data=True):
        attrs = {k: v for k, v in data.items() if k not in ("measures",) and not isinstance(v, (list, set, dict))}
        attrs.setdefault("community", 0)
        for key in ("label", "label_en", "type", "actor_type", "territory", "kind"):
            attrs[key] = str(attrs.get(key, ""))
        attrs.pop("bipartite", None)
        measures = data.get("measures", {})
        for metric in metrics:
            spec = METRIC_BY_NAME[metric]
            value = measures.get(metric)
            if spec.datatype == "boolean":
                attrs[metric] = bool(value)
            elif spec.datatype == "integer":
                attrs[metric] = int(value or 0)
            else:
                attrs[metric] = float(value) if value is not None else 0.0
        out.add_node(node, **attrs)
    for a, b, data in graph.edges(data=True):
        out.add_edge(a, b, weight=int(data.get("weight", 1)), tie_types=" ".join(data.get("tie_types", [])),
                     ties=" ".join(data.get("ties", [])), sources=" ".join(data.get("sources", [])),
                     bridge=bool(data.get("bridge", False)))
    return out


def node_link(graph: nx.Graph, info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Node-link JSON (networkx's layout, edges under "edges"), with the run's description under "graph"."""
    data: dict[str, Any] = nx.node_link_data(graph, edges="edges")
    data["graph"] = _jsonable(info or {})
    for node in data["nodes"]:
        node.setdefault("community", 0)
        node.setdefault("measures", {})
    for edge in data["edges"]:
        edge.setdefault("bridge", False)
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Window):
        return value.values()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def measures_table(graph: nx.Graph) -> tuple[list[str], list[list[Any]]]:
    """One row per node: id, label, type, territory, community, then each actor metric."""
    header = ["id", "label", "type", "actor_type", "territory", "community", *ACTOR_METRICS]
    rows = []
    for node, data in graph.nodes(data=True):
        measures = data.get("measures", {})
        rows.append([node, data.get("label", ""), data.get("type", ""), data.get("actor_type", ""),
                     data.get("territory", ""), data.get("community", 0),
                     *(measures.get(metric, "") for metric in ACTOR_METRICS)])
    return header, rows


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def edges_table(graph: nx.Graph) -> tuple[list[str], list[list[Any]]]:
    header = ["source", "target", "weight", "tie_types", "sources", "ties", "bridge"]
    rows = [[a, b, d.get("weight", 1), " ".join(d.get("tie_types", [])), " ".join(d.get("sources", [])),
             " ".join(d.get("ties", [])), str(bool(d.get("bridge", False))).lower()]
            for a, b, d in graph.edges(data=True)]
    return header, rows


def export_bytes(graph: nx.Graph, fmt: str, info: dict[str, Any] | None = None) -> bytes:
    """The network in one of EXPORT_FORMATS (csv is the node list with measures)."""
    if fmt == "gexf":
        buffer = io.BytesIO()
        nx.write_gexf(_flat(graph), buffer)
        return buffer.getvalue()
    if fmt == "graphml":
        buffer = io.BytesIO()
        nx.write_graphml(_flat(graph), buffer)
        return buffer.getvalue()
    if fmt == "json":
        return json.dumps(node_link(graph, info), ensure_ascii=False, indent=1).encode()
    if fmt in ("csv", "nodes.csv"):
        return _csv(*measures_table(graph)).encode()
    if fmt == "edges.csv":
        return _csv(*edges_table(graph)).encode()
    raise BadRequest(f"unknown export format {fmt!r}; formats: {', '.join(EXPORT_FORMATS)}")


def export(graph: nx.Graph, directory: Path, name: str = "actors", info: dict[str, Any] | None = None) -> list[Path]:
    """Write the network as {name}.gexf, .graphml, .json, -nodes.csv and -edges.csv in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in EXPORT_FORMATS:
        path = directory / (f"{name}-{fmt}" if fmt.endswith(".csv") else f"{name}.{fmt}")
        path.write_bytes(export_bytes(graph, fmt, info))
        written.append(path)
    return written


def read_export(path: Path) -> nx.Graph:
    """Read back an export written by `export` (for checks and for researchers' scripts)."""
    name = path.name
    if name.endswith(".gexf"):
        return nx.read_gexf(path)
    if name.endswith(".graphml"):
        return nx.read_graphml(path)
    if name.endswith(".json"):
        return nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
    if name.endswith("-edges.csv"):
        graph = nx.Graph()
        nodes_path = path.with_name(name.replace("-edges.csv", "-nodes.csv"))
        if nodes_path.exists():
            with nodes_path.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    graph.add_node(row.pop("id"), **row)
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                graph.add_edge(row.pop("source"), row.pop("target"), **row)
        return graph
    raise BadRequest(f"{name}: not a network export ({', '.join(EXPORT_FORMATS)})")

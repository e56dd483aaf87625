"""SHACL validation with pyshacl: the shapes, the ontology as context, and readable reports."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from . import paths


@dataclass
class Violation:
    focus: str
    path: str | None
    value: str | None
    messages: dict[str, str]
    severity: str
    shape: str | None
    constraint: str | None

    def message(self, lang: str = "fr") -> str:
        return self.messages.get(lang) or self.messages.get("en") or self.messages.get("") or \
            next(iter(self.messages.values()), "constraint violated")

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus": self.focus, "path": self.path, "value": self.value,
            "message": {"fr": self.message("fr"), "en": self.message("en")},
            "severity": self.severity, "shape": self.shape, "constraint": self.constraint,
        }

    def text(self, lang: str = "fr") -> str:
        where = f"{self.focus}" + (f" {self.path}" if self.path else "")
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}{value}: {self.message(lang)}"


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    def text(self, lang: str = "fr") -> str:
        if self.conforms:
            return "conforme" if lang == "fr" else "conforms"
        head = (f"{len(self.violations)} violation(s) des formes SHACL :" if lang == "fr"
                else f"{len(self.violations)} SHACL violation(s):")
        return "\n".join([head, *("  - " + v.text(lang) for v in self.violations)])


@functools.lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    graph = Graph()
    for path in paths.shape_files():
        graph.parse(path, format="turtle")
    return graph


@functools.lru_cache(maxsize=1)
def ontology_triples() -> tuple[tuple[Node, Node, Node], ...]:
    graph = Graph()
    for path in paths.ontology_files():
        graph.parse(path, format="turtle")
    return tuple(graph)


def to_rdflib(term: Any) -> Node:
    """A pyoxigraph term as the rdflib term pyshacl needs."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"cannot convert {term!r}")


def to_rdflib_graph(triples: Iterable[Any]) -> Graph:
    graph = Graph()
    cache: dict[Any, Node] = {}

    def conv(term: Any) -> Node:
        if isinstance(term, ox.Literal):
            return to_rdflib(term)
        node = cache.get(term)
        if node is None:
            node = cache[term] = to_rdflib(term)
        return node

    add = graph.add
    for t in triples:
        add((conv(t.subject), conv(t.predicate), conv(t.object)))
    return graph


def validate(data: Iterable[Any], *, context: Iterable[Any] = (), focus_nodes: Iterable[Any] | None = None) -> Report:
    """Validate `data` (pyoxigraph triples) against the shapes.

    `context` holds triples already in the store that the data refers to; they help (a linked node's type, a
    membership) but their own violations are not reported: only those about `focus_nodes` are, by default every
    subject of `data`. (pyshacl's own focus_nodes option is not used: it also skips the value nodes of nested
    shapes such as sh:or, so a wrong datatype under sh:or would pass.)
    """
    data = list(data)
    focus = {_key(n) for n in focus_nodes} if focus_nodes is not None else {_key(t.subject) for t in data}
    if not focus:
        return Report(conforms=True)
    graph = to_rdflib_graph([*data, *context])
    for triple in ontology_triples():
        graph.add(triple)
    _conforms, results, _ = pyshacl.validate(
        graph, shacl_graph=shapes_graph(), advanced=True, inference="none", inplace=True, allow_warnings=True)
    violations = [v for v in _violations(results) if v.focus in focus]
    return Report(conforms=not any(v.severity == "Violation" for v in violations), violations=violations)


def _key(node: Any) -> str:
    """A node as Violation.focus shows it."""
    return "_:" + node.value if isinstance(node, ox.BlankNode) else node.value


def _violations(results: Graph) -> list[Violation]:
    violations = []
    for result in results.subjects(SH.resultSeverity, None):
        messages: dict[str, str] = {}
        for message in results.objects(result, SH.resultMessage):
            lang = getattr(message, "language", None) or ""
            messages.setdefault(lang, str(message))
        if not ({"fr", "en"} & set(messages)):
            # pyshacl drops the language tags of sh:sparql messages: read them from the shapes instead.
            for source in (results.value(result, SH.sourceConstraint), results.value(result, SH.sourceShape)):
                if source is None:
                    continue
                for message in shapes_graph().objects(source, SH.message):
                    lang = getattr(message, "language", None) or ""
                    messages.setdefault(lang, str(message))
                if {"fr", "en"} & set(messages):
                    break
        value = results.value(result, SH.value)
        path = results.value(result, SH.resultPath)
        violations.append(Violation(
            focus=_show(results.value(result, SH.focusNode)),
            path=_show(path) if path is not None else None,
            value=_show(value) if value is not None else None,
            messages=messages,
            severity=_show(results.value(result, SH.resultSeverity)).rpartition("#")[2],
            shape=_show(results.value(result, SH.sourceShape)),
            constraint=_show(results.value(result, SH.sourceConstraintComponent)).rpartition("#")[2],
        ))
    violations.sort(key=lambda v: (v.focus, v.path or "", v.constraint or ""))
    return violations


def _show(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, BNode):
        return "_:" + str(node)
    if isinstance(node, Literal):
        return node.n3()
    return str(node)

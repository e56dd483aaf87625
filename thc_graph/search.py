"""Full-text search over labels and descriptions, ignoring accents and case, ranked; an in-memory index built
from the store once and rebuilt when the store's content changes (its fingerprint: the graphs' dates)."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from .describe import DESCRIPTION_PREDICATES, LABEL_PREDICATES, Labeller, fingerprint
from .namespaces import RDF
from .store import Store

_WORD = re.compile(r"[a-z0-9]+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Field weights: a word of a label counts far more than a word of a description.
LABEL_WEIGHT, DESCRIPTION_WEIGHT = 10.0, 1.0
MAX_QUERY_CHARS = 200


def fold(text: str) -> str:
    """Lower case without accents: 'Démocratie Œuvrée' → 'democratie oeuvree'.

    Accents go (NFKD, then the combining marks); any other character outside ASCII becomes a space, since only
    ASCII letters and digits make words (see words()). Regular expressions keep it fast on large stores."""
    if text.isascii():
        return text.casefold()
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae").replace("ß", "ss")
    bare = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _NON_ASCII.sub(" ", bare).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass
class Hit:
    iri: str
    label: str
    score: float
    types: list[tuple[str, str]]
    snippet: str | None


class Index:
    """Inverted index: folded word → {subject IRI: weight}; plus the folded labels for exact/prefix boosts."""

    def __init__(self) -> None:
        self.postings: dict[str, dict[str, float]] = defaultdict(dict)
        self.labels: dict[str, set[str]] = defaultdict(set)  # subject → folded labels (every language)
        self.display: dict[str, list[ox.Literal]] = defaultdict(list)  # subject → its labels, as written
        self.vocabulary: list[str] = []

    def add(self, subject: str, text: str, weight: float, is_label: bool) -> None:
        found = words(text)
        if is_label:
            self.labels[subject].add(" ".join(found))
        for word in set(found):
            posting = self.postings[word]
            if posting.get(subject, 0.0) < weight:
                posting[subject] = weight

    def freeze(self) -> None:
        self.vocabulary = sorted(self.postings)

    def expand(self, prefix: str) -> list[str]:
        """Words of the index that start with `prefix` (the last word typed may be unfinished)."""
        import bisect

        start = bisect.bisect_left(self.vocabulary, prefix)
        found = []
        for word in self.vocabulary[start:start + 200]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found

    def search(self, query: str) -> list[tuple[str, float]]:
        terms = words(query[:MAX_QUERY_CHARS])
        if not terms:
            return []
        scores: dict[str, float] | None = None
        for position, term in enumerate(terms):
            matches: dict[str, float] = dict(self.postings.get(term, {}))
            if position == len(terms) - 1 and len(term) >= 2:
                for word in self.expand(term):
                    for subject, weight in self.postings[word].items():
                        # a completed prefix counts a little less than the whole word
                        matches[subject] = max(matches.get(subject, 0.0), weight * (1.0 if word == term else 0.6))
            scores = matches if scores is None else {s: scores[s] + w for s, w in matches.items() if s in scores}
            if not scores:
                return []
        assert scores is not None
        phrase = " ".join(terms)
        ranked = []
        for subject, score in scores.items():
            labels = self.labels.get(subject, set())
            if phrase in labels:
                score *= 4  # the label is exactly what was asked
            elif any(label.startswith(phrase) for label in labels):
                score *= 2
            ranked.append((subject, score / (1 + 0.02 * min(len(label) for label in labels) if labels else 1)))
        ranked.sort(key=lambda pair: (-pair[1], pair[0]))
        return ranked


class Searcher:
    """One index per store, rebuilt when the fingerprint changes; safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._fingerprint: tuple[str, ...] | None = None
        self._building = False

    def fingerprint(self) -> tuple[str, ...]:
        return fingerprint(self.store)

    def refresh(self) -> None:
        """Forget the index, so that the next search rebuilds it (call after a write that skips graph/meta)."""
        with self._lock:
            self._fingerprint = None

    def labels_if_ready(self) -> dict[str, list[ox.Literal]] | None:
        """The labels of every subject (keyed by N-Triples form) when the index is current; otherwise None, and the
        index is rebuilt in the background, so that a page never waits for it (it then reads labels one by one)."""
        fingerprint = self.fingerprint()
        with self._lock:
            if self._index is not None and fingerprint == self._fingerprint:
                return self._index.display
            if self._building:
                return None
            self._building = True
        threading.Thread(target=self._build_in_background, name="search-index", daemon=True).start()
        return None

    def _build_in_background(self) -> None:
        try:
            self.index()
        finally:
            with self._lock:
                self._building = False

    def index(self) -> Index:
        fingerprint = self.fingerprint()
        with self._lock:
            if self._index is None or fingerprint != self._fingerprint:
                self._index = build_index(self.store)
                self._fingerprint = fingerprint
            return self._index

    def search(self, query: str, lang: str, *, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]:
        """(total, hits) for `query`: every word must match a label or a description, in any language."""
        ranked = self.index().search(query)
        label = Labeller(self.store, lang)
        hits = []
        for subject, score in ranked[offset:offset + limit]:
            node = ox.NamedNode(subject)
            types = [(q.object.value, label(q.object)) for q in self.store.quads(node, RDF.type, None, None)
                     if isinstance(q.object, ox.NamedNode)]
            hits.append(Hit(subject, label(node), round(score, 3), types, label.description(node)))
        return len(ranked), hits


def build_index(store: Store) -> Index:
    index = Index()
    for predicates, weight, is_label in ((LABEL_PREDICATES, LABEL_WEIGHT, True),
                                         (DESCRIPTION_PREDICATES, DESCRIPTION_WEIGHT, False)):
        for predicate in predicates:
            for quad in store.quads(None, predicate, None, None):
                if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
                    index.add(quad.subject.value, quad.object.value, weight, is_label)
                    if is_label:
                        index.display[str(quad.subject)].append(quad.object)
    index.freeze()
    return index

"""Full-text search over labels and descriptions, ignoring accents and case, ranked: an in-memory index that follows
the store write by write.

The index is built from the store once; after that, the store's change log (thc_graph.changes) names the IRIs each
write touched, and only those subjects are read again: a contribution costs the index what it touched, not the size
of the store. The index is built again from the whole store when the log cannot say what changed (a SPARQL update
that does not name its graphs, a restore, a write of too many quads, any write to a remote store), when the store's
fingerprint changed without a write of ours (another client of a remote store), or when a write touched so much
that reading everything again is cheaper. Only the public union is indexed: what withdrawn contributions say is
neither searchable nor a label.

Updates change the index in place under the Searcher's lock, which searches take to rank: no search sees an index
half updated. In the labels table pages read without that lock (labels_if_ready), an update replaces each entry
whole."""

from __future__ import annotations

import bisect
import contextlib
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Set
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
# What is indexed: (predicates, weight, whether they are labels).
FIELDS = ((LABEL_PREDICATES, LABEL_WEIGHT, True), (DESCRIPTION_PREDICATES, DESCRIPTION_WEIGHT, False))
# A write that touched more IRIs than this share of the indexed subjects (and more than REBUILD_MIN) rebuilds the
# index instead of updating it: reading one touched IRI again (8 index lookups) costs 1.8 to 2.7 times what the full
# build (one scan per predicate) pays per indexed subject (bench/search_bench.py at 100k and 1M triples: 68 to 117 µs
# against 29 to 47 µs), so updating 37 to 56 % of the subjects costs a rebuild. REBUILD_MIN keeps small stores on
# the update path.
REBUILD_FRACTION, REBUILD_MIN = 0.4, 1_000
# labels_if_ready() updates the index within the page's request up to this many touched IRIs (about 0.1 s at most),
# waiting at most LABELS_WAIT_S for another thread's update; beyond, the page reads its labels from the store and
# the index catches up in the background.
SYNC_UPDATE_MAX, LABELS_WAIT_S = 1_000, 1.0
# Up to this many words appearing or vanishing, the sorted vocabulary is patched in place; beyond, sorted again.
VOCABULARY_PATCH_MAX = 1_000


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


@dataclass
class Entry:
    """What one subject brings to the index: word → weight, its folded labels, its labels as written."""

    weights: dict[str, float]
    folded: set[str]
    display: list[ox.Literal]


def _key(subject: str) -> str:
    """The key of the display table: the N-Triples form of the IRI (what Labeller looks up)."""
    return f"<{subject}>"


class Index:
    """Inverted index: folded word → {subject IRI: weight}; plus the folded labels for exact/prefix boosts.

    Built by add() then freeze(); then kept current by apply()."""

    def __init__(self) -> None:
        self.postings: dict[str, dict[str, float]] = {}
        self.labels: dict[str, set[str]] = {}  # subject → folded labels (every language)
        self.display: dict[str, list[ox.Literal]] = {}  # N-Triples form of a subject → its labels, as written
        self.vocabulary: list[str] = []  # the words of postings, sorted (prefix completion)
        self.words_of: dict[str, tuple[str, ...]] = {}  # subject → the words it is posted under (to take it out)

    def add(self, subject: str, text: str, weight: float, is_label: bool) -> None:
        found = words(text)
        if is_label:
            self.labels.setdefault(subject, set()).add(" ".join(found))
        for word in set(found):
            posting = self.postings.get(word)
            if posting is None:
                self.postings[word] = {subject: weight}
            elif posting.get(subject, 0.0) < weight:
                posting[subject] = weight

    def freeze(self) -> None:
        self.vocabulary = sorted(self.postings)
        words_of: dict[str, list[str]] = {}
        for word, posting in self.postings.items():
            for subject in posting:
                words_of.setdefault(subject, []).append(word)
        self.words_of = {subject: tuple(found) for subject, found in words_of.items()}

    def apply(self, entries: Mapping[str, Entry]) -> None:
        """Make each subject of `entries` say exactly what its entry says (an empty entry: nothing), in place, at the
        cost of what changes: the subject's words (words_of) are taken out of their postings, its new ones put in.

        The caller holds the lock that readers of postings, labels and vocabulary take (Searcher.reading()). The
        display table is read by pages without that lock: each of its entries is replaced whole, never changed,
        and a subject left without labels keeps an empty entry (a page that saw the key still finds it)."""
        postings, labels, words_of, display = self.postings, self.labels, self.words_of, self.display
        emptied: set[str] = set()
        for subject in entries:
            for word in words_of.pop(subject, ()):
                posting = postings[word]
                del posting[subject]
                if not posting:
                    emptied.add(word)  # left empty until the end: the subject may post it again
            labels.pop(subject, None)
        appeared: set[str] = set()
        for subject, entry in entries.items():
            for word, weight in entry.weights.items():
                existing = postings.get(word)
                if existing is None:
                    postings[word] = {subject: weight}
                    appeared.add(word)
                else:
                    existing[subject] = weight
            if entry.weights:
                words_of[subject] = tuple(entry.weights)
            if entry.folded:
                labels[subject] = set(entry.folded)
            key = _key(subject)
            if entry.display or key in display:
                display[key] = list(entry.display)
        vanished = [word for word in emptied if not postings[word]]
        for word in vanished:
            del postings[word]
        if len(vanished) + len(appeared) > VOCABULARY_PATCH_MAX:
            self.vocabulary = sorted(postings)
        else:
            vocabulary = self.vocabulary
            for word in vanished:
                del vocabulary[bisect.bisect_left(vocabulary, word)]
            for word in appeared:
                bisect.insort(vocabulary, word)

    def expand(self, prefix: str) -> list[str]:
        """Words of the index that start with `prefix` (the last word typed may be unfinished)."""
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


@dataclass
class _Plan:
    """What the index needs: nothing (`index` is current), an update for `touched` up to `generation`, or a
    rebuild (touched is None)."""

    index: Index | None = None
    generation: int = 0
    touched: set[str] | None = None
    fingerprint: tuple[str, ...] = ()
    refreshes: int = 0  # Searcher.refresh() calls seen when the plan was made


class Searcher:
    """One index per store, following its change log; safe to share between threads.

    `_lock` guards the index and the generation and fingerprint it is current at: an update changes the index under
    it, a search ranks under it, so that no search sees an index half updated. One thread at a time brings the index
    up to date (`_catching_up`): it reads the store without `_lock`, then applies what it read under it (a rebuild
    swaps in the new index), so searches wait for the application of a change only, never for the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._catching_up = threading.Lock()
        self._index: Index | None = None
        self._generation: int | None = None  # None: rebuild at the next access
        self._fingerprint: tuple[str, ...] | None = None
        self._building = False  # a rebuild is under way or scheduled: pages do not wait for it
        self._refreshes = 0  # refresh() calls: an update or a build that began before one does not make it current
        self.builds = self.updates = 0  # how often each path ran

    def fingerprint(self) -> tuple[str, ...]:
        return fingerprint(self.store)

    def refresh(self) -> None:
        """Forget the index, so that the next search rebuilds it (call after a write that bypassed the Store, such
        as a bulk load straight into pyoxigraph)."""
        with self._lock:
            self._generation = None
            self._refreshes += 1

    # -- what is needed ------------------------------------------------------------------------------------------
    def _plan(self) -> _Plan:
        with self._lock:
            index, generation, known, refreshes = self._index, self._generation, self._fingerprint, self._refreshes
        if index is None or generation is None:
            return _Plan(refreshes=refreshes)
        # the change log first, then the fingerprint: a write between the two shows in the log next time
        current, touched = self.store.changes.since(generation)
        now = fingerprint(self.store)
        if current == generation and touched is not None and now != known:
            # The fingerprint moved, the log did not: a write of ours between its change of the store and its record
            # in the log (it holds the write lock; its record follows: the index stays as it is meanwhile), or
            # another client's write, which the log cannot see (rebuild).
            if not self.store.write_lock.acquire(blocking=False):
                return _Plan(index=index)
            try:
                current, touched = self.store.changes.since(generation)
                now = fingerprint(self.store)
            finally:
                self.store.write_lock.release()
        if touched is None:
            return _Plan(refreshes=refreshes)
        if current == generation:
            return _Plan(index=index) if now == known else _Plan(refreshes=refreshes)
        if len(touched) > max(REBUILD_MIN, REBUILD_FRACTION * len(index.words_of)):
            return _Plan(refreshes=refreshes)
        return _Plan(generation=current, touched=touched, fingerprint=now, refreshes=refreshes)

    # -- bringing the index up to date (with _catching_up held) --------------------------------------------------
    def _catch_up(self, *, may_rebuild: bool = True) -> Index | None:
        plan = self._plan()  # again: another thread may have caught up while this one waited
        if plan.index is not None:
            return plan.index
        if plan.touched is not None:
            return self._update(plan)
        return self._rebuild() if may_rebuild else None

    def _update(self, plan: _Plan) -> Index:
        assert plan.touched is not None
        # read first, without the lock (the store is read at or after plan.generation: a write since shows next time)
        entries = read_entries(self.store, plan.touched, self.store.withdrawn_graphs()) if plan.touched else {}
        with self._lock:
            index = self._index
            assert index is not None
            index.apply(entries)
            if self._refreshes == plan.refreshes:  # else refresh() was called meanwhile: rebuild next time
                self._generation, self._fingerprint = plan.generation, plan.fingerprint
            self.updates += 1
        return index

    def _rebuild(self) -> Index:
        with self._lock:
            self._building = True
            refreshes = self._refreshes
        try:
            generation = self.store.changes.token()  # before reading: a write from now on shows in the log
            known = fingerprint(self.store)
            new = build_index(self.store)
            with self._lock:
                self._index, self._fingerprint = new, known
                self._generation = generation if self._refreshes == refreshes else None
                self.builds += 1
            return new
        finally:
            with self._lock:
                self._building = False

    def _in_background(self) -> None:
        with self._lock:
            if self._building:
                return
            self._building = True
        threading.Thread(target=self._catch_up_in_background, name="search-index", daemon=True).start()

    def _catch_up_in_background(self) -> None:
        try:
            with self._catching_up:
                self._catch_up()
        finally:
            with self._lock:
                self._building = False

    # -- reading -------------------------------------------------------------------------------------------------
    def index(self) -> Index:
        """The index, current with the store: updated for the IRIs the writes since touched, or rebuilt (waiting
        for a rebuild under way). It changes with the next update: a reader that may run beside writes reads it
        through reading()."""
        plan = self._plan()
        if plan.index is not None:
            return plan.index
        with self._catching_up:
            index = self._catch_up()
        assert index is not None
        return index

    @contextlib.contextmanager
    def reading(self) -> Iterator[Index]:
        """The current index, which no update changes until the block ends. Keep the block short (updates wait for
        it) and call nothing of this Searcher inside it (its lock is held)."""
        self.index()
        with self._lock:
            assert self._index is not None
            yield self._index

    def labels_if_ready(self) -> dict[str, list[ox.Literal]] | None:
        """The labels of every subject (keyed by N-Triples form) when the index is current or a small update makes
        it so; otherwise None, and the index is brought up to date in the background, so that a page never waits
        for a rebuild (it then reads labels one by one). Later updates replace the table's entries whole, in place;
        a subject left without labels keeps an empty entry."""
        plan = self._plan()
        if plan.index is not None:
            return plan.index.display
        with self._lock:
            building = self._building
        if not building and plan.touched is not None and len(plan.touched) <= SYNC_UPDATE_MAX \
                and self._catching_up.acquire(timeout=LABELS_WAIT_S):
            try:
                index = self._catch_up(may_rebuild=False)
            finally:
                self._catching_up.release()
            if index is not None:
                return index.display
        self._in_background()
        return None

    def search(self, query: str, lang: str, *, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]:
        """(total, hits) for `query`: every word must match a label or a description, in any language."""
        with self.reading() as index:
            ranked = index.search(query)
        label = Labeller(self.store, lang)
        hits = []
        for subject, score in ranked[offset:offset + limit]:
            node = ox.NamedNode(subject)
            types = [(q.object.value, label(q.object)) for q in self.store.quads(node, RDF.type, None, None)
                     if isinstance(q.object, ox.NamedNode)]
            hits.append(Hit(subject, label(node), round(score, 3), types, label.description(node)))
        return len(ranked), hits


def build_index(store: Store) -> Index:
    """The index of every label and description of the public union (withdrawn contributions left out), read from
    the whole store."""
    withdrawn = store.withdrawn_graphs()
    index = Index()
    for predicates, weight, is_label in FIELDS:
        for predicate in predicates:
            for quad in store.quads(None, predicate, None, None):
                subject, obj = quad.subject, quad.object
                if isinstance(subject, ox.NamedNode) and isinstance(obj, ox.Literal) \
                        and not (withdrawn and quad.graph_name in withdrawn):
                    index.add(subject.value, obj.value, weight, is_label)
                    if is_label:
                        index.display.setdefault(str(subject), []).append(obj)
    index.freeze()
    return index


def read_entries(store: Store, subjects: Iterable[str], withdrawn: Set[ox.NamedNode]) -> dict[str, Entry]:
    """What each subject brings to the index, read from the store (8 index lookups each), public graphs only:
    the same words, weights and labels, in the same order, as build_index() finds for it."""
    entries: dict[str, Entry] = {}
    for subject in subjects:
        node = ox.NamedNode(subject)
        weights: dict[str, float] = {}
        folded: set[str] = set()
        display: list[ox.Literal] = []
        for predicates, weight, is_label in FIELDS:
            for predicate in predicates:
                for quad in store.quads(node, predicate, None, None):
                    obj = quad.object
                    if not isinstance(obj, ox.Literal) or (withdrawn and quad.graph_name in withdrawn):
                        continue
                    found = words(obj.value)
                    if is_label:
                        folded.add(" ".join(found))
                        display.append(obj)
                    for word in found:
                        if weights.get(word, 0.0) < weight:
                            weights[word] = weight
        entries[subject] = Entry(weights, folded, display)
    return entries

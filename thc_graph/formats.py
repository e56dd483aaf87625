"""Media types, file suffixes and serialisers as data, and one negotiate() to choose among them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QueryResultsFormat, RdfFormat

from .errors import BadData, NotAcceptable


@dataclass(frozen=True)
class Format:
    name: str  # short name used by ?format= and --format
    media_type: str  # the exact Content-Type we answer with
    suffixes: tuple[str, ...]
    aliases: tuple[str, ...] = ()  # other media types accepted in Accept / Content-Type
    rdf: RdfFormat | None = None
    results: QueryResultsFormat | None = None

    @property
    def content_type(self) -> str:
        text_like = self.media_type.startswith("text/") or self.media_type.endswith(("+json", "+xml", "/json"))
        return f"{self.media_type}; charset=utf-8" if text_like else self.media_type

    @property
    def is_dataset(self) -> bool:
        return self.rdf is not None and self.rdf.supports_datasets


RDF_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", (".ttl",), ("application/x-turtle",), rdf=RdfFormat.TURTLE),
    Format("ntriples", "application/n-triples", (".nt",), ("text/plain",), rdf=RdfFormat.N_TRIPLES),
    Format("nquads", "application/n-quads", (".nq",), ("text/x-nquads",), rdf=RdfFormat.N_QUADS),
    Format("trig", "application/trig", (".trig",), ("application/x-trig",), rdf=RdfFormat.TRIG),
    Format("jsonld", "application/ld+json", (".jsonld", ".json"), (), rdf=RdfFormat.JSON_LD),
    Format("rdfxml", "application/rdf+xml", (".rdf", ".owl", ".xml"), ("application/xml", "text/xml"),
           rdf=RdfFormat.RDF_XML),
    Format("n3", "text/n3", (".n3",), ("text/rdf+n3",), rdf=RdfFormat.N3),
)

RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", (".srj", ".json"), ("application/json",),
           results=QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", (".srx", ".xml"), ("application/xml", "text/xml"),
           results=QueryResultsFormat.XML),
    Format("csv", "text/csv", (".csv",), (), results=QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", (".tsv",), (), results=QueryResultsFormat.TSV),
)

RDF_BY_NAME = {f.name: f for f in RDF_FORMATS}
# What a CONSTRUCT or DESCRIBE answers in over SPARQL 1.1 Protocol (Turtle first: the default).
RDF_ANSWER_FORMATS: tuple[Format, ...] = tuple(f for f in RDF_FORMATS if f.name != "n3")
RESULTS_BY_NAME = {f.name: f for f in RESULT_FORMATS}
# The formats a user may name for `thc load` / `thc dump`, by the words people use for them.
_RDF_WORDS = {
    **{f.name: f for f in RDF_FORMATS},
    "ttl": RDF_BY_NAME["turtle"], "nt": RDF_BY_NAME["ntriples"], "n-triples": RDF_BY_NAME["ntriples"],
    "nq": RDF_BY_NAME["nquads"], "n-quads": RDF_BY_NAME["nquads"], "json-ld": RDF_BY_NAME["jsonld"],
    "rdf/xml": RDF_BY_NAME["rdfxml"], "xml": RDF_BY_NAME["rdfxml"],
}


def known_suffixes() -> str:
    return ", ".join(s for f in RDF_FORMATS for s in f.suffixes)


def rdf_format_for(path: Path | str, name: str | None = None) -> Format:
    """The RDF format named, or else the one of the file's suffix; a clear error otherwise."""
    if name:
        fmt = _RDF_WORDS.get(name.lower())
        if fmt is None:
            known = ", ".join(f.name for f in RDF_FORMATS)
            raise BadData(f"unknown RDF format {name!r}; known formats: {known}")
        return fmt
    suffixes = Path(path).suffixes
    suffix = suffixes[-2] if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1 else Path(path).suffix
    for fmt in RDF_FORMATS:
        if suffix.lower() in fmt.suffixes:
            return fmt
    raise BadData(f"{path}: unknown file type {suffix or '(no suffix)'!r}; known suffixes: {known_suffixes()}")


def rdf_format_for_media_type(media_type: str) -> Format | None:
    media_type = media_type.split(";")[0].strip().lower()
    for fmt in RDF_FORMATS:
        if media_type == fmt.media_type or media_type in fmt.aliases:
            return fmt
    return None


def negotiate(accept: str | None, offered: tuple[Format, ...], override: str | None = None) -> Format:
    """Choose among `offered` (first is the default) by ?format= `override`, then Accept with q-values.

    Specificity wins over order (text/turtle beats text/*), q=0 means "not this", and nothing acceptable
    is a NotAcceptable error that lists what is offered.
    """
    if override:
        for fmt in offered:
            if override.lower() in (fmt.name, fmt.media_type, *fmt.aliases, *(s.lstrip(".") for s in fmt.suffixes)):
                return fmt
        names = ", ".join(f.name for f in offered)
        raise NotAcceptable(f"format={override!r} is not offered here; choose one of: {names}")
    if not accept or not accept.strip():
        return offered[0]
    ranges = _parse_accept(accept)
    best: tuple[float, int, int, Format] | None = None
    for index, fmt in enumerate(offered):
        quality, specificity = _quality(fmt, ranges)
        if quality <= 0:
            continue
        key = (quality, specificity, -index, fmt)
        if best is None or key[:3] > best[:3]:
            best = key
    if best is None:
        types = ", ".join(f.media_type for f in offered)
        raise NotAcceptable(f"none of the media types in Accept: {accept!r} is offered; offered: {types}")
    return best[3]


def _parse_accept(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        media = fields[0].lower()
        quality = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        main, _, sub = media.partition("/")
        ranges.append((main, sub or "*", quality))
    return ranges


def _quality(fmt: Format, ranges: list[tuple[str, str, float]]) -> tuple[float, int]:
    """The q of the most specific range matching any of the format's media types, and that specificity."""
    best_spec, best_q = -1, 0.0
    for media_type in (fmt.media_type, *fmt.aliases):
        main, _, sub = media_type.partition("/")
        for r_main, r_sub, quality in ranges:
            if r_main == main and r_sub == sub:
                spec = 3 if media_type == fmt.media_type else 2
            elif r_main == main and r_sub == "*" and media_type == fmt.media_type:
                spec = 1  # text/* asks for text: it matches a format's own type, not an alias (text/xml)
            elif r_main == "*" and r_sub == "*":
                spec = 0
            else:
                continue
            if spec > best_spec:
                best_spec, best_q = spec, quality
    return best_q, best_spec

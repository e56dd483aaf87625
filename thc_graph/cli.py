"""The `thc` command line: init, load, validate, query, stats, graphs, dump, restore."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import click
import pyoxigraph as ox

from . import formats, ingest, paths, queries, validation
from .errors import BadData, InvalidData, ThcError
from .namespaces import META_GRAPH, ONTOLOGY_GRAPH
from .settings import SETTINGS, Settings
from .store import Store, open_store

# Exit statuses: 1 the data is invalid (or another refusal), 2 the input could not be read.
EXIT_INVALID, EXIT_UNREADABLE = 1, 2


class Context:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store

    @property
    def lang(self) -> str:
        return str(self.settings.lang)

    def close(self) -> None:
        """Let go of the store so that another process (or test) may open it."""
        if self._store is not None:
            self._store = None
            gc.collect()


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our errors into a message on stderr and an exit status; never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # The exit happens outside the except blocks, so that no traceback (and no store it holds)
        # outlives the error: the store's lock is released as soon as the command ends.
        try:
            return func(*args, **kwargs)
        except InvalidData as exc:
            ctx = click.get_current_context().find_object(Context)
            lang = ctx.lang if ctx else "fr"
            click.echo(f"error: {exc.message}\n{exc.report.text(lang)}", err=True)
            status = EXIT_INVALID
        except BadData as exc:
            click.echo(f"error: {exc.message}", err=True)
            status = EXIT_UNREADABLE
        except ThcError as exc:
            click.echo(f"error: {exc.message}", err=True)
            status = EXIT_INVALID
        sys.exit(status)

    return wrapper


def _settings_help() -> str:
    return "\n".join(f"  {s.env:24} {s.help} (default: {s.default})" for s in SETTINGS)


@click.group(epilog="\b\nSettings (environment variables):\n" + _settings_help(),
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store", metavar="PATH|URL", help="The store: a directory, or a SPARQL endpoint URL "
              "(setting store, env THC_STORE; default var/store).")
@click.option("--lang", type=click.Choice(["fr", "en"]), help="Language of messages (setting lang).")
@click.pass_context
@handle_errors
def cli(ctx: click.Context, store: str | None, lang: str | None) -> None:
    """thc: the Territoires Hautement Citoyens knowledge graph."""
    ctx.obj = Context(Settings({"store": store, "lang": lang}))
    ctx.call_on_close(ctx.obj.close)


_P = ParamSpec("_P")
_R = TypeVar("_R")
_pass_context = click.make_pass_decorator(Context)


def pass_context(func: Callable[Concatenate[Context, _P], _R]) -> Callable[_P, _R]:
    """click.make_pass_decorator(Context), with its type spelled out: the modules that import it from here are
    imported by this one (the commands registered at the end), and mypy cannot infer a type across that cycle."""
    return _pass_context(func)


@cli.command()
@pass_context
@handle_errors
def init(ctx: Context) -> None:
    """Create the store if needed and (re)load the ontology and concept schemes into graph/ontology."""
    parsed = [ingest.parse_file(p) for p in paths.ontology_files()]
    result = ingest.ingest(ctx.store, parsed, ONTOLOGY_GRAPH, title="thc ontology and concept schemes",
                           license="https://creativecommons.org/licenses/by/4.0/", kind="init", validate=False)
    click.echo(f"store ready; {result.triples} triples of ontology and schemes in <{result.graph}>")


def _parse_all(files: tuple[Path, ...], fmt: str | None) -> list[ingest.Parsed]:
    parsed: list[ingest.Parsed] = []
    with click.progressbar(files, label="reading", file=sys.stderr,
                           item_show_func=lambda p: p.name if p else None) as bar:
        for path in bar:
            parsed.append(ingest.parse_file(path, fmt))
    return parsed


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", "graph", metavar="IRI",
              help="The named graph to fill (default: graph/file/{name} for each file). Replaces its content.")
@click.option("--format", "fmt", metavar="FMT", help="The RDF format, when the suffix does not tell it.")
@click.option("--license", "license_", metavar="IRI", help="The licence of the data, recorded on its graph.")
@click.option("--title", metavar="TEXT", help="A title for the graph.")
@pass_context
@handle_errors
def load(ctx: Context, files: tuple[Path, ...], graph: str | None, fmt: str | None, license_: str | None,
         title: str | None) -> None:
    """Validate FILE... against the shapes and load them, all or nothing.

    With --graph, all the files together become the content of that graph; without it, each file
    becomes the content of its own graph. Loading the same source again replaces its graph.
    """
    parsed = _parse_all(files, fmt)
    groups = [(ingest.graph_iri(graph), parsed)] if graph else \
        [(ingest.default_graph_for(Path(p.name)), [p]) for p in parsed]
    if len(groups) > 1:
        # Validate every group before writing any, so that a bad file leaves nothing behind.
        for target, items in groups:
            triples = [t for item in items for t in item.triples]
            report = validation.validate(triples, context=ingest.context_for(ctx.store, triples, exclude=target))
            if not report.conforms:
                raise InvalidData(f"{', '.join(i.name for i in items)}: the data does not conform to the shapes",
                                  report)
    for target, items in groups:
        result = ingest.ingest(ctx.store, items, target, title=title, license=license_, agent="thc load",
                               validate=len(groups) == 1,
                               progress=lambda step: click.echo(f"{step}…", err=True))
        verb = "replaced" if result.replaced else "loaded"
        click.echo(f"{verb} <{result.graph}>: {result.triples} triples from {', '.join(result.sources)}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", metavar="FMT", help="The RDF format, when the suffix does not tell it.")
@click.option("--with-store/--alone", default=False,
              help="Also resolve links against what the store holds (default: the files alone).")
@pass_context
@handle_errors
def validate(ctx: Context, files: tuple[Path, ...], fmt: str | None, with_store: bool) -> None:
    """Check FILE... against the shapes without loading. Exit 0: conforms; 1: violations; 2: unreadable."""
    parsed = _parse_all(files, fmt)
    triples = [t for p in parsed for t in p.triples]
    context = ingest.context_for(ctx.store, triples) if with_store else []
    report = validation.validate(triples, context=context)
    if not report.conforms:
        raise InvalidData(f"{', '.join(p.name for p in parsed)}: the data does not conform to the shapes", report)
    click.echo(f"{', '.join(p.name for p in parsed)}: {report.text(ctx.lang)} ({len(triples)} triples)")


QUERY_OUTPUTS = ("table", "json", "csv", "tsv", "xml", "turtle", "ntriples", "jsonld", "rdfxml")


@cli.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A query parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(QUERY_OUTPUTS), default="table", show_default=True)
@pass_context
@handle_errors
def query(ctx: Context, name: str, params: tuple[str, ...], fmt: str) -> None:
    """Run NAME, a named query of queries/ (see `thc queries`), or a .rq file."""
    named = queries.get(name)
    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise BadData(f"--param {item!r}: expected NAME=VALUE")
        values[key.strip()] = value
    results = named.run(ctx.store, values)
    _print_results(results, fmt)


def _print_results(results: Any, fmt: str) -> None:
    out = sys.stdout.buffer
    if isinstance(results, ox.QueryBoolean):
        if fmt == "table":
            click.echo("true" if bool(results) else "false")
        else:
            # serialize without an output returns the bytes (the stubs say bytes | None for every call)
            out.write(cast(bytes, results.serialize(format=formats.RESULTS_BY_NAME[_results_name(fmt)].results)))
        return
    if isinstance(results, ox.QueryTriples):
        rdf_name = "turtle" if fmt in ("table", "json", "csv", "tsv", "xml") else fmt
        from .namespaces import PREFIXES

        out.write(cast(bytes, ox.serialize(list(results), format=formats.RDF_BY_NAME[rdf_name].rdf,  # no output: bytes
                                           prefixes=PREFIXES if rdf_name == "turtle" else None)))
        return
    if fmt == "table":
        _print_table(results)
        return
    out.write(results.serialize(format=formats.RESULTS_BY_NAME[_results_name(fmt)].results))


def _results_name(fmt: str) -> str:
    return fmt if fmt in formats.RESULTS_BY_NAME else "json"


def _print_table(results: Any) -> None:
    names = [v.value for v in results.variables]
    rows = [[_cell(row[n]) for n in names] for row in results]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    click.echo("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _cell(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return str(term.value)


@cli.command(name="queries")
@handle_errors
def list_queries() -> None:
    """List the named queries with their parameters."""
    for named in queries.load_all().values():
        params = " ".join(f"{p.name}:{p.type}{'?' if p.optional else ''}" for p in named.params)
        click.echo(f"{named.name:40} {named.title}" + (f"  [{params}]" if params else ""))


@cli.command()
@pass_context
@handle_errors
def stats(ctx: Context) -> None:
    """Counts: triples, graphs, and resources per class."""
    store = ctx.store
    graphs = store.named_graphs()
    click.echo(f"store: {ctx.settings.store}")
    click.echo(f"triples: {store.count()} in {len(graphs)} named graphs")
    rows = store.select(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class "
        "FILTER(STRSTARTS(STR(?class), 'https://w3id.org/thc/ontology#')) } GROUP BY ?class ORDER BY DESC(?n) ?class")
    for row in rows:
        click.echo(f"  {row['class'].value.rpartition('#')[2]:28} {row['n'].value}")


@cli.command()
@pass_context
@handle_errors
def graphs(ctx: Context) -> None:
    """The named graphs with their triple counts, titles and sources."""
    store = ctx.store
    titles = {r["g"].value: r["title"].value for r in store.select(
        "SELECT ?meta ?g ?title WHERE { GRAPH ?meta { ?g <http://purl.org/dc/terms/title> ?title } }",
        substitutions={"meta": META_GRAPH})}
    for graph in store.named_graphs():
        click.echo(f"{graph.value}\t{store.count(graph)}\t{titles.get(graph.value, '')}")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
@handle_errors
def dump(ctx: Context, file: Path) -> None:
    """Write the whole dataset to FILE: N-Quads (.nq) or TriG (.trig), by suffix."""
    fmt = formats.rdf_format_for(file)
    if not fmt.is_dataset:
        raise BadData(f"{file}: a dump keeps the named graphs, so it must be .nq or .trig")
    ctx.store.dump(str(file), fmt.rdf)  # type: ignore[arg-type]  # is_dataset: fmt.rdf is not None
    click.echo(f"dumped {ctx.store.count()} quads to {file}")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
@handle_errors
def restore(ctx: Context, file: Path) -> None:
    """Replace the whole dataset by a dump (.nq or .trig); the old dataset stays if the dump is unreadable."""
    fmt = formats.rdf_format_for(file)
    if not fmt.is_dataset:
        raise BadData(f"{file}: restore takes a dump in N-Quads (.nq) or TriG (.trig)")
    ctx.store.restore(file, fmt.rdf)  # type: ignore[arg-type]  # is_dataset: fmt.rdf is not None
    click.echo(f"restored {ctx.store.count()} quads from {file}")


def main() -> None:
    cli(prog_name="thc")



from .cli_contrib import register as _register_contrib  # noqa: E402  (thc token, thc contribute)

_register_contrib(cli)

from .cli_serve import serve as _serve  # noqa: E402  (thc serve)

cli.add_command(_serve)

from .cli_network import analyze as _analyze  # noqa: E402  (thc analyze)

cli.add_command(_analyze)

from .importers.cli import import_group as _import_group  # noqa: E402  (thc import territories|etalab|participedia)

cli.add_command(_import_group)

"""Real SPARQL clients against a live server: SPARQLWrapper (JSON, XML, CSV, CONSTRUCT as Turtle, POST, update)
and rdflib's SPARQLStore / SPARQLUpdateStore."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from thc_graph import tokens
from thc_graph.app import create_app
from thc_graph.store import Store

from .live import serve

EX = "http://example.org/"
QUERY = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?o"

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live server over a small store; yields (base URL, an admin token)."""
    path = tmp_path_factory.mktemp("clients")
    store = Store(path / "store")
    store.update(f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> "alpha" . <{EX}b> <{EX}p> "bêta"@fr }} }}')
    app = create_app({"store": str(path / "store"), "tokens_file": str(path / "tokens.json")}, store=store)
    secret = tokens.create(app.config["THC_SETTINGS"], "client-tests", admin=True)
    with serve(app) as base:
        yield base, secret


def wrapper(base: str, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    sparql = SPARQLWrapper(base + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_json(server: tuple[str, str], method: str) -> None:
    result = wrapper(server[0], QUERY, JSON, method).queryAndConvert()
    assert [b["o"]["value"] for b in result["results"]["bindings"]] == ["alpha", "bêta"]  # type: ignore[index]
    assert result["results"]["bindings"][1]["o"]["xml:lang"] == "fr"  # type: ignore[index]


def test_sparqlwrapper_xml(server: tuple[str, str]) -> None:
    document = wrapper(server[0], QUERY, XML).queryAndConvert()
    literals = [n.firstChild.data for n in document.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert literals == ["alpha", "bêta"]


def test_sparqlwrapper_csv(server: tuple[str, str]) -> None:
    text = wrapper(server[0], QUERY, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(text.decode("utf-8"))))  # type: ignore[union-attr]
    assert rows == [["s", "o"], [EX + "a", "alpha"], [EX + "b", "bêta"]]


def test_sparqlwrapper_construct_as_turtle(server: tuple[str, str]) -> None:
    sparql = wrapper(server[0], f"CONSTRUCT {{ ?s <{EX}p> ?o }} WHERE {{ ?s <{EX}p> ?o }}", TURTLE)
    response = sparql.query()
    assert response.response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.convert(), format="turtle")
    assert (URIRef(EX + "b"), URIRef(EX + "p"), Literal("bêta", lang="fr")) in graph
    assert len(graph) == 2


def test_sparqlwrapper_ask(server: tuple[str, str]) -> None:
    assert wrapper(server[0], f'ASK {{ ?s <{EX}p> "alpha" }}', JSON).queryAndConvert()["boolean"] is True  # type: ignore[index]


def test_sparqlwrapper_update_with_a_token(server: tuple[str, str]) -> None:
    base, secret = server
    sparql = SPARQLWrapper(base + "/sparql", updateEndpoint=base + "/update")
    sparql.setMethod(POST)
    sparql.addCustomHttpHeader("Authorization", f"Bearer {secret}")
    sparql.setQuery(f'INSERT DATA {{ GRAPH <{EX}h> {{ <{EX}c> <{EX}q> "gamma" }} }}')
    sparql.query()
    check = wrapper(base, f"ASK {{ GRAPH <{EX}h> {{ <{EX}c> <{EX}q> \"gamma\" }} }}", JSON).queryAndConvert()
    assert check["boolean"] is True  # type: ignore[index]


def test_rdflib_sparqlstore(server: tuple[str, str]) -> None:
    graph = Graph(store=SPARQLStore(server[0] + "/sparql"))
    rows = list(graph.query(QUERY))
    assert [str(row.o) for row in rows] == ["alpha", "bêta"]  # type: ignore[union-attr]
    assert (URIRef(EX + "a"), URIRef(EX + "p"), Literal("alpha")) in graph
    graph.close()


def test_rdflib_sparqlupdatestore(server: tuple[str, str]) -> None:
    base, secret = server
    store = SPARQLUpdateStore(base + "/query", base + "/update", auth=None,
                              headers={"Authorization": f"Bearer {secret}"})
    graph = Graph(store=store, identifier=URIRef(EX + "rdflib"))
    graph.add((URIRef(EX + "d"), URIRef(EX + "p"), Literal("delta")))
    assert (URIRef(EX + "d"), URIRef(EX + "p"), Literal("delta")) in graph
    graph.close()


def test_the_docs_curl_examples(seed_checkpoint: Path, tmp_path: Path) -> None:
    """Every sh block of docs/sparql.md, run in order against a live server over the demo data; curl must
    succeed (--fail-with-body) and `thc` is the one installed beside this Python."""
    shutil.copytree(seed_checkpoint, tmp_path / "demo-store")
    store = Store(tmp_path / "demo-store")
    app = create_app({"store": str(tmp_path / "demo-store")}, store=store)
    text = (Path(__file__).parents[1] / "docs" / "sparql.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    script = "\n".join(b for b in blocks if "pytest" not in b)
    assert script.count("curl ") >= 10
    with serve(app) as base:
        script = (script.replace("http://127.0.0.1:5000", base)
                  .replace(".venv/bin/thc", str(Path(sys.executable).parent / "thc"))
                  .replace("var/demo-store", str(tmp_path / "demo-store"))
                  .replace("curl ", "curl --fail-with-body -sS "))
        result = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=120,
                                check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Démocratie Ouverte" in result.stdout
    assert "sd:endpoint <" + base + "/sparql>" in result.stdout

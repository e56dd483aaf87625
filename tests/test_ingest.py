"""Loading is all or nothing and says why (issue 2, point 7): every bad input leaves the store as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from thc_graph import ingest
from thc_graph import store as store_module
from thc_graph.errors import InvalidData, StoreError
from thc_graph.namespaces import GRAPH, META_GRAPH
from thc_graph.store import Store

from .conftest import DATA, dump_dataset

VALID = DATA / "ingest" / "valid.ttl"
SHAPE_FIXTURES = DATA.parent / "shapes" / "invalid"

GOOD_LINE = '<https://w3id.org/thc/id/method/x> <http://www.w3.org/2000/01/rdf-schema#label> "x"@fr .\n'

# name, file name, content, words the message must contain (besides the file name)
BAD_INPUTS = [
    ("syntax-error", "bad.ttl", b"<http://e/a> <http://e/b> <http://e/c> <http://e/d> .\n", ["line 1"]),
    ("undefined-prefix", "prefix.ttl", b"ex:a ex:b ex:c .\n", ["line 1", "ex:"]),
    ("bad-iri", "iri.ttl", b"<http://e/a b> <http://e/p> <http://e/o> .\n", ["line 1", "IRI"]),
    ("binary-garbage", "garbage.ttl", bytes(range(256)) * 4, ["line 1"]),
    ("truncated-jsonld", "cut.jsonld", b'{"@id": "http://e/a", "http://e/p": ', ["line 1", "column"]),
    ("turtle-in-jsonld-file", "wrong.jsonld", GOOD_LINE.encode(), ["line 1"]),
    ("jsonld-in-turtle-file", "wrong.ttl", json.dumps({"@id": "http://e/a", "http://e/p": "x"}).encode(), ["line 1"]),
    ("invalid-language-tag", "lang.ttl", b'<http://e/a> <http://e/p> "x"@12345 .\n', ["line 1", "language"]),
    ("broken-last-statement", "last.ttl", (GOOD_LINE * 3 + "<http://e/a> <http://e/p> ").encode(), ["line 4"]),
    ("rdfxml-mismatched-tag", "cut.rdf",
     b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
     b'<rdf:Description rdf:about="http://e/a"></rdf:RDF>', ["ill-formed", "rdf:Description"]),
]


@pytest.fixture(scope="module")
def loaded_checkpoint(tmp_path_factory) -> Path:
    """A store holding the ontology and one valid graph, made once with the CLI; tests start from copies."""
    from click.testing import CliRunner

    from thc_graph import cli as thc_cli

    path = tmp_path_factory.mktemp("loaded") / "store"
    runner = CliRunner()
    assert runner.invoke(thc_cli.cli, ["--store", str(path), "init"]).exit_code == 0
    result = runner.invoke(thc_cli.cli, ["--store", str(path), "load", str(VALID), "--graph", GRAPH["test"].value])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def loaded(loaded_checkpoint: Path, store_path: Path) -> set[str]:
    """A store holding the ontology and one valid graph; returns its dump."""
    shutil.copytree(loaded_checkpoint, store_path)
    return dump_dataset(store_path)


@pytest.mark.parametrize(("name", "filename", "content", "words"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_unreadable_input_is_refused_and_changes_nothing(thc, loaded, store_path, tmp_path, name, filename,
                                                          content, words):
    bad = tmp_path / filename
    bad.write_bytes(content)
    result = thc("load", VALID, bad, "--graph", GRAPH["test"].value)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert filename in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert dump_dataset(store_path) == loaded


def test_unknown_file_type_lists_the_known_ones(thc, loaded, store_path, tmp_path):
    bad = tmp_path / "data.xlsx"
    bad.write_bytes(b"PK\x03\x04")
    result = thc("load", bad)
    assert result.exit_code == 2
    assert "'.xlsx'" in result.stderr and ".ttl" in result.stderr and ".jsonld" in result.stderr
    assert dump_dataset(store_path) == loaded


def test_missing_file_is_a_clear_error(thc, loaded, store_path, tmp_path):
    result = thc("load", tmp_path / "nowhere.ttl")
    assert result.exit_code == 2
    assert "nowhere.ttl" in result.stderr and "cannot read" in result.stderr
    assert dump_dataset(store_path) == loaded


def _shape_fixtures() -> list[Path]:
    return sorted(SHAPE_FIXTURES.glob("*.ttl"))


@pytest.mark.parametrize("fixture", _shape_fixtures(), ids=lambda p: p.stem)
def test_each_kind_of_violation_is_reported_and_changes_nothing(thc, loaded, store_path, fixture):
    header = dict(line[2:].split(": ", 1) for line in fixture.read_text().splitlines() if line.startswith("# expect-"))
    result = thc("--lang", "en", "load", fixture, "--graph", GRAPH["test"].value)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "SHACL violation" in result.stderr
    assert header["expect-focus"].strip() in result.stderr
    assert dump_dataset(store_path) == loaded


def test_violation_messages_follow_the_language(thc, loaded, tmp_path):
    bad = tmp_path / "nolabel.ttl"
    bad.write_text("<https://w3id.org/thc/id/method/nolabel> a <https://w3id.org/thc/ontology#Method> .\n")
    fr = thc("--lang", "fr", "load", bad)
    en = thc("--lang", "en", "load", bad)
    assert fr.exit_code == en.exit_code == 1
    assert "violation(s) des formes SHACL" in fr.stderr
    assert "SHACL violation(s)" in en.stderr
    assert fr.stderr != en.stderr


def test_a_bad_file_among_good_ones_loads_none_of_them(thc, loaded, store_path, tmp_path):
    good = tmp_path / "other.ttl"
    good.write_bytes(VALID.read_bytes().replace(b"test-method", b"other-method"))
    bad = tmp_path / "nolabel.ttl"
    bad.write_text("<https://w3id.org/thc/id/method/nolabel> a <https://w3id.org/thc/ontology#Method> .\n")
    result = thc("load", good, bad)  # one graph per file: the bad one stops both
    assert result.exit_code == 1
    assert dump_dataset(store_path) == loaded


def test_reloading_a_source_replaces_its_graph(thc, loaded, store_path, tmp_path):
    again = thc("load", VALID, "--graph", GRAPH["test"].value)
    assert again.exit_code == 0
    assert "replaced" in again.stdout
    after = dump_dataset(store_path)
    data_lines = lambda lines: {q for q in lines if META_GRAPH.value not in q}  # noqa: E731
    assert data_lines(after) == data_lines(loaded)
    # The metadata describes the graph once (one load time, one count), not twice.
    store = Store(store_path)
    counts = list(store.quads(GRAPH["test"], ox.NamedNode("http://rdfs.org/ns/void#triples"), None, META_GRAPH))
    assert len(counts) == 1 and counts[0].object.value == "5"
    # A changed source replaces the old content entirely.
    changed = tmp_path / "changed.ttl"
    changed.write_text(VALID.read_text().replace("Méthode d'essai", "Méthode modifiée"))
    del store
    assert thc("load", changed, "--graph", GRAPH["test"].value).exit_code == 0
    labels = [line for line in dump_dataset(store_path) if "rdf-schema#label" in line and "test-method" in line]
    assert any("Méthode modifiée" in line for line in labels)
    assert not any("Méthode d'essai" in line for line in labels)


def test_graph_metadata_records_source_checksum_and_count(thc, loaded, store_path):
    import hashlib

    digest = hashlib.sha256(VALID.read_bytes()).hexdigest()
    assert any(digest in line and META_GRAPH.value in line for line in loaded)
    assert any("void#triples" in line and '"5"' in line for line in loaded)
    assert any("tests/data/ingest/valid.ttl" in line for line in loaded)


def test_bulk_path_rolls_back_when_a_write_fails(store_path, monkeypatch):
    store = Store(store_path, bulk_threshold=1)
    parsed = ingest.parse_file(VALID)
    ingest.ingest(store, [parsed], GRAPH["bulk"])
    store.oxigraph.flush()
    before = set(str(q) for q in store.quads())
    replacement = ingest.parse_bytes(VALID.read_bytes().replace(b"test-method", b"replaced-method"),
                                     "replacement.ttl", parsed.format)

    real_update = store_module._replace_update

    def metadata_write_fails(graph, triples, metadata):  # type: ignore[no-untyped-def]
        # The bulk write has gone through; the metadata update that follows it fails.
        return real_update(graph, triples, metadata) if triples is not None else "THIS IS NOT SPARQL"

    monkeypatch.setattr(store_module, "_replace_update", metadata_write_fails)
    with pytest.raises(SyntaxError):
        ingest.ingest(store, [replacement], GRAPH["bulk"])
    assert set(str(q) for q in store.quads()) == before


def test_invalid_data_raises_with_the_report(store):
    bad = ingest.parse_bytes(b"<https://w3id.org/thc/id/method/x> a <https://w3id.org/thc/ontology#Method> .",
                             "x.ttl", ingest.formats.RDF_BY_NAME["turtle"])
    with pytest.raises(InvalidData) as info:
        ingest.ingest(store, [bad], GRAPH["x"])
    assert info.value.report.violations
    assert info.value.to_dict()["violations"][0]["focus"] == "https://w3id.org/thc/id/method/x"
    assert store.count() == 0


def test_store_errors_are_ours(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError):
        Store(blocker / "store")

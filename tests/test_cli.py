"""The `thc` command line through click's runner: every command, its exit statuses and outputs."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest

from thc_graph import cli as thc_cli
from thc_graph import paths

from .conftest import DATA, dump_dataset

SEED = sorted(paths.SEED_DIR.glob("*.ttl"))
SEED_GRAPH = "https://w3id.org/thc/graph/seed"


@pytest.fixture
def seeded(thc, seed_checkpoint, store_path):
    """A store holding what `thc init` and `thc load --graph graph/seed data/seed/*.ttl` make (copied, for speed)."""
    shutil.copytree(seed_checkpoint, store_path)
    return thc


def test_init_and_load_of_the_seed(thc, store_path):
    assert thc("init").exit_code == 0
    result = thc("load", "--graph", SEED_GRAPH, *SEED)
    assert result.exit_code == 0, result.output
    assert f"loaded <{SEED_GRAPH}>" in result.stdout


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(thc_cli.cli.commands))],
                         ids=lambda c: c[0] if c else "thc")
def test_every_command_has_help(runner, command):
    result = runner.invoke(thc_cli.cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    doc = (thc_cli.cli.commands[command[0]].help if command else thc_cli.cli.help) or ""
    assert doc.split("\n")[0][:30] in " ".join(result.output.split())


def test_init_is_idempotent(thc, store_path):
    assert thc("init").exit_code == 0
    first = {q for q in dump_dataset(store_path) if "graph/meta" not in q}
    assert thc("init").exit_code == 0
    assert {q for q in dump_dataset(store_path) if "graph/meta" not in q} == first
    assert any("ontology#Actor" in q for q in first)


def test_load_seed_then_stats_and_graphs(seeded):
    stats = seeded("stats")
    assert stats.exit_code == 0
    assert "Person" in stats.stdout and "Commitment" in stats.stdout
    graphs = seeded("graphs")
    assert SEED_GRAPH in graphs.stdout
    assert "https://w3id.org/thc/graph/ontology" in graphs.stdout


def test_validate_exit_statuses(thc, tmp_path):
    assert thc("validate", DATA / "ingest" / "valid.ttl").exit_code == 0
    invalid = tmp_path / "invalid.ttl"
    invalid.write_text("<https://w3id.org/thc/id/method/x> a <https://w3id.org/thc/ontology#Method> .\n")
    result = thc("--lang", "en", "validate", invalid)
    assert result.exit_code == 1
    assert "https://w3id.org/thc/id/method/x" in result.stderr
    unreadable = tmp_path / "broken.ttl"
    unreadable.write_text("<a> <b> .\n")
    result = thc("validate", unreadable)
    assert result.exit_code == 2
    assert "broken.ttl, line 1" in result.stderr


def test_validate_does_not_touch_the_store(seeded, store_path):
    before = dump_dataset(store_path)
    assert seeded("validate", DATA / "ingest" / "valid.ttl").exit_code == 0
    assert dump_dataset(store_path) == before


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml", "table"])
def test_query_output_formats(seeded, fmt):
    result = seeded("query", "members_of_organisation", "--param",
                    "organization=https://w3id.org/thc/id/actor/democratie-ouverte", "--format", fmt)
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "json":
        data = json.loads(out)
        assert "member" in data["head"]["vars"]
        assert data["results"]["bindings"]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows and "member" in rows[0]
    elif fmt == "tsv":
        assert out.splitlines()[0].startswith("?organization\t?member")
    elif fmt == "xml":
        assert "http://www.w3.org/2005/sparql-results#" in out
    else:
        assert "armel-le-coz" in out and "row" in out


def test_query_a_file_and_a_construct(seeded, tmp_path):
    rq = tmp_path / "labels.rq"
    rq.write_text("CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { "
                  "?s a <https://w3id.org/thc/ontology#Person> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }")
    result = seeded("query", str(rq))
    assert result.exit_code == 0
    assert "Armel Le Coz" in result.stdout


def test_query_errors_are_clear(seeded, tmp_path):
    result = seeded("query", "nope")
    assert result.exit_code == 1 and "no query named 'nope'" in result.stderr
    result = seeded("query", "members_of_organisation", "--param", "organization=not an iri")
    assert result.exit_code == 1 and "not an IRI" in result.stderr
    result = seeded("query", "members_of_organisation", "--param", "organization")
    assert result.exit_code == 2 and "NAME=VALUE" in result.stderr
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?y }")
    result = seeded("query", str(bad))
    assert result.exit_code == 1 and "line 1" in result.stderr.lower()


def test_dump_and_restore_round_trip(seeded, store_path, tmp_path):
    for suffix in (".nq", ".trig"):
        dump = tmp_path / f"dump{suffix}"
        assert seeded("dump", dump).exit_code == 0
        before = dump_dataset(store_path)
        # Change the store, then restore: it is exactly the dumped dataset again.
        assert seeded("load", DATA / "ingest" / "valid.ttl").exit_code == 0
        assert dump_dataset(store_path) != before
        result = seeded("restore", dump)
        assert result.exit_code == 0, result.output
        assert len(dump_dataset(store_path)) == len(before)


def test_restore_of_a_broken_dump_changes_nothing(seeded, store_path, tmp_path):
    dump = tmp_path / "dump.nq"
    assert seeded("dump", dump).exit_code == 0
    broken = tmp_path / "broken.nq"
    lines = dump.read_text().splitlines()
    broken.write_text("\n".join(lines[: len(lines) // 2]) + "\n<http://e/a> <http://e/b> \"unterminated .\n")
    before = dump_dataset(store_path)
    result = seeded("restore", broken)
    assert result.exit_code == 2
    assert "broken.nq" in result.stderr and "line" in result.stderr
    assert dump_dataset(store_path) == before


def test_dump_needs_a_dataset_format(seeded, tmp_path):
    result = seeded("dump", tmp_path / "dump.ttl")
    assert result.exit_code == 2 and ".nq or .trig" in result.stderr


def test_the_core_never_imports_flask():
    # The core: everything but cli (which serves the app), app and views.
    code = ("import sys, thc_graph.store, thc_graph.queries, thc_graph.validation, thc_graph.ingest, "
            "thc_graph.formats, thc_graph.settings, thc_graph.sparql, thc_graph.network, thc_graph.tokens, "
            "thc_graph.contributions, thc_graph.importers; "
            "core = [m for m in sys.modules if m == 'flask' or m.startswith('flask.')]; print(core)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_bad_setting_in_environment_is_named(runner, tmp_path):
    result = runner.invoke(thc_cli.cli, ["--store", str(tmp_path / "s"), "stats"],
                           env={"THC_QUERY_TIMEOUT_S": "soon"})
    assert result.exit_code == 1
    assert "THC_QUERY_TIMEOUT_S" in result.stderr

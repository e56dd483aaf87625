"""The docs keep up with the code: every setting and every CLI command is documented."""

from __future__ import annotations

import re

import pytest

from thc_graph import cli as thc_cli
from thc_graph import paths
from thc_graph.settings import SETTINGS

DOCS = paths.ROOT / "docs"


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `{setting.name}` \| `{setting.env}` \|", text, re.MULTILINE), setting.name


def _commands(group, prefix=""):
    for name, command in sorted(group.commands.items()):
        yield prefix + name
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + name + " ")


@pytest.mark.parametrize("command", list(_commands(thc_cli.cli)), ids=str)
def test_every_command_is_documented(command):
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    assert re.search(rf"^#+ `thc {re.escape(command)}\b", text, re.MULTILINE), f"no docs heading for thc {command}"


def test_readme_starts_with_the_two_commands():
    text = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    assert text.index("make demo") < 200


def test_no_machine_paths_in_tracked_text():
    pattern = re.compile(r"/(?:work|home|root|Users)/[\w.-]+/")
    offenders = []
    for folder in ("docs", "thc_graph", "queries", "shapes", "ontology", "data", "web/templates"):
        base = paths.ROOT / folder
        for path in base.rglob("*") if base.exists() else []:
            text_file = path.is_file() and path.suffix in {".md", ".py", ".rq", ".ttl", ".html", ".csv"}
            if text_file and pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                offenders.append(path.relative_to(paths.ROOT).as_posix())
    assert not offenders

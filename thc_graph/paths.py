"""Where the project's own files are: ontology, shapes, queries, data, web."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
SCHEMES_DIR = ONTOLOGY_DIR / "schemes"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
DATA_DIR = ROOT / "data"
SEED_DIR = DATA_DIR / "seed"
WEB_DIR = ROOT / "web"


def ontology_files() -> list[Path]:
    """The ontology and every concept scheme, in a stable order."""
    return sorted(ONTOLOGY_DIR.glob("*.ttl")) + sorted(SCHEMES_DIR.glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted(SHAPES_DIR.glob("*.ttl"))


def display_path(path: Path) -> str:
    """A path as a user should see it in data and messages: relative to the project or the cwd."""
    resolved = path.resolve()
    for anchor in (ROOT, Path.cwd()):
        try:
            return resolved.relative_to(anchor).as_posix()
        except ValueError:
            continue
    return path.name

# The task menu: the README and CI call these targets, so instructions cannot drift.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
THC    := $(BIN)/thc
SEED   := $(wildcard data/seed/*.ttl)
DERIVED := $(wildcard data/derived/*.ttl)

.PHONY: install demo demo-data serve test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## demo: a fresh store with the ontology and the demo data, then served.
demo-data: install
	rm -rf var/demo-store
	$(THC) --store var/demo-store init
	$(THC) --store var/demo-store load --graph https://w3id.org/thc/graph/seed $(SEED)
	$(THC) --store var/demo-store stats

demo: demo-data
	$(THC) --store var/demo-store stats

## test: every test, with the same setup as the demo.
test: install
	$(BIN)/ruff check thc_graph tests
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check thc_graph tests

clean:
	rm -rf var $(VENV) .pytest_cache

# The task menu: the README and CI call these targets, so instructions cannot drift.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
THC    := $(BIN)/thc
SEED   := $(wildcard data/seed/*.ttl)
DERIVED := $(wildcard data/derived/*.ttl)

.PHONY: install demo demo-data derived-data serve test lint clean web

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) web

## web: the front-end libraries (npm, locked) copied into web/static/dist; nothing is loaded from a CDN.
## The maps' base layer is cut from Natural Earth (npm's world-atlas) by web/build-basemap.mjs.
WEB_DIST := web/static/dist
$(WEB_DIST)/.built: web/package.json web/package-lock.json web/build-basemap.mjs
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	rm -rf $(WEB_DIST) && mkdir -p $(WEB_DIST)/yasgui $(WEB_DIST)/leaflet $(WEB_DIST)/cytoscape
	cp web/node_modules/@zazuko/yasgui/build/yasgui.min.js web/node_modules/@zazuko/yasgui/build/yasgui.min.css $(WEB_DIST)/yasgui/
	cp -r web/node_modules/leaflet/dist/leaflet.js web/node_modules/leaflet/dist/leaflet.css web/node_modules/leaflet/dist/images $(WEB_DIST)/leaflet/
	cp web/node_modules/cytoscape/dist/cytoscape.min.js $(WEB_DIST)/cytoscape/
	cd web && node build-basemap.mjs static/dist/basemap/natural-earth-france.json
	cp web/node_modules/world-atlas/LICENSE $(WEB_DIST)/basemap/LICENSE-world-atlas.txt
	touch $@

web: $(WEB_DIST)/.built

## demo: a store with the ontology and the demo data (rebuilt only when they change), then served.
DEMO_STORE := var/demo-store
DEMO_INPUTS := $(SEED) $(DERIVED) $(wildcard ontology/*.ttl ontology/schemes/*.ttl shapes/*.ttl)
$(DEMO_STORE)/.loaded: $(DEMO_INPUTS) | install
	rm -rf $(DEMO_STORE)
	$(THC) --store $(DEMO_STORE) init
	$(THC) --store $(DEMO_STORE) load --graph https://w3id.org/thc/graph/seed \
		--title "Curated seed: the Territoires Hautement Citoyens network" \
		--license https://creativecommons.org/licenses/by/4.0/ $(SEED)
	$(if $(DERIVED),$(THC) --store $(DEMO_STORE) import derived $(DERIVED))
	$(THC) --store $(DEMO_STORE) stats
	touch $@

demo-data: install $(DEMO_STORE)/.loaded

demo: demo-data
	$(THC) --store $(DEMO_STORE) serve --host 127.0.0.1 --port 5000

## derived-data: regenerate data/derived/*.ttl (facts only, openly licensed sources) from ../shared/data.
SHARED_DATA ?= ../shared/data
derived-data: $(STAMP)
	rm -rf var/derived-store
	$(THC) --store var/derived-store init
	$(THC) --store var/derived-store load --graph https://w3id.org/thc/graph/seed $(SEED)
	$(THC) --store var/derived-store import territories $(SHARED_DATA)/fr-decoupage-administratif \
		--turtle data/derived/territories.ttl --report var/derived-territories.json
	$(THC) --store var/derived-store import etalab $(SHARED_DATA)/consultation-etalab \
		--turtle data/derived/etalab.ttl --report var/derived-etalab.json

## tests/js: Comunica for the federation tests (npm, locked).
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund
	touch $@

## test: every test, with the same setup as the demo.
test: install tests/js/node_modules/.installed
	$(BIN)/ruff check thc_graph tests
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check thc_graph tests
	$(BIN)/mypy

clean:
	rm -rf var $(VENV) .pytest_cache

# veille: `make demo` runs the main job end to end on a bundled replica site;
# `make test` runs the test suite. Both create the virtual environment if needed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast bench serve clean install

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,datasette]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m replica.demo

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -m 'not slow' tests/unit

bench: $(STAMP)
	$(PY) bench/crawl_speed.py

# the store to serve: DB=..., else $$VEILLE_DB, else data/veille.db, else the demo's
DB ?= $(or $(VEILLE_DB),$(if $(wildcard data/veille.db),data/veille.db,data/demo/veille.db))

serve: $(STAMP)
	$(PY) -m veille.web.serve --db "$(DB)"

clean:
	rm -rf data/demo data/replica .pytest_cache

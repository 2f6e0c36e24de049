# Prilavok: `make run` sets up and starts, `make test` sets up and runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
LOCALE_DIRS := core db services handlers keyboards middlewares webapp bot
ASSETS := static/vendor/.built

.PHONY: run test lint migrate i18n translations assets bench demo-data clean install

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,lint]'
	touch $@

translations: $(INSTALLED)
	$(VENV)/bin/pybabel compile --domain=messages --directory=locales --statistics

i18n: $(INSTALLED)
	$(VENV)/bin/pybabel extract --mapping=babel.cfg --keywords=__ --keywords=lazy_gettext \
		--no-location --omit-header --sort-output --output-file=locales/messages.pot $(LOCALE_DIRS)
	$(VENV)/bin/pybabel update --domain=messages --input-file=locales/messages.pot \
		--output-dir=locales --no-fuzzy-matching --ignore-obsolete --width=100
	$(MAKE) translations

assets: $(ASSETS)

$(ASSETS): static/package.json static/package-lock.json static/build.py
	cd static && npm ci --no-audit --no-fund --loglevel=error
	$(PYTHON) static/build.py
	touch $@

migrate: $(INSTALLED)
	$(PY) -m bot migrate

run: $(INSTALLED) translations assets
	$(PY) -m bot run

demo-data: $(INSTALLED) translations
	$(PY) -m bot migrate
	$(PY) -m bot demo-data

test: $(INSTALLED) translations assets
	$(PY) -m pytest -q -n auto --dist worksteal

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

bench: $(INSTALLED) translations
	$(PY) -m pytest tests/bench -q -s

clean:
	rm -rf $(VENV) static/node_modules static/vendor .pytest_cache .mypy_cache .ruff_cache

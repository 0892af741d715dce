# Townhall: `make run` serves the sample council; `make test` runs the whole suite
# against real servers (installing what it needs first).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# ariadne-codegen pins an older graphql-core than Strawberry's: it lives in a venv of its own.
CODEGEN = .venv-codegen

.PHONY: run test install install-dev packages codegen client lint typecheck schema fixtures bench bench-tools clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Serve the embedded sample council at http://127.0.0.1:8000/graphql
run: install
	$(BIN)/townhall demo

## Install the Debian packages of the real upstream servers (Samba AD DC, ...)
packages:
	bash tests/servers/install-packages.sh

$(CODEGEN)/.installed: client/requirements.txt
	$(PYTHON) -m venv $(CODEGEN)
	$(CODEGEN)/bin/pip install --quiet -r client/requirements.txt
	touch $@

codegen: $(CODEGEN)/.installed

## Install everything, start the real servers, run the whole suite, stop them
test: packages install-dev codegen
	$(BIN)/python -m pytest

## Regenerate the typed Python client (townhall_client/) from schema.graphql and client/queries/
client: codegen
	rm -rf townhall_client
	$(CODEGEN)/bin/ariadne-codegen --config client/codegen.toml

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

## Rewrite schema.graphql from the code
schema: install
	$(BIN)/townhall schema --output schema.graphql

## Regenerate the sample council (deterministic)
fixtures: install
	$(BIN)/python -m fixtures.generate

bench-tools:
	command -v wrk >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk)

bench: install-dev bench-tools
	$(BIN)/python -m bench all

clean:
	rm -rf var .pytest_cache

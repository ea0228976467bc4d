# The book's two commands: `make book` builds the site, `make test` runs every check.
# Both create the virtual environment and fetch the data on first use.

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NBVAL_DIR := _build/nbval
CHAPTERS := $(wildcard chapters/*.md)

.PHONY: book test data lint unit chapters-test clean help

help:
	@echo "make book   build the site into _build/html (creates .venv, fetches data)"
	@echo "make test   ruff, unit tests and every chapter through nbval (quick profile)"
	@echo "make data   fetch the data the chapters need (IMGCLS_MIRROR=DIR for offline)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

data: $(STAMP)
	$(PY) data_scripts/fetch.py --book

book: data
	$(VENV)/bin/jupyter-book build --warningiserror --keep-going . 
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

unit: $(STAMP)
	$(VENV)/bin/pytest -q -n 2 tests

chapters-test: data
	rm -rf $(NBVAL_DIR) && mkdir -p $(NBVAL_DIR)
	for md in $(CHAPTERS); do \
	  $(VENV)/bin/jupytext --quiet --to ipynb -o $(NBVAL_DIR)/$$(basename $$md .md).ipynb $$md || exit 1; \
	done
	$(VENV)/bin/pytest -q -n 2 --dist loadscope --nbval-lax $(NBVAL_DIR)

test: lint unit chapters-test

clean:
	rm -rf _build

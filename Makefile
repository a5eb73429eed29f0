# lossbook: `make book` builds the HTML book, `make pdf` its PDF edition, `make test` runs every test.
# Both create the virtual environment .venv from requirements.lock when it is missing or out of date.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
CHAPTERS := $(wildcard chapters/*.ipynb) $(wildcard chapters/*/*.ipynb)
JOBS ?= 2

.PHONY: setup book pdf test unit notebooks serve lab bench soak lock clean browser pdf-tools fresh-cache execute

# jupyter-cache keys a notebook on its code cells only, so a change to the library or to a pinned version
# would leave stale outputs in the book. The cache is dropped whenever either changes.
LIBRARY_HASH = $(shell cat requirements.lock $$(find lossbook -name '*.py' | sort) | sha1sum | cut -c1-16)
# Sphinx does not notice a change to _static/ or _ext/ alone; the HTML is rebuilt from scratch when they change.
THEME_HASH = $(shell cat $$(find _static _ext -type f -not -path '*/__pycache__/*' | sort) | sha1sum | cut -c1-16)

setup: $(STAMP)

# torch is an oracle for the tests of lossbook.numeric only (never a dependency of the library), and is kept out
# of requirements.lock on purpose: PyPI's torch is a multi-GB CUDA build, while every machine of this kind
# carries the CPU wheel in $(WHEELS), which installs in seconds. Its dependencies that the lock does not
# already pin (networkx, fsspec) are pinned here; the others are held to the lock by -c.
WHEELS := /opt/wheels
TORCH := torch==2.13.0+cpu networkx==3.6.1 fsspec==2026.9.0

# --compile-bytecode: every kernel, pytest worker and Sphinx run imports SymPy, SciPy and matplotlib; from
# bytecode written once here that takes a third of the time it takes from source (and where
# PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile them from source on every import).
$(STAMP): requirements.lock pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --find-links $(WHEELS) \
	  -c requirements.lock $(TORCH)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lossbook)" >/dev/null
	touch $(STAMP)

## make book: build the HTML book into _build/html (notebooks are executed, results cached in _build/.jupyter_cache)
book: setup execute
	$(BIN)/jupyter-book build --path-output . .
	@echo "The book is at $(CURDIR)/_build/html/index.html"

## make pdf: the book as a PDF, _build/pdf/lossbook.pdf (and a copy in _build/html, which the introduction links):
## Chromium prints the built HTML book page by page (no chapter is executed again), pypdf assembles the pages
PDF := _build/pdf/lossbook.pdf
pdf: book browser pdf-tools
	$(BIN)/python -m pdf_edition

## make test: the whole suite (library, doctests, strict nbval, book build with warnings as errors, browser)
## Each chapter is executed once: strict nbval executes it and, when every cell reproduces its stored output,
## hands it to the book build through the jupyter cache (tests/verified_notebooks.py); the build executes
## only a chapter that did not pass. The build (one core) runs beside the library's tests and doctests, then
## the PDF is printed from the built book (before the browser tests, since the introduction links it), and the
## browser tests read the built book while the PDF tests (one core) read the PDF back. Every stage runs, so one
## run reports every failure; the exit status is non-zero if any stage failed.
test: setup browser pdf-tools fresh-cache
	@$(BIN)/python -m compileall -q lossbook tests _ext pdf_edition  # bytecode once, for every kernel and worker
	@status=0; \
	echo "== the chapters: notebook hygiene and strict nbval"; \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests/test_notebook_hygiene.py chapters \
	  --store-verified-notebooks _build/.jupyter_cache || status=1; \
	echo "== display formulas typed in the chapters, by what they are"; \
	$(BIN)/python tests/test_chapter_mathematics.py; \
	echo "== the book build (log in _build/build.log), beside the library's tests and doctests"; \
	$(BIN)/jupyter-book build -W -n --keep-going --path-output . . > _build/build.log 2>&1 & build=$$!; \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests lossbook _ext --ignore=tests/browser \
	  --ignore=tests/pdf --ignore=tests/test_notebook_hygiene.py || status=1; \
	rm -f $(PDF) _build/html/lossbook.pdf; \
	if wait $$build; then \
	  tail -n 3 _build/build.log; \
	  echo "== the book as a PDF ($(PDF)), printed from the built book"; \
	  $(BIN)/python -m pdf_edition || status=1; \
	  echo "== the built book, read in a browser (the PDF is read back beside it: its report follows)"; \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/pdf pdf_edition > _build/pdf-tests.log 2>&1 & pdf_tests=$$!; \
	  $(BIN)/python -m pytest -n $(JOBS) --dist loadgroup tests/browser || status=1; \
	  echo "== the PDF, read back (log in _build/pdf-tests.log)"; \
	  wait $$pdf_tests || status=1; cat _build/pdf-tests.log; \
	  echo "== forms a textbook does not print, counted over the built book (each must be 0)"; \
	  $(BIN)/python tests/formula_forms.py _build/html; \
	else status=1; cat _build/build.log; echo "The book did not build; the browser tests were not run."; fi; \
	exit $$status

## the browser the reader-facing tests drive (Debian's Chromium; Playwright cannot download its own here)
browser:
	@bash .ci/ensure-chromium

## what the PDF edition is printed in (Debian's Liberation and DejaVu fonts) and read back with (poppler-utils)
pdf-tools:
	@bash .ci/ensure-pdf-tools

## make notebooks: re-execute every chapter top to bottom in a fresh kernel and store the outputs
notebooks: setup
	@for nb in $(CHAPTERS); do echo "executing $$nb"; \
	  (cd $$(dirname $$nb) && $(CURDIR)/$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.record_timing=False \
	    --ExecutePreprocessor.timeout=600 $$(basename $$nb)) || exit 1; done

## make serve: browse the built book on http://127.0.0.1:8000
serve: book
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html 8000

## make lab: open the chapters in JupyterLab (installed from requirements-lab.lock on first use)
lab: setup
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-lab.lock
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser chapters

## make bench: speed goals of the library, the book build, the PDF, Lighthouse scores and CI time, as tables
bench: setup
	@status=0; for script in bench/library.py bench/numeric.py bench/checker.py bench/fit.py bench/loss_function.py bench/families.py bench/book.py bench/pdf.py bench/lighthouse.py bench/ci.py; do \
	  if [ -f $$script ]; then $(BIN)/python $$script || status=1; echo; fi; done; exit $$status

## make soak: strict nbval and every unit test three times, each in a new shuffled order
soak: setup
	$(BIN)/python bench/soak.py

## make lock: re-resolve requirements.lock from pyproject.toml (then run make test)
lock:
	test -x $(BIN)/uv || ($(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet uv==$(UV_VERSION))
	$(BIN)/uv pip compile pyproject.toml --extra book --python-version 3.11 --no-header --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra lab --python-version 3.11 --no-header --quiet -c requirements.lock \
	  -o requirements-lab.lock

## execute: run the notebooks that changed since the last build into the jupyter cache, two at a time
## (jupyter-book alone runs them one after another; the build then finds every result in the cache)
execute: setup fresh-cache
	@yes | $(BIN)/jcache notebook -p _build/.jupyter_cache add $(CHAPTERS) >/dev/null
	$(BIN)/jcache project -p _build/.jupyter_cache execute --executor local-parallel --timeout 600 --verbosity WARNING

fresh-cache:
	@mkdir -p _build
	@if [ "$$(cat _build/.library-hash 2>/dev/null)" != "$(LIBRARY_HASH)" ]; then \
	  rm -rf _build/.jupyter_cache && echo "$(LIBRARY_HASH)" > _build/.library-hash; fi
	@if [ "$$(cat _build/.theme-hash 2>/dev/null)" != "$(THEME_HASH)" ]; then \
	  rm -rf _build/html _build/.doctrees && echo "$(THEME_HASH)" > _build/.theme-hash; fi

clean:
	rm -rf _build

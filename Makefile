# convviz: two commands on a fresh machine.
#   make book   build the site into _build/html (creates .venv and installs what it needs)
#   make test   run every test: lint, unit and chapter tests, chapter notebooks, strict book build,
#               browser tests (CI=true makes the browser tests mandatory and installs chromium)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
export PYTHONHASHSEED := 0
# One BLAS/OpenMP thread per kernel keeps notebook execution predictable on 2 cores.
export OMP_NUM_THREADS ?= 1

.PHONY: book test lint unit labs site browser serve lab bench env clean

env: $(VENV_STAMP) node_modules/.installed

$(VENV_STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

book: env
	$(PY) tools/build_book.py
	@echo "The book is in _build/html: open _build/html/index.html, or run 'make serve'."

test: env lint unit labs site browser
	@echo "make test: all checks passed"

lint: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

unit: env
	.venv/bin/pytest tests/unit tests/chapters tests/package -q --doctest-modules src/convviz/conv.py src/convviz/transposed.py src/convviz/im2col.py src/convviz/padding.py src/convviz/shuffle.py

labs: env
	$(PY) tools/make_notebooks.py --check
	.venv/bin/pytest tests/labs -q

site: env
	$(PY) tools/build_book.py --strict

browser: env
	$(PY) tools/ensure_chromium.py
	.venv/bin/pytest tests/browser -q

serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(PY) -m http.server --bind 127.0.0.1 --directory _build/html 8000

lab: env
	.venv/bin/jupyter lab notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: env
	$(PY) benchmarks/run_all.py

clean:
	rm -rf _build .pytest_cache .hypothesis

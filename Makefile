# Two commands matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := wsgi.py
# The port `make run` serves on: `make run PORT=5050`.
PORT ?= 5000

# Debian packages the test suite needs: Chromium for browser tests, PostgreSQL 15
# server binaries for the PostgreSQL run, Pango and a font for WeasyPrint's PDFs, and
# openssl, which the mail tests use to make a throwaway TLS certificate.
DEB_PACKAGES := chromium postgresql-15 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core openssl

.PHONY: install run test lint test-sqlite test-postgres system-deps bench bench-redaction clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	FLASK_DEBUG=1 $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	[ -x /usr/lib/postgresql/15/bin/postgres ] || missing="$$missing postgresql-15"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PACKAGES); \
	  else \
	    echo "The tests need Debian packages that are missing. Run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y $(DEB_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

lint: install
	$(BIN)/ruff check helpdesk tests bench wsgi.py
	$(BIN)/ruff format --check helpdesk tests bench wsgi.py
	$(BIN)/mypy

# The suite runs on every core (pytest-xdist: each worker has its own database, ports and
# temporary folders), then the tests marked `serial` run alone; exit code 5 means the
# run selected no test, which is fine for the serial pass.
PYTEST := $(BIN)/pytest -p no:cacheprovider
PARALLEL := -n auto --dist worksteal -m "not serial"
SERIAL := -m serial

test-sqlite: install
	$(PYTEST) $(PARALLEL)
	$(PYTEST) $(SERIAL) || [ $$? -eq 5 ]

# tests/pgcluster.py starts a throwaway PostgreSQL 15 cluster on a private Unix socket,
# runs the suite against it (TEST_DATABASE_URL, one database per worker), then deletes it.
test-postgres: install system-deps
	$(BIN)/python -m tests.pgcluster bash -c \
	  '$(PYTEST) $(PARALLEL) && { $(PYTEST) $(SERIAL) || [ $$? -eq 5 ]; }'

test: install system-deps lint test-sqlite test-postgres

bench: install
	$(BIN)/python bench/redaction.py --quiet
	$(BIN)/python bench/run.py --tickets 100000

bench-redaction: install
	$(BIN)/python bench/redaction.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

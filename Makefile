# Two commands to a running city:  make run   and   make test
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= $(shell command -v python3.11 || command -v python3)
FISCUS_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/fiscus
BIND ?= 127.0.0.1:8000

.PHONY: install run test lint test-sqlite test-postgres bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	FISCUS_DEV=1 $(BIN)/fiscus migrate --noinput
	FISCUS_DEV=1 $(BIN)/fiscus demo --if-empty
	FISCUS_DEV=1 FISCUS_BIND=$(BIND) $(BIN)/fiscus serve

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	FISCUS_DEV=1 $(BIN)/mypy src
	FISCUS_DEV=1 $(BIN)/fiscus makemigrations --check --dry-run

test-sqlite: install
	env -u FISCUS_DATABASE_URL $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# PostgreSQL when it is reachable; under CI=true an unreachable PostgreSQL fails the run.
test-postgres: install
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(FISCUS_TEST_DATABASE_URL)', dbname='postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  FISCUS_DATABASE_URL=$(FISCUS_TEST_DATABASE_URL) $(BIN)/pytest -n 2 -m "not browser" $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable at $(FISCUS_TEST_DATABASE_URL), and CI requires it."; exit 1; \
	else \
	  echo "PostgreSQL is not reachable at $(FISCUS_TEST_DATABASE_URL): skipping the PostgreSQL pass."; \
	fi

test: lint test-sqlite test-postgres

BENCH_DB ?= $${FISCUS_BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/fiscus_bench}
bench: install
	FISCUS_DATABASE_URL=$(BENCH_DB) FISCUS_DEV=1 $(BIN)/python -m benchmarks.run $(BENCH_ARGS)
	FISCUS_DATABASE_URL=$(BENCH_DB) FISCUS_DEV=1 $(BIN)/python -m benchmarks.billing
	FISCUS_DATABASE_URL=$(BENCH_DB) FISCUS_DEV=1 $(BIN)/python -m benchmarks.remittances
	FISCUS_DATABASE_URL=$(BENCH_DB) FISCUS_DEV=1 $(BIN)/python -m benchmarks.cash

clean:
	rm -rf $(VENV) var

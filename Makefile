# Two commands do everything on a fresh Debian machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV_VERSION ?= 0.13.9
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
# Trust the platform's certificate store too (a registry behind an organisation's TLS proxy).
export UV_SYSTEM_CERTS ?= true
RUN := $(UV) run --frozen
# Test workers (pytest-xdist): most tests wait on Kafka and PostgreSQL, so more workers
# than the 2 cores of the CI machine still help; `make test TEST_WORKERS=0` runs in-process.
TEST_WORKERS ?= 4
PYTEST := $(RUN) pytest -n $(TEST_WORKERS) --dist loadgroup
# The suite's brokers (its own and those some tests start, stop and kill) start and idle on
# half the CPU with the client compiler alone and the serial collector: a test's broker
# lives minutes, not long enough for the optimising compiler to pay for itself. The
# benchmark's broker keeps scripts/kafka.sh's defaults.
TEST_KAFKA_JVM_OPTS ?= -XX:+UseSerialGC -XX:TieredStopAtLevel=1
# The suite's Python processes (its workers, and the `tiepdan` processes tests start, kill
# and restart) read compiled bytecode, as the image's do, whatever PYTHONDONTWRITEBYTECODE
# says: the first to import a module writes it here, outside the source tree; the others
# read it. Without it each process compiled every module from source, fastapi, SQLAlchemy
# and pydantic included: half the CPU of a start.
TEST_PYCACHE := $(CURDIR)/.tiepdan/pycache

.PHONY: help install run test lint typecheck unit integration bench infra-up infra-down clean

help:
	@echo "make run    - install, migrate and serve the portal :8000, intake :8001, routing :8002, notification :8003 (embedded)"
	@echo "make test   - ruff, mypy and the whole suite, with real PostgreSQL and Kafka, and the portal in Chromium"
	@echo "make bench  - the intake benchmark against a pgbench baseline (production mode)"

$(UV):
	@echo "installing uv $(UV_VERSION) from PyPI" >&2
	$(PYTHON) -m pip install --user --quiet --break-system-packages "uv==$(UV_VERSION)" 2>/dev/null \
	  || $(PYTHON) -m pip install --user --quiet "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --quiet

run: install
	$(RUN) tiepdan dev

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

typecheck: install
	$(RUN) mypy services shared bench

test: lint typecheck
	@scripts/tools.sh ensure
	@set -euo pipefail; \
	export TIEPDAN_KAFKA_JVM_OPTS="$${TIEPDAN_KAFKA_JVM_OPTS:-$(TEST_KAFKA_JVM_OPTS)}"; \
	export PYTHONPYCACHEPREFIX="$${PYTHONPYCACHEPREFIX:-$(TEST_PYCACHE)}"; \
	unset PYTHONDONTWRITEBYTECODE; \
	browser=$$(scripts/browser.sh env); \
	eval "$$browser"; \
	if [ "$${TIEPDAN_SKIP_INTEGRATION:-}" = "1" ]; then \
	  echo "TIEPDAN_SKIP_INTEGRATION=1: integration tests against PostgreSQL and Kafka are NOT run" >&2; \
	  $(PYTEST) -m "not integration"; \
	else \
	  exports=$$(scripts/test-infra.sh up); \
	  eval "$$exports"; \
	  $(PYTEST); \
	fi

bench: install
	@set -euo pipefail; eval "$$(scripts/test-infra.sh up)"; $(RUN) python -m bench.intake

infra-up:
	@scripts/test-infra.sh up

infra-down:
	@scripts/test-infra.sh down

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

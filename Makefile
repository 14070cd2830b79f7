# Hankinta: `make run` starts the whole system with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/hankinta
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
# `make test` runs the suite in pytest-xdist worker processes, one per core up to 4 (each takes a Redis database of
# its own; TEST_WORKERS=0: in this one process).
# Each has a database, a Redis database (REDIS_TEST_URL's, then the ones below it) and a media directory of its own.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: run test bench venv deps browser-deps services lint schema messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

deps:
	./scripts/system-deps.sh

browser-deps:
	./scripts/browser-deps.sh

services:
	./scripts/services.sh

# `PORT=8001 make run` serves on another port than 8000.
run: deps venv
	PORT=$${PORT:-8000} ./scripts/run.sh

test: deps browser-deps venv services
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} REDIS_URL=$${REDIS_URL:-$(REDIS_TEST_URL)} \
	  $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: deps venv services
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hankinta_bench} \
	  $(PY) tests/benchmarks/run_all.py $(BENCH)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/mypy_ratchet.py

schema: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --file var/openapi.yaml --validate

messages: venv
	$(PY) manage.py makemessages -l fi -l sv --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/ .pytest_cache

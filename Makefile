# The README's commands. Everything installs into .venv from requirements-dev.lock, which pins the
# dev and test tools on top of the runtime requirements.lock (the production image has only the latter).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app portal
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint pytest format install worker beat services-check clean bench bench-data bench-reports

$(STAMP): requirements.lock requirements-dev.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade "pip>=24"
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP)

## make run: embedded default (SQLite under instance/, tasks in-process, demo data), on http://127.0.0.1:5000
run: $(STAMP)
	@mkdir -p instance
	@$(FLASK) db upgrade
	@$(FLASK) demo load-if-empty
	@echo ""
	@echo "Demo-aanmeldingen (wachtwoord voor iedereen: Demo-wachtwoord-2026):"
	@$(FLASK) demo users
	@echo ""
	@echo "Samenwerkingsportaal draait op http://$(HOST):$(PORT)  (Ctrl+C om te stoppen)"
	@$(FLASK) run --host $(HOST) --port $(PORT) --no-debugger --no-reload

## make test: lint (ruff, ruff format, mypy) and the whole pytest suite, in parallel
test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# In parallel by default (pytest-xdist, one database per worker; the browser tests and the tests
# that start Celery processes each stay on one worker). `make pytest PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n auto --dist loadgroup
pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## production-shape processes without Docker (need PORTAL_DATABASE_URL and PORTAL_REDIS_URL)
worker: $(STAMP)
	$(BIN)/celery -A tasks.worker worker --loglevel=INFO --concurrency=2

beat: $(STAMP)
	$(BIN)/celery -A tasks.worker beat --loglevel=INFO -S redbeat.RedBeatScheduler

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

## make bench-data: the Flanders-scale data set (SCALE=1: 285 municipalities, ~30,000 users) in PostgreSQL
bench-data: $(STAMP)
	BENCH_SCALE=$(or $(SCALE),1) $(BIN)/python -m bench.run --data-only

## make bench-reports: one council report at 10x demo data (SQLite), then all 285 on 2 Celery workers (PostgreSQL + Redis)
bench-reports: $(STAMP)
	$(BIN)/python -m bench.reports --scale 10
	$(BIN)/python -m bench.reports --all --workers 2

## make bench: gunicorn + PostgreSQL + Redis under wrk at scale 1 and 10: CPU ms per request (workers + their PG backends, /proc), SQL, c=1 and c=16 latency (needs wrk)
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "wrk ontbreekt: sudo apt install wrk"; exit 1; }
	$(BIN)/python -m bench.run

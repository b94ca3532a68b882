# Two commands do all the set-up (README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint format worker bench

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_catalogs

# The web app on http://127.0.0.1:8000 with the demo scenarios computed (sign in: demo / demo-planner).
run: setup
	$(BIN)/python manage.py demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite: system packages (.ci/system-packages installs or names what is missing), lint,
# format check, type check (mypy on the core), then pytest (real services when DATABASE_URL and
# CELERY_BROKER_URL are set; the tests that need them, and those that read ../shared/reference,
# are skipped with a reason otherwise).
test: $(BIN)/.installed
	.ci/system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

worker: setup
	$(BIN)/celery -A planner worker --loglevel=INFO --concurrency=2

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(BIN)/.installed
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

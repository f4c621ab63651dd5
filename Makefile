# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite lint typecheck messages bench clean

$(STAMP): requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mentorbot run

# The whole suite: lint (code, then the layers' import contracts), then the tests on SQLite, then again on PostgreSQL (skipped, and said so, when no
# server can be started here).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/run_tests.py

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o bot/locale/mentorbot.pot --no-location --sort-output --project mentorbot .

bench: $(STAMP)
	$(BIN)/python -m bench.sweep

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

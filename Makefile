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
	$(BIN)/pybabel compile --statistics -d bot/locale -D mentorbot
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

# The template from the code, each language's catalogue brought up to it (new texts empty, to be translated:
# tests/test_catalogues.py fails until they are), and compiled.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o bot/locale/mentorbot.pot --no-location --sort-output --project mentorbot .
	$(BIN)/pybabel update -i bot/locale/mentorbot.pot -d bot/locale -D mentorbot --no-location --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d bot/locale -D mentorbot

# Every benchmark (bench/__main__.py), on SQLite and a private PostgreSQL when one can start: bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# Mutation testing of the programme's rules (docs/mutation.md). mutmut 3 copies the code into mutants/, runs
# the suite once to learn which tests reach each function, then runs only those tests against each mutant.
# [tool.mutmut] in pyproject.toml mutates all of bot/services/, which takes hours on a 2-core machine, so by
# default this runs the services holding the rules people rely on most: requests (asking, accepting,
# declining, the re-ask window), capacity (a mentor's places), pairs (the match and the agreement), nudges
# (keeping in touch, escalation) and ending. `make mutate MUTANTS='bot.services.*'` runs every service.
MUTANTS ?= bot.services.requests.* bot.services.capacity.* bot.services.pairs.* bot.services.nudges.* bot.services.ending.*

.PHONY: mutate
mutate: $(STAMP)
	$(BIN)/mutmut run $(foreach name,$(MUTANTS),'$(name)')
	$(BIN)/mutmut results

# `make run`: set up .venv if missing, install, run the main job on the default scenario.
# `make test`: the same set-up, then ruff and the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench baseline clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/socialcredit run financial-credit --population 100000 --days 365 --seed 1 --out runs/financial-credit

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Regenerate the pinned baseline deliberately (after a change that is meant to alter results).
baseline: $(STAMP)
	$(BIN)/python -m tests.baseline --write

clean:
	rm -rf $(VENV) runs .pytest_cache

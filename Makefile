# `make run`: set up .venv if missing, install, run the main job on the default scenario.
# `make test`: the same set-up, then ruff, mypy and the whole test suite.
# `make docs`: regenerate the docs' printed outputs (after a change that alters results).
# `make readme`: rebuild the README's result tables from `make run`'s folder.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench baseline docs readme clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $(STAMP)

# The main job: all seven regimes side by side on one population of 100,000 for a year, on five seeds.
run: $(STAMP)
	$(BIN)/socialcredit compare --population 100000 --days 365 --seed 1 --replicates 5 --out runs/compare --overwrite

# The README's first-result tables, rebuilt from the main job's folder (runs `make run` if it is missing).
readme: $(STAMP)
	test -f runs/compare/statistics.json || $(MAKE) run
	$(BIN)/python -m socialcredit.docgen --readme runs/compare

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Regenerate the pinned baseline deliberately (after a change that is meant to alter results).
baseline: $(STAMP)
	$(BIN)/python tests/baseline.py --write

# Regenerate the printed outputs of docs/tutorial.md, docs/regimes.md and docs/model.md by running them.
docs: $(STAMP)
	$(BIN)/python -m socialcredit.docgen --write

clean:
	rm -rf $(VENV) runs .pytest_cache

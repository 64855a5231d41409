# `make run`: set up .venv if missing, install, run the main job on the default scenario.
# `make test`: the same set-up (and Debian's chromium for the browser test), then ruff, mypy and the whole test suite.
# `make dashboard`: the browser dashboard on 127.0.0.1 (the URL is printed).
# `make docs`: regenerate the docs' printed outputs (after a change that alters results).
# `make readme`: rebuild the README's result tables from `make run`'s folder.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM := /usr/lib/chromium/chromium

.PHONY: run test bench baseline docs readme clean dashboard screenshot

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

# The browser test drives Debian's Chromium through Playwright; no browser is downloaded
# (never `playwright install`). Installing it needs root, as on CI (a fresh Debian machine).
$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --durations=15  # one test process per core (pytest-xdist)

dashboard: $(STAMP)
	$(BIN)/socialcredit dashboard

# Regenerate the README's screenshot with the browser test.
screenshot: $(STAMP) $(CHROMIUM)
	SOCIALCREDIT_SCREENSHOT=docs/img/dashboard.png $(BIN)/python -m pytest tests/test_dashboard_browser.py -q

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

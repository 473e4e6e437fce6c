# Two commands do everything on a fresh machine with python3 and make:
#   make run   - install, create the demo database if there is none, start the dashboard
#   make test  - install with test extras, run ruff, mypy and the whole pytest suite
#   make test-quick - the same without the browser tests (no Chromium needed)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
DB     ?= $(or $(LEARNING_CULTURE_DB),data/learning_culture.duckdb)

.PHONY: run dev test test-quick pytest-quick lint typecheck pytest docs screenshots demo-enterprise benchmark benchmark-load clean

$(BIN)/python:
	$(PYTHON) scripts/make_venv.py $(VENV)

$(VENV)/.installed-run: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/learning-culture demo --if-missing --db "$(DB)"
	$(BIN)/python -m dashboard.serve --server.port $(PORT) --server.address localhost -- --db "$(DB)"

# The same server for someone changing the code: Streamlit reloads a page when its file is saved
# (make run switches the file watcher and the post-run garbage collection off, see dashboard/serve.py).
dev: $(VENV)/.installed-run
	$(BIN)/learning-culture demo --if-missing --db "$(DB)"
	LEARNING_CULTURE_DEV=1 $(BIN)/python -m dashboard.serve --server.port $(PORT) --server.address localhost -- --db "$(DB)"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy data_layer dashboard

pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# Everything but the tests marked `browser` (they need Chromium and take most of the time).
pytest-quick: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m "not browser"

test-quick: lint typecheck pytest-quick

# docs/metrics.md from the metric declarations (a test fails when it is out of date).
docs: $(VENV)/.installed-run
	$(BIN)/python -m data_layer.analytics.docs

screenshots: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q tests/test_browser_filter.py -k every_page
	mkdir -p docs/screenshots && cp tests/artifacts/screenshots/*.png docs/screenshots/
	$(BIN)/python -m pytest -q tests/test_browser_first_hour.py -k trend_charts
	mkdir -p docs/screenshots/long-window && cp tests/artifacts/screenshots-long-window/*.png docs/screenshots/long-window/

demo-enterprise: $(VENV)/.installed-run
	$(BIN)/learning-culture demo --scale enterprise --db data/enterprise.duckdb --replace --today 2026-11-22

# Every page's data on the enterprise demo vs the pandas baseline, report --json, search, memory.
# Builds benchmarks/enterprise.duckdb on first use (about 20 s); about 5 minutes in all.
benchmark: $(VENV)/.installed-run
	$(BIN)/python benchmarks/pages.py --db benchmarks/enterprise.duckdb --json benchmarks/results-pages.json

# The real server under 1/5/10/20/40 signed-in sessions through Streamlit's websocket protocol, fresh
# filters and the shared default view, back to back and with 10 s think time; CPU-seconds per load,
# peak memory, a 100 MB upload, saves at 20 writers (about 15 minutes; results in BENCHMARKS.md).
benchmark-load: $(VENV)/.installed-run
	$(BIN)/python benchmarks/load.py --db benchmarks/enterprise.duckdb --json benchmarks/results-load.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/artifacts

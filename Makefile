# The two-command quickstart: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS_DIR := tests/integration/js
JS_STAMP := $(JS_DIR)/node_modules/.package-lock.json

.PHONY: install js run test lint typecheck unit integration bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The JS SDK the JS and browser tests run, exactly as package-lock.json pins it. Without
# npm those tests skip locally (CI installs node and sets S3BOX_REQUIRE_BROWSER=1, where
# they fail instead); the browser itself is Debian's chromium (apt-get install chromium).
$(JS_STAMP): $(JS_DIR)/package-lock.json
	@if command -v npm >/dev/null; then \
		cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json; \
	else echo "npm not found: the JS SDK tests will skip (apt-get install -y nodejs npm)"; fi

js: $(JS_STAMP)

run: install
	$(BIN)/s3box $(ARGS)

lint: install
	$(BIN)/ruff check s3box tests bench
	$(BIN)/ruff format --check s3box tests bench

typecheck: install
	$(BIN)/mypy s3box tests bench

unit: install
	$(BIN)/pytest -q tests/unit

integration: install js
	$(BIN)/pytest -q tests/integration

test: install js lint typecheck
	$(BIN)/pytest -q -n 2 tests

bench: install
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache

# The README's two commands. Each bootstraps its own virtual environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium
AXE := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: demo test lint bench clean browser-deps screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ideastorm demo

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here)
# and inject axe-core from a pinned npm package.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "The browser tests need Chromium; run: sudo apt-get install -y chromium" >&2; exit 1; \
	fi

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; \
	else echo "The browser tests need npm; run: sudo apt-get install -y npm" >&2; exit 1; fi; }
	cd tests/browser && npm ci --no-audit --no-fund --silent
	touch $(AXE)

browser-deps: $(CHROMIUM) $(AXE)

test: $(STAMP) browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests, saving their screenshots over the committed ones in docs/screenshots/.
screenshots: $(STAMP) browser-deps
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/browser -q

lint: $(STAMP)
	$(BIN)/ruff check schemas services clients tests bench
	$(BIN)/mypy schemas services clients

bench: $(STAMP)
	$(BIN)/python -m bench.voting
	$(BIN)/python -m bench.ideas
	$(BIN)/python -m bench.report
	$(BIN)/python -m bench.selection --healthz

clean:
	rm -rf $(VENV) .ideastorm out

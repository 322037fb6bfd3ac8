# Two commands matter: `make run` and `make test`. Everything they need is set up here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app campaign
CATALOGS := $(shell find translations -name messages.po)

.PHONY: run test install install-test translations lint worker clean axe

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

# Catalogs are compiled here, never committed as binaries.
translations: $(CATALOGS:.po=.mo)
%.mo: %.po | $(BIN)/python
	$(BIN)/pybabel compile --statistics -i $< -o $@

run: install
	CAMPAIGN_ENV_NAME=development $(FLASK) db upgrade
	CAMPAIGN_ENV_NAME=development $(FLASK) demo --if-empty
	@test -f instance/demo-logins.txt && { echo "Demo logins:"; cat instance/demo-logins.txt; } || true
	@echo "The job worker sends mail (to instance/outbox) and builds packets"
	@export CAMPAIGN_ENV_NAME=development CAMPAIGN_SERVER_BASE_URL=$${CAMPAIGN_SERVER_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	  $(FLASK) worker --workers 2 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) serve --host 127.0.0.1 --port $(PORT)

test: install-test axe
	$(BIN)/python -m pytest

# axe-core for the accessibility tests (tests/browser/package.json), into a git-ignored folder;
# the app never serves it. Without npm: a loud warning and the axe tests skip, but CI fails.
AXE_STAMP := tests/browser/node_modules/.installed
axe:
	@if [ -f $(AXE_STAMP) ] && [ $(AXE_STAMP) -nt tests/browser/package-lock.json ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $(AXE_STAMP); \
	elif [ "$$CI" = true ]; then \
	  echo "npm is missing: CI must run the axe-core accessibility tests (apt-get install npm)" >&2; exit 1; \
	else \
	  echo "*** WARNING: npm is missing, so the axe-core accessibility tests will be SKIPPED."; \
	  echo "*** Install it (Debian: apt-get install npm) and run make test again."; \
	fi

LINTED := campaign tests benchmarks deploy tools

lint: install-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts tests/browser/node_modules

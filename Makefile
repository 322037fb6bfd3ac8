# Two commands matter: `make run` and `make test`. Everything they need is set up here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app campaign
CATALOGS := $(shell find translations -name messages.po)

.PHONY: run test install install-test translations lint worker clean

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

test: install-test
	$(BIN)/python -m pytest

LINTED := campaign tests benchmarks deploy tools

lint: install-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

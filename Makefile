# Two commands matter: `make run` and `make test`. Everything they need is set up here.
# `make reset-demo` starts the demo afresh; `make clean` removes .venv (made again by `make run`).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PYTHON_VERSION := 3.11
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app campaign
INSTANCE := $(or $(CAMPAIGN_INSTANCE_PATH),instance)
CATALOGS := $(shell find translations -name messages.po)
# Exit status 0 only from a Python $(PYTHON_VERSION) with a working venv module / pip.
IS_PY311 := -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'
IS_VENV_OK := -c 'import sys, pip; sys.exit(sys.version_info[:2] != (3, 11))'

.PHONY: run test install install-test translations lint clean reset-demo axe

# Checked when the Makefile is read, before any rule runs: a wrong Python stops here with a
# message and creates nothing; a .venv left by another Python or a half-finished set-up is
# removed, so that the rules below make it again. (Not for `make clean` / `make reset-demo`.)
ifneq ($(filter-out clean reset-demo,$(or $(MAKECMDGOALS),default)),)
ifneq ($(shell $(PYTHON) $(IS_PY311) >/dev/null 2>&1 && echo ok),ok)
$(error This project needs Python $(PYTHON_VERSION); "$(or $(PYTHON),python3)" is \
$(or $(shell $(PYTHON) --version 2>&1),not installed). Install Python $(PYTHON_VERSION) \
(e.g. apt install python3.11-venv, brew install python@3.11), or name it: \
make run PYTHON=/path/to/python3.11)
endif
ifneq ($(wildcard $(VENV)),)
ifneq ($(shell $(BIN)/python $(IS_VENV_OK) >/dev/null 2>&1 && echo ok),ok)
$(info $(VENV) was not made by Python $(PYTHON_VERSION) or its set-up did not finish: removing it)
$(shell rm -rf $(VENV))
endif
endif
endif

# A failed set-up removes the half-made .venv, so that the next `make` starts clean.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet --upgrade pip \
	  || { rm -rf $(VENV); echo "Could not create $(VENV) with $(PYTHON)" >&2; exit 1; }

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

# The server runs the job worker itself (its own process group) and stops it with itself:
# one Ctrl+C stops the server, the worker and the packet renderer's forkserver at once.
run: install
	CAMPAIGN_ENV_NAME=development $(FLASK) db upgrade
	CAMPAIGN_ENV_NAME=development $(FLASK) demo --if-empty --show-logins
	@echo "The job worker sends mail (to $(INSTANCE)/outbox) and builds packets"
	@export CAMPAIGN_ENV_NAME=development CAMPAIGN_SERVER_BASE_URL=$${CAMPAIGN_SERVER_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	  exec $(FLASK) serve --host 127.0.0.1 --port $(PORT) --with-worker 2

# PYTEST_ARGS narrows a run (CI's PostgreSQL pass leaves out what the SQLite pass covered).
test: install-test axe
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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

# The demo afresh: the development database, the demo logins, mail outbox, packets and waiting
# jobs go; the instance's keys and config.py stay. The next `make run` loads the demo again.
reset-demo:
	rm -f $(INSTANCE)/campaign.sqlite3 $(INSTANCE)/campaign.sqlite3-wal \
	  $(INSTANCE)/campaign.sqlite3-shm $(INSTANCE)/demo-logins.txt $(INSTANCE)/jobs.sqlite3*
	rm -rf $(INSTANCE)/outbox $(INSTANCE)/packets
	@echo "Demo reset: the next 'make run' loads it again (a DATABASE_URL database is left as it is)."

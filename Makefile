# Two commands: `make run` (the product on the embedded default) and `make test`.
# Both create .venv and install the pinned dependencies first; they need only
# Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Same default as tracker/settings.py: SQLite, broker folders and beat's schedule live here.
VAR_DIR := $(or $(TRACKER_VAR_DIR),var)
INSTALLED := $(VENV)/.installed

.PHONY: run test install messages clean-var

# DEBUG=1: the embedded default is for trying the product on this machine (debug pages,
# the demo accounts' hint, static files from static/). DEBUG is off unless set.
run: export DEBUG ?= 1
run: $(INSTALLED) messages
	mkdir -p $(VAR_DIR)/broker/processed $(VAR_DIR)/broker/control
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Starting web (http://$${WEB_ADDR:-127.0.0.1:8000}/), Celery worker and beat; Ctrl-C stops all."
	@echo "Emails are written to $(VAR_DIR)/emails/ and text messages to $(VAR_DIR)/sms.jsonl, not sent."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --procfile Procfile

# Lint, the type check (mypy, on the files listed in pyproject.toml), the missing-migration
# check and the test suite. Every step runs even when an earlier one fails, pytest last so
# that its summary closes the output; the exit status is non-zero if any step failed. Set
# DATABASE_URL to test on PostgreSQL. mypy and the migration check load the development
# settings (DEBUG=1); pytest sets it itself (pyproject.toml).
test: export DEBUG ?= 1
test: $(INSTALLED)
	@mkdir -p $(VAR_DIR)
	@status=0; \
	echo "== ruff check"; $(BIN)/ruff check . || status=1; \
	echo "== ruff format --check"; $(BIN)/ruff format --check . || status=1; \
	echo "== mypy"; $(BIN)/mypy || status=1; \
	echo "== makemigrations --check"; $(BIN)/python manage.py makemigrations --check --dry-run || status=1; \
	echo "== pytest"; $(BIN)/python -m pytest $(PYTEST_ARGS) || status=1; \
	exit $$status

install: $(INSTALLED)

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV) with '$(PYTHON) -m venv'."; \
	  echo "On Debian or Ubuntu install the venv module first: apt-get install python3-venv"; \
	  rm -rf $(VENV); exit 1; }

# Reinstalled whenever a lock file changes. The runtime lock and the dev lock
# (pytest, ruff, honcho for `make run`) go together.
$(INSTALLED): requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	@touch $@

# Compile translations when there are any and gettext's msgfmt is installed.
messages: $(INSTALLED)
	@if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
	  if command -v msgfmt >/dev/null 2>&1; then \
	    $(BIN)/python manage.py compilemessages --ignore=$(VENV) --ignore=$(VAR_DIR) -v0; \
	  else echo "msgfmt (gettext) not found: using the translations already compiled, if any."; fi; \
	fi

clean-var:
	rm -rf $(VAR_DIR)

# Two commands set everything up on a fresh machine with Python 3.12 and make:
#   make demo   — SoloOps with a demo shop at http://127.0.0.1:8000 (SQLite, database worker);
#                 make demo PORT=8001 serves on another port
#   make test   — the whole test suite, in parallel on every core (TEST_WORKERS=0: one process)
#   make test-fast — unit and in-process tests only (no worker/web processes, browser, brokers)
PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# Optional extras to install besides dev: EXTRAS=dev,mysql adds the MySQL/MariaDB driver
# (mysqlclient; it compiles against libmariadb-dev, see README).
EXTRAS ?= dev
TEST_WORKERS ?= auto
# pytest-xdist: loadgroup keeps tests marked xdist_group("…") on one worker (shared brokers).
PARALLEL := -n $(TEST_WORKERS) --dist loadgroup

.PHONY: demo test test-fast lint install clean messages

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.12 is needed: set PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/soloops demo --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) -m "not processes and not browser and not redis and not brokers" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check soloops tests bench
	$(BIN)/ruff format --check soloops tests bench
	$(BIN)/lint-imports

messages: $(STAMP)
	cd soloops && ../$(BIN)/soloops manage makemessages -l zh_Hans --ignore "migrations/*"
	cd soloops && ../$(BIN)/soloops manage compilemessages

clean:
	rm -rf $(VENV) var

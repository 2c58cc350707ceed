# The README's commands. Python: $(PYTHON), by default that of the active
# virtual environment, else of ./.venv (tools/install.sh creates it).
VENV ?= $(or $(VIRTUAL_ENV),$(CURDIR)/.venv)
PYTHON ?= $(VENV)/bin/python
export VENV PYTHON

.PHONY: install demo lint test

install:
	bash tools/install.sh

demo: install
	bash tools/run_demo.sh

lint: install
	$(PYTHON) -m ruff check .

# One test process a core (pytest-xdist), each file in one process, so that a
# module's fixtures are made once; every process runs on one thread.
test: install
	$(PYTHON) -m pytest tests -n auto --dist loadfile --durations=15

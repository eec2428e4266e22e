# Two commands a newcomer needs: `make run` (install, build the index if stale, serve on
# http://127.0.0.1:8000) and `make test`. Both share `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install build run lint test clean

install: $(STAMP)

# torch first, pinned to the CPU build: an unpinned resolve would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the Python packages into $(VENV) (first run: about 3 minutes, no output while pip works)."
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)
	@echo "Installed."

build: install
	$(BIN)/assistant build

run: build
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check assistant tests
	$(BIN)/mypy

# Lint and types, tests, then the evaluation gates (eval/thresholds.yaml): the default corpus, and the
# real-document set beside the clone when it is there.
test: lint
	$(BIN)/python -m pytest
	$(BIN)/assistant build
	$(BIN)/assistant eval --check
	@if [ -d ../shared/realdocs ]; then \
	  $(BIN)/assistant eval --realdocs ../shared/realdocs --distractors 0 --check; \
	else \
	  echo "Skipped the real-document evaluation: ../shared/realdocs is not here (see eval/README.md)."; \
	fi

clean:
	rm -rf index/*/ index/CURRENT .pytest_cache

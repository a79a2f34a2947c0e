# The two commands of the quick start are `make run` and `make test`; each builds .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-slow test-faults ci ui benchmark lint format lock clean

# Installs exactly the versions in requirements.lock (every distribution, with hashes), then longloop itself.
# After changing pyproject.toml or constraints.txt, refresh the lock with `make lock`.
$(STAMP): requirements.lock pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'pip>=25.1'  # older pips refuse hashed extras
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## Re-resolve requirements.lock from pyproject.toml and constraints.txt (torch stays the CPU build on this disk).
lock:
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --extra servers \
	  --extra pretrained --extra benchmark -c constraints.txt -o requirements.lock pyproject.toml

## The main job: the whole closed loop on the demo corpus (or DATA=path/to/file.jsonl).
run: $(STAMP)
	$(BIN)/longloop run $(if $(DATA),--data $(DATA))

## The default test suite (under 10 minutes on 2 cores).
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Slower suites, kept out of the default run.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

## Fault injection: `longloop run` killed at random points of training, registration, deployment and drift.
test-faults: $(STAMP)
	$(BIN)/python -m pytest -q -m faults

## Prefect, MLflow and Evidently UIs on loopback, over the embedded state in .longloop/.
ui: $(STAMP)
	bash infra/local/start-uis.sh

## Training efficiency benchmark (prints JSON): longloop against Hugging Face Trainer baselines.
benchmark: $(STAMP)
	$(BIN)/python benchmarks/train_efficiency.py

## Lint, format check and type check (ruff and mypy, configured in pyproject.toml).
# mypy reads the longloop namespace through a tree of links (build/typecheck/longloop), as installed.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python infra/local/typecheck_tree.py build/typecheck
	cd build/typecheck && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p longloop

## Apply ruff's formatting and safe fixes.
format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .longloop build

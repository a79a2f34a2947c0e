# The two commands of the quick start are `make run` and `make test`; each builds .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-slow test-faults ci ui benchmark clean

$(STAMP): pyproject.toml constraints.txt Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,servers,pretrained,benchmark]'
	touch $(STAMP)

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

clean:
	rm -rf .longloop

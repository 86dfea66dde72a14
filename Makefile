# orgmodel — every target a planner or developer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REGISTRY ?= data/quang-ninh
BASELINE ?= 2015-12-31
AS_OF    ?= 2021-12-31

.PHONY: help setup status test bench clean

help: ## List every target with what it does
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "orgmodel needs Python 3.11 or newer; run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name orgmodel --display-name "orgmodel (.venv)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install orgmodel (editable) with its test extras; quick when nothing changed

status: setup ## Main job: where the bundled province stands against the 2015 baseline (REGISTRY=, BASELINE=, AS_OF=)
	@$(BIN)/orgmodel validate $(REGISTRY)
	@$(BIN)/orgmodel status $(REGISTRY) --baseline $(BASELINE) --as-of $(AS_OF)

test: setup ## Run the whole test suite (what CI runs)
	$(BIN)/python -m pytest -q -n 2

bench: setup ## Print speed and memory figures (province and national scale)
	$(BIN)/python -m bench

clean: ## Remove generated reports and caches (keeps .venv)
	rm -rf reports .pytest_cache .hypothesis

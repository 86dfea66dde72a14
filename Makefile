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

.PHONY: help setup status test bench clean scenarios scenario frontier report notebooks lab synth data quang-ninh i18n fonts

SCENARIOS    := $(sort $(wildcard scenarios/*.yaml))
SCENARIO_OUT := $(patsubst scenarios/%.yaml,reports/%/summary.json,$(SCENARIOS))
NOTEBOOKS    := $(sort $(wildcard notebooks/[0-9]*.ipynb))

help: ## List every target with what it does
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "orgmodel needs Python 3.11 or newer; run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name orgmodel --display-name "orgmodel (.venv)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP) fonts ## Create .venv and install orgmodel (editable) with its test extras; quick when nothing changed

status: setup ## Main job: where the bundled province stands against the 2015 baseline (REGISTRY=, BASELINE=, AS_OF=)
	@$(BIN)/orgmodel validate $(REGISTRY)
	@$(BIN)/orgmodel status $(REGISTRY) --baseline $(BASELINE) --as-of $(AS_OF)

test: setup ## Run the whole test suite (what CI runs); the real-browser test too where $(CHROMIUM) exists
	$(BIN)/python -m pytest -q -n 2 --ignore=tests/test_browser.py
	@if [ -x "$(CHROMIUM)" ]; then $(MAKE) --no-print-directory test-browser; \
	 else echo "SKIPPED the real-browser test (tests/test_browser.py): no browser at $(CHROMIUM) (apt-get install chromium, or make test CHROMIUM=/path)"; fi

bench: setup ## Print speed and memory figures (province and national scale); never part of the tests
	$(BIN)/python -m bench

scenarios: $(SCENARIO_OUT) ## Solve every scenario in scenarios/ into reports/<name>/ (only those whose scenario or registry changed)

reports/%/summary.json: scenarios/%.yaml | $(STAMP)
	$(BIN)/orgmodel solve $< --out reports/$* --quiet

# Each answer also depends on the files of the registry its own scenario names (generated list).
SCENARIO_DEPS := reports/.scenario-deps.mk
ifneq ($(filter scenarios reports/%,$(MAKECMDGOALS)),)
-include $(SCENARIO_DEPS)
endif
$(SCENARIO_DEPS): $(SCENARIOS) | $(STAMP)
	@mkdir -p $(@D)
	@$(BIN)/python -m orgmodel.scenario deps $(SCENARIOS) > $@

scenario: | $(STAMP) ## Solve one scenario: make scenario S=scenarios/<name>.yaml
	@test -n "$(S)" || { echo "usage: make scenario S=scenarios/<name>.yaml" >&2; exit 2; }
	$(BIN)/orgmodel solve $(S) --out reports/$(basename $(notdir $(S)))

frontier: | $(STAMP) ## Cost-versus-reduction curve of one scenario: make frontier S=scenarios/<name>.yaml
	@test -n "$(S)" || { echo "usage: make frontier S=scenarios/<name>.yaml" >&2; exit 2; }
	$(BIN)/orgmodel frontier $(S) --out reports/$(basename $(notdir $(S)))-frontier

report: | $(STAMP) ## Figures, Excel workbook and Word annex: status at AS_OF, and one per scenario, into reports/
	$(BIN)/orgmodel report $(REGISTRY) --baseline $(BASELINE) --as-of $(AS_OF)
	@for s in $(SCENARIOS); do $(BIN)/orgmodel report $(REGISTRY) --baseline $(BASELINE) --as-of $(AS_OF) --scenario $$s || exit 1; done

notebooks: | $(STAMP) ## Execute the notebooks (papermill) into reports/notebooks/
	@mkdir -p reports/notebooks
	@for nb in $(NOTEBOOKS); do echo "running $$nb"; \
	  $(BIN)/papermill --cwd notebooks -k orgmodel $$nb reports/notebooks/$$(basename $$nb) --log-level WARNING --no-progress-bar || exit 1; done

lab: | $(STAMP) ## Open JupyterLab on the project's own environment and kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks

synth: | $(STAMP) ## Generate the national-scale registry (63 provinces) into data/national-63-seed0/
	$(BIN)/orgmodel synth data/national-63-seed0 --provinces 63 --seed 0 --force

DATA_VENV := .venv-data
data: ## Import real territory (vietnamadminunits 1.0.4, MIT) into data/vietnam and data/territory/quang-ninh; byte-reproducible
	@test -x $(DATA_VENV)/bin/python || $(PYTHON) -m venv $(DATA_VENV)
	$(DATA_VENV)/bin/python -m pip install --quiet --no-deps vietnamadminunits==1.0.4
	$(DATA_VENV)/bin/python scripts/import_adminunits.py

quang-ninh: | $(STAMP) ## Regenerate the bundled registry data/quang-ninh (byte for byte) from data/territory/quang-ninh
	$(BIN)/python -m orgmodel.synth quang-ninh data/quang-ninh

i18n: | $(STAMP) ## Message catalogue: extract every _()/N_() message into the .pot, update the vi and en .po files
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o orgmodel/locale/orgmodel.pot .
	$(BIN)/pybabel -q update -i orgmodel/locale/orgmodel.pot -d orgmodel/locale -D orgmodel --no-fuzzy-matching --ignore-obsolete -w 100
	@sed -i 's/^"POT-Creation-Date: .*"$$/"POT-Creation-Date: 2026-01-01 00:00+0000\\n"/' orgmodel/locale/*/LC_MESSAGES/orgmodel.po  # stable files: no merge noise
	@$(BIN)/python -m orgmodel.i18n missing || true

fonts: ## Install Liberation Serif 2 (Times New Roman metrics, every Vietnamese letter) for the figures, if missing
	@ls /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf >/dev/null 2>&1 \
	  || { if [ "$$(id -u)" = 0 ]; then { apt-get install -y -q fonts-liberation2 >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-liberation2 >/dev/null 2>&1; } || echo "could not install fonts-liberation2: figures fall back to DejaVu Serif" >&2; }; \
	       else echo "Liberation Serif 2 is missing: run sudo apt-get install fonts-liberation2 (figures fall back to DejaVu Serif meanwhile)" >&2; fi; }

clean: ## Remove generated reports and caches (keeps .venv)
	rm -rf reports .pytest_cache .hypothesis

# ---- boundaries for maps (issue 11 item 5) and the real-browser notebook test (issue 13)
.PHONY: data data-boundaries test-browser
CHROMIUM ?= /usr/bin/chromium
BOUNDARIES_MIRROR ?= /work/.mirror/thanglequoc+vietnamese-provinces-database/repo

data: data-boundaries ## Import the open data the runtime reads (committed; needs the fetched source repositories)

data-boundaries: | $(STAMP) ## Import 2025 province/commune boundaries into data/boundaries/ (BOUNDARIES_MIRROR=git dir of thanglequoc/vietnamese-provinces-database)
	$(BIN)/python scripts/import_boundaries.py --mirror $(BOUNDARIES_MIRROR) --out data/boundaries

test-browser: setup ## Run every notebook in JupyterLab in a real browser (Debian chromium at CHROMIUM=)
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q -p no:xdist -s tests/test_browser.py

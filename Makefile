# eventtide — developer entry points. `make run` and `make test` set up whatever is missing.
#
# Everything that is built or downloaded goes to $(EVENTTIDE_CACHE) (default
# ~/.cache/eventtide): a pinned uv, the Kafka jars, the Kubernetes binaries.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export EVENTTIDE_CACHE ?= $(HOME)/.cache/eventtide
UV_VERSION := 0.9.30
UV_HOME := $(EVENTTIDE_CACHE)/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
# Tests and scripts find the pinned uv here, never a uv that happens to be on PATH.
export EVENTTIDE_UV := $(UV)
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# Installed packages are compiled to bytecode once, as the images do, and the workspace's
# own sources before each test or benchmark run (a fraction of a second when nothing
# changed). Where PYTHONDONTWRITEBYTECODE is set, as in most Python container images,
# Python never writes its cache, so every `eventtide` process (the tests start hundreds)
# compiled each module it imports again: 1.7 s to start the consumer instead of 0.8 s.
export UV_COMPILE_BYTECODE := 1
VENV_STAMP := .venv/.synced-$(UV_VERSION)-bytecode
RUN := $(UV) run --frozen --no-sync
WORKSPACE_SOURCES := services/*/src operator/src tools/devstack/src tools/mutation bench
compile-sources = $(RUN) python -m compileall -q -j 0 $(WORKSPACE_SOURCES)
PYTEST_ARGS ?=

# The toolchains each target builds before it starts, written once here. `make run` builds
# none up front: `eventtide dev run` builds what the pipeline starts (Kafka's jars, PostgreSQL), so a
# first run never waits for the Kubernetes control plane or OpenTofu to compile.
TOOLCHAINS_setup := kafka postgres kubernetes opentofu prometheus
TOOLCHAINS_test := $(TOOLCHAINS_setup)
TOOLCHAINS_test-integration := kafka postgres opentofu prometheus
TOOLCHAINS_test-cluster := kubernetes
TOOLCHAINS_bench := kafka postgres
build-toolchains = $(RUN) eventtide dev infra build $(TOOLCHAINS_$@)

# The dashboard's browser libraries, from the npm registry through the checked-in lockfile,
# copied into the API package (git-ignored; the wheel force-includes them). No CDN at run time.
DASHBOARD_NPM := services/api/dashboard
DASHBOARD_VENDOR := services/api/src/eventtide/api/dashboard/static/vendor
DASHBOARD_ASSETS := $(DASHBOARD_VENDOR)/uPlot.iife.min.js $(DASHBOARD_VENDOR)/uPlot.min.css
# The SDKs the ingestion tests drive against the API, unmodified: the JavaScript ones
# (browser and Node) from npm through the lockfile, the JVM ones from Maven Central at the
# versions their pom pins, the Go ones from the Go module proxy through go.sum.
SDK_CLIENTS_NPM := tests/sdk_clients
SDK_CLIENTS_JVM := tests/sdk_clients/jvm
SDK_CLIENTS_GO := tests/sdk_clients/go
SDK_CLIENTS := $(SDK_CLIENTS_NPM)/node_modules/.package-lock.json $(SDK_CLIENTS_JVM)/lib/.copied $(SDK_CLIENTS_GO)/bin/send
# The browser the dashboard tests drive: Debian's chromium and its chromedriver (root, apt).
BROWSER := /usr/bin/chromedriver

.PHONY: help dashboard-vendor sdk-clients browser setup run test test-unit test-integration test-cluster lint format bench mutation infra-up infra-down infra-status staging-values tf-validate tf-fmt chart-crd clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(UV):
	@echo "[setup] installing uv $(UV_VERSION) into $(UV_HOME) (once, about 10 s)"
	python3 -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@echo "[setup] uv $(UV_VERSION) installed"

$(VENV_STAMP): $(UV) uv.lock pyproject.toml $(wildcard services/*/pyproject.toml operator/pyproject.toml tools/devstack/pyproject.toml)
	@echo "[setup] syncing the Python environment from uv.lock"
	$(UV) sync --frozen --all-packages
	@touch $@

$(DASHBOARD_ASSETS) &: $(DASHBOARD_NPM)/package.json $(DASHBOARD_NPM)/package-lock.json
	@echo "[setup] vendoring the dashboard's browser libraries (npm ci)"
	npm ci --prefix $(DASHBOARD_NPM) --no-audit --no-fund --loglevel=error
	mkdir -p $(DASHBOARD_VENDOR)
	cp $(DASHBOARD_NPM)/node_modules/uplot/dist/uPlot.iife.min.js $(DASHBOARD_NPM)/node_modules/uplot/dist/uPlot.min.css $(DASHBOARD_VENDOR)/

dashboard-vendor: $(DASHBOARD_ASSETS) ## vendor the dashboard's chart library from npm into the API package

$(SDK_CLIENTS_NPM)/node_modules/.package-lock.json: $(SDK_CLIENTS_NPM)/package.json $(SDK_CLIENTS_NPM)/package-lock.json
	@echo "[setup] installing the JavaScript SDKs the ingestion tests drive (npm ci)"
	npm ci --prefix $(SDK_CLIENTS_NPM) --no-audit --no-fund --loglevel=error --ignore-scripts

$(SDK_CLIENTS_JVM)/lib/.copied: $(SDK_CLIENTS_JVM)/pom.xml
	@echo "[setup] fetching the JVM SDKs the ingestion tests drive (Maven Central)"
	rm -rf $(SDK_CLIENTS_JVM)/lib
	mvn -B -q -f $(SDK_CLIENTS_JVM)/pom.xml -Dmaven.repo.local=$(EVENTTIDE_CACHE)/maven/repository \
	  dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/$(SDK_CLIENTS_JVM)/lib
	touch $@

# The machine's own Go (GOTOOLCHAIN=local), the modules go.sum names and nothing else
# (-mod=readonly); no C compiler needed.
$(SDK_CLIENTS_GO)/bin/send: $(SDK_CLIENTS_GO)/go.mod $(SDK_CLIENTS_GO)/go.sum $(SDK_CLIENTS_GO)/send.go
	@echo "[setup] building the Go SDKs' client the ingestion tests drive (Go module proxy)"
	cd $(SDK_CLIENTS_GO) && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 \
	  GOFLAGS="-mod=readonly -buildvcs=false" go build -o bin/send .

sdk-clients: $(SDK_CLIENTS) ## install the SDKs the ingestion tests drive (npm, Maven Central, Go modules)

$(BROWSER):
	@echo "[setup] installing Debian's chromium and chromium-driver for the dashboard tests (apt-get, as root)"
	apt-get -o DPkg::Lock::Timeout=300 update
	apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends chromium chromium-driver

browser: $(BROWSER) ## install the headless browser the dashboard tests drive

setup: $(VENV_STAMP) $(DASHBOARD_ASSETS) $(SDK_CLIENTS) $(BROWSER) ## install Python deps and build every local infrastructure toolchain
	$(build-toolchains)

run: $(VENV_STAMP) $(DASHBOARD_ASSETS) ## run the pipeline with a live view until Ctrl-C (EVENTS=N stops once N are stored)
	$(compile-sources)
	$(RUN) eventtide dev run $(if $(EVENTS),--events $(EVENTS),)

# Coverage of services/, operator/ and tools/devstack, measured in the pytest processes (see
# [tool.coverage] in pyproject.toml); the run fails under 85% and prints the figure last.
COVERAGE_ARGS := --cov --cov-report=term:skip-covered --cov-fail-under=85
# Three pytest-xdist workers on two cores, a file at a time each: most long tests wait on
# Kafka, PostgreSQL and process restarts rather than on the CPU (two workers kept the cores
# about two-thirds busy; the same suite took 14:02 on two workers, 11:02 on three). Each
# worker starts its own Kafka and PostgreSQL on free ports. PYTEST_WORKERS=0 runs
# everything in one process. Files are
# handed out in the order the root conftest.py sorts them (longest first), not re-sorted
# by their number of tests, which is xdist's default.
PYTEST_WORKERS ?= 3
XDIST_ARGS := $(if $(filter 0,$(PYTEST_WORKERS)),-p no:xdist,-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test: $(VENV_STAMP) $(DASHBOARD_ASSETS) $(SDK_CLIENTS) $(BROWSER) lint ## run every test tier against real Kafka, PostgreSQL and Kubernetes; fails under 85% coverage
	$(build-toolchains)
	$(compile-sources)
	$(RUN) pytest $(XDIST_ARGS) $(COVERAGE_ARGS) --durations=15 $(PYTEST_ARGS)

test-unit: $(VENV_STAMP) ## run the unit tier alone (no infrastructure)
	$(RUN) pytest -m unit $(PYTEST_ARGS)

test-integration: $(VENV_STAMP) $(DASHBOARD_ASSETS) $(BROWSER) ## run the integration tier (Kafka, PostgreSQL)
	$(build-toolchains)
	$(compile-sources)
	$(RUN) pytest -m integration $(PYTEST_ARGS)

test-cluster: $(VENV_STAMP) ## run the cluster tier (Kubernetes API)
	$(build-toolchains)
	$(compile-sources)
	$(RUN) pytest -m cluster $(PYTEST_ARGS)

lint: $(VENV_STAMP) ## ruff and mypy
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: $(VENV_STAMP) ## apply ruff's fixes and formatting
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

mutation: $(VENV_STAMP) ## mutation testing of the pure modules (mutmut); report in build/mutation; fails under 90% killed
	$(RUN) python -m tools.mutation $(MUTATION_ARGS)

bench: $(VENV_STAMP) ## run every benchmark (medians of 5 runs) and write bench/results/*.json
	$(build-toolchains)
	$(compile-sources)
	$(RUN) python -m bench

infra-up: $(VENV_STAMP) ## start the local stack in the background (builds what it starts)
	$(RUN) eventtide dev infra up

infra-status: $(VENV_STAMP) ## show what infra-up started
	$(RUN) eventtide dev infra status

infra-down: $(VENV_STAMP) ## stop what infra-up started
	$(RUN) eventtide dev infra down

TF_ROOTS := terraform/modules/network terraform/modules/msk terraform/modules/rds terraform/environments/staging
TOFU = $$($(RUN) python -m eventtide.devstack.opentofu)

staging-values: $(VENV_STAMP) ## write build/staging-values.yaml for the chart from the staging outputs (needs AWS access to the state)
	tofu="$(TOFU)" && outputs="$$("$$tofu" -chdir=terraform/environments/staging output -json)" && \
	printf '%s' "$$outputs" | $(RUN) python terraform/scripts/staging_values.py --output build/staging-values.yaml

tf-validate: $(VENV_STAMP) ## tofu init -backend=false + validate everywhere (needs the provider registry; not in make test)
	tofu="$(TOFU)" && for dir in $(TF_ROOTS); do \
	  echo "== $$dir" && \
	  "$$tofu" -chdir=$$dir init -backend=false -input=false -no-color >/dev/null && \
	  "$$tofu" -chdir=$$dir validate -no-color || exit 1; \
	done

tf-fmt: $(VENV_STAMP) ## rewrite terraform/ in canonical format
	"$(TOFU)" fmt -recursive terraform/

chart-crd: ## copy the operator's Pipeline CRD (its one source) into the chart's crds/
	charts/eventtide/sync-crd

clean: ## remove the virtualenv (the toolchain cache stays; rm -rf $$EVENTTIDE_CACHE for that)
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache

# Every target sets up .venv on first use: a fresh clone needs only Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_OUT ?= demo-out

.PHONY: demo test lint typecheck unit bench bench-full bench-load bench-memory clean

# The first run installs for a few minutes: pip's own progress shows what it is doing.
$(STAMP): pyproject.toml
	@echo "== Setting up $(VENV) (first run, or pyproject.toml changed): a few minutes"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== Upgrading pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "== Installing syndicate and its development tools (editable, with [dev] extras)"
	@$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)
	@echo "== $(VENV) is ready: run $(BIN)/syndicate, or 'source $(BIN)/activate' and then syndicate"

demo: $(STAMP)
	@echo "== syndicate validate examples/"
	@echo "   (examples/broken/ holds files with mistakes on purpose: their errors show what a"
	@echo "   recruiter gets back, and make ignores the exit status 1 they cause)"
	-$(BIN)/syndicate validate examples/
	@echo
	@echo "== syndicate run: the whole stack (S3, SQS, Lambda, DynamoDB on moto) on every example"
	$(BIN)/syndicate run --out $(DEMO_OUT) examples/
	@echo
	@echo "== syndicate preview: every example side by side as each channel gets it"
	$(BIN)/syndicate preview --out $(DEMO_OUT)/preview examples/
	@echo
	@echo "== Now try it yourself: $(BIN)/syndicate --help"
	@echo "   (or 'source $(BIN)/activate' once, then syndicate --help)"

lint: $(STAMP)
	$(BIN)/ruff check functions tests infra
	$(BIN)/ruff format --check functions tests infra
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

test: lint typecheck template-check unit

# SAM CLI lives in its own venv: its pins (cfn-lint, boto3, pydantic...) clash less there.
.PHONY: template-check build
SAM_CLI_VERSION := 1.170.0
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_CLI_VERSION)
# Offline and credential-free: validate/build never call AWS, but botocore wants a region and keys.
SAM_ENV := env -u AWS_PROFILE -u AWS_SESSION_TOKEN AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline SAM_CLI_TELEMETRY=0

$(SAM_STAMP):
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet "aws-sam-cli==$(SAM_CLI_VERSION)"
	@rm -f $(SAM_VENV)/.installed-* && touch $(SAM_STAMP)

template-check: $(STAMP) $(SAM_STAMP)
	$(BIN)/cfn-lint template.yaml
	$(SAM_ENV) $(SAM) validate --lint --template template.yaml

# No Docker: builds with the local python3.11 (arm64 wheels come from PyPI); `sam deploy` ships .aws-sam/build.
build: $(SAM_STAMP)
	$(SAM_ENV) $(SAM) build --template template.yaml --build-dir .aws-sam/build

# About 5 minutes; bench-full runs larger files and more rounds (about 15 minutes).
bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

bench-full: $(STAMP)
	$(BIN)/python -m tests.bench.run --full

# N postings through the whole embedded stack, every AWS call counted and priced (tests/bench/load.py).
# LOAD_SIZES=1000,10000,100000 make bench-load for the largest size (10,000 take about 12 minutes of CPU
# on 2 cores, 100,000 about two hours; LOAD_SIZES=1000,3000 for a quicker pair). Memory: make bench-memory.
# The sizes run side by side (LOAD_JOBS): the verdicts compare CPU time, which the other run does not inflate.
LOAD_SIZES ?= 1000,10000
LOAD_JOBS ?= 2
bench-load: $(STAMP)
	$(BIN)/python -m tests.bench.load --sizes $(LOAD_SIZES) --jobs $(LOAD_JOBS)

# Each function's peak memory at MEMORY_SIZES postings, moto in a process of its own and each function
# in another (tests/bench/memory.py); the feed builder also at BUILDER_SIZES open jobs, its feed table
# seeded from the smallest run's entries, then with one shard of DENSE_SHARD entries more (a million
# open jobs' shard). About 50 minutes on 2 shared cores (10,000 postings through the pipeline: 45).
MEMORY_SIZES ?= 1000,10000
BUILDER_SIZES ?= 10000,30000
DENSE_SHARD ?= 1000
bench-memory: $(STAMP)
	$(BIN)/python -m tests.bench.memory --sizes $(MEMORY_SIZES) --builder-sizes $(BUILDER_SIZES) \
		--dense-shard $(DENSE_SHARD) --jobs 2

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis .bench

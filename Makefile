# Every target sets up .venv on first use: a fresh clone needs only Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_OUT ?= demo-out

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	@echo "== syndicate validate examples/"
	$(BIN)/syndicate validate examples/postings.json examples/more-postings.jsonl
	@echo
	@echo "== a file with mistakes (exit 1 is expected: it shows what the errors look like)"
	-$(BIN)/syndicate validate examples/broken/mixed.jsonl examples/broken/not-utf8.json
	@mkdir -p $(DEMO_OUT)
	$(BIN)/syndicate transform --channel linkedin examples/postings.json examples/more-postings.jsonl > $(DEMO_OUT)/linkedin.json
	$(BIN)/syndicate transform --channel indeed examples/postings.json examples/more-postings.jsonl > $(DEMO_OUT)/indeed.xml
	$(BIN)/syndicate transform --channel schemaorg examples/postings.json examples/more-postings.jsonl > $(DEMO_OUT)/schemaorg.json
	@echo
	@echo "Rendered output: $(DEMO_OUT)/linkedin.json, $(DEMO_OUT)/indeed.xml, $(DEMO_OUT)/schemaorg.json"

lint: $(STAMP)
	$(BIN)/ruff check functions tests infra
	$(BIN)/ruff format --check functions tests infra

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis

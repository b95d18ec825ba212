# The README's two commands: `make demo` and `make test`. Each builds or refreshes the virtual
# environment first, so a fresh clone needs nothing but python3.12 (found on PATH or under pyenv).
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PY312 := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then echo $$p; break; fi; done)

.PHONY: demo test lint format serve bench clean web screenshots lock neo4j

$(BIN)/python:
	@test -n "$(PY312)" || { echo "python3.12 not found (PATH or ~/.pyenv/versions/3.12*)"; exit 1; }
	$(PY312) -m venv $(VENV)
	$(BIN)/pip install -q pip==26.3  # the installers pinned too: nothing installs "newest today"

# Installs are reproducible: every package at the version and sha256 in uv.lock, the project itself
# editable. `uv sync --locked` refuses to install when uv.lock no longer matches pyproject.toml (then
# `make lock`); `--inexact` leaves pip and uv in the venv. tests/unit/test_lock.py checks the two agree.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/python
	$(BIN)/pip install -q uv==0.13.9
	$(BIN)/uv sync -q --locked --inexact --extra dev --python $(BIN)/python
	@touch $@

lock: | $(BIN)/python
	$(BIN)/pip install -q uv==0.13.9
	$(BIN)/uv lock --python $(BIN)/python
	$(BIN)/uv pip compile tools/checkov.in --generate-hashes --python-version 3.12 \
		--python-platform x86_64-unknown-linux-gnu -q -o tools/checkov.lock.txt

# Neo4j's own Cypher linter (npm) checks our Neo4j dialect offline; skipped by the tests when node is absent.
tests/neo4j_lint/node_modules/.package-lock.json: tests/neo4j_lint/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/neo4j_lint && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the Neo4j Cypher lint test will skip"; fi

# checkov (Terraform policy checks) lives in its own environment: its pins clash with ours. It and
# every package under it are installed from tools/checkov.lock.txt (versions and sha256, `make lock`).
TOOLS := .venv-tools
$(TOOLS)/.installed: tools/checkov.lock.txt
	@{ rm -rf $(TOOLS) && $(PY312) -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q pip==26.3 \
	   && $(TOOLS)/bin/pip install -q --require-hashes --no-deps -r tools/checkov.lock.txt && touch $@; } \
	|| echo "checkov could not be installed: the checkov test will skip"

# Neo4j 5.26 community, the production database, run here by tools/neo4j's launcher: Maven fetches its
# jars once (into ~/.m2), javac compiles the launcher. `make test` builds it and the tests start their
# own servers on free ports; `make neo4j` serves the data dir's Neo4j on 127.0.0.1:7687 until Ctrl-C.
NEO4J_BUILT := tools/neo4j/target/classes/knowledgeweaver/LocalNeo4j.class
$(NEO4J_BUILT): tools/neo4j/pom.xml tools/neo4j/src/main/java/knowledgeweaver/LocalNeo4j.java | $(VENV)/.installed
	@if command -v mvn >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; then \
		$(BIN)/python -c 'from backend.graph.neo4j_local import build; build()'; \
	else echo "Java or Maven not found: the Neo4j tests will skip"; fi

neo4j: $(VENV)/.installed $(NEO4J_BUILT)
	$(BIN)/weaver neo4j

# The web UI's build step (esbuild + cytoscape from npm); its output in backend/web/static is committed.
web/node_modules/.package-lock.json: web/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd web && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the web build check will skip"; fi

web: web/node_modules/.package-lock.json
	cd web && npm run build

# Browser screenshots for docs/demo.md, produced by the UI test.
screenshots: $(VENV)/.installed
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest tests/e2e -q

demo: $(VENV)/.installed
	$(BIN)/weaver demo

serve: $(VENV)/.installed
	$(BIN)/weaver serve

lint: $(VENV)/.installed
	$(BIN)/ruff check backend tests bench
	$(BIN)/ruff format --check backend tests bench

format: $(VENV)/.installed
	$(BIN)/ruff format backend tests bench
	$(BIN)/ruff check --fix backend tests bench

test: $(VENV)/.installed $(NEO4J_BUILT) $(TOOLS)/.installed tests/neo4j_lint/node_modules/.package-lock.json web/node_modules/.package-lock.json lint
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/graph_upsert.py

clean:
	rm -rf $(VENV) $(TOOLS) tools/neo4j/target tests/neo4j_lint/node_modules web/node_modules .pytest_cache .ruff_cache

# The README's two commands: `make demo` and `make test`. Each builds or refreshes the virtual
# environment first, so a fresh clone needs nothing but python3.12 (found on PATH or under pyenv).
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PY312 := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then echo $$p; break; fi; done)

.PHONY: demo test lint format serve bench clean web screenshots lock

$(BIN)/python:
	@test -n "$(PY312)" || { echo "python3.12 not found (PATH or ~/.pyenv/versions/3.12*)"; exit 1; }
	$(PY312) -m venv $(VENV)
	$(BIN)/pip install -q pip==26.3  # the installer itself pinned too: nothing installs "newest today"

# Installs are reproducible: every package at the version, wheel and sha256 in pylock.toml (the PEP 751
# lock), then the project itself without resolving anything. `make lock` refreshes the lock after
# pyproject changes (pip-compile resolves, `pip lock` pins each wheel by URL and hash on PyPI, ignoring
# this machine's local indexes); tests/unit/test_lock.py fails when the two drift apart.
$(VENV)/.installed: pyproject.toml pylock.toml | $(BIN)/python
	$(BIN)/pip install -q -r pylock.toml
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

lock: | $(BIN)/python
	$(BIN)/pip install -q pip-tools==7.6.2
	$(BIN)/pip-compile -q --allow-unsafe --extra=dev --generate-hashes --no-emit-index-url \
		--no-emit-find-links --strip-extras -o .resolved.txt pyproject.toml
	$(BIN)/pip --isolated lock -q --cert /etc/ssl/certs/ca-certificates.crt --require-hashes \
		-r .resolved.txt -o pylock.toml
	rm -f .resolved.txt

# Neo4j's own Cypher linter (npm) checks our Neo4j dialect offline; skipped by the tests when node is absent.
tests/neo4j_lint/node_modules/.package-lock.json: tests/neo4j_lint/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/neo4j_lint && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the Neo4j Cypher lint test will skip"; fi

# checkov (Terraform policy checks) lives in its own environment: its pins clash with ours.
TOOLS := .venv-tools
$(TOOLS)/.installed:
	@{ $(PY312) -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q pip==26.3 && $(TOOLS)/bin/pip install -q checkov==3.3.30 && touch $@; } \
	|| echo "checkov could not be installed: the checkov test will skip"

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

test: $(VENV)/.installed $(TOOLS)/.installed tests/neo4j_lint/node_modules/.package-lock.json web/node_modules/.package-lock.json lint
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/graph_upsert.py

clean:
	rm -rf $(VENV) $(TOOLS) tests/neo4j_lint/node_modules web/node_modules .pytest_cache .ruff_cache

"""Every statement of the Neo4j dialect passes Neo4j's own Cypher linter — checked offline, since no
Neo4j server can run here. Needs node and `npm ci` in tests/neo4j_lint (make test does it)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from backend.graph import falkordb_cypher, neo4j_cypher

LINT_DIR = Path(__file__).resolve().parents[1] / "neo4j_lint"
ERROR = 1  # LSP DiagnosticSeverity.Error
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def statements(dialect) -> dict[str, str]:
    """Every statement the dialect module names: constants, DDL and each allowed hop count."""
    found = {
        name: value
        for name, value in vars(dialect).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, str)
    }
    found.pop("DIALECT", None)
    for i, ddl in enumerate(dialect.schema_statements(384)):
        found[f"schema[{i}]"] = ddl
    for hops in dialect.HOPS:
        found[f"neighbourhood({hops})"] = dialect.neighbourhood(hops)
    return found


def lint(named: dict[str, str]) -> dict[str, list[dict]]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Neo4j Cypher linter cannot run")
    if not (LINT_DIR / "node_modules" / "@neo4j-cypher").exists():
        pytest.skip("tests/neo4j_lint/node_modules is missing: run `npm ci` there (make test does)")
    payload = [{"name": n, "query": q, "params": sorted(set(_PARAM.findall(q)))} for n, q in named.items()]
    result = subprocess.run(
        ["node", "lint.mjs"],
        cwd=LINT_DIR,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=900,  # a busy 2-core machine took more than 120 s (CI)
    )
    assert result.returncode == 0, result.stderr
    return {item["name"]: item["diagnostics"] for item in json.loads(result.stdout)}


def test_every_neo4j_statement_passes_the_neo4j_linter():
    named = statements(neo4j_cypher)
    assert len(named) > 30  # the whole module, not a sample
    errors = {
        name: [d["message"] for d in diags if d["severity"] == ERROR] for name, diags in lint(named).items()
    }
    assert {name: msgs for name, msgs in errors.items() if msgs} == {}


def test_the_linter_catches_what_neo4j_would_reject():
    # The FalkorDB dialect uses vecf32() and algo.SPpaths, which Neo4j does not have, and a broken
    # statement must fail: so the check above can fail, and would on a FalkorDB-ism in neo4j_cypher.
    named = {
        "vector": falkordb_cypher.VECTOR_SEARCH_CHUNKS,
        "path": falkordb_cypher.SHORTEST_PATH,
        "syntax": "MATCH (n RETURN n",
        "fine": neo4j_cypher.VECTOR_SEARCH_CHUNKS,
    }
    results = lint(named)
    flagged = {name for name, diags in results.items() if any(d["severity"] == ERROR for d in diags)}
    assert flagged == {"vector", "path", "syntax"}

"""Empty a test Neo4j server: every node, index and constraint, so the next module's schema (with its
own vector size) is made anew. A community server has one user database, so this is how modules get a
fresh graph without starting a server each."""

from __future__ import annotations

import neo4j


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def empty_neo4j(uri: str, user: str, password: str) -> None:
    with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver:
        with driver.session() as session:  # CALL … IN TRANSACTIONS needs an auto-commit transaction
            session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        # DDL takes no parameters: the names come from the server's own listing, quoted
        for record in driver.execute_query("SHOW CONSTRAINTS YIELD name").records:
            driver.execute_query(f"DROP CONSTRAINT {_quoted(record['name'])}")
        for record in driver.execute_query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'").records:
            driver.execute_query(f"DROP INDEX {_quoted(record['name'])}")

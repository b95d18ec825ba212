"""The graph a newcomer sees after ingesting the repo's examples offline: every person, organisation,
place and product once, of the right type, first names as aliases of the full name."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import load_settings
from backend.domain import JobStatus
from backend.ingest.files import EXTENSIONS
from backend.ingest.pipeline import IngestRequest
from backend.runtime import open_runtime

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

EXPECTED = {
    ("Aisha Bello", "Person"),
    ("David Okafor", "Person"),
    ("Henrik Berg", "Person"),
    ("Lena Fischer", "Person"),
    ("Maria Chen", "Person"),
    ("Priya Raman", "Person"),
    ("Sven Larsen", "Person"),
    ("Tomás Silva", "Person"),
    ("Cellwise", "Organization"),
    ("Maritime Mutual", "Organization"),
    ("Northwind", "Organization"),
    ("SAP", "Organization"),
    ("Voltra", "Organization"),
    ("Eindhoven", "Place"),
    ("Rotterdam", "Place"),
    ("Shenzhen", "Place"),
    ("Singapore", "Place"),
    ("Atlas", "Product"),
}


async def test_the_examples_make_one_node_of_the_right_type_per_thing(tmp_path):
    runtime = await open_runtime(load_settings(data_dir=tmp_path))
    try:
        for path in sorted(p for p in EXAMPLES.iterdir() if p.suffix in EXTENSIONS):
            request = IngestRequest(namespace="demo", title=path.stem, content=path.read_text())
            job, _ = await runtime.ingest.submit(request)
            assert (await runtime.ingest.wait(job.id)).status is JobStatus.SUCCEEDED
        rows = (
            await runtime.store.run(
                "test",
                "MATCH (e:Entity {namespace: $ns}) WHERE e.type <> 'Concept' "
                "RETURN e.name AS name, e.type AS type, e.aliases AS aliases",
                {"ns": "demo"},
                read_only=True,
            )
        ).rows
    finally:
        await runtime.close()
    found = {(r["name"], r["type"]) for r in rows}
    assert found == EXPECTED, f"missing {EXPECTED - found}, unexpected {found - EXPECTED}"
    aliases = {r["name"]: set(r["aliases"]) for r in rows}
    for full, first in [("Priya Raman", "Priya"), ("Maria Chen", "Maria"), ("Lena Fischer", "Lena")]:
        assert first in aliases[full], f"{first} is not an alias of {full}"
    assert {"Northwind Logistics"} <= aliases["Northwind"]

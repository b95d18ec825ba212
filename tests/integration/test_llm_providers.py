"""LLM extraction through the real SDKs against local servers that speak the OpenAI Chat Completions
and Bedrock Converse protocols: structured output, retries on throttling and 5xx, one repair of a
malformed answer, failed chunks recorded while the job goes on, the cache, and token usage."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import load_settings
from backend.domain import JobStatus
from backend.ingest.files import request_for
from backend.llm.schema import extraction_json_schema
from backend.runtime import open_runtime
from tests.support.llm_standins import Script, bedrock_handler, openai_handler, serve

pytestmark = pytest.mark.integration

CALL = Path(__file__).resolve().parents[2] / "examples" / "customer-call.srt"
KNOWN = {
    "Sven Larsen": "Person",
    "Priya": "Person",
    "Northwind": "Organization",
    "Rotterdam": "Place",
    "Singapore": "Place",
    "Voltra": "Organization",
    "Maritime Mutual": "Organization",
}


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


async def ingest(settings, namespace: str = "llm"):
    runtime = await open_runtime(settings)
    try:
        job, _ = await runtime.ingest.submit(request_for(CALL, namespace))
        job = await runtime.ingest.wait(job.id)
        names = await runtime.store.run(
            "t", "MATCH (e:Entity) WHERE e.namespace = $ns RETURN e.name AS n", {"ns": namespace}
        )
        return job, {r["n"] for r in names.rows}
    finally:
        await runtime.close()


def openai_settings(tmp_path, url: str, **extra):
    return load_settings(
        data_dir=tmp_path,
        llm_provider="openai",
        openai_base_url=f"{url}/v1",
        openai_api_key="sk-test-not-real",
        llm_model="gpt-4o-mini",
        **extra,
    )


async def test_openai_compatible_extraction_with_structured_output(tmp_path):
    script = Script(known=KNOWN)
    with serve(openai_handler(script)) as llm:
        job, names = await ingest(openai_settings(tmp_path, llm.url))
    assert job.status is JobStatus.SUCCEEDED, job.error
    result = job.result
    assert result["extractor"] == "openai:gpt-4o-mini" and result["failed_chunks"] == []
    assert {"Sven Larsen", "Northwind", "Rotterdam", "Maritime Mutual"} <= names
    usage = job.usage
    # the call is short: its chunks fit one extraction window, so one call reads them all
    assert usage.llm_calls == script.calls == 1 < result["chunks"]
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.cost_usd == pytest.approx((usage.input_tokens * 0.15 + usage.output_tokens * 0.60) / 1e6)
    sent = script.bodies[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"] == extraction_json_schema()
    assert sent["model"] == "gpt-4o-mini" and sent["temperature"] == 0.0


async def test_throttling_and_5xx_are_retried(tmp_path):
    script = Script(known=KNOWN, throttle_first=2, fail_first=1)
    with serve(openai_handler(script)) as llm:
        job, names = await ingest(
            openai_settings(tmp_path, llm.url, llm_concurrency=1, extract_window_tokens=0)
        )
    assert job.status is JobStatus.SUCCEEDED and job.result["failed_chunks"] == []
    assert job.usage.retries == 3
    assert job.usage.llm_calls == job.result["chunks"]  # retried attempts are not billed calls
    assert "Northwind" in names


async def test_a_malformed_answer_is_repaired_once(tmp_path):
    script = Script(known=KNOWN, garbage_once_for="Maritime Mutual")
    with serve(openai_handler(script)) as llm:
        job, names = await ingest(openai_settings(tmp_path, llm.url, extract_window_tokens=0))
    assert job.status is JobStatus.SUCCEEDED and job.result["failed_chunks"] == []
    assert job.usage.llm_calls == job.result["chunks"] + 1  # the repair call
    repair = next(b for b in script.bodies if any(m["role"] == "assistant" for m in b["messages"]))
    assert repair["messages"][-2]["content"] == "{not json"
    assert "not valid: not JSON" in repair["messages"][-1]["content"]
    assert "Maritime Mutual" in names


async def test_a_chunk_that_stays_malformed_is_recorded_and_the_job_goes_on(tmp_path):
    script = Script(known=KNOWN, garbage_always_for="Maritime Mutual")
    with serve(openai_handler(script)) as llm:  # one call per chunk: only that chunk fails
        job, names = await ingest(openai_settings(tmp_path, llm.url, extract_window_tokens=0))
    assert job.status is JobStatus.SUCCEEDED
    [failed] = job.result["failed_chunks"]
    assert failed["error"].startswith("invalid model output after one repair: not JSON")
    assert "Maritime Mutual" not in names and "Rotterdam" in names


async def test_a_chunk_the_model_could_not_take_says_so_in_our_words(tmp_path, caplog):
    """The provider's text (it can name an AWS account, a role ARN, a masked key) goes to the server
    log; the job's failed chunk says what happened and what to do."""
    script = Script(known=KNOWN, fail_first=1)  # the first call: 503 "overloaded", no retries left
    with serve(openai_handler(script)) as llm:
        job, _ = await ingest(
            openai_settings(tmp_path, llm.url, llm_concurrency=1, extract_window_tokens=0, llm_max_retries=0)
        )
    assert job.status is JobStatus.SUCCEEDED
    [failed] = job.result["failed_chunks"]
    assert failed["error"] == "the language model is unavailable; ask again shortly"
    assert "overloaded" not in job.model_dump_json()
    logged = [getattr(r, "error", "") for r in caplog.records if r.getMessage() == "extraction call failed"]
    assert any("overloaded" in e for e in logged), logged


async def test_a_job_whose_every_chunk_failed_fails_writes_nothing_and_can_be_retried(tmp_path, caplog):
    """The model down for the whole job: not a "succeeded" job with an empty graph, but a failed one
    that says why and succeeds when retried."""
    script = Script(known=KNOWN, fail_first=10_000)  # every call: 503
    with serve(openai_handler(script)) as llm:
        settings = openai_settings(tmp_path, llm.url, llm_max_retries=0, extract_window_tokens=0)
        runtime = await open_runtime(settings)
        try:
            job, _ = await runtime.ingest.submit(request_for(CALL, "down"))
            job = await runtime.ingest.wait(job.id)
            assert job.status is JobStatus.FAILED
            assert job.error.startswith("extraction failed for all ") and "retry the job" in job.error
            assert "the language model is unavailable" in job.error and "overloaded" not in job.error
            assert await runtime.store.list_transcripts("down") == []  # nothing half-written
            logged = [r for r in caplog.records if r.getMessage() == "ingest failed"]
            assert logged and logged[-1].job_id == job.id
            script.fail_first = 0  # the model answers again
            script.calls = 0
            await runtime.ingest.retry(job.id, "down")
            job = await runtime.ingest.wait(job.id)
            assert job.status is JobStatus.SUCCEEDED and job.result["failed_chunks"] == []
            assert [t.title for t in await runtime.store.list_transcripts("down")] == ["customer-call"]
        finally:
            await runtime.close()


async def test_a_rerun_is_answered_from_the_cache(tmp_path):
    script = Script(known=KNOWN)
    with serve(openai_handler(script)) as llm:
        settings = openai_settings(tmp_path, llm.url)
        first, _ = await ingest(settings, "first")
        calls = script.calls
        # the same transcript in another namespace sends the same prompts: all cache hits
        second, names = await ingest(settings, "second")
    assert script.calls == calls
    assert second.usage.cache_hits == first.usage.llm_calls and second.usage.llm_calls == 0
    assert second.usage.cost_usd == 0 and "Northwind" in names


async def test_bedrock_converse_with_a_forced_tool(tmp_path):
    script = Script(known=KNOWN, throttle_first=1)
    with serve(bedrock_handler(script)) as aws:
        settings = load_settings(
            data_dir=tmp_path,
            llm_provider="bedrock",
            llm_model="us.anthropic.claude-3-5-haiku-20241022-v1:0",
            aws_endpoint_url=aws.url,
            aws_region="us-east-1",
        )
        job, names = await ingest(settings)
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert {"Sven Larsen", "Northwind", "Singapore"} <= names
    assert job.usage.retries == 1 and job.usage.llm_calls == 1  # one extraction window
    assert job.usage.cost_usd == pytest.approx(
        (job.usage.input_tokens * 0.8 + job.usage.output_tokens * 4.0) / 1e6
    )
    sent = script.bodies[-1]
    assert sent["modelId"] == "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    tool = sent["toolConfig"]["tools"][0]["toolSpec"]
    assert tool["inputSchema"]["json"] == extraction_json_schema()
    assert sent["toolConfig"]["toolChoice"] == {"tool": {"name": tool["name"]}}
    assert sent["system"][0]["text"].startswith("You extract a knowledge graph")


async def test_bedrock_answer_without_the_tool_is_repaired_then_recorded(tmp_path):
    script = Script(known=KNOWN, garbage_always_for="Maritime Mutual")
    with serve(bedrock_handler(script)) as aws:
        settings = load_settings(
            data_dir=tmp_path, llm_provider="bedrock", aws_endpoint_url=aws.url, extract_window_tokens=0
        )
        job, _ = await ingest(settings)
    assert job.status is JobStatus.SUCCEEDED
    assert len(job.result["failed_chunks"]) == 1


async def test_extraction_windows_cut_calls_and_keep_mentions_at_chunk_precision(tmp_path):
    """A real meeting: one call per ~1,000-token window instead of one per chunk; the same entities,
    and every mention on a chunk that says the name."""
    from tests.support.qmsum import meeting_path

    meeting = meeting_path("ES2006a")
    known = {"remote control": "Product", "Project Manager": "Person", "Marketing": "Organization",
             "button": "Concept", "animal": "Concept"}  # fmt: skip
    found = {}
    for window in (0, 1000):
        script = Script(known=known)
        with serve(openai_handler(script)) as llm:
            settings = openai_settings(tmp_path / str(window), llm.url, extract_window_tokens=window)
            runtime = await open_runtime(settings)
            try:
                job, _ = await runtime.ingest.submit(request_for(meeting, "meeting"))
                job = await runtime.ingest.wait(job.id)
                mentions = await runtime.store.run(
                    "t", "MATCH (e:Entity)-[:MENTIONED_IN]->(c:Chunk) WHERE e.namespace = $ns "
                    "RETURN e.name AS name, c.text AS text", {"ns": "meeting"},
                )  # fmt: skip
            finally:
                await runtime.close()
        assert job.status is JobStatus.SUCCEEDED, job.error
        found[window] = (job, script.calls, {r["name"] for r in mentions.rows}, mentions.rows)
    per_chunk, windowed = found[0], found[1000]
    chunks = per_chunk[0].result["chunks"]
    assert per_chunk[1] == chunks and windowed[1] <= chunks / 5
    assert windowed[2] == per_chunk[2] and len(windowed[2]) >= 3
    stray = [
        (r["name"], r["text"][:80]) for r in windowed[3] if r["name"].casefold() not in r["text"].casefold()
    ]
    assert stray == [], stray


async def test_a_relations_description_is_quoted_from_the_transcript(tmp_path):
    """The model is not asked to describe a relation; the graph's description is the sentence of the
    evidence chunk that states it, word for word."""
    script = Script(known=KNOWN)
    with serve(openai_handler(script)) as llm:
        runtime = await open_runtime(openai_settings(tmp_path, llm.url))
        try:
            job, _ = await runtime.ingest.submit(request_for(CALL, "llm"))
            job = await runtime.ingest.wait(job.id)
            related = await runtime.store.run(
                "t", "MATCH (a:Entity)-[r:RELATED]->(b:Entity) WHERE a.namespace = $ns "
                "AND r.type = 'MENTIONED_WITH' RETURN a.name AS a, b.name AS b, r.description AS said",
                {"ns": "llm"},
            )  # fmt: skip
        finally:
            await runtime.close()
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert "description" not in script.bodies[0]["response_format"]["json_schema"]["schema"]["$defs"][
        "ExtractedRelation"]["properties"]  # fmt: skip
    transcript = " ".join(CALL.read_text().split())
    quoted = [r for r in related.rows if r["said"]]
    assert len(quoted) >= 3, related.rows
    assert all(r["said"] in transcript for r in quoted), quoted  # the transcript's own words
    # naming an end ("Priya" for Priya Raman); the rest are said by one
    naming = [r for r in quoted if any(w in r["said"] for n in (r["a"], r["b"]) for w in n.split())]
    assert len(naming) >= len(quoted) * 0.75, quoted

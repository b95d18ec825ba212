"""The embedders: the offline model's vectors mean something; the hosted ones are driven through the
real SDKs against local servers that speak Bedrock InvokeModel (Titan v2) and OpenAI embeddings."""

from __future__ import annotations

import json
import math
import re
from urllib.parse import unquote

import numpy as np
import pytest

from backend.config import SettingsError, load_settings
from backend.embed.factory import build_embedder
from tests.support.http_standin import StandIn

pytestmark = pytest.mark.integration


def fake_vector(text: str, dim: int) -> list[float]:
    raw = [math.sin(len(text) * (i + 1)) for i in range(dim)]
    norm = math.sqrt(sum(x * x for x in raw))
    return [x / norm for x in raw]


async def test_offline_embeddings_are_unit_vectors_that_rank_meaning(embedder):
    question, right, wrong = await embedder.embed(
        [
            "How long does the battery last?",
            "The battery lasts eleven days on one charge.",
            "We met in Rotterdam.",
        ]
    )
    vectors = np.array([question, right, wrong])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    # batching and order do not change a text's vector
    again = await embedder.embed(["We met in Rotterdam.", "How long does the battery last?"])
    assert np.allclose(again[0], wrong, atol=1e-5) and np.allclose(again[1], question, atol=1e-5)


async def test_titan_v2_through_boto3(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    seen = []

    def titan(method, path, headers, body):
        model = unquote(re.fullmatch(r"/model/(.+)/invoke", path).group(1))
        request = json.loads(body)
        seen.append((model, request))
        payload = {
            "embedding": fake_vector(request["inputText"], request["dimensions"]),
            "inputTextTokenCount": 5,
        }
        return 200, {"content-type": "application/json"}, json.dumps(payload).encode()

    with StandIn(titan) as aws:
        settings = load_settings(
            data_dir=tmp_path, embedding_provider="bedrock", embedding_dim=256, aws_endpoint_url=aws.url
        )
        vectors = await build_embedder(settings).embed(["alpha", "beta gamma"])
    assert [len(v) for v in vectors] == [256, 256]
    assert vectors[1] == pytest.approx(fake_vector("beta gamma", 256))
    assert {m for m, _ in seen} == {"amazon.titan-embed-text-v2:0"}
    assert all(r["normalize"] is True and r["dimensions"] == 256 for _, r in seen)


def test_titan_needs_a_dimension_it_supports(tmp_path):
    settings = load_settings(data_dir=tmp_path, embedding_provider="bedrock", embedding_dim=384)
    with pytest.raises(SettingsError, match="KW_EMBEDDING_DIM must be one of"):
        build_embedder(settings)


async def test_openai_compatible_embeddings(tmp_path):
    def handler(method, path, headers, body):
        request = json.loads(body)
        data = [
            {"object": "embedding", "index": i, "embedding": fake_vector(t, request["dimensions"])}
            for i, t in reversed(list(enumerate(request["input"])))  # out of order, as servers may answer
        ]
        payload = {
            "object": "list",
            "data": data,
            "model": request["model"],
            "usage": {"prompt_tokens": 3, "total_tokens": 3},
        }
        return 200, {"content-type": "application/json"}, json.dumps(payload).encode()

    with StandIn(handler) as server:
        settings = load_settings(
            data_dir=tmp_path,
            embedding_provider="openai",
            embedding_dim=512,
            openai_base_url=f"{server.url}/v1",
        )
        vectors = await build_embedder(settings).embed(["one", "three"])
        sent = json.loads(server.requests[0][3])
    assert vectors[0] == pytest.approx(fake_vector("one", 512)) and vectors[1] == pytest.approx(
        fake_vector("three", 512)
    )
    assert sent["model"] == "text-embedding-3-small" and sent["dimensions"] == 512


async def test_offline_passage_embedder_finds_the_passage_that_answers_the_question():
    from backend.embed.bge import BgeSmallEmbedder

    bge = BgeSmallEmbedder()
    [question] = await bge.embed([bge.query_prefix + "How long does the battery last?"])
    passages = await bge.embed(
        [
            "Marketing: We met in Rotterdam to talk about the launch.",
            "Industrial Designer: On one charge the battery lasts eleven days, longer than the old one.",
            "Project Manager: The remote control should be cheap.",
        ]
    )
    scores = np.array(passages) @ np.array(question)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert scores.argmax() == 1 and scores[1] > max(scores[0], scores[2]) + 0.05


async def test_a_graph_refuses_vectors_of_another_model(tmp_path):
    from backend.runtime import open_runtime

    old = load_settings(data_dir=tmp_path, embedding_model="all-MiniLM-L6-v2")
    runtime = await open_runtime(old)
    try:
        from backend.ingest.pipeline import IngestRequest

        job, _ = await runtime.ingest.submit(
            IngestRequest(namespace="n", title="t", content="Ann: The battery lasts a week.")
        )
        assert (await runtime.ingest.wait(job.id)).status.value == "succeeded"
    finally:
        await runtime.close()
    with pytest.raises(SettingsError, match=r"all-MiniLM-L6-v2-int8.*bge-small-en-v1\.5-int8"):
        await open_runtime(load_settings(data_dir=tmp_path))  # the default passage model is bge-small
    runtime = await open_runtime(old)  # the graph's own model still opens it
    await runtime.close()


async def test_the_reranker_puts_the_passage_that_answers_first():
    from backend.domain import Citation
    from backend.retrieve.rerank import CrossEncoderReranker

    def cited(n: int, text: str) -> Citation:
        return Citation(transcript_id="t", title="", chunk_id=f"c{n}", text=text, speakers=[], start_s=None,
                        end_s=None, turn_start=n, turn_end=n, score=0.0)  # fmt: skip

    passages = [
        cited(0, "Marketing: The battery of the old remote was a topic at the last meeting too."),
        cited(1, "Industrial Designer: On one charge the kinetic battery lasts eleven days."),
        cited(2, "Project Manager: Let us talk about the budget for the case."),
    ]
    ranked = await CrossEncoderReranker().rerank("How long does the battery last on one charge?", passages)
    assert ranked[0].chunk_id == "c1"
    assert ranked[0].score > ranked[1].score >= ranked[2].score


async def test_with_rerank_top_set_retrieval_reranks_and_still_cites_k(tmp_path):
    from backend.ingest.pipeline import IngestRequest
    from backend.retrieve.evidence import Question
    from backend.runtime import open_runtime

    runtime = await open_runtime(load_settings(data_dir=tmp_path, rerank_top=6))
    try:
        lines = [f"Ann: Item {n} on the agenda is the office move to floor {n}." for n in range(40)]
        lines[25] = "Bob: The kinetic battery lasts eleven days on one charge."
        request = IngestRequest(namespace="n", title="t", content="\n".join(lines))
        job, _ = await runtime.ingest.submit(request)
        assert (await runtime.ingest.wait(job.id)).status.value == "succeeded"
        question = Question(question="How long does the battery last?", k=2)
        evidence = await runtime.retriever.retrieve("n", question)
    finally:
        await runtime.close()
    assert "rerank" in evidence.timings_ms
    assert len(evidence.citations) == 2
    assert "eleven days" in evidence.citations[0].text

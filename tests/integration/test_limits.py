"""The request limits over real HTTP, as a caller meets them: a body over its limit is 413 before it is
read and before auth; a caller over its rate is 429 with Retry-After, and other callers are not; a
question beyond those in flight is 503 with Retry-After at once, and is answered again once there is
room; an upload beyond the queued jobs is refused the same way."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from backend.api.app import create_app
from backend.config import load_settings
from backend.errors import Overloaded
from backend.ingest.pipeline import IngestRequest
from backend.runtime import open_runtime
from tests.support.live_server import live_server

pytestmark = pytest.mark.integration

KEY_A = "key-for-team-a-0123456789"
KEY_B = "key-for-team-b-0123456789"


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def raw_request(url: str, head: bytes, body_part: bytes) -> bytes:
    """Send the head and only part of the body, then read what the server answers."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head + body_part)
        answer = b""
        while b"\r\n\r\n" not in answer:
            got = sock.recv(65536)
            if not got:
                break
            answer += got
        return answer


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("limits"),
        api_keys={KEY_A: "team-a", KEY_B: "team-b"},
        max_upload_bytes=200_000,
        rate_limit_per_s=0.01,  # one request per 100 s after the burst: a test never outruns it by luck
        rate_limit_burst=12,
    )
    with live_server(settings) as url:
        yield url


def test_a_60_mb_body_is_413_before_it_is_read_and_before_auth(api):
    # The head says 60 MB; the server answers after 1 KB of it, without waiting for the rest, and
    # before looking at the (missing) API key.
    head = (
        b"POST /v1/retrieve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 60000000\r\n\r\n"
    )
    answer = raw_request(api, head, b'{"question": "' + b"a" * 1000)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"KW_MAX_REQUEST_BYTES" in answer
    # the same with a client that sends it all: 413, not 401
    response = httpx.post(
        f"{api}/v1/retrieve",
        content=b'{"question": "' + b"a" * 60_000_000 + b'"}',
        headers={"content-type": "application/json"},
        timeout=120,
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large" and "60,000,016 bytes" in error["message"]
    assert error["details"] == {"limit_bytes": 1_000_000}


def test_a_streamed_body_is_cut_off_at_the_limit(api):
    # No Content-Length: the server counts what arrives and answers 413 once it passes the limit,
    # while the client still has most of its 60 MB to send.
    head = (
        b"POST /v1/transcripts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + KEY_A.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 65_536
    answer = raw_request(api, head, (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 4)  # 256 KB of 60 MB
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"KW_MAX_UPLOAD_BYTES" in answer


def test_a_caller_over_its_rate_gets_429_with_retry_after_and_others_do_not(api):
    statuses = []
    for _ in range(14):
        response = httpx.get(f"{api}/v1/graph/stats", headers=auth(KEY_A), timeout=60)
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and "KW_RATE_LIMIT_PER_S" in error["message"]
    assert error["details"]["retry_after_s"] == int(response.headers["retry-after"])
    # another key has a bucket of its own; health checks are never limited
    assert httpx.get(f"{api}/v1/graph/stats", headers=auth(KEY_B), timeout=60).status_code == 200
    assert httpx.get(f"{api}/healthz", timeout=60).status_code == 200


def test_the_openapi_document_lists_each_limit(api):
    paths = httpx.get(f"{api}/openapi.json", timeout=60).json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if path.startswith("/v1/"):
                assert "429" in operation["responses"], (method, path)
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
    for path in ("/v1/query", "/v1/retrieve"):
        shed = paths[path]["post"]["responses"]["503"]
        assert "Retry-After" in shed["headers"] and "overloaded" in shed["description"]


def test_a_question_beyond_those_in_flight_is_503_at_once_then_answered_when_there_is_room(tmp_path):
    settings = load_settings(data_dir=tmp_path, max_questions_in_flight=1)
    app = create_app(settings)
    entered, release = threading.Event(), threading.Event()
    with live_server(settings, app) as api:
        retriever = app.state.runtime.retriever
        answer_for_real = retriever.retrieve

        async def slow_retrieve(namespace, question):  # a question that takes until the test says so
            entered.set()
            await asyncio.to_thread(release.wait, 300)
            return await answer_for_real(namespace, question)

        retriever.retrieve = slow_retrieve
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(httpx.post, f"{api}/v1/query", json={"question": "Who?"}, timeout=300)
            assert entered.wait(timeout=120), "the first question never started"
            started = time.monotonic()
            for path in ("/v1/query", "/v1/retrieve"):
                shed = httpx.post(f"{api}{path}", json={"question": "Where?"}, timeout=120)
                assert shed.status_code == 503, shed.text
                assert shed.headers["retry-after"] == "1"
                error = shed.json()["error"]
                assert error["code"] == "overloaded" and "KW_MAX_QUESTIONS_IN_FLIGHT" in error["message"]
            assert time.monotonic() - started < 60  # refused at once, not queued behind the first
            assert httpx.get(f"{api}/v1/graph/stats", timeout=60).status_code == 200  # other routes go on
            release.set()
            assert first.result(timeout=300).status_code == 200
        retriever.retrieve = answer_for_real
        assert httpx.post(f"{api}/v1/retrieve", json={"question": "Who?"}, timeout=120).status_code == 200


async def test_an_upload_beyond_the_queued_jobs_is_refused_until_they_run(tmp_path):
    runtime = await open_runtime(load_settings(data_dir=tmp_path, max_queued_jobs=1), start_workers=False)
    try:
        queued, _ = await runtime.ingest.submit(
            IngestRequest(namespace="q", content="Ann: The office opens in May.")
        )
        with pytest.raises(Overloaded) as refused:
            await runtime.ingest.submit(
                IngestRequest(namespace="q", content="Bob: The trackers ship in June.")
            )
        assert refused.value.retry_after_s > 0 and "KW_MAX_QUEUED_JOBS" in refused.value.message
        # the same transcript again is not new work: it answers with its queued job
        again, created = await runtime.ingest.submit(
            IngestRequest(namespace="q", content="Ann: The office opens in May.")
        )
        assert again.id == queued.id and not created
    finally:
        await runtime.close()

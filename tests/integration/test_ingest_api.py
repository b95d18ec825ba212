"""Ingest over HTTP: 202 and a job, real progress over SSE, duplicates, multipart uploads, limits,
errors that say what to fix, delete, retry, and namespaces."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest

from backend import sse
from backend.config import load_settings
from backend.ingest.pipeline import STAGES
from tests.support.live_server import live_server
from tests.support.sse import read_events

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY_A = "key-for-team-a-0123456789"
KEY_B = "key-for-team-b-0123456789"


@pytest.fixture(scope="module")
def api(tmp_path_factory, graph_backend):
    settings = graph_backend(
        data_dir=tmp_path_factory.mktemp("ingest-api"), api_keys={KEY_A: "team-a", KEY_B: "team-b"},
        max_upload_bytes=50_000,
    )  # fmt: skip
    with live_server(settings) as url:
        yield url


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def post_json(api: str, key: str, **body) -> httpx.Response:
    return httpx.post(f"{api}/v1/transcripts", json=body, headers=auth(key), timeout=30)


def test_upload_runs_a_job_with_real_progress_to_done(api):
    content = (EXAMPLES / "product-sync.vtt").read_text()
    accepted = post_json(api, KEY_A, content=content, title="Product sync")
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["job_id"].startswith("job_") and body["transcript_id"].startswith("tr_")
    assert body["duplicate"] is False
    events = read_events(f"{api}/v1/jobs/{body['job_id']}/events", auth(KEY_A))
    names = [name for name, _ in events]
    assert names[0] == "progress" and names[-1] == "done"
    progress = [data["progress"] for name, data in events if name == "progress"]
    assert progress == sorted(progress) and all(0 <= p < 1 for p in progress)
    # each stage shown once, in the pipeline's order (`embed` showed twice)
    shown = [data["stage"] for name, data in events if name == "stage"]
    assert shown == sorted(set(shown), key=list(STAGES).index)
    result = events[-1][1]["result"]
    # the counts in the events are the pipeline's real counts
    extracts = [
        d["counts"]["extract"] for n, d in events if n == "progress" and "extract" in d.get("counts", {})
    ]
    if extracts:  # a fast job may finish before the stream connects; then the snapshot says it all
        assert extracts[-1] == {"done": result["chunks"], "total": result["chunks"]}
    job = httpx.get(f"{api}/v1/jobs/{body['job_id']}", headers=auth(KEY_A)).json()
    assert job["status"] == "succeeded" and job["progress"] == 1.0 and job["result"] == result
    assert job["transcript_id"] == body["transcript_id"]
    detail = httpx.get(f"{api}/v1/transcripts/{body['transcript_id']}", headers=auth(KEY_A)).json()
    assert detail["title"] == "Product sync" and detail["segment_count"] == 13


def test_posting_the_same_transcript_again_is_a_no_op(api):
    content = (EXAMPLES / "customer-call.srt").read_text()
    first = post_json(api, KEY_A, content=content).json()
    read_events(f"{api}/v1/jobs/{first['job_id']}/events", auth(KEY_A))
    stats = httpx.get(f"{api}/v1/graph/stats", headers=auth(KEY_A)).json()
    again = post_json(api, KEY_A, content=content)
    assert again.status_code == 202
    assert again.json() == {**first, "status": "succeeded", "duplicate": True}
    assert httpx.get(f"{api}/v1/graph/stats", headers=auth(KEY_A)).json() == stats


def test_the_same_transcript_posted_ten_times_at_once_makes_one_job(api):
    from concurrent.futures import ThreadPoolExecutor

    content = (
        EXAMPLES / "customer-call.srt"
    ).read_text() + "\n\n99\n00:09:00,000 --> 00:09:02,000\nAll at once.\n"
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: post_json(api, KEY_A, content=content), range(10)))
    assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert len({b["job_id"] for b in bodies}) == 1
    assert sorted(b["duplicate"] for b in bodies) == [False] + [True] * 9
    assert read_events(f"{api}/v1/jobs/{bodies[0]['job_id']}/events", auth(KEY_A))[-1][0] == "done"


def test_multipart_file_upload_uses_the_file_name(api):
    path = EXAMPLES / "engineering-standup.txt"
    with path.open("rb") as handle:
        accepted = httpx.post(
            f"{api}/v1/transcripts",
            files={"file": (path.name, handle, "text/plain")},
            headers=auth(KEY_A),
            timeout=30,
        )
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert read_events(f"{api}/v1/jobs/{body['job_id']}/events", auth(KEY_A))[-1][0] == "done"
    detail = httpx.get(f"{api}/v1/transcripts/{body['transcript_id']}", headers=auth(KEY_A)).json()
    assert detail["title"] == "engineering-standup" and detail["source"] == "file:engineering-standup.txt"


@pytest.mark.parametrize(
    ("form", "title"), [({}, "Quarterly board review"), ({"title": "Board, Q3"}, "Board, Q3")]
)
def test_an_uploaded_transcript_keeps_its_own_title_unless_the_form_gives_one(api, form, title):
    """A turns file titled inside is called what it calls itself, as `weaver ingest` calls it; a title
    in the form wins; the file's name is the last resort (above)."""
    meeting = json.loads((EXAMPLES / "board-review.json").read_text())
    # content of its own in each case (the same content twice would be a duplicate)
    meeting["turns"].append({"speaker": "Maria Chen", "text": f"Noted for the {title} minutes."})
    files = {"file": ("board-review.json", json.dumps(meeting).encode())}
    accepted = httpx.post(f"{api}/v1/transcripts", files=files, data=form, headers=auth(KEY_A), timeout=30)
    body = accepted.json()
    assert read_events(f"{api}/v1/jobs/{body['job_id']}/events", auth(KEY_A))[-1][0] == "done"
    detail = httpx.get(f"{api}/v1/transcripts/{body['transcript_id']}", headers=auth(KEY_A)).json()
    assert detail["title"] == title


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": ""}, "empty"),
        ({"content": "WEBVTT\n\n00:00:01.000 --> nope\nhi\n", "format": "vtt"}, "line 3"),
        ({"content": [{"speaker": "A", "words": "hi"}], "format": "turns"}, "needs a 'text'"),
        ({"content": "hi", "format": "docx"}, "format: must be one of"),
        ({"title": "no content"}, "content"),
        ({"content": "hi", "namespace": "bad namespace!"}, "namespace"),
    ],
)
def test_bad_uploads_are_422_and_say_what_to_fix(api, body, field):
    response = post_json(api, KEY_A, **body)
    assert response.status_code == 422
    assert field in response.json()["error"]["message"]


def test_oversized_upload_is_413(api):
    response = post_json(api, KEY_A, content="Ann: " + "word " * 20_000)
    assert response.status_code == 413
    assert "KW_MAX_UPLOAD_BYTES" in response.json()["error"]["message"]


def test_jobs_and_transcripts_stay_in_their_namespace(api):
    accepted = post_json(api, KEY_A, content="Ann: The Lisbon office opens in May.\nBob: Great news.").json()
    read_events(f"{api}/v1/jobs/{accepted['job_id']}/events", auth(KEY_A))
    assert httpx.get(f"{api}/v1/jobs/{accepted['job_id']}", headers=auth(KEY_B)).status_code == 404
    assert httpx.get(f"{api}/v1/jobs/{accepted['job_id']}/events", headers=auth(KEY_B)).status_code == 404
    assert (
        httpx.get(f"{api}/v1/transcripts/{accepted['transcript_id']}", headers=auth(KEY_B)).status_code == 404
    )
    assert accepted["transcript_id"] not in [
        t["id"] for t in httpx.get(f"{api}/v1/transcripts", headers=auth(KEY_B)).json()
    ]
    assert post_json(api, KEY_A, content="x", namespace="team-b").status_code == 403


def test_retry_is_only_for_failed_jobs(api):
    accepted = post_json(api, KEY_A, content="Ann: Retry me.\nBob: Why?").json()
    read_events(f"{api}/v1/jobs/{accepted['job_id']}/events", auth(KEY_A))
    response = httpx.post(f"{api}/v1/jobs/{accepted['job_id']}/retry", headers=auth(KEY_A))
    assert response.status_code == 409 and "only a failed job" in response.json()["error"]["message"]
    assert httpx.post(f"{api}/v1/jobs/job_nope/retry", headers=auth(KEY_A)).status_code == 404


def test_delete_removes_the_transcript_and_its_orphans(api):
    text = "Zed Quill: The Oslo warehouse ships to Reykjavik.\nYara Vint: Only on Mondays."
    accepted = post_json(api, KEY_B, content=text).json()
    assert read_events(f"{api}/v1/jobs/{accepted['job_id']}/events", auth(KEY_B))[-1][0] == "done"
    before = httpx.get(f"{api}/v1/graph/stats", headers=auth(KEY_B)).json()
    assert before["transcripts"] == 1 and before["entities"] >= 4
    deleted = httpx.delete(f"{api}/v1/transcripts/{accepted['transcript_id']}", headers=auth(KEY_B))
    assert deleted.status_code == 204
    after = httpx.get(f"{api}/v1/graph/stats", headers=auth(KEY_B)).json()
    assert after == {"transcripts": 0, "chunks": 0, "entities": 0, "relations": 0, "entities_by_type": {}}
    again = httpx.delete(f"{api}/v1/transcripts/{accepted['transcript_id']}", headers=auth(KEY_B))
    assert again.status_code == 404


def test_the_same_transcript_posted_after_delete_is_ingested_again(api):
    text = "Ola Brandt: The Tromso lab moves to Bergen.\nPia Stoltz: Only after the audit."
    stats_url, transcripts_url = f"{api}/v1/graph/stats", f"{api}/v1/transcripts"
    empty = httpx.get(stats_url, headers=auth(KEY_B)).json()
    first = post_json(api, KEY_B, content=text).json()
    assert read_events(f"{api}/v1/jobs/{first['job_id']}/events", auth(KEY_B))[-1][0] == "done"
    ingested = httpx.get(stats_url, headers=auth(KEY_B)).json()
    assert ingested["transcripts"] == empty["transcripts"] + 1
    deleted = httpx.delete(f"{transcripts_url}/{first['transcript_id']}", headers=auth(KEY_B))
    assert deleted.status_code == 204
    assert httpx.get(stats_url, headers=auth(KEY_B)).json() == empty

    again = post_json(api, KEY_B, content=text)
    assert again.status_code == 202
    body = again.json()
    assert body["duplicate"] is False and body["job_id"] != first["job_id"]
    assert body["transcript_id"] == first["transcript_id"]
    assert read_events(f"{api}/v1/jobs/{body['job_id']}/events", auth(KEY_B))[-1][0] == "done"
    assert httpx.get(stats_url, headers=auth(KEY_B)).json() == ingested
    assert httpx.get(f"{transcripts_url}/{first['transcript_id']}", headers=auth(KEY_B)).status_code == 200
    # now that it is back, the same content again is a duplicate of the new job, not the deleted one
    third = post_json(api, KEY_B, content=text).json()
    assert third == {**body, "status": "succeeded", "duplicate": True}
    # the old job still says what it did
    old = httpx.get(f"{api}/v1/jobs/{first['job_id']}", headers=auth(KEY_B)).json()
    assert old["status"] == "succeeded"
    httpx.delete(f"{transcripts_url}/{first['transcript_id']}", headers=auth(KEY_B))


def test_a_transcript_still_being_ingested_says_so_and_cannot_be_deleted_yet(tmp_path):
    """Its job writes it at the end: until then a delete would be undone by that write (409), and a
    lookup says which job is ingesting it rather than "no transcript"."""
    from tests.support.llm_standins import Script, openai_handler, serve

    script = Script(known={"Northwind": "Organization"}, extract_delay_s=3.0)  # a job of 3 s or more
    with serve(openai_handler(script)) as llm:
        settings = load_settings(data_dir=tmp_path, llm_provider="openai", openai_base_url=f"{llm.url}/v1")
        with live_server(settings) as api:
            body = httpx.post(
                f"{api}/v1/transcripts",
                json={"content": (EXAMPLES / "customer-call.srt").read_text()},
                timeout=30,
            ).json()
            url = f"{api}/v1/transcripts/{body['transcript_id']}"
            refused = httpx.delete(url, timeout=30)
            looked_up = httpx.get(url, timeout=30)
            job = httpx.get(f"{api}/v1/jobs/{body['job_id']}", timeout=30).json()
            assert job["status"] in ("queued", "running"), job  # the answers above came while it ran
            assert refused.status_code == 409, refused.text
            assert refused.json()["error"]["details"]["job_id"] == body["job_id"]
            assert looked_up.status_code == 404 and body["job_id"] in looked_up.json()["error"]["message"]
            assert read_events(f"{api}/v1/jobs/{body['job_id']}/events")[-1][0] == "done"
            assert httpx.get(url, timeout=30).status_code == 200
            assert httpx.delete(url, timeout=30).status_code == 204


def test_a_queued_job_says_where_it_stands_and_its_followers_see_it_move(tmp_path):
    """No worker runs here: the jobs wait. A caller sees how many are ahead of theirs, over GET and in
    the event stream, which says so again when a job ahead is taken (by a worker: here, a claim)."""
    from backend.ingest.sqlite_jobs import SqliteJobStore

    settings = load_settings(data_dir=tmp_path, api_runs_jobs=False, worker_processes=0)
    with live_server(settings) as url:
        jobs = [
            httpx.post(f"{url}/v1/transcripts", json={"content": f"Ana: Meeting {n} starts now."}, timeout=30)
            .json()["job_id"]
            for n in range(3)
        ]  # fmt: skip
        last = httpx.get(f"{url}/v1/jobs/{jobs[-1]}", timeout=30).json()
        assert last["status"] == "queued" and last["queue"] == {"waiting": 3, "ahead": 2}
        with httpx.stream("GET", f"{url}/v1/jobs/{jobs[-1]}/events", timeout=120) as response:
            events = sse.events(within(response.iter_lines(), time.monotonic() + 120))
            queued = [data for name, data in events_until(events, "queued")]
            assert queued[-1]["ahead"] == 2 and queued[-1]["waiting"] == 3
            worker = SqliteJobStore(tmp_path / "jobs.sqlite3")  # a worker takes the oldest
            assert asyncio.run(worker.claim("w", 60, 3)) is not None
            moved = [data for name, data in events_until(events, "queued")]
            worker.close()
        assert moved[-1] == {"job_id": jobs[-1], "waiting": 2, "ahead": 1}
        running = httpx.get(f"{url}/v1/jobs/{jobs[0]}", timeout=30).json()
        assert running["status"] == "running" and running["queue"] is None


def within(lines, deadline: float):
    """The stream's lines (keep-alives too: one every 15 s) until the deadline, then a failure."""
    for line in lines:
        assert time.monotonic() < deadline, "the stream did not say what was expected in time"
        yield line


def events_until(events, wanted: str):
    """The stream's events up to and including the next `wanted` one."""
    for name, data in events:
        yield name, data
        if name == wanted:
            return

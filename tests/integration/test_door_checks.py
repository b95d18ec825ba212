"""What the ingest job would have found out too late is found at upload: a speaker name no entity can
carry, times that are not numbers, a language the transcriber does not know — each a 422 naming what
to fix, before a job exists. What is within the limits is accepted and finishes, however odd: a
transcript of one 1,999,995-character line (over the NLP model's 1M) is cut into chunks, not failed."""

from __future__ import annotations

import httpx
import pytest

from backend.config import load_settings
from tests.support.live_server import live_server
from tests.support.sse import read_events

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with live_server(load_settings(data_dir=tmp_path_factory.mktemp("door"))) as url:
        yield url


def test_a_line_longer_than_the_nlp_limit_is_ingested(api):
    content = "Ann: " + "x" * 1_999_990  # one line, no spaces, within KW_MAX_TRANSCRIPT_CHARS (2M)
    accepted = httpx.post(f"{api}/v1/transcripts", json={"content": content, "title": "Long"}, timeout=120)
    assert accepted.status_code == 202, accepted.text
    events = read_events(f"{api}/v1/jobs/{accepted.json()['job_id']}/events", timeout=600)
    assert events[-1][0] == "done", events[-1]
    assert events[-1][1]["result"]["chunks"] > 1
    transcript = httpx.get(f"{api}/v1/transcripts/{accepted.json()['transcript_id']}", timeout=30).json()
    assert transcript["title"] == "Long"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            [{"speaker": "S" * 10_000, "text": "We ship in May."}],
            "turn 1: the speaker name is 10,000 characters",
        ),
        (
            "WEBVTT\n\n00:00.000 --> 00:01.000\n<v " + "A" * 300 + ">Hello from Lisbon.\n",
            "a speaker name is at most 200",
        ),
        ('[{"speaker": "Ann", "text": "hi", "start": "NaN"}]', "[0].start: 'NaN' is not a number of seconds"),
        ('{"results": {"items": ["word"]}}', "results.items[0]: each item must be an object"),
        ('{"segments": [{"start": 0, "text": "hi", "speaker": [1]}]}', "segments[0].speaker"),
    ],
    ids=["turns-speaker", "vtt-voice", "nan-time", "transcribe-item", "whisper-speaker"],
)
def test_what_the_job_could_not_use_is_422_at_upload(api, content, says):
    before = httpx.get(f"{api}/v1/graph/stats", timeout=30).json()
    response = httpx.post(f"{api}/v1/transcripts", json={"content": content}, timeout=30)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "transcript_format" and says in error["message"]
    assert httpx.get(f"{api}/v1/graph/stats", timeout=30).json() == before


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"speaker": "P" * 10_000}, "speaker: the name is 10,000 characters; a speaker name is at most 200"),
        ({"language": "klingon"}, "language: Whisper does not know 'klingon'"),
        ({"title": "t" * 301}, "title: at most 300 characters"),
    ],
)
def test_recording_fields_the_job_could_not_use_are_422_before_the_audio_is_kept(api, fields, says):
    response = httpx.post(
        f"{api}/v1/recordings",
        files={"file": ("memo.wav", b"RIFF....WAVEfmt " + bytes(2000), "audio/wav")},
        data=fields,
        timeout=30,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == says or says in response.json()["error"]["message"]

"""Recordings heard with the names the graph knows (issue #23): real speech from espeak-ng through
the real Whisper model, API and embedded graph, and Amazon Transcribe through boto3 against the
protocol stand-ins. What a user checks: names the namespace holds come out right and link to their
existing entities, none duplicated; names it does not hold are unaffected; a citation shows what was
heard and the entity the name it is known by."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from backend.config import load_settings
from tests.support.aws_speech import SpeechCloud
from tests.support.http_standin import StandIn
from tests.support.live_server import live_server
from tests.support.speech import speak, transcode
from tests.support.sse import read_events

pytestmark = pytest.mark.integration

# Said by espeak-ng at 175 words a minute, Whisper base hears the held names as "Priya Natarajan met
# Henry Coulson from Nordley Energy" (measured); the names after "visit" are not held.
MEMO = (
    "Priya Natarajan met Henrik Olsen from Nordlys Energy in Trondheim. "
    "Next week she will visit Daniel Brown in Berlin."
)
HELD = ["Priya Natarajan", "Henrik Olsen", "Nordlys Energy", "Trondheim"]
NOT_HELD = {"Daniel Brown", "Berlin"}
SEED = (
    "Anna: Priya Natarajan called about the Solvik battery.\n"
    "Ben: Henrik Olsen from Nordlys Energy wants a pilot in Trondheim.\n"
    "Anna: Then Priya Natarajan and Henrik Olsen should meet."
)


@pytest.fixture(scope="module")
def memo(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("names")
    wav = speak(MEMO, folder / "memo.wav", words_per_minute=175)
    return {
        ".wav": wav,
        ".ogg": transcode(wav, folder / "memo.ogg"),
        ".mp3": transcode(wav, folder / "memo.mp3"),
    }


def done(api: str, accepted: httpx.Response) -> dict:
    assert accepted.status_code == 202, accepted.text
    events = read_events(f"{api}/v1/jobs/{accepted.json()['job_id']}/events", timeout=300)
    assert events[-1][0] == "done", events[-1]
    return httpx.get(f"{api}/v1/jobs/{accepted.json()['job_id']}").json()


def seed(api: str, namespace: str) -> dict[str, str]:
    done(api, httpx.post(f"{api}/v1/transcripts", json={"content": SEED, "namespace": namespace}))
    return entities(api, namespace)


def entities(api: str, namespace: str) -> dict[str, str]:
    found = httpx.get(f"{api}/v1/entities", params={"namespace": namespace, "limit": 200}).json()
    return {e["name"]: e["id"] for e in found}


def upload(api: str, path: Path, **fields) -> httpx.Response:
    with open(path, "rb") as f:
        return httpx.post(f"{api}/v1/recordings", files={"file": (path.name, f)}, data=fields, timeout=60)


def recording_mentions(api: str, namespace: str, entity_id: str, transcript_id: str) -> list[dict]:
    detail = httpx.get(f"{api}/v1/entities/{entity_id}", params={"namespace": namespace}).json()
    return [m for m in detail["mentions"] if m["transcript_id"] == transcript_id]


def test_held_names_are_heard_right_and_link_to_their_entities(memo, tmp_path):
    with live_server(load_settings(data_dir=tmp_path)) as api:
        before = seed(api, "crm")
        job = done(api, upload(api, memo[".wav"], namespace="crm", speaker="Ben"))
        after = entities(api, "crm")
        assert set(after) - set(before) <= NOT_HELD | {"Next week"} and set(after) >= NOT_HELD
        for name in HELD:
            assert after[name] == before[name]
            mentions = recording_mentions(api, "crm", before[name], job["transcript_id"])
            assert mentions, f"{name} is not linked to the recording"
        heard = recording_mentions(api, "crm", before["Henrik Olsen"], job["transcript_id"])[0]["text"]
        assert "Henrik Olsen" in heard and "Nordlys Energy" in heard, heard  # the recogniser got them

        too_many = upload(api, memo[".ogg"], namespace="fresh", hints=",".join(f"N{i}" for i in range(101)))
        assert too_many.status_code == 422 and "hints" in too_many.json()["error"]["message"]

        # A namespace that holds none of them: the request's hints alone bias the recogniser.
        job = done(api, upload(api, memo[".ogg"], namespace="fresh", hints="Nordlys Energy, Henrik Olsen"))
        assert {"Henrik Olsen", "Nordlys Energy", "Daniel Brown", "Berlin"} <= set(entities(api, "fresh"))


def test_names_heard_nearly_right_are_linked_and_the_chunk_keeps_what_was_heard(memo, tmp_path):
    settings = load_settings(data_dir=tmp_path, speech_bias_names=0)  # the recogniser on its own
    with live_server(settings) as api:
        before = seed(api, "crm")
        job = done(api, upload(api, memo[".wav"], namespace="crm", speaker="Ben"))
        links = job["result"]["names_linked"]
        assert links, "Whisper heard every name right without help: nothing left to check here"
        after = entities(api, "crm")
        assert set(after) - set(before) <= NOT_HELD | {"Next week"}  # no entity for a heard form
        for link in links:
            assert link["heard"] != link["name"] and link["entity_id"] == before[link["name"]]
            mention = recording_mentions(api, "crm", link["entity_id"], job["transcript_id"])[0]
            assert link["heard"] in mention["heard"] and link["heard"] in mention["text"]

        name = links[0]["name"]
        answer = httpx.post(
            f"{api}/v1/query", json={"question": f"Who did {name} meet?", "namespace": "crm"}, timeout=60
        ).json()
        cited = [c["text"] for c in answer["citations"] if c["transcript_id"] == job["transcript_id"]]
        assert cited and links[0]["heard"] in cited[0]  # the citation shows what was heard


def test_amazon_transcribe_uses_the_namespace_vocabulary_and_links_what_it_missed(
    memo, tmp_path, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    cloud = SpeechCloud(polls_before_done=2, polls_before_ready=3)
    cloud.said = [("spk_0", "Priya Natarajan here. I met Henry Coulson from Nordlys Energy in Trondheim.")]
    with StandIn(cloud.handle) as aws:
        settings = load_settings(
            data_dir=tmp_path, speech_provider="transcribe", speech_bucket="kw-media",
            aws_endpoint_url=aws.url, transcribe_poll_max_s=0.2,
        )  # fmt: skip
        with live_server(settings) as api:
            before = seed(api, "crm")
            job = done(api, upload(api, memo[".wav"], namespace="crm", language="en", hints="Solvik"))
            # "Henry Coulson" is Henrik Olsen; Transcribe's speaker label is a person of its own, as before
            assert set(entities(api, "crm")) - set(before) == {"spk_0"}
            assert {
                "heard": "Henry Coulson",
                "name": "Henrik Olsen",
                "entity_id": before["Henrik Olsen"],
            } in (job["result"]["names_linked"])
            # the same names again: the vocabulary is found, not made again
            done(api, upload(api, memo[".ogg"], namespace="crm", language="en", hints="Solvik"))
            # no language: Transcribe identifies it, and a vocabulary cannot be used
            done(api, upload(api, memo[".mp3"], namespace="crm"))

    targets = [(h["x-amz-target"], json.loads(b)) for _, _, h, b in aws.requests if "x-amz-target" in h]
    created = [body for target, body in targets if target == "Transcribe.CreateVocabulary"]
    assert len(created) == 1 and created[0]["LanguageCode"] == "en-US"
    assert {"Solvik", "Henrik-Olsen", "Nordlys-Energy", "Priya-Natarajan"} <= set(created[0]["Phrases"])
    starts = [body for target, body in targets if target == "Transcribe.StartTranscriptionJob"]
    assert [s["Settings"].get("VocabularyName") for s in starts] == [created[0]["VocabularyName"]] * 2 + [
        None
    ]
    assert starts[2]["IdentifyLanguage"] is True
    assert cloud.vocabularies[created[0]["VocabularyName"]]["VocabularyState"] == "READY"

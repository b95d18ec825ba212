"""Amazon Transcribe custom vocabularies through boto3 against the protocol stand-in: made once per
namespace and set of names, waited on until READY, found again by content, the namespace's
superseded ones deleted once old, room made at the account's limit, and a failure never fatal."""

from __future__ import annotations

import asyncio
import time

import boto3
import pytest

from backend.speech.custom_vocabulary import CustomVocabularies
from backend.speech.port import Vocabulary
from tests.support.aws_speech import SpeechCloud
from tests.support.http_standin import StandIn

pytestmark = pytest.mark.integration
HOUR = 3600


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    cloud = SpeechCloud(polls_before_ready=3)
    with StandIn(cloud.handle) as server:
        client = boto3.client("transcribe", region_name="us-east-1", endpoint_url=server.url)
        yield cloud, server, CustomVocabularies(client, "knowledgeweaver", poll_max_s=0.05)


def calls(server, operation: str) -> int:
    return sum(1 for _, _, h, _ in server.requests if h.get("x-amz-target") == f"Transcribe.{operation}")


def age(cloud: SpeechCloud, name: str, seconds: float) -> None:
    cloud.vocabularies[name]["LastModifiedTime"] = time.time() - seconds


def test_made_once_per_set_of_names_and_ready_before_use(aws):
    cloud, server, vocabularies = aws
    names = Vocabulary(namespace="crm", phrases=["Ben", "Henrik Olsen", "Nordlys Energy"])
    name = asyncio.run(vocabularies.ready(names, "en-US"))
    assert name and name.startswith("knowledgeweaver-vocab-")
    made = cloud.vocabularies[name]
    assert made["VocabularyState"] == "READY" and made["LanguageCode"] == "en-US"
    assert sorted(made["_phrases"]) == ["Ben", "Henrik-Olsen", "Nordlys-Energy"]
    assert calls(server, "GetVocabulary") >= 3  # polled while PENDING

    same_set = Vocabulary(namespace="crm", phrases=["Nordlys Energy", "Ben", "Henrik Olsen"])
    assert asyncio.run(vocabularies.ready(same_set, "en-US")) == name  # found by content
    other_namespace = asyncio.run(vocabularies.ready(same_set.model_copy(update={"namespace": "x"}), "en-US"))
    assert other_namespace not in (None, name)
    assert calls(server, "CreateVocabulary") == 2


def test_superseded_vocabularies_are_deleted_once_old_and_others_are_left(aws):
    cloud, _, vocabularies = aws
    first = asyncio.run(vocabularies.ready(Vocabulary(namespace="crm", phrases=["Henrik Olsen"]), "en-US"))
    other = asyncio.run(vocabularies.ready(Vocabulary(namespace="ops", phrases=["Henrik Olsen"]), "en-US"))
    second = asyncio.run(vocabularies.ready(Vocabulary(namespace="crm", phrases=["Solvik"]), "en-US"))
    assert asyncio.run(vocabularies.clean("crm", keep=second)) == []  # a job may still use the first
    age(cloud, first, 2 * HOUR)
    age(cloud, other, 2 * HOUR)
    assert asyncio.run(vocabularies.clean("crm", keep=second)) == [first]
    assert set(cloud.vocabularies) == {second, other}  # another namespace's is not ours to clean


def test_at_the_account_limit_the_oldest_old_one_makes_room(aws):
    cloud, _, vocabularies = aws
    cloud.max_vocabularies = 2
    one = asyncio.run(vocabularies.ready(Vocabulary(namespace="a", phrases=["Henrik Olsen"]), "en-US"))
    two = asyncio.run(vocabularies.ready(Vocabulary(namespace="b", phrases=["Henrik Olsen"]), "en-US"))
    age(cloud, one, 3 * HOUR)
    three = asyncio.run(vocabularies.ready(Vocabulary(namespace="c", phrases=["Henrik Olsen"]), "en-US"))
    assert three and set(cloud.vocabularies) == {two, three}
    # none old enough to go: this recording is transcribed without a vocabulary
    assert asyncio.run(vocabularies.ready(Vocabulary(namespace="d", phrases=["Solvik"]), "en-US")) is None


def test_a_vocabulary_the_service_fails_is_not_used(aws):
    cloud, _, vocabularies = aws
    cloud.polls_before_ready = 1
    names = Vocabulary(namespace="crm", phrases=["Henrik Olsen"])
    name = vocabularies.name_for(names, "en-US", ["Henrik-Olsen"])
    cloud.vocabularies[name] = {
        "VocabularyName": name,
        "LanguageCode": "en-US",
        "VocabularyState": "PENDING",
        "LastModifiedTime": time.time(),
        "_phrases": ["Henrik Olsen"],
        "_polls": 0,
    }  # fmt: skip  (made by a broken client earlier: a space inside an entry)
    assert asyncio.run(vocabularies.ready(names, "en-US")) is None
    assert cloud.vocabularies[name]["VocabularyState"] == "FAILED"
    assert asyncio.run(vocabularies.ready(Vocabulary(namespace="crm", phrases=["Route 66"]), "en-US")) is None

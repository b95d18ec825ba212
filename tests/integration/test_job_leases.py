"""Leased jobs, as two processes see them (two stores on the same backing), on both job stores: SQLite
(the data dir) and AWS (SQS + DynamoDB + S3 through the real boto3, against the moto server). One
claimer per job, a job taken over only when its lease has run out, a worker that lost its lease cannot
write, a job that keeps losing its worker dead-lettered with the reason, and events that every store
reads in order."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from backend.config import load_settings
from backend.domain import JobStatus

pytestmark = pytest.mark.integration
DEADLINE_S = 120  # generous: a busy 2-core machine


@pytest.fixture(params=["sqlite", "aws"])
def open_store(request, tmp_path):
    """A function that opens another store on the same jobs (another process's view of them)."""
    opened = []
    if request.param == "sqlite":
        from backend.ingest.sqlite_jobs import SqliteJobStore

        def open_():
            opened.append(SqliteJobStore(tmp_path / "jobs.sqlite3"))
            return opened[-1]
    else:
        from backend.config import load_settings
        from backend.ingest.aws_jobs import AwsJobStore
        from tests.support.aws_jobs import make_job_resources

        resources = make_job_resources(request.getfixturevalue("aws"), max_attempts=2)
        settings = load_settings(**resources.settings())

        def open_():
            store = AwsJobStore.from_settings(settings)
            # no long polls, and dead letters looked at on every claim: the tests wait on conditions
            store._wait_s, store._dead_letters_every_s = 0, 0.0
            opened.append(store)
            return store

    open_.backend = request.param
    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def aws_rows():
    """Every row the AWS store keeps for a job, read straight from the table."""

    def rows(store, job_id: str) -> list[dict]:
        return store._table.call(
            "query", TableName=store._table.name, KeyConditionExpression="job_id = :j",
            ExpressionAttributeValues={":j": {"S": job_id}}, ConsistentRead=True,
        )["Items"]  # fmt: skip

    return rows


async def until(check, what: str):
    deadline = time.monotonic() + DEADLINE_S
    while (found := await check()) is None or found is False:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)
    return found


async def test_each_job_goes_to_exactly_one_claimer(open_store):
    a, b = open_store(), open_store()
    ids = {(await a.create("ns", "transcript", f"tr{i}", {"n": i})).id for i in range(20)}
    assert await a.queued() == 20
    claims = await asyncio.gather(*(s.claim(f"w{i}", 60, 3) for i, s in enumerate([a, b] * 15)))
    taken = [c.id for c in claims if c is not None]
    assert sorted(taken) == sorted(ids)  # all 20 claimed, none twice, the 10 extra claims got nothing
    assert all(c.status is JobStatus.RUNNING and c.attempts == 1 for c in claims if c)
    assert await b.queued() == 0


async def test_a_queued_job_knows_its_place_as_others_are_taken(open_store):
    from backend.ingest.job_store import queue_place

    a, b = open_store(), open_store()
    jobs = [(await a.create("ns", "transcript", f"tr{i}", {"n": i})).id for i in range(3)]
    places = [await queue_place(b, job_id) for job_id in jobs]
    assert [p.waiting for p in places] == [3, 3, 3]
    if open_store.backend == "sqlite":  # the oldest first
        assert [p.ahead for p in places] == [0, 1, 2]
    else:  # an SQS standard queue hands messages out in no set order: there is no "ahead"
        assert [p.ahead for p in places] == [None, None, None]
    taken = await until(lambda: b.claim("w", 60, 3), "a claim")
    left = [job_id for job_id in jobs if job_id != taken.id]
    after = [await queue_place(a, job_id) for job_id in left]
    assert [p.waiting for p in after] == [2, 2]
    if open_store.backend == "sqlite":
        assert taken.id == jobs[0] and [p.ahead for p in after] == [0, 1]


async def test_a_job_is_taken_over_only_after_its_lease_runs_out(open_store):
    a, b = open_store(), open_store()
    job = await a.create("ns", "transcript", "tr", {"content": "x"})
    assert (await a.claim("alive", 3, 3)).id == job.id
    assert await b.claim("other", 60, 3) is None  # leased
    assert await a.renew(job.id, "alive", 3)
    taken = await until(lambda: b.claim("other", 60, 3), "the lease to run out")
    assert taken.id == job.id and taken.attempts == 2 and taken.worker == "other"
    # the first worker lost it: it can neither renew nor write the job's state
    assert not await a.renew(job.id, "alive", 60)
    assert not await a.update(job.id, owner="alive", status=JobStatus.SUCCEEDED, progress=1.0)
    assert await b.update(job.id, owner="other", progress=0.5)
    seen = await a.get(job.id)
    assert seen.status is JobStatus.RUNNING and seen.progress == 0.5 and seen.worker == "other"
    # the holder finishes: nobody can claim it again, and it reads as done everywhere
    assert await b.update(job.id, owner="other", status=JobStatus.SUCCEEDED, stage="done", progress=1.0)
    assert await a.claim("late", 60, 3) is None
    done = await a.get(job.id)
    assert done.status is JobStatus.SUCCEEDED and done.worker is None
    assert await a.request(job.id) == {"content": "x"}


async def test_a_job_handed_back_is_claimed_at_once_and_its_attempt_not_counted(open_store):
    a, b = open_store(), open_store()
    job = await a.create("ns", "transcript", "tr", {})
    for _ in range(4):  # more hand-backs than attempts allowed (a worker stopped cleanly, again and again)
        assert (await until(lambda: a.claim("stopping", 600, 3), "the job")).id == job.id
        assert not await b.hand_back(job.id, "someone-else")  # only the holder can
        assert await a.hand_back(job.id, "stopping")
        queued = await b.get(job.id)
        assert (queued.status, queued.attempts, queued.worker) == (JobStatus.QUEUED, 0, None)
    taken = await until(lambda: b.claim("next", 600, 3), "the handed-back job")  # no lease to wait out
    assert taken.id == job.id and taken.attempts == 1 and taken.worker == "next"


async def test_a_job_that_keeps_losing_its_worker_is_dead_lettered_with_the_reason(open_store):
    a, b = open_store(), open_store()
    job = await a.create("ns", "transcript", "tr", {})
    for attempt in range(2):  # each worker dies holding it: the lease runs out
        claimed = await until(lambda n=attempt: a.claim(f"w{n}", 1, 2), f"claim {attempt + 1}")
        assert claimed.id == job.id and claimed.attempts == attempt + 1
        await a.add_event(job.id, "progress", {"progress": 0.1})

    async def failed():
        assert await b.claim("w3", 60, 2) is None  # never handed out a third time
        found = await b.get(job.id)
        return found if found.status is JobStatus.FAILED else None

    dead = await until(failed, "the dead letter")
    assert dead.error == "gave up after 2 attempts: its worker stopped before finishing"
    assert dead.worker is None
    events = await b.events_after(job.id, 0)
    assert [e for _, e, _ in events] == ["progress", "progress", "error"]  # its followers learn the end
    # a retry is a new run: queued again, claimable again, with a fresh count of attempts
    assert await b.update(
        job.id, status=JobStatus.QUEUED, stage="queued", progress=0.0, error=None, attempts=0
    )
    again = await until(lambda: a.claim("w4", 60, 2), "the retried job")
    assert again.id == job.id and again.attempts == 1 and again.error is None


async def test_events_are_read_in_order_by_every_store(open_store):
    a, b = open_store(), open_store()
    job = await a.create("ns", "transcript", "tr", {})
    assert await b.last_event(job.id) == 0
    await asyncio.gather(*(s.add_event(job.id, "progress", {"n": i}) for i, s in enumerate([a, b] * 5)))
    await a.add_event(job.id, "stage", {"stage": "write"})
    await b.add_event(job.id, "done", {"job_id": job.id})
    events = await b.events_after(job.id, 0)
    assert [seq for seq, _, _ in events] == list(range(1, 13))  # numbered without gaps or repeats
    assert sorted(d["n"] for _, e, d in events if e == "progress") == list(range(10))
    assert await a.last_event(job.id) == 12
    assert [e for _, e, _ in await a.events_after(job.id, 10)] == ["stage", "done"]
    await a.prune_events(older_than_s=0)  # the job has not ended: its events stay
    assert len(await b.events_after(job.id, 0)) == 12


async def test_a_finished_jobs_events_go_once_followers_are_done_with_them(open_store, aws_rows):
    a = open_store()
    job = await a.create("ns", "transcript", "tr", {})
    assert (await a.claim("w", 60, 3)).id == job.id
    await a.add_event(job.id, "progress", {"progress": 0.5})
    assert await a.update(job.id, owner="w", status=JobStatus.SUCCEEDED, stage="done", progress=1.0)
    await a.add_event(job.id, "done", {"job_id": job.id})
    await a.prune_events()  # ended just now: a slow follower may still be reading
    assert [e for _, e, _ in await a.events_after(job.id, 0)] == ["progress", "done"]
    if open_store.backend == "sqlite":
        await a.prune_events(older_than_s=0)
        assert await a.events_after(job.id, 0) == []
    else:  # rows expire by themselves: events a day after written, the job with the retention
        rows = aws_rows(a, job.id)
        day, retention = 86_400, load_settings().job_retention_s
        assert all(int(r["expires_at"]["N"]) <= time.time() + day + 5 for r in rows if int(r["seq"]["N"]) > 0)
        job_row = next(r for r in rows if r["seq"]["N"] == "0")
        assert int(job_row["expires_at"]["N"]) >= time.time() + retention - 60


async def test_a_follower_ends_when_the_job_ended_without_its_end_event(open_store):
    """A worker cut off between writing the job's end and publishing its event: followers (SSE, the
    CLI, `weaver eval`) must not wait forever."""
    from backend.ingest.events import JobEvents

    a, b = open_store(), open_store()
    job = await a.create("ns", "transcript", "tr", {})
    claimed = await a.claim("w", 600, 3)
    await a.update(job.id, owner="w", status=JobStatus.SUCCEEDED, stage="done", progress=1.0, result={"n": 1})
    assert claimed.id == job.id
    follower = JobEvents(b)

    async def ends():
        return [event async for event in follower.follow(job.id)]

    events = await asyncio.wait_for(ends(), DEADLINE_S)
    assert events[-1] == ("done", {"job_id": job.id, "result": {"n": 1}})

    # and one that is already following when the end is written
    other = await a.create("ns", "transcript", "tr2", {})
    await a.claim("w", 600, 3)
    following = asyncio.create_task(ends_of(follower, other.id))
    await until(lambda: b.get(other.id), "the job")
    await a.update(other.id, owner="w", status=JobStatus.FAILED, error="it broke")
    events = await asyncio.wait_for(following, DEADLINE_S)
    assert events[-1] == ("error", {"job_id": other.id, "error": "it broke", "retryable": True})


async def ends_of(follower, job_id: str) -> list:
    return [event async for event in follower.follow(job_id)]


async def test_a_transcript_finds_its_newest_job(open_store):
    a, b = open_store(), open_store()
    assert await a.for_transcript("ns", "tr_x") is None
    first = await a.create("ns", "transcript", "tr_x", {})
    await asyncio.sleep(0.01)
    second = await a.create("ns", "transcript", "tr_x", {})
    await a.create("other", "transcript", "tr_x", {})

    async def newest():
        found = await b.for_transcript("ns", "tr_x")
        return found if found and found.id == second.id else None

    await until(newest, "the newest job")  # DynamoDB's index is eventually consistent
    assert first.id != second.id


async def test_the_same_transcript_posted_at_once_by_two_processes_makes_one_job(open_store):
    a, b = open_store(), open_store()
    made = await asyncio.gather(
        *(
            store.create_for_transcript("ns", "transcript", "tr_same", {}, newest=None)
            for store in (a, b, a, b)
        )
    )
    assert len({job.id for job, _ in made}) == 1 and sum(created for _, created in made) == 1
    [job] = {job.id: job for job, _ in made}.values()
    assert (await b.for_transcript("ns", "tr_same")).id == job.id  # at once, on both stores
    # a caller that saw no job, late: the one there is
    late, created = await b.create_for_transcript("ns", "transcript", "tr_same", {}, newest=None)
    assert (late.id, created) == (job.id, False)
    # a caller replacing the newest job it saw (it failed, or its transcript was deleted): a new one
    again, created = await a.create_for_transcript("ns", "transcript", "tr_same", {}, newest=job.id)
    assert created and again.id != job.id
    assert (await b.for_transcript("ns", "tr_same")).id == again.id


async def test_aws_large_requests_go_to_s3_and_messages_carry_only_the_job_id(open_store, aws):
    if open_store.backend != "aws":
        pytest.skip("the AWS backend's storage layout")
    store = open_store()
    content = "Ann: " + "the shipment leaves Rotterdam on Monday. " * 3_000  # ~120 KB
    job = await store.create("ns", "transcript", "tr_big", {"namespace": "ns", "content": content})
    uploads = aws.client("s3").list_objects_v2(Bucket=store.bucket)["Contents"]
    assert [o["Key"] for o in uploads] == [f"uploads/ns/{job.id}.json"]
    messages = aws.client("sqs").receive_message(
        QueueUrl=store._queue.url, MessageAttributeNames=["All"], VisibilityTimeout=0
    )["Messages"]
    assert [m["Body"] for m in messages] == [job.id]
    assert json.dumps(messages).find("Rotterdam") == -1
    assert (await store.request(job.id))["content"] == content

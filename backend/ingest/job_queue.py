"""The SQS side of the AWS job store: a queue of job ids and its dead-letter queue.

A message carries a job id (its body) and which run of the job it starts (attribute `run`: a retry is
a new run), never the request. Receiving a message with a visibility timeout is taking a lease on its
job; `extend` (ChangeMessageVisibility) is the heartbeat; deleting it ends the job's time in the queue.
The queue's redrive policy moves a message received `maxReceiveCount` times to the dead-letter queue,
where `dead_letters` finds it. Calls block: the store runs them in its own threads.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from backend.errors import ProviderUnavailable

MAX_VISIBILITY_S = 43_200  # SQS's ceiling on a message's visibility timeout (12 h)
# A receipt SQS no longer honours: the message was deleted, moved to the dead-letter queue, or
# received again by someone else. The lease it stood for is gone.
GONE = frozenset(
    {
        "ReceiptHandleIsInvalid",
        "InvalidParameterValue",
        "MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
    }
)


@dataclass(frozen=True)
class Delivery:
    job_id: str
    run: int
    receipt: str
    receives: int  # how often SQS has handed this message out, this time included


def visibility(seconds: float) -> int:
    return max(1, min(MAX_VISIBILITY_S, math.ceil(seconds)))


class JobQueue:
    def __init__(self, sqs, queue_url: str, dlq_url: str) -> None:
        self._sqs, self.url, self.dlq_url = sqs, queue_url, dlq_url

    def _call(self, operation: str, *, receipt_gone_ok: bool = False, **kwargs) -> dict:
        """The SQS call; a receipt SQS no longer honours raises `ClientError` when the caller can say
        what that means (`receipt_gone_ok`), every other failure `ProviderUnavailable`."""
        try:
            return getattr(self._sqs, operation)(**kwargs)
        except ClientError as exc:
            if receipt_gone_ok and exc.response["Error"]["Code"] in GONE:
                raise
            raise ProviderUnavailable(
                f"the job queue could not be used: {exc.response['Error']['Code']}"
            ) from exc
        except BotoCoreError as exc:
            raise ProviderUnavailable(f"SQS did not answer: {type(exc).__name__}") from exc

    def send(self, job_id: str, run: int, *, url: str | None = None) -> None:
        self._call(
            "send_message",
            QueueUrl=url or self.url,
            MessageBody=job_id,
            MessageAttributes={"run": {"DataType": "Number", "StringValue": str(run)}},
        )

    def _receive(self, url: str, count: int, visibility_s: int, wait_s: int) -> list[Delivery]:
        answer = self._call(
            "receive_message",
            QueueUrl=url,
            MaxNumberOfMessages=count,
            VisibilityTimeout=visibility_s,
            WaitTimeSeconds=wait_s,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["run"],
        )
        return [
            Delivery(
                job_id=m["Body"],
                run=int(m.get("MessageAttributes", {}).get("run", {}).get("StringValue", "1")),
                receipt=m["ReceiptHandle"],
                receives=int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            )
            for m in answer.get("Messages", [])
        ]

    def receive(self, lease_s: float, wait_s: int) -> Delivery | None:
        """The next job id, hidden from other receivers for `lease_s`; None after `wait_s` without one."""
        found = self._receive(self.url, 1, visibility(lease_s), wait_s)
        return found[0] if found else None

    def extend(self, receipt: str, lease_s: float) -> bool:
        """The heartbeat: hide the message `lease_s` from now. False when SQS no longer honours the
        receipt (the lease is gone)."""
        try:
            self._call(
                "change_message_visibility", QueueUrl=self.url, ReceiptHandle=receipt,
                VisibilityTimeout=visibility(lease_s), receipt_gone_ok=True,
            )  # fmt: skip
        except ClientError:
            return False
        return True

    def delete(self, receipt: str, *, url: str | None = None) -> None:
        with contextlib.suppress(ClientError):  # already gone: what deleting it was for
            self._call(
                "delete_message", QueueUrl=url or self.url, ReceiptHandle=receipt, receipt_gone_ok=True
            )

    def release(self, receipt: str) -> None:
        """Let another worker have the message now (a receive this process cannot use)."""
        with contextlib.suppress(ClientError):  # gone already: nothing to let go of
            self._call(
                "change_message_visibility", QueueUrl=self.url, ReceiptHandle=receipt,
                VisibilityTimeout=0, receipt_gone_ok=True,
            )  # fmt: skip

    def dead_letters(self, hide_s: int) -> list[Delivery]:
        """Messages in the dead-letter queue, each hidden for `hide_s` once seen: they stay there for
        the operators (the DLQ alarm), so each is looked at again only after that."""
        return self._receive(self.dlq_url, 10, hide_s, 0)

    def dead_letter(self, delivery: Delivery) -> None:
        """Move a message to the dead-letter queue ourselves (received more often than allowed)."""
        self.send(delivery.job_id, delivery.run, url=self.dlq_url)
        self.delete(delivery.receipt)

    def depth(self) -> int:
        """Messages waiting to be received (SQS's approximate count)."""
        attributes = self._call(
            "get_queue_attributes", QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def close(self) -> None:
        self._sqs.close()

"""The AWS job backend's resources in the local stand-in, made as Terraform makes them
(terraform/modules/jobs): a queue whose redrive policy moves a message to its dead-letter queue after
`max_attempts` receives, the jobs table with its TTL, and an uploads bucket. Each call makes new names,
so tests sharing the stand-in never see each other's jobs.

`python -m tests.support.aws_jobs http://127.0.0.1:5000` makes them in a running moto server and
prints the variables that point `weaver serve` and `weaver worker` at them (README: Jobs on AWS)."""

from __future__ import annotations

import json
import shlex
import sys
import uuid
from dataclasses import dataclass

from backend.ingest.job_table import TTL_ATTRIBUTE, table_definition

from .aws_standin import CREDENTIALS, AwsStandIn


@dataclass(frozen=True)
class JobResources:
    queue_url: str
    dlq_url: str
    table: str
    bucket: str
    endpoint_url: str

    def env(self) -> dict[str, str]:
        """KW_* and AWS_* variables that point a process at these resources in the stand-in."""
        return {
            **CREDENTIALS,
            "KW_JOB_BACKEND": "aws",
            "KW_JOBS_QUEUE_URL": self.queue_url,
            "KW_JOBS_DLQ_URL": self.dlq_url,
            "KW_JOBS_TABLE": self.table,
            "KW_UPLOADS_BUCKET": self.bucket,
            "KW_AWS_ENDPOINT_URL": self.endpoint_url,
        }

    def settings(self) -> dict:
        """The same, as `load_settings` overrides."""
        return {
            "job_backend": "aws",
            "jobs_queue_url": self.queue_url,
            "jobs_dlq_url": self.dlq_url,
            "jobs_table": self.table,
            "uploads_bucket": self.bucket,
            "aws_endpoint_url": self.endpoint_url,
        }


def make_job_resources(aws: AwsStandIn, max_attempts: int = 3) -> JobResources:
    suffix = uuid.uuid4().hex[:8]
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(
        QueueName=f"jobs-dlq-{suffix}", Attributes={"MessageRetentionPeriod": "1209600"}
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_attempts)}
    queue_url = sqs.create_queue(
        QueueName=f"jobs-{suffix}",
        Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "60"},
    )["QueueUrl"]
    dynamodb = aws.client("dynamodb")
    table = f"jobs-{suffix}"
    dynamodb.create_table(**table_definition(table))
    dynamodb.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
    bucket = f"uploads-{suffix}"
    aws.client("s3").create_bucket(Bucket=bucket)
    return JobResources(queue_url, dlq_url, table, bucket, aws.endpoint_url)


if __name__ == "__main__":
    made = make_job_resources(AwsStandIn(endpoint_url=sys.argv[1]))
    print("\n".join(f"export {name}={shlex.quote(value)}" for name, value in made.env().items()))

"""Read secrets from AWS Secrets Manager, so passwords never sit in environment variables on AWS."""

from __future__ import annotations

import json

from backend.errors import ProviderUnavailable


def read_secret(arn: str, *, region: str, endpoint_url: str | None = None, field: str = "password") -> str:
    """The secret's value: a plain string, or `field` of a JSON object. Errors never echo the value."""
    import boto3  # imported late: only deployments that use Secrets Manager pay for it
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
    try:
        value = client.get_secret_value(SecretId=arn)["SecretString"]
    except (BotoCoreError, ClientError, KeyError) as exc:
        raise ProviderUnavailable(f"cannot read secret {arn}: {type(exc).__name__}") from None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return value
    if isinstance(parsed, dict):
        if field not in parsed:
            raise ProviderUnavailable(f"secret {arn} is a JSON object without a {field!r} field")
        return str(parsed[field])
    return value

"""Backups copied to S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, Backblaze B2,
…) with boto3, when ``SOLOOPS_BACKUP_S3_URL`` (``s3://bucket/prefix``) is set. Credentials come
from boto3's usual places (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, a profile, an
instance role); ``SOLOOPS_BACKUP_S3_ENDPOINT`` points at a provider other than AWS.

Each backup is one object under its own unique name, with its SHA-256 as metadata and as the
object's checked checksum: uploading the same backup again writes the same object (idempotent),
and a transfer damaged on the way is refused by the store. The same retention as the folder
(7 daily, 4 weekly, 12 monthly) deletes the older objects.
"""

import base64
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from soloops.monitoring.backups import retention


class RemoteError(Exception):
    """The store refused or could not be reached; the message says which."""


def configured() -> bool:
    return bool(settings.BACKUP_S3_URL)


def _where() -> tuple[str, str]:
    parts = urlsplit(settings.BACKUP_S3_URL)
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def _client():
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.BACKUP_S3_ENDPOINT or None,
        region_name=settings.BACKUP_S3_REGION or None,
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )


def upload(path: Path, *, sha256: str) -> str:
    """Copy one backup file to the store; its key."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = _where()
    key = prefix + path.name
    digest = base64.b64encode(bytes.fromhex(sha256)).decode()
    try:
        with path.open("rb") as body:
            _client().put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ChecksumSHA256=digest,
                Metadata={"sha256": sha256},
            )
    except (BotoCoreError, ClientError) as e:
        raise RemoteError(f"uploading {key} to {bucket} failed: {e}") from None
    return key


def listed(name_re) -> dict[str, datetime]:
    """{name: the time in its name} of the backups in the store."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = _where()
    found: dict[str, datetime] = {}
    try:
        pages = _client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"].removeprefix(prefix)
                if match := name_re.match(name):
                    stamp = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S-%f")
                    found[name] = stamp.replace(tzinfo=UTC)
    except (BotoCoreError, ClientError) as e:
        raise RemoteError(f"listing {bucket} failed: {e}") from None
    return found


def rotate(name_re) -> list[str]:
    """Delete the store's backups that retention does not keep; the names deleted."""
    bucket, prefix = _where()
    moments = listed(name_re)
    keep = retention.to_keep(moments.values())
    deleted = sorted(name for name, moment in moments.items() if moment not in keep)
    client = _client()
    for at in range(0, len(deleted), 1000):
        objects = [{"Key": prefix + name} for name in deleted[at : at + 1000]]
        client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
    return deleted

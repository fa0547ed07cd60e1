"""Backups copied off the machine to S3-compatible storage, tested against a real S3 server:
moto's server mode (``moto_server``, the S3 API implemented in Python, from PyPI) started here
as its own process on a loopback port, spoken to by boto3 over HTTP as AWS or MinIO would be.

A backup is uploaded under its own name with its SHA-256 checked by the store, recorded on the
row and as ``backup.uploaded``; uploading again leaves one object; the store is rotated by the
folder's retention; a store that cannot be reached is a clear error and records nothing."""

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from soloops.accounts.actors import Actor
from soloops.events.selectors import event_counts_by_type
from soloops.monitoring.models import BackupRecord
from soloops.monitoring.services import (
    BackupError,
    backup_create,
    backup_nightly_run,
    backup_upload,
    backups_remote,
    backups_rotate_remote,
)
from tests.conftest import answers, free_port, wait_until

ACTOR = Actor.system("test")
BUCKET = "shop-backups"


@pytest.fixture(scope="module")
def s3_server():
    moto = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if moto is None:
        pytest.fail("moto_server is missing: install the dev extra (moto[server])")
    port = free_port()
    server = subprocess.Popen(
        [moto, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: answers(f"{endpoint}/moto-api/") or server.poll() is not None,
            timeout=60,
            what="moto's S3 server to answer",
        )
        assert server.poll() is None, "moto_server stopped"
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def store(s3_server, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_S3_URL = f"s3://{BUCKET}/nightly"
    settings.BACKUP_S3_ENDPOINT = s3_server
    settings.BACKUP_S3_REGION = "us-east-1"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_backup_is_copied_with_its_checksum_once(transactional_db, store, tmp_path):
    # given a backup in the folder
    record = backup_create(actor=ACTOR)

    # when it is uploaded, twice (a retried nightly run)
    backup_upload(record=record, actor=ACTOR)
    record = backup_upload(record=record, actor=ACTOR)

    # then the store holds one object under the backup's name, byte for byte, with its SHA-256
    key = f"nightly/{record.name}"
    assert record.remote_key == key
    listed = store.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [item["Key"] for item in listed] == [key]
    stored = store.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == Path(record.path).read_bytes()
    assert stored["Metadata"]["sha256"] == record.sha256
    assert backups_remote() == [record.name]
    assert event_counts_by_type(types=["backup.uploaded"]) == {"backup.uploaded": 2}


def test_the_store_is_rotated_like_the_folder(transactional_db, store):
    # given three backups of one day and one of each of twenty days before
    today = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    moments = [today - timedelta(hours=h) for h in (0, 1, 2)]
    moments += [today - timedelta(days=d) for d in range(1, 21)]
    for moment in moments:
        name = f"soloops-{moment:%Y%m%d-%H%M%S-%f}.tar.gz"
        store.put_object(Bucket=BUCKET, Key=f"nightly/{name}", Body=b"x")
    store.put_object(Bucket=BUCKET, Key="elsewhere/not-ours.txt", Body=b"x")

    # when
    deleted = backups_rotate_remote()

    # then the newest of each of 7 days, 4 weeks and 12 months stay; nothing else is touched
    kept = backups_remote()
    assert kept[0] == f"soloops-{today:%Y%m%d-%H%M%S-%f}.tar.gz"
    assert len(kept) + len(deleted) == len(moments)
    assert 7 <= len(kept) <= 7 + 4 + 12
    days = {name[8:16] for name in kept}
    assert len(days) == len(kept)  # one a day at most
    assert store.head_object(Bucket=BUCKET, Key="elsewhere/not-ours.txt")


def test_a_store_that_cannot_be_reached_is_a_clear_error(transactional_db, store, settings):
    # given a backup, and the store's address pointing nowhere
    record = backup_create(actor=ACTOR)
    settings.BACKUP_S3_ENDPOINT = f"http://127.0.0.1:{free_port()}"

    # when / then
    with pytest.raises(BackupError) as refused:
        backup_upload(record=record, actor=ACTOR)
    assert refused.value.field == "s3"
    assert "uploading nightly/" in refused.value.message
    assert BackupRecord.objects.get(pk=record.pk).remote_key == ""
    assert event_counts_by_type(types=["backup.uploaded"]) == {"backup.uploaded": 0}


def test_the_nightly_backup_is_copied_off_and_a_failed_copy_is_recorded(
    transactional_db, store, settings
):
    # when the night's backup runs with the store set
    backup_nightly_run(slot="2026-12-06")

    # then it is in the folder and in the store
    first = BackupRecord.objects.get()
    assert first.remote_key == f"nightly/{first.name}"
    assert backups_remote() == [first.name]

    # when the next night the store cannot be reached
    settings.BACKUP_S3_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    backup_nightly_run(slot="2026-12-07")

    # then the local backup is written (the same day's older one rotated away), and the failed
    # copy is on record
    second = BackupRecord.objects.order_by("-created_at").first()
    assert second.pk != first.pk and Path(second.path).is_file()
    assert second.remote_key == ""
    failed = event_counts_by_type(types=["backup.failed", "backup.completed"])
    assert failed == {"backup.failed": 1, "backup.completed": 2}

"""The scheduler makes the night's backup once, even with two schedulers running."""

import pytest

from soloops.events.selectors import event_counts_by_type
from soloops.monitoring.models import BackupRecord, BackupSlot
from tests.conftest import wait_until

pytestmark = pytest.mark.processes


def test_two_schedulers_make_one_nightly_backup(processes, tmp_path):
    # given a backup hour that has come (00:00 UTC) and two schedulers
    env = {"SOLOOPS_BACKUP_HOUR": "0", "SOLOOPS_BACKUP_DIR": str(tmp_path)}
    first = processes.start("scheduler", env=env)
    second = processes.start("scheduler", env=env)

    # when the night's slot is claimed and its backup written
    slot = wait_until(
        lambda: BackupSlot.objects.exclude(backup_name="").first(),
        timeout=120,
        what=lambda: processes.log(first) + processes.log(second),
    )

    # then exactly one backup exists, recorded with its event, in the configured folder
    assert [p.name for p in tmp_path.glob("soloops-*.tar.gz")] == [slot.backup_name]
    assert BackupSlot.objects.count() == 1
    record = BackupRecord.objects.get()
    assert record.name == slot.backup_name
    assert record.manifest["row_counts"]["monitoring_heartbeat"] >= 0
    assert event_counts_by_type(types=["backup.completed"]) == {"backup.completed": 1}

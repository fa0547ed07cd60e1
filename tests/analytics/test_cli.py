"""``soloops analytics rebuild``: a real process recomputes the facts from the database."""

import subprocess
import sys
from pathlib import Path

import pytest

from soloops.analytics.models import DailyFact, SkuDailyFact
from tests.analytics.conftest import dispatch_pending, facts_snapshot, place

pytestmark = [pytest.mark.processes, pytest.mark.usefixtures("shop")]

SOLOOPS = str(Path(sys.executable).parent / "soloops")


def soloops(*args: str, env: dict) -> subprocess.CompletedProcess:
    # the process keeps the shop's days in the shop's time zone, as this test does
    env = {**env, "SOLOOPS_TIME_ZONE": "Asia/Shanghai"}
    return subprocess.run([SOLOOPS, *args], env=env, capture_output=True, text=True, timeout=120)


def test_rebuild_recomputes_lost_facts(process_env):
    # given: facts kept by the handlers, then lost
    place([("MUG-1", 2)], days_ago=3)
    place([("CAP-1", 1)])
    dispatch_pending()
    kept = facts_snapshot()
    DailyFact.objects.all().delete()
    SkuDailyFact.objects.all().delete()

    # when
    result = soloops("analytics", "rebuild", env=process_env)

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"soloops: daily facts rebuilt: {len(kept['days'])} days"
    assert facts_snapshot() == kept


def test_rebuild_refuses_a_since_that_is_not_a_date(process_env):
    result = soloops("analytics", "rebuild", "--since", "last week", env=process_env)
    assert result.returncode != 0
    assert "--since" in result.stderr and "not a date" in result.stderr

"""What recovered by itself is counted and shown: a real scheduler relays events nobody
dispatched, and /metrics and the Alerts page say how many."""

import pytest

from soloops.monitoring.models import RecoveryCount
from soloops.orders.services import order_place
from tests.conftest import wait_until
from tests.factories import SYSTEM, draft, make_variant
from tests.monitoring.test_metrics import sample

pytestmark = pytest.mark.processes


def test_relayed_events_are_counted_and_shown(processes, client):
    # given events whose dispatch no worker picks up (none runs)
    make_variant("MUG-1", stock=5)
    order_place(draft=draft(("MUG-1", 1)), channel="api", actor=SYSTEM)

    # when a scheduler relays them past SOLOOPS_RELAY_DELAY
    scheduler = processes.start("scheduler")
    row = wait_until(
        lambda: RecoveryCount.objects.filter(kind="events_relayed").first(),
        timeout=60,
        what=lambda: processes.log(scheduler),
    )

    # then
    assert row.count >= 1
    text = client.get("/metrics").content.decode()
    assert sample(text, "soloops_recovered_total", kind="events_relayed") >= 1
    assert sample(text, "soloops_recovered_total", kind="emails_handed_out_again") == 0

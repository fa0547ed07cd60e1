"""``soloops check`` checks the ledger invariant along with readiness and names broken rows."""

import re

from django.db.models import F
from django.utils import timezone

from soloops.cli import main
from soloops.inventory.models import StockLevel
from soloops.monitoring.services import heartbeat_beat
from tests.factories import make_variant


def test_check_reports_the_ledger_ok(default_location, capsys):
    # given: stock that went through the services
    make_variant("CHK-1", stock=3)

    # when
    main(["check"])  # may fail for want of a worker heartbeat: the ledger line is what counts

    # then
    out = capsys.readouterr().out
    assert re.search(r"^ledger\s+ok$", out, re.MULTILINE), out


def test_check_passes_with_a_worker_and_a_clean_ledger(default_location, capsys):
    # given
    make_variant("CHK-1", stock=3)
    heartbeat_beat(process_id="worker-1", role="worker", started_at=timezone.now())

    # when
    code = main(["check"])

    # then
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "all checks passed" in captured.out


def test_check_names_a_corrupted_sku_and_exits_1(default_location, capsys):
    # given: a worker beating, and one stock row changed behind the services' back
    make_variant("CHK-1", stock=3)
    make_variant("CHK-2", stock=3)
    heartbeat_beat(process_id="worker-1", role="worker", started_at=timezone.now())
    StockLevel.objects.filter(variant__sku="CHK-2").update(on_hand=F("on_hand") + 2)

    # when
    code = main(["check"])

    # then
    captured = capsys.readouterr()
    assert code == 1
    [line] = [ln for ln in captured.out.splitlines() if ln.startswith("ledger")]
    assert "CHK-2@" in line
    assert "on hand 5 vs ledger 3" in line
    assert "CHK-1" not in captured.out
    assert captured.err.splitlines() == [
        "soloops: error: not ready: ledger: 1 stock rows disagree with their ledger"
    ]

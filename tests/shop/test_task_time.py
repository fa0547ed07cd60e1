"""Tasks run in the shop's time zone and leave the one they found (shop.task_time)."""

from django.utils import timezone

from soloops.shop import task_time
from soloops.shop.services import shop_profile_update
from tests.factories import SYSTEM


def test_a_task_runs_in_the_shops_zone_and_leaves_none_activated_behind(db, settings):
    # given a shop in Shanghai and a process whose settings say UTC, nothing activated
    shop_profile_update(time_zone="Asia/Shanghai", actor=SYSTEM)
    settings.TIME_ZONE = "UTC"
    timezone.deactivate()

    # when a task starts, then finishes (what the worker's task_started/finished signals call)
    task_time.activate_for_task(sender=None)
    during = timezone.get_current_timezone_name()
    task_time.restore_after_task(sender=None)

    # then it ran in the shop's zone, and afterwards the settings decide again: a zone the
    # task activated explicitly would stay when the settings change (one test's into the next)
    assert during == "Asia/Shanghai"
    settings.TIME_ZONE = "Europe/Berlin"
    assert timezone.get_current_timezone_name() == "Europe/Berlin"

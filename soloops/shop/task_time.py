"""Tasks run in the shop's time zone, as requests do (ShopMiddleware): "yesterday" in the daily
summary and the dates an email shows are the shop's, whatever TIME_ZONE the worker has.

The database worker (and the immediate backend) send ``task_started`` / ``task_finished``
around each task; the Celery backend wraps its call in ``timezone.override(shop_zone())``.
"""

import threading

from django.utils import timezone

from soloops.shop.selectors import shop_zone

_local = threading.local()


def activate_for_task(sender, **kwargs) -> None:
    # timezone.override restores what was there before, "nothing activated" included (the
    # settings' TIME_ZONE then follows the settings, as a test that changes them expects)
    zone = timezone.override(shop_zone())
    zone.__enter__()
    _local.__dict__.setdefault("zones", []).append(zone)


def restore_after_task(sender, **kwargs) -> None:
    zones = _local.__dict__.get("zones")
    if zones:
        zones.pop().__exit__(None, None, None)  # a task run inside a request: the request's own

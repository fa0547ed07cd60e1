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
    stack = _local.__dict__.setdefault("previous", [])
    stack.append(timezone.get_current_timezone())
    timezone.activate(shop_zone())


def restore_after_task(sender, **kwargs) -> None:
    stack = _local.__dict__.get("previous")
    if stack:
        timezone.activate(stack.pop())  # a task run inside a request gives the request its own

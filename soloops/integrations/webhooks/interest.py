"""Which event types some subscription wants, remembered per process for a moment.

The ``*`` handler's ``wants`` predicate asks this for every event a dispatch handles, so a shop
without webhooks (or an event nobody subscribed to) costs the dispatch nothing: no savepoint,
no delivery row, no query. The list is read again after ``WEBHOOK_INTEREST_SECONDS`` (2 s), and
at once in the process that changed a subscription: a new subscription gets the events that
commit from about two seconds after it is saved.
"""

import time

from django.conf import settings

from . import patterns

_patterns: list[str] | None = None
_loaded_at = 0.0


def _current() -> list[str]:
    global _patterns, _loaded_at
    now = time.monotonic()
    if _patterns is None or now - _loaded_at > settings.WEBHOOK_INTEREST_SECONDS:
        from soloops.integrations.models.webhooks import WebhookSubscription

        rows = WebhookSubscription.objects.values_list("event_types", flat=True)
        _patterns = sorted({p for types in rows for p in types})
        _loaded_at = now
    return _patterns


def wanted(event_type: str) -> bool:
    if event_type.startswith(patterns.NEVER):
        return False
    return patterns.any_matches(_current(), event_type)


def forget(*, known: list[str] | None = None) -> None:
    """Read the subscriptions again on the next event (``known``: take these as read now —
    tests that start from an empty table)."""
    global _patterns, _loaded_at
    _patterns, _loaded_at = known, time.monotonic()

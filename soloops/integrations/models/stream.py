"""The event stream's cursor: how far the committed event log has been published to the broker."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StreamState(models.Model):
    """One row per stream (today one: ``default``). Only the publisher holding the lease
    (``owner`` until ``lease_until``) moves the cursor, so two schedulers never publish at once."""

    name = models.CharField(_("name"), max_length=32, primary_key=True)
    # Every event with an id up to here is published (or was not selected, or is a gap given up).
    last_event_id = models.BigIntegerField(_("last published event"), default=0)
    last_published_at = models.DateTimeField(_("last published at"), null=True, blank=True)
    # An id missing below a committed one: a transaction still in flight, or one rolled back.
    gap_since = models.DateTimeField(_("gap seen at"), null=True, blank=True)
    gaps_skipped = models.PositiveIntegerField(_("gaps skipped"), default=0)
    published_count = models.BigIntegerField(_("messages published"), default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    owner = models.CharField(_("publisher"), max_length=64, blank=True, default="")
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)

    def __str__(self) -> str:
        return f"stream {self.name} at event {self.last_event_id}"

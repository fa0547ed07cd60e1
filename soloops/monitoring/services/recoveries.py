"""Counting what recovered by itself (the scheduler's relay of lost events, lost emails handed
out again), so the owner sees it happen instead of being paged for it."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from soloops.monitoring.models import RecoveryCount

# kind → what the console says (also the /metrics label)
KINDS = ("events_relayed", "emails_handed_out_again")


def recoveries_record(*, counts: dict[str, int]) -> None:
    """Add this tick's recoveries: one UPDATE per kind that happened (nothing when none did)."""
    now = timezone.now()
    for kind, n in counts.items():
        if n <= 0:
            continue
        updated = RecoveryCount.objects.filter(kind=kind).update(
            count=F("count") + n, last_at=now, updated_at=now
        )
        if updated:
            continue
        try:
            with transaction.atomic():
                RecoveryCount.objects.create(kind=kind, count=n, last_at=now)
        except IntegrityError:  # another scheduler created it meanwhile
            RecoveryCount.objects.filter(kind=kind).update(count=F("count") + n, last_at=now)

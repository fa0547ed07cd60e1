"""Outbound webhook subscriptions paused (by the owner, or after failures in a row): their
deliveries are kept, and wait for the owner to resume. One alert per subscription."""

from django.utils.translation import gettext as _

from soloops.monitoring.detectors import SOURCES, Finding


def webhooks_paused() -> list[Finding]:
    return [
        Finding(
            key=f"webhook_paused:{sub.pk}",
            severity="warning",
            title=_("The webhook %(name)s is paused; its deliveries wait") % {"name": sub.name},
            detail=(sub.paused_reason or "")[:300] + "\n" + _("Resume it in Settings, Webhooks."),
        )
        for sub in SOURCES["webhooks_paused"]()
    ]

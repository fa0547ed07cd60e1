"""Marketing: campaigns, audiences, consent, unsubscribe, recommendations in mail."""

from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "soloops.marketing"
    verbose_name = "Marketing"

    def ready(self) -> None:
        # The emails app (a lower layer) asks this before every marketing send.
        from soloops.emails.services import marketing_guard_add
        from soloops.marketing.services import marketing_guard

        marketing_guard_add(marketing_guard)

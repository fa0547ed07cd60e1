from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailsConfig(AppConfig):
    name = "soloops.emails"
    verbose_name = _("Emails")

    def ready(self) -> None:
        # Hand customers (a lower layer) the emails a customer was sent, for export and erasure.
        from soloops.emails.customer_data import register

        register()

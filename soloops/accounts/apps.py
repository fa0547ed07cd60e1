from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "soloops.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Not business flow: the per-process copies of tokens must follow every save of a
        # token or a user, the admin's and the shell's too (soloops.process_cache).
        from soloops.accounts.models import ApiToken, User
        from soloops.accounts.services import tokens_changed

        for model in (ApiToken, User):
            post_save.connect(tokens_changed, sender=model, dispatch_uid=f"tokens:{model}")
            post_delete.connect(tokens_changed, sender=model, dispatch_uid=f"tokens:d:{model}")

        # A log-in writes the session anyway: it counts as its first renewal.
        from django.contrib.auth.signals import user_logged_in

        from soloops.accounts.middleware import session_renewed_at_login

        user_logged_in.connect(session_renewed_at_login, dispatch_uid="session-renewed-at-login")

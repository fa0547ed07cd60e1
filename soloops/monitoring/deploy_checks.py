"""``soloops check --deploy``: what in this installation's settings is unsafe on the internet.

Each finding names the setting to change. Django's own deployment checks run too
(``manage check --deploy``); this list is the SoloOps-specific part, in the owner's terms.
"""

import os

from django.conf import settings


def unsafe_settings() -> list[str]:
    problems = []
    if settings.DEBUG:
        problems.append("SOLOOPS_DEBUG is on: error pages show code and settings to anyone")
    if not os.environ.get("SOLOOPS_SECRET_KEY"):
        problems.append(
            "SOLOOPS_SECRET_KEY is not set: the key lives in var/secret_key; several web "
            "machines need the same one, set it in the environment"
        )
    if not settings.SESSION_COOKIE_SECURE:
        problems.append(
            "SOLOOPS_SECURE_COOKIES is off: logins travel without HTTPS (and no HSTS is sent)"
        )
    local = {"127.0.0.1", "localhost", "::1"}
    if set(settings.ALLOWED_HOSTS) <= local:
        problems.append("SOLOOPS_ALLOWED_HOSTS names only this machine: set the shop's host name")
    if "*" in settings.ALLOWED_HOSTS:
        problems.append("SOLOOPS_ALLOWED_HOSTS is '*': any Host header is answered")
    if "sandbox" in settings.PAYMENT_PROVIDERS:
        problems.append("SOLOOPS_PAYMENT_PROVIDERS offers 'sandbox': test cards pay real orders")
    if settings.BACKUP_HOUR is None:
        problems.append("SOLOOPS_BACKUP_HOUR is off: no nightly backup")
    elif not settings.BACKUP_PASSPHRASE:
        problems.append(
            "SOLOOPS_BACKUP_PASSPHRASE is not set: backups (with the generated secrets) are "
            "not encrypted"
        )
    if settings.SITE_URL.startswith("http://") and "127.0.0.1" not in settings.SITE_URL:
        problems.append("SOLOOPS_SITE_URL is http://: links in emails should be https://")
    return problems

"""Test settings: the real settings plus the probe app whose handlers tests observe.

The database is a file (or PostgreSQL from DATABASE_URL) so that worker and scheduler
processes started by a test share it with the test itself.
"""

import os

os.environ.setdefault("SOLOOPS_RELAY_DELAY", "1")
os.environ.setdefault("SOLOOPS_HEARTBEAT_STALE", "30")

from soloops.settings import *  # noqa: F403
from soloops.settings import INSTALLED_APPS, VAR_DIR

INSTALLED_APPS = [*INSTALLED_APPS, "tests.probe"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PROBE_DIR = VAR_DIR / "probe"

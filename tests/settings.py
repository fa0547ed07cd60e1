"""Test settings: the real settings plus the probe app whose handlers tests observe.

The database is a file (or PostgreSQL from DATABASE_URL) so that worker and scheduler
processes started by a test share it with the test itself.
"""

import os
import tempfile

# Each test run gets its own var/ (database file, probe files, secret key), so runs in
# parallel never share a SQLite file; processes a test starts are handed the same directory.
os.environ.setdefault("SOLOOPS_VAR_DIR", tempfile.mkdtemp(prefix="soloops-test-"))
os.environ.setdefault("SOLOOPS_RELAY_DELAY", "1")
os.environ.setdefault("SOLOOPS_HEARTBEAT_STALE", "30")

from soloops.settings import *  # noqa: F403
from soloops.settings import INSTALLED_APPS, VAR_DIR

INSTALLED_APPS = [*INSTALLED_APPS, "tests.probe"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PROBE_DIR = VAR_DIR / "probe"

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # One test database per run, for the same reason as the var/ directory above.
    DATABASES["default"]["TEST"] = {"NAME": f"test_soloops_{os.getpid()}"}  # noqa: F405

"""Test settings: the real settings plus the probe app whose handlers tests observe.

The database is a file (or PostgreSQL from DATABASE_URL) so that worker and scheduler
processes started by a test share it with the test itself.
"""

import os
import tempfile

# Each test run gets its own var/ (database file, probe files, secret key, file cache, mail),
# so runs in parallel never share a SQLite file; processes a test starts are handed the same
# directory. Under pytest-xdist each worker inherits the run's directory from the controller
# and takes a subdirectory of its own (once: the processes it starts keep theirs).
os.environ.setdefault("SOLOOPS_VAR_DIR", tempfile.mkdtemp(prefix="soloops-test-"))
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("SOLOOPS_TEST_WORKER") != _worker:
    os.environ["SOLOOPS_VAR_DIR"] = os.path.join(os.environ["SOLOOPS_VAR_DIR"], _worker)
    os.environ["SOLOOPS_TEST_WORKER"] = _worker
    os.makedirs(os.environ["SOLOOPS_VAR_DIR"], exist_ok=True)
os.environ.setdefault("SOLOOPS_RELAY_DELAY", "1")
os.environ.setdefault("SOLOOPS_HEARTBEAT_STALE", "30")
# Which types webhooks want is read once per test (conftest) and after each change, never by
# the clock in the middle of a query count.
os.environ.setdefault("SOLOOPS_WEBHOOK_INTEREST", "3600")
# No nightly backup from every scheduler a test starts; the backup tests switch it on.
os.environ.setdefault("SOLOOPS_BACKUP_HOUR", "off")
# Nor the nightly insights run: a test that wants it sets the hour (settings.INSIGHTS_HOUR).
os.environ.setdefault("SOLOOPS_INSIGHTS_HOUR", "off")
# Nor alerts (and their emails to the owner) from them; the alert tests switch them on.
os.environ.setdefault("SOLOOPS_ALERT_INTERVAL", "0")
# Nor the support classifier's training at `soloops init` and in workers a test starts (each
# test var/ would train one); it trains on first use, and the support tests switch it on.
os.environ.setdefault("SOLOOPS_SUPPORT_CLASSIFIER_TRAIN", "off")
# Copies of the shop profile, policy, rate tables and tokens are checked against their stamp on
# every read, so a test that writes rows and clears the cache sees them at once.
os.environ.setdefault("SOLOOPS_PROCESS_CACHE_RECHECK", "0")

from soloops.settings import *  # noqa: E402, F403
from soloops.settings import INSTALLED_APPS, VAR_DIR  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.probe"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if os.environ.get("SOLOOPS_TEST_EMAIL_URL"):
    # A worker process a test starts sends through that test's SMTP sink (aiosmtpd).
    from soloops.settings import _mailer

    MAILERS = {"default": _mailer(os.environ["SOLOOPS_TEST_EMAIL_URL"])}
PROBE_DIR = VAR_DIR / "probe"

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # One test database per run, for the same reason as the var/ directory above (pytest-django
    # appends the xdist worker's name, "_gw0", to it as it does to the SQLite file's).
    DATABASES["default"]["TEST"] = {"NAME": f"test_soloops_{os.getpid()}"}  # noqa: F405

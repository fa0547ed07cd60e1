"""All configuration comes from environment variables; every one is documented in the README.

Defaults give the embedded setup: an SQLite file under ``var/`` and the database-backed task
worker. Production points ``DATABASE_URL`` at PostgreSQL and may switch tasks to Celery.
"""

import ipaddress
import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SOLOOPS_VAR_DIR", BASE_DIR / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None


def _secret_key(env: str = "SOLOOPS_SECRET_KEY", filename: str = "secret_key") -> str:
    """The key from the environment, else one generated once into var/ (never committed)."""
    if key := os.environ.get(env):
        return key
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Signs the bodies of the http.request flow action (X-SoloOps-Signature).
WEBHOOK_SIGNING_SECRET = _secret_key("SOLOOPS_WEBHOOK_SIGNING_SECRET", "webhook_signing_secret")
DEBUG = env_bool("SOLOOPS_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SOLOOPS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SOLOOPS_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    # Only for its static files and templates: /api/docs serves Swagger UI from here, not a CDN.
    "ninja",
    "soloops.events",
    "soloops.accounts",
    "soloops.catalog",
    "soloops.inventory",
    "soloops.customers",
    "soloops.orders",
    "soloops.purchasing",
    "soloops.fulfillment",
    "soloops.payments",
    "soloops.automation",
    "soloops.emails",
    "soloops.support",
    "soloops.marketing",
    "soloops.analytics",
    "soloops.integrations",
    "soloops.monitoring",
    "soloops.shop",
    "soloops.dashboard",
    "soloops.storefront",
]

MIDDLEWARE = [
    # First, so every answer counts in /metrics, static files and refusals included.
    "soloops.monitoring.middleware.RequestMetricsMiddleware",
    # The client's address behind the reverse proxies in SOLOOPS_TRUSTED_PROXIES.
    "soloops.monitoring.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "soloops.shop.middleware.ShopMiddleware",  # the shop's time zone and default language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "soloops.accounts.middleware.ActorMiddleware",
    "soloops.accounts.middleware.SessionRenewalMiddleware",
    "soloops.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "soloops.urls"
WSGI_APPLICATION = "soloops.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# user_create refuses passwords these reject (weak_password); without them it took any.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:today"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "soloops.dashboard.access.roles",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "soloops.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}"
# Persistent connections (one per web thread, kept a minute between requests; checked before
# reuse): opening a connection was a tenth of an order's time on SQLite. Long-running workers
# and schedulers manage theirs themselves.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with the threads of a process queued for the write lock instead of
    # polling in SQLite's busy handler (soloops/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "soloops.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue on
        # the busy timeout instead of failing with "database is locked" on lock upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    # MySQL >= 8 or MariaDB >= 10.6 (SKIP LOCKED; checked at start-up: soloops.database).
    # utf8mb4 for all of Unicode (emoji, Chinese); READ COMMITTED like PostgreSQL, so a
    # row lock waits for the newest committed row instead of a gap lock on a range; strict
    # mode, so a value too long is an error, not silently cut.
    DATABASES["default"]["OPTIONS"] = {
        "charset": "utf8mb4",
        "isolation_level": "read committed",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES', time_zone='+00:00'",
        **DATABASES["default"].get("OPTIONS", {}),
    }
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    # No partial indexes there: a conditional index becomes a full one (W037, only speed), and
    # the three conditional unique constraints are made good by migrations (soloops.mysql).
    SILENCED_SYSTEM_CHECKS = ["models.W036", "models.W037"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- background work ------------------------------------------------------------------------
TASK_BACKEND = os.environ.get("SOLOOPS_TASK_BACKEND", "db")
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "celery": "soloops.automation.celery_backend.CeleryBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"SOLOOPS_TASK_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {TASK_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND]}}
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

# Seconds an event may wait undispatched before the scheduler's relay hands it out again.
RELAY_DELAY_SECONDS = env_float("SOLOOPS_RELAY_DELAY", 30.0)
# Seconds after which a worker or scheduler heartbeat counts as stale for /readyz.
HEARTBEAT_STALE_SECONDS = env_float("SOLOOPS_HEARTBEAT_STALE", 30.0)
# Seconds a running flow run may go without progress before the scheduler hands it to a worker
# again (its worker died mid-step). Longer than any outside call of a flow step may take.
RUN_STALLED_AFTER_SECONDS = env_float("SOLOOPS_RUN_STALLED_AFTER", 120.0)
# Seconds a worker's claim on an email lasts: past it (the worker died mid-send) the scheduler
# hands the email to another worker. Longer than one SMTP conversation may take.
EMAIL_SEND_LEASE_SECONDS = env_float("SOLOOPS_EMAIL_SEND_LEASE", 60.0)
# Marketing campaigns go out in batches: this many emails, then a pause of this many seconds,
# so a large audience does not flood the mail server (nor look like spam to receiving servers).
MARKETING_BATCH_SIZE = int(env_float("SOLOOPS_MARKETING_BATCH_SIZE", 50))
MARKETING_BATCH_SECONDS = env_float("SOLOOPS_MARKETING_BATCH_SECONDS", 60.0)
# The feedback-loop webhook (POST /webhooks/marketing/feedback: complaints and bounces from the
# mail service) checks an HMAC of each body with it; generated into var/ unless set.
MARKETING_FEEDBACK_SECRET = _secret_key(
    "SOLOOPS_MARKETING_FEEDBACK_SECRET", "marketing_feedback_secret"
)
# Outbound webhooks: how long one POST may take; how long a worker's claim on a delivery lasts
# (past it, the worker died mid-send and the scheduler hands the delivery out again; keep it
# above the timeout); how many failed attempts in a row pause a subscription.
WEBHOOK_TIMEOUT_SECONDS = env_float("SOLOOPS_WEBHOOK_TIMEOUT", 10.0)
WEBHOOK_SEND_LEASE_SECONDS = env_float("SOLOOPS_WEBHOOK_SEND_LEASE", 60.0)
WEBHOOK_PAUSE_AFTER = int(env_float("SOLOOPS_WEBHOOK_PAUSE_AFTER", 15))
# Minutes between the scheduler's catch-up polls of each sales channel with an API set.
CHANNEL_POLL_MINUTES = env_float("SOLOOPS_CHANNEL_POLL_MINUTES", 15.0)
# Seconds a process remembers which event types some webhook subscribed to.
WEBHOOK_INTEREST_SECONDS = env_float("SOLOOPS_WEBHOOK_INTEREST", 2.0)

# The event stream: every committed event (or the selected types) published to a broker for
# other systems. Empty: no stream. kafka://host:9092, amqp://user:pass@host:5672//, nats://host:4222
EVENT_STREAM_URL = os.environ.get("SOLOOPS_EVENT_STREAM_URL", "")
# Comma-separated event types or prefixes ending in "." (order.,payment.refunded); empty: all.
EVENT_STREAM_TYPES = [
    t.strip() for t in os.environ.get("SOLOOPS_EVENT_STREAM_TYPES", "").split(",") if t.strip()
]
# Seconds a missing event id may hold the stream back (a transaction still committing) before
# the publisher takes it for a rolled-back one and goes on.
EVENT_STREAM_GAP_GRACE_SECONDS = env_float("SOLOOPS_EVENT_STREAM_GAP_GRACE", 60.0)
# Seconds of lag (oldest unpublished event) past which `soloops check` fails and the stream alerts.
EVENT_STREAM_LAG_ALERT_SECONDS = env_float("SOLOOPS_EVENT_STREAM_LAG_ALERT", 300.0)
# Seconds a publisher's claim on the stream lasts: another scheduler takes over after it (the
# first one died). Longer than one batch takes to publish.
EVENT_STREAM_LEASE_SECONDS = env_float("SOLOOPS_EVENT_STREAM_LEASE", 30.0)

# --- operations: metrics, backups -----------------------------------------------------------
# Addresses (or networks, 10.0.0.0/8) that may read /metrics without a token, besides loopback.
METRICS_ALLOWED_IPS = [
    a.strip() for a in os.environ.get("SOLOOPS_METRICS_ALLOWED_IPS", "").split(",") if a.strip()
]

# Reverse proxies (addresses or networks) whose X-Forwarded-For names the real client.
TRUSTED_PROXIES = [
    a.strip() for a in os.environ.get("SOLOOPS_TRUSTED_PROXIES", "").split(",") if a.strip()
]
for _name, _networks in (
    ("SOLOOPS_TRUSTED_PROXIES", TRUSTED_PROXIES),
    ("SOLOOPS_METRICS_ALLOWED_IPS", METRICS_ALLOWED_IPS),
):
    for _network in _networks:
        try:
            ipaddress.ip_network(_network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{_name}: {_network!r} is not an address or network (10.0.0.0/8)"
            ) from None
# Where `soloops backup` writes and the nightly backup rotates (7 daily, 4 weekly, 12 monthly).
BACKUP_DIR = Path(os.environ.get("SOLOOPS_BACKUP_DIR") or VAR_DIR / "backups").resolve()
# The UTC hour from which the scheduler makes the night's backup; "off" for none.
_backup_hour = os.environ.get("SOLOOPS_BACKUP_HOUR", "3").strip().lower()
if _backup_hour in {"off", "none", ""}:
    BACKUP_HOUR = None
elif _backup_hour.isdigit() and 0 <= int(_backup_hour) <= 23:
    BACKUP_HOUR = int(_backup_hour)
else:
    raise ImproperlyConfigured(f"SOLOOPS_BACKUP_HOUR must be 0-23 or off, not {_backup_hour!r}")
# Encrypts the nightly backups (and `soloops backup` unless --passphrase-file says otherwise).
BACKUP_PASSPHRASE = os.environ.get("SOLOOPS_BACKUP_PASSPHRASE", "")
# A copy of every backup in S3-compatible storage (s3://bucket/prefix); credentials from the
# usual AWS variables or profile; the endpoint for a provider other than AWS (R2, MinIO, B2).
BACKUP_S3_URL = os.environ.get("SOLOOPS_BACKUP_S3_URL", "").strip()
if BACKUP_S3_URL and not re.match(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$", BACKUP_S3_URL):
    raise ImproperlyConfigured("SOLOOPS_BACKUP_S3_URL must look like s3://bucket/prefix")
BACKUP_S3_ENDPOINT = os.environ.get("SOLOOPS_BACKUP_S3_ENDPOINT", "").strip()
BACKUP_S3_REGION = os.environ.get("SOLOOPS_BACKUP_S3_REGION", "").strip()

# Alerts (soloops/monitoring/detectors): how often the scheduler looks, and each threshold.
ALERT_INTERVAL_SECONDS = env_float("SOLOOPS_ALERT_INTERVAL", 30.0)
ALERT_PROCESS_SILENT_SECONDS = env_float("SOLOOPS_ALERT_PROCESS_SILENT", 120.0)
ALERT_EVENT_BACKLOG_MINUTES = env_float("SOLOOPS_ALERT_EVENT_BACKLOG_MINUTES", 10.0)
ALERT_TASKS_FAILED_PER_HOUR = env_float("SOLOOPS_ALERT_TASKS_FAILED_PER_HOUR", 5.0)
ALERT_DISK_FREE_PERCENT = env_float("SOLOOPS_ALERT_DISK_FREE_PERCENT", 10.0)
ALERT_BACKUP_OVERDUE_HOURS = env_float("SOLOOPS_ALERT_BACKUP_OVERDUE_HOURS", 26.0)
ALERT_RUNS_FAILED = env_float("SOLOOPS_ALERT_RUNS_FAILED", 1.0)
ALERT_RUNS_STALLED_MINUTES = env_float("SOLOOPS_ALERT_RUNS_STALLED_MINUTES", 15.0)
ALERT_PAID_NOT_SHIPPED_DAYS = env_float("SOLOOPS_ALERT_PAID_NOT_SHIPPED_DAYS", 3.0)
ALERT_HELD_HOURS = env_float("SOLOOPS_ALERT_HELD_HOURS", 24.0)
ALERT_ANOMALY_HOURS = env_float("SOLOOPS_ALERT_ANOMALY_HOURS", 48.0)
# A chat webhook (Slack, Teams, Feishu) told of every alert besides the owner's email.
ALERT_WEBHOOK_URL = os.environ.get("SOLOOPS_ALERT_WEBHOOK_URL", "")
if ALERT_WEBHOOK_URL and not ALERT_WEBHOOK_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("SOLOOPS_ALERT_WEBHOOK_URL must be an http(s) URL")


def _quiet_hours(raw: str) -> tuple[int, int] | None:
    """ "22-7" → (22, 7): in the shop's time zone, only critical alerts are sent then."""
    if not raw.strip():
        return None
    start, _, end = raw.partition("-")
    if not (start.strip().isdigit() and end.strip().isdigit()):
        raise ImproperlyConfigured(f"SOLOOPS_ALERT_QUIET_HOURS must look like 22-7, not {raw!r}")
    hours = int(start), int(end)
    if not all(0 <= h <= 23 for h in hours):
        raise ImproperlyConfigured(f"SOLOOPS_ALERT_QUIET_HOURS hours are 0-23, not {raw!r}")
    return hours


ALERT_QUIET_HOURS = _quiet_hours(os.environ.get("SOLOOPS_ALERT_QUIET_HOURS", ""))

# --- email ----------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", f"file://{VAR_DIR / 'mail'}")
DEFAULT_FROM_EMAIL = os.environ.get("SOLOOPS_FROM_EMAIL", "shop@localhost")
# Where customers reach the shop: the base of links in emails (their order's page).
SITE_URL = os.environ.get("SOLOOPS_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _mailer(url: str) -> dict:
    """Django 6.1's MAILERS entry for an ``EMAIL_URL``."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": parts.path},
        }
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in {"smtp", "smtps", "smtp+tls"}:
        query = parse_qs(parts.query)
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "127.0.0.1",
                "port": parts.port or (465 if parts.scheme == "smtps" else 25),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": parts.scheme == "smtps",
                "use_tls": parts.scheme == "smtp+tls",
                "timeout": float(query.get("timeout", ["10"])[0]),
            },
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme must be smtp, smtps, smtp+tls, file, console or locmem, not {url!r}"
    )


MAILERS = {"default": _mailer(EMAIL_URL)}

# --- the shop ---------------------------------------------------------------------------
SHOP_NAME = os.environ.get("SOLOOPS_SHOP_NAME", "My Shop")
SHOP_CURRENCY = os.environ.get("SOLOOPS_CURRENCY", "EUR")

# --- payments -------------------------------------------------------------------------------
# Providers the shop offers: manual (bank transfer / cash on delivery), sandbox (simulated
# test cards; leave it out in production), stripe (also needs STRIPE_API_KEY).
PAYMENT_PROVIDERS = [
    p.strip()
    for p in os.environ.get("SOLOOPS_PAYMENT_PROVIDERS", "manual,sandbox,stripe").split(",")
    if p.strip()
]
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")  # sk_live_… / sk_test_… / rk_…
# Where Stripe's API is reached; empty: https://api.stripe.com. Set it for Stripe's own
# stripe-mock (http://localhost:12111) or an egress proxy that forwards to Stripe.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# The signing secret of the /webhooks/stripe endpoint (whsec_…); without it the endpoint
# refuses every call.
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")

# --- imports --------------------------------------------------------------------------------
# The largest import file accepted (bytes); uploads are kept under var/imports/.
SOLOOPS_IMPORT_MAX_BYTES = int(os.environ.get("SOLOOPS_IMPORT_MAX_BYTES", 100 * 2**20))
# --- support -------------------------------------------------------------------------------
# How soon a customer's first message should be answered: the inbox's SLA timer.
SUPPORT_FIRST_RESPONSE_HOURS = env_float("SOLOOPS_SUPPORT_FIRST_RESPONSE_HOURS", 24.0)
# The least confidence with which SoloOps acts alone on any intent: each intent's threshold is
# learnt (≥ 95 % precision in cross-validation on training messages; bench/support.py prints
# what it gives) and never below this; the owner may set her own per intent (Settings →
# Support replies).
SUPPORT_AUTO_REPLY_THRESHOLD = env_float("SOLOOPS_SUPPORT_AUTO_REPLY_THRESHOLD", 0.5)
# Train the intent classifier at `soloops init` / `demo-data`, and hand a worker the training
# of a model that is due (the owner's corrections, nightly); off: it trains on first use.
SUPPORT_CLASSIFIER_TRAIN = env_bool("SOLOOPS_SUPPORT_CLASSIFIER_TRAIN", True)
# The inbound-mail webhook (POST /webhooks/support/email) checks an HMAC of each body with it.
SUPPORT_INBOUND_SECRET = _secret_key("SOLOOPS_SUPPORT_INBOUND_SECRET", "support_inbound_secret")
# An attachment larger than this is not kept (the message is, saying which was left out).
SUPPORT_MAX_ATTACHMENT_BYTES = int(env_float("SOLOOPS_SUPPORT_MAX_ATTACHMENT_BYTES", 10 * 2**20))
# A raw mail larger than this is refused whole (413): the mail service keeps it and retries.
# The shop's mailbox, polled over IMAP when a host and user are set (every POLL seconds).
SUPPORT_IMAP_HOST = os.environ.get("SOLOOPS_SUPPORT_IMAP_HOST", "")
SUPPORT_IMAP_PORT = int(env_float("SOLOOPS_SUPPORT_IMAP_PORT", 993))
SUPPORT_IMAP_SSL = env_bool("SOLOOPS_SUPPORT_IMAP_SSL", True)
SUPPORT_IMAP_USER = os.environ.get("SOLOOPS_SUPPORT_IMAP_USER", "")
SUPPORT_IMAP_PASSWORD = os.environ.get("SOLOOPS_SUPPORT_IMAP_PASSWORD", "")
SUPPORT_IMAP_FOLDER = os.environ.get("SOLOOPS_SUPPORT_IMAP_FOLDER", "INBOX")
SUPPORT_IMAP_POLL_SECONDS = int(env_float("SOLOOPS_SUPPORT_IMAP_POLL_SECONDS", 60))
SUPPORT_MAX_MAIL_BYTES = int(env_float("SOLOOPS_SUPPORT_MAX_MAIL_BYTES", 25 * 2**20))

# --- cache ----------------------------------------------------------------------------------
# Shared by every process, as the storefront's per-IP rate limit must count across all gunicorn
# workers. Files under var/ need no setup step and no service, and keep cache writes off
# SQLite's single write lock (a DatabaseCache would queue every rate-limit write behind order
# intake, and add queries to every page that reads the cache). Web processes on several machines
# share one cache through Redis: CACHE_URL=redis://host:6379/1.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// or rediss:// URL, not {CACHE_URL!r}")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Beyond this many files a write deletes a random third; rate-limit entries expire
            # within their window, so this is room for many visitors at once.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# How often a process re-checks that its copies of rarely changing rows (shop profile, review
# policy, rate tables, API tokens) are current: a change reaches every process within this
# (soloops.process_cache; the process that made it sees it at once).
PROCESS_CACHE_RECHECK_SECONDS = env_float("SOLOOPS_PROCESS_CACHE_RECHECK", 1.0)

# The storefront's order form takes at most this many attempts per client IP per window.
STOREFRONT_ORDER_LIMIT = int(env_float("SOLOOPS_STOREFRONT_ORDER_LIMIT", 10))
STOREFRONT_ORDER_WINDOW = env_float("SOLOOPS_STOREFRONT_ORDER_WINDOW", 600.0)  # seconds

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("SOLOOPS_LANGUAGE", "en")
# Each language named in itself, so a reader finds theirs whatever the page's language is.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "soloops" / "locale"]
# One date format per language (soloops/formats/<locale>/formats.py), used everywhere.
FORMAT_MODULE_PATH = ["soloops.formats"]
TIME_ZONE = os.environ.get("SOLOOPS_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- static files and security --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
SESSION_COOKIE_HTTPONLY = True
# A console session ends after this many hours without a request (renewed at most once an hour,
# by soloops.accounts.middleware.SessionRenewalMiddleware, not written on every page), and with
# the browser if SOLOOPS_SESSION_UNTIL_BROWSER_CLOSES is set.
SESSION_COOKIE_AGE = int(env_float("SOLOOPS_SESSION_HOURS", 24 * 14) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SOLOOPS_SESSION_UNTIL_BROWSER_CLOSES", False)
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie for partial updates
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SOLOOPS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS only from the first visit on, once cookies are secure (the shop is served over TLS;
# behind a proxy in SOLOOPS_TRUSTED_PROXIES its X-Forwarded-Proto says so).
SECURE_HSTS_SECONDS = 31536000 if SESSION_COOKIE_SECURE else 0
# Content-Security-Policy (Django's own middleware): scripts, styles, fonts and requests only
# from this site's files, no inline script or style anywhere (console.js carries the small
# behaviours; htmx's indicator style is off), images also as data: URIs (charts, Swagger UI),
# never framed, forms posting only here. tests/browser/test_csp.py walks the pages and fails
# on any violation.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOG_LEVEL = os.environ.get("SOLOOPS_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own "django" logger is at INFO by default (task state changes, for one): it
    # follows SOLOOPS_LOG_LEVEL like everything else.
    "loggers": {"django": {"level": LOG_LEVEL}, "django.db.backends": {"level": "WARNING"}},
}

# Insights: the share of lead times the reorder points should cover without running out.
# The shop-time hour from which the scheduler hands the night's insights (anomaly check,
# forecasts, reorder points, price suggestions) to a worker, once a day; "off" for none.
_insights_hour = os.environ.get("SOLOOPS_INSIGHTS_HOUR", "2").strip().lower()
if _insights_hour in {"off", "none", ""}:
    INSIGHTS_HOUR = None
elif _insights_hour.isdigit() and 0 <= int(_insights_hour) <= 23:
    INSIGHTS_HOUR = int(_insights_hour)
else:
    raise ImproperlyConfigured(f"SOLOOPS_INSIGHTS_HOUR must be 0-23 or off, not {_insights_hour!r}")
SERVICE_LEVEL = float(os.environ.get("SOLOOPS_SERVICE_LEVEL", "0.95"))
if not 0.5 < SERVICE_LEVEL <= 0.999:
    raise ImproperlyConfigured("SOLOOPS_SERVICE_LEVEL must be above 0.5 and at most 0.999")

# Log-in throttling: this many failed log-ins of one username from one address (an IPv6 /64)
# within the lockout time lock that pair out until the lockout time after the last of them.
LOGIN_FAILURES_LIMIT = int(env_float("SOLOOPS_LOGIN_FAILURES_LIMIT", 5))
LOGIN_LOCKOUT_MINUTES = env_float("SOLOOPS_LOGIN_LOCKOUT_MINUTES", 15.0)

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProcessRole(models.TextChoices):
    WORKER = "worker", _("Worker")  # runs tasks
    SCHEDULER = "scheduler", _("Scheduler")  # fires schedules, relays events


class Heartbeat(models.Model):
    """The last sign of life of one worker or scheduler process."""

    process_id = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=16, choices=ProcessRole.choices)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    beats = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-beat_at"]
        indexes = [models.Index(fields=["role", "beat_at"], name="heartbeat_role_idx")]

    def __str__(self) -> str:
        return f"{self.role} {self.hostname}:{self.pid}"


class BackupRecord(models.Model):
    """One backup file that ``soloops backup`` wrote and verified; the newest one's age feeds
    ``/metrics`` and the backup-overdue alert. Rotation deletes the rows with their files."""

    name = models.CharField(_("file"), max_length=255, unique=True)
    path = models.CharField(_("path"), max_length=1024)
    database = models.CharField(_("database"), max_length=16)  # sqlite / postgresql
    size_bytes = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    encrypted = models.BooleanField(_("encrypted"), default=False)
    # The manifest as written into the file: version, migrations, time, row counts.
    manifest = models.JSONField(default=dict)
    # Its copy in S3-compatible storage (SOLOOPS_BACKUP_S3_URL): the object's key, once stored.
    remote_key = models.CharField(_("stored as"), max_length=1024, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="backup_created_idx")]

    def __str__(self) -> str:
        return self.name


class BackupSlot(models.Model):
    """Tonight's backup, claimed once: two schedulers never back up the same night twice."""

    slot = models.CharField(max_length=10, unique=True)  # the UTC date, 2026-12-07
    claimed_by = models.CharField(max_length=64)
    backup_name = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-slot"]

    def __str__(self) -> str:
        return self.slot


class AlertStatus(models.TextChoices):
    FIRING = "firing", _("Firing")  # the condition holds; nobody has looked yet
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")  # the owner knows; still holds
    SNOOZED = "snoozed", _("Snoozed")  # hidden until snoozed_until, then firing again
    RESOLVED = "resolved", _("Resolved")  # the condition no longer holds


class AlertSeverity(models.TextChoices):
    WARNING = "warning", _("Warning")  # look today
    CRITICAL = "critical", _("Critical")  # look now; sent even in quiet hours


OPEN_ALERT = ["firing", "acknowledged", "snoozed"]


class Alert(models.Model):
    """One occurrence of a detector's condition, from firing to resolved. While it is open, the
    same condition updates it instead of raising a new one (one open alert per key)."""

    key = models.CharField(max_length=120)  # detector[:what], e.g. "process_silent:worker"
    detector = models.CharField(max_length=64)
    severity = models.CharField(max_length=16, choices=AlertSeverity.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default="firing")
    title = models.CharField(_("alert"), max_length=200)
    detail = models.TextField(_("detail"), blank=True, default="")
    fired_at = models.DateTimeField(_("fired at"))
    last_seen_at = models.DateTimeField()
    seen_count = models.PositiveIntegerField(default=1)
    acknowledged_by = models.CharField(max_length=150, blank=True, default="")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)  # null: held by quiet hours
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status__in=OPEN_ALERT),
                name="alert_open_once_per_key",
            )
        ]
        indexes = [models.Index(fields=["status", "-fired_at"], name="alert_status_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class RecoveryCount(models.Model):
    """How often SoloOps fixed something by itself (a lost event relayed, a lost email handed
    out again): shown on /metrics and the Alerts page, so self-healing is visible, not silent."""

    kind = models.CharField(max_length=64, unique=True)
    count = models.PositiveBigIntegerField(default=0)
    last_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.count}"

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soloops.automation.flow_names import flow_display_name

# The event log's models are the bottom layer's (``soloops.events.models``); re-exported here
# for the engine and for callers of their old path.
from soloops.events.models import Delivery, DeliveryStatus, Event  # noqa: F401


class Schedule(models.Model):
    """A cron schedule. Each slot it fires emits ``schedule.fired`` for the handler to act on."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    cron = models.CharField(_("cron expression"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # Dotted path of the function to call with ``kwargs`` when a slot fires ("" = event only).
    task_path = models.CharField(_("task"), max_length=200, blank=True, default="")
    kwargs = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.cron})"


class ScheduleFiring(models.Model):
    """One fired slot. The unique (schedule, slot) row is what makes two schedulers fire once."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="firings")
    slot = models.DateTimeField()
    fired_by = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "slot"], name="firing_once_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} @ {self.slot:%Y-%m-%d %H:%M}"


class TriggerKind(models.TextChoices):
    EVENT = "event", _("Event")  # an event of a type, optionally filtered
    SCHEDULE = "schedule", _("Schedule")  # a cron schedule in a time zone
    MANUAL = "manual", _("Manual")  # started by the owner from the console or API
    WEBHOOK = "webhook", _("Webhook")  # an inbound POST to the flow's secret URL


class Flow(models.Model):
    """An automation the owner can read, edit, switch off and test. Its document lives in
    immutable versions; runs start on the published version."""

    key = models.SlugField(_("key"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=True)
    published_version = models.ForeignKey(
        "FlowVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copied from the published document so event dispatch finds flows by index.
    trigger_kind = models.CharField(max_length=16, choices=TriggerKind.choices, blank=True)
    trigger_event = models.CharField(max_length=64, blank=True, default="")
    webhook_secret = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Shipped with SoloOps (installed by ``soloops init``), as opposed to written by the owner.
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["trigger_event", "enabled"], name="flow_trigger_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (shipped flows) or as the owner wrote it."""
        return flow_display_name(self.name)


class FlowVersion(models.Model):
    """One saved document of a flow. Never changed after it is written."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    source = models.TextField()  # exactly as the owner wrote it (YAML or JSON)
    document = models.JSONField()  # the parsed, validated document
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["flow_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "number"], name="flow_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.flow_id} v{self.number}"


class FlowsStamp(models.Model):
    """One row whose token changes, in the same transaction, whenever a flow is saved,
    published, switched on or off: each process keeps the flows each event type triggers in
    memory (``engine.trigger_index``) and reloads them only when this token changed. A token,
    not a counter: a database restored or emptied (tests) never brings an old value back."""

    token = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"flows stamp {self.token}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")  # a worker is (or will be) executing its next step
    WAITING = "waiting", _("Waiting")  # for a time, an event, or a retry
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")  # for the owner
    COMPLETED = "completed", _("Completed")  # every step done
    FAILED = "failed", _("Failed")  # a step ran out of retries: in the failed-runs inbox
    CANCELLED = "cancelled", _("Cancelled")  # stopped by the owner
    # Stopped by the owner; a worker is undoing its completed steps (then: cancelled).
    CANCELLING = "cancelling", _("Cancelling")


class FlowRun(models.Model):
    """One execution of a flow version. Durable: its position and every step are rows."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(FlowVersion, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=20, choices=RunStatus.choices, default="running")
    trigger_event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What started it: {"event": {...}} or {"schedule": ..., "slot": ...} or webhook/manual input.
    trigger = models.JSONField(default=dict)
    # The next step to run, as a step key ("2/then/0"); "" when nothing is left.
    cursor = models.CharField(max_length=100, blank=True, default="0")
    # A run caused by another run's events is one deeper; past a limit it does not start.
    depth = models.PositiveSmallIntegerField(default=0)
    wake_at = models.DateTimeField(null=True, blank=True)  # for waits, timeouts and retries
    wait_event = models.CharField(max_length=64, blank=True, default="")
    wait_where = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    # The error's code and params ({code, params, field, message}), to say it in any language.
    error_detail = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["flow", "-id"], name="run_flow_idx"),
            # The console's runs list filtered by status (the failed-runs inbox), newest first.
            models.Index(fields=["status", "-id"], name="run_status_idx"),
            models.Index(fields=["status", "wake_at"], name="run_wake_idx"),
            models.Index(
                fields=["wait_event"], name="run_wait_event_idx", condition=Q(status="waiting")
            ),
        ]
        constraints = [
            # A re-dispatched event never starts the same flow twice.
            models.UniqueConstraint(
                fields=["flow", "trigger_event"],
                name="run_once_per_event",
                condition=Q(trigger_event__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.flow_id} ({self.status})"


class StepStatus(models.TextChoices):
    RUNNING = "running", _("Running")  # an outside action was called and may not have finished
    WAITING = "waiting", _("Waiting")  # a wait, wait_for or approve step holding the run
    RETRYING = "retrying", _("Retrying")  # failed; tries again at the run's wake_at
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")  # out of retries
    SKIPPED = "skipped", _("Skipped")  # the owner skipped it
    COMPENSATED = "compensated", _("Compensated")  # undone after a later step failed


class StepRun(models.Model):
    """One step of one run: its input, output, attempts and error."""

    run = models.ForeignKey(FlowRun, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=16)
    action = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=StepStatus.choices)
    attempts = models.PositiveIntegerField(default=0)
    input = models.JSONField(default=dict, blank=True)
    output = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    error_detail = models.JSONField(default=dict, blank=True)  # as the run's
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="step_once_per_run")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.key} {self.status}"

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EmailTemplate(models.Model):
    """The owner's version of one template in one language; without a row the shipped default
    (``templates/emails/defaults/<key>.<language>.*``) is used."""

    key = models.CharField(_("template"), max_length=64)  # e.g. "order_confirmation"
    language = models.CharField(_("language"), max_length=16)  # "en" or "zh-hans"
    # Django template sources; rendered with only the send's context (see rendering.py).
    subject = models.CharField(_("subject"), max_length=2000)
    body_text = models.TextField(_("plain text body"))
    body_html = models.TextField(_("HTML body"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["key", "language"]
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="email_template_once"),
        ]

    def __str__(self) -> str:
        return f"{self.key}.{self.language}"


class SendStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")  # waiting for the worker
    SENDING = "sending", _("Sending")  # a worker claimed it until next_attempt_at
    SENT = "sent", _("Sent")  # the mail server accepted it
    FAILED = "failed", _("Failed")  # the last attempt failed; retried at next_attempt_at
    GAVE_UP = "gave_up", _("Gave up")  # out of attempts, or refused for good; owner may resend


# Statuses the scheduler's safety net looks at (their next_attempt_at is a due time).
PENDING = (SendStatus.QUEUED, SendStatus.SENDING, SendStatus.FAILED)


class EmailSend(models.Model):
    """One outbound email, rendered when queued and sent at most once per idempotency key."""

    to = models.EmailField(_("to"), max_length=320)  # as long as validate_email allows
    template = models.CharField(_("template"), max_length=64)
    language = models.CharField(_("language"), max_length=16)
    # What the email is about, e.g. ("orders.order", "42"), so lists and timelines can link.
    subject_type = models.CharField(_("about (type)"), max_length=64, blank=True, default="")
    subject_id = models.CharField(_("about (id)"), max_length=64, blank=True, default="")
    # The rendered message, fixed when queued: a retry sends exactly the same content.
    subject_line = models.CharField(_("subject"), max_length=900)
    body_text = models.TextField(_("plain text body"))
    body_html = models.TextField(_("HTML body"), blank=True, default="")
    # The JSON context it was rendered from (a resend renders it again with today's template).
    context = models.JSONField(_("context"), default=dict, blank=True)
    # [{"filename", "mimetype", "content" (base64)}]: the same bytes on every attempt.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Extra headers, e.g. List-Unsubscribe for marketing templates.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # Stable Message-ID derived from the idempotency key: a duplicate transmission (a worker
    # killed after the server accepted the message) carries the same id and is recognizable.
    message_id = models.CharField(_("Message-ID"), max_length=255)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SendStatus.choices, default=SendStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Queued/failed: when the next attempt is due. Sending: when the worker's claim expires.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # How often the scheduler's safety net re-enqueued it (its backoff doubles with each).
    relays = models.PositiveIntegerField(default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")
    resend_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resends",
        verbose_name=_("resend of"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="emailsend_created_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="emailsend_status_idx"),
            models.Index(
                fields=["subject_type", "subject_id", "-created_at", "-id"],
                name="emailsend_subject_idx",
            ),
            models.Index(fields=["to", "-created_at", "-id"], name="emailsend_to_idx"),
            # The safety net's scan: only rows still pending are in it.
            models.Index(
                fields=["next_attempt_at"],
                name="emailsend_pending_idx",
                condition=Q(status__in=["queued", "sending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.to} ({self.status})"

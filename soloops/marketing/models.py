"""The marketing app's tables: the suppression list, campaigns and their recipients."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")  # the customer used the link or header
    BOUNCED = "bounced", _("Bounced")  # the address does not take mail
    COMPLAINED = "complained", _("Complained")  # the customer marked a mail as spam


class Suppression(models.Model):
    """An address no marketing email may go to, whatever its consent says (checked again by the
    emails app just before each marketing send, so no path around it exists)."""

    email = models.EmailField(_("email"), max_length=320, unique=True)  # lower-cased
    reason = models.CharField(_("reason"), max_length=16, choices=SuppressionReason.choices)
    # The campaign whose mail led to it (an unsubscribe link names it), for its results.
    campaign = models.ForeignKey(
        "marketing.Campaign", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "reason"], name="suppression_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written; nothing goes out
    SCHEDULED = "scheduled", _("Scheduled")  # starts at send_at
    SENDING = "sending", _("Sending")  # batches go out, one every MARKETING_BATCH_SECONDS
    SENT = "sent", _("Sent")  # every recipient was handed to the email pipeline


class Campaign(models.Model):
    """One email to a segment, written in English and Chinese (each customer gets their
    language), sent in throttled batches through the emails pipeline."""

    name = models.CharField(_("name"), max_length=200)
    # A named RFM segment ("at_risk") or a saved segment's key.
    segment = models.CharField(_("segment"), max_length=40)
    subject_en = models.CharField(_("subject (English)"), max_length=300)
    body_en = models.TextField(_("text (English)"))
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=300)
    body_zh = models.TextField(_("text (Chinese)"))
    # A link the email's button leads to (through a signed click-tracking redirect).
    link_url = models.URLField(_("link"), max_length=500, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # When the next batch is due (the scheduler's safety net re-enqueues a late one).
    next_batch_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.CharField(_("created by"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_batch_at"], name="campaign_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class RecipientStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # in the audience, not handed to the email pipeline yet
    QUEUED = "queued", _("Queued")  # its email is queued (the email row says how it went)
    SKIPPED = "skipped", _("Skipped")  # consent withdrawn or suppressed before its turn


class CampaignRecipient(models.Model):
    """One customer of a campaign's audience, fixed when sending starts: at most one row, and so
    one email, per customer per campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("email"), max_length=320)
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(
        _("status"), max_length=16, choices=RecipientStatus.choices, default=RecipientStatus.PENDING
    )
    send_id = models.BigIntegerField(null=True, blank=True)  # the emails app's EmailSend
    clicked_at = models.DateTimeField(_("first click"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="recipient_once"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="recipient_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} in {self.campaign_id}"

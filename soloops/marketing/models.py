"""The marketing app's tables: the suppression list, campaigns and their recipients, and the
recommendations' association counts."""

from django.db import models
from django.db.models import Q
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
    # A second subject in each language, to test against the first: every other recipient gets
    # it (variant "b"); blank: no test.
    subject_en_b = models.CharField(
        _("second subject to test (English)"), max_length=300, blank=True, default=""
    )
    subject_zh_b = models.CharField(
        _("second subject to test (Chinese)"), max_length=300, blank=True, default=""
    )
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
    # Which subject they got: "a" (the first), or "b" in a campaign that tests a second one.
    variant = models.CharField(max_length=1, default="a")
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


# --- recommendations: item-item association counts ------------------------------------------


class BasketKind(models.TextChoices):
    ORDER = "order", _("Order")  # one order's lines: "bought together"
    CUSTOMER = "customer", _("Customer")  # everything one customer bought: "also bought"


class AssociationRun(models.Model):
    """One recount of the shop's baskets (the nightly job): how many baskets of each kind
    there were, the denominator of every support and lift. The newest row is current."""

    orders = models.PositiveIntegerField(_("orders"))  # order baskets counted
    customers = models.PositiveIntegerField(_("customers"))  # customer baskets counted
    pairs = models.PositiveIntegerField(_("pairs"))  # pair rows kept (both kinds, both ways)
    # The newest order the recount saw: the order.placed increment skips it and older ones
    # (their events may be dispatched after the recount), so nothing is counted twice.
    last_order_id = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(_("computed at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.orders} orders, {self.customers} customers at {self.computed_at}"


class ItemCount(models.Model):
    """How many baskets of a kind hold this variant, and how many recent orders did (the
    popularity fallback)."""

    kind = models.CharField(max_length=8, choices=BasketKind.choices)
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    baskets = models.PositiveIntegerField()
    recent = models.PositiveIntegerField(default=0)  # orders in the last RECENT_DAYS
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-recent", "-baskets", "variant_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "variant"], name="item_count_once"),
        ]
        indexes = [
            models.Index(fields=["kind", "-recent", "-baskets"], name="item_count_popular_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.variant_id}: {self.baskets}"


class PairCount(models.Model):
    """How many baskets of a kind hold both ``antecedent`` and ``consequent``. Stored both
    ways round so "what goes with X" is one index range; only pairs at or above the minimum
    support are kept."""

    kind = models.CharField(max_length=8, choices=BasketKind.choices)
    antecedent = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    consequent = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    baskets = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "antecedent_id", "-baskets", "consequent_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "antecedent", "consequent"], name="pair_count_once"
            ),
            models.CheckConstraint(
                condition=~Q(antecedent=models.F("consequent")), name="pair_count_two_items"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.antecedent_id}->{self.consequent_id}: {self.baskets}"

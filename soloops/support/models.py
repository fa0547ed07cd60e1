"""The support app's tables: a conversation with a customer and its messages.

A conversation is linked to a customer (by email address) and to the order it is about; it
keeps *which rule* linked the order, so the owner can see why the inbox thinks so.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")  # a mail to the shop's address (webhook or mailbox)
    STOREFRONT = "storefront", _("Shop")  # the contact form or "ask about this order"
    API = "api", _("API")  # another program posted it


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")  # the customer spoke last
    ANSWERED = "answered", _("Answered")  # the shop spoke last
    CLOSED = "closed", _("Closed")  # nothing left to do


class OrderLink(models.TextChoices):
    NONE = "", _("No order")  # none found
    GIVEN = "given", _("Chosen by the customer")  # "ask about this order", or the API named it
    NUMBER_IN_SUBJECT = "number_in_subject", _("Order number in the subject")
    NUMBER_IN_TEXT = "number_in_text", _("Order number in the message")
    LATEST_OPEN = "latest_open", _("The customer's latest open order")


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("From the shop")


class Conversation(models.Model):
    ref = models.CharField(_("reference"), max_length=16, unique=True)  # random, not an id
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ConversationStatus.choices, default="open"
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True, default="")
    email = models.EmailField(_("email"))  # lower-cased
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    language = models.CharField(_("language"), max_length=16, default="en")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order_link = models.CharField(
        _("order linked by"), max_length=32, choices=OrderLink.choices, blank=True, default=""
    )
    # What the customer's latest message asks for (support.intents), and how sure the model is.
    intent = models.CharField(_("intent"), max_length=32, blank=True, default="")
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    # Why the owner is asked (support.policy), and the reply SoloOps suggests to her.
    escalation_reason = models.CharField(max_length=32, blank=True, default="")
    suggestion = models.TextField(_("suggested reply"), blank=True, default="")
    message_count = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(_("last message"))
    first_response_due_at = models.DateTimeField(_("first response due"), null=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            # The inbox: unanswered first, newest first, per status.
            models.Index(fields=["status", "-last_message_at"], name="conversation_status_idx"),
            models.Index(fields=["email", "-last_message_at"], name="conversation_email_idx"),
            models.Index(fields=["order"], name="conversation_order_idx"),
            models.Index(fields=["channel", "-last_message_at"], name="conversation_channel_idx"),
            models.Index(fields=["intent", "-last_message_at"], name="conversation_intent_idx"),
        ]

    def __str__(self) -> str:
        return self.ref


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    author = models.CharField(_("from"), max_length=200)  # an address, or who answered
    body = models.TextField(_("message"))  # plain text, quoted history removed
    # Inbound: what the classifier read in it, and which model version said so.
    intent = models.CharField(_("intent"), max_length=32, blank=True, default="")
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    model_version = models.CharField(max_length=32, blank=True, default="")
    # What it names: order numbers, emails, tracking numbers, amounts, dates (support.entities).
    entities = models.JSONField(default=dict, blank=True)
    # The owner's correction of ``intent``: learnt from by the next night's model.
    corrected_intent = models.CharField(max_length=32, blank=True, default="")
    corrected_at = models.DateTimeField(null=True, blank=True)
    # An auto-reply, out-of-office or bounce (headers or text): never answered.
    automated = models.BooleanField(default=False)
    # Outbound: written by SoloOps itself (the policy), not a person.
    automatic = models.BooleanField(default=False)
    # Inbound: what the policy did with it (support.policy: auto, acknowledge, owner, ignore).
    handling = models.CharField(max_length=16, blank=True, default="")
    # Outbound: the customer's one-click rating of this answer (its link carries the token).
    rating_token = models.CharField(max_length=32, null=True, blank=True, unique=True)
    rating = models.CharField(_("rating"), max_length=4, blank=True, default="")  # good / bad
    rating_comment = models.TextField(blank=True, default="")
    rated_at = models.DateTimeField(null=True, blank=True)
    # Inbound mail: its HTML part, sanitised (nh3); attachments left out for their size.
    body_html = models.TextField(blank=True, default="")
    attachments_refused = models.JSONField(default=list, blank=True)
    # Mail threading: this message's Message-ID and the ones it answers.
    message_id = models.CharField(max_length=500, blank=True, default="")
    in_reply_to = models.CharField(max_length=500, blank=True, default="")
    # Outbound: the email send that carries it (emails app); the key makes it exactly once.
    email_send_id = models.BigIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["message_id"], name="support_message_mid_idx"),
            models.Index(fields=["corrected_at"], name="support_message_corrected_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation.ref} #{self.pk}"


class Attachment(models.Model):
    """A file that came with a customer's mail, kept within SUPPORT_MAX_ATTACHMENT_BYTES."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class ReplyText(models.Model):
    """The owner's wording of the reply for one intent (or ``no_order``) in one language; the
    shipped wording when there is none (``support.replies``)."""

    key = models.CharField(max_length=32)  # an intent (support.intents) or "no_order"
    language = models.CharField(max_length=16)  # en / zh-hans
    text = models.TextField()
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="support_reply_text_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}/{self.language}"


class IntentThreshold(models.Model):
    """The owner's auto-reply threshold for one intent, instead of the learnt one."""

    intent = models.CharField(max_length=32, unique=True)
    threshold = models.FloatField()  # 0 < threshold <= 1: the confidence needed to act alone
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["intent"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__gt=0) & models.Q(threshold__lte=1),
                name="support_intent_threshold_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.intent} ≥ {self.threshold}"

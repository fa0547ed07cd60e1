"""Reads of support: the inbox list (unanswered first), one conversation with its messages."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone, translation

from soloops.accounts.actors import Actor
from soloops.errors import NotFound
from soloops.support import replies
from soloops.support.classifier import learnt_thresholds
from soloops.support.errors import SupportErrorCode as Code
from soloops.support.intents import LABELS
from soloops.support.models import (
    Attachment,
    Channel,
    Conversation,
    ConversationStatus,
    IntentThreshold,
    Message,
    OrderLink,
    ReplyText,
)

CONVERSATION_STATUSES = ConversationStatus.choices
CONVERSATION_CHANNELS = Channel.choices
ORDER_LINKS = dict(OrderLink.choices)
INTENT_LABELS = LABELS


@dataclass(frozen=True)
class ConversationFilters:
    status: str | None = None
    channel: str | None = None
    intent: str | None = None
    email: str | None = None
    order_number: str | None = None


def conversations_list(filters: ConversationFilters) -> QuerySet[Conversation]:
    """Waiting for an answer first (oldest due first), then the rest newest first; each row
    carries its order's number (one query per page, no per-row lookups)."""
    rows = Conversation.objects.select_related("order").only(
        "ref",
        "channel",
        "status",
        "subject",
        "email",
        "name",
        "message_count",
        "last_message_at",
        "first_response_due_at",
        "first_responded_at",
        "order_link",
        "intent",
        "confidence",
        "created_at",
        "order__number",
        "order__status",
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.intent:
        rows = rows.filter(intent=filters.intent)
    if filters.email:
        rows = rows.filter(email=filters.email.strip().lower())
    if filters.order_number:
        rows = rows.filter(order__number=filters.order_number.strip().upper())
    waiting_first = Case(
        When(status=ConversationStatus.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return rows.order_by(waiting_first, "-last_message_at", "-id")


def conversation_get_for(*, actor: Actor | None, ref: str) -> Conversation:
    """One conversation with its messages, for any signed-in actor."""
    if actor is None or "\x00" in ref:
        raise NotFound(Code.NOT_FOUND, f"no conversation {ref!r}")
    conversation = (
        Conversation.objects.select_related("order", "customer")
        .prefetch_related(
            "messages",
            # Names and sizes only: the files' bytes stay in the database until downloaded.
            Prefetch(
                "messages__attachments",
                queryset=Attachment.objects.only("message_id", "filename", "content_type", "size"),
            ),
        )
        .filter(ref=ref)
        .first()
    )
    if conversation is None:
        raise NotFound(Code.NOT_FOUND, f"no conversation {ref}")
    return conversation


def conversations_waiting_count() -> int:
    return Conversation.objects.filter(status=ConversationStatus.OPEN).count()


@dataclass(frozen=True)
class SupportFigures:
    conversations: int
    auto_resolved: int  # answered by SoloOps alone, the owner never asked
    first_response_median: timedelta | None
    first_response_p90: timedelta | None
    satisfaction: list[tuple[str, int, int]]  # (intent, good, bad), most rated first

    @property
    def auto_share(self) -> float | None:
        return self.auto_resolved / self.conversations if self.conversations else None


def _percentile(values: list[timedelta], share: float) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def support_figures(*, days: int = 30, now=None) -> SupportFigures:
    """The inbox's figures over the last ``days``: how many conversations, how many SoloOps
    resolved alone, how soon a first answer came (median and 90th percentile), and how
    customers rated the answers per intent. Three queries."""
    since = (now or timezone.now()) - timedelta(days=days)
    recent = Conversation.objects.filter(created_at__gte=since)
    auto = Message.objects.filter(automatic=True, conversation_id=OuterRef("pk"))
    counts = recent.aggregate(
        total=Count("pk"),
        auto=Count("pk", filter=Q(Exists(auto), escalation_reason="")),
    )
    waits = [
        answered - opened
        for opened, answered in recent.filter(first_responded_at__isnull=False).values_list(
            "created_at", "first_responded_at"
        )
    ]
    rated = (
        Message.objects.filter(rated_at__gte=since)
        .exclude(rating="")
        .values("intent")
        .annotate(
            good=Count("pk", filter=Q(rating="good")), bad=Count("pk", filter=Q(rating="bad"))
        )
        .order_by()
    )
    satisfaction = sorted(
        ((row["intent"], row["good"], row["bad"]) for row in rated),
        key=lambda row: (-(row[1] + row[2]), row[0]),
    )
    return SupportFigures(
        satisfaction=satisfaction,
        conversations=counts["total"],
        auto_resolved=counts["auto"],
        first_response_median=_percentile(waits, 0.5),
        first_response_p90=_percentile(waits, 0.9),
    )


def reply_rateable(*, token: str) -> bool:
    """Whether ``token`` is the rating link of one of our answers."""
    return Message.objects.filter(rating_token=token, direction="out").exists()


def conversation_ids_for_order(*, order_id: int) -> list[int]:
    """The conversations about an order, for its timeline (conversation_order_idx)."""
    return list(Conversation.objects.filter(order_id=order_id).values_list("pk", flat=True))


# --- reply texts and thresholds (Settings → Support replies) ----------------------------------


@dataclass(frozen=True)
class ReplySetting:
    key: str  # an intent or replies.NO_ORDER
    label: str
    texts: dict[str, str]  # language → the text in use
    edited: dict[str, bool]  # language → the owner's own wording (not the shipped one)
    learnt_threshold: float | None  # None: the model is never sure enough to act alone
    owner_threshold: float | None  # the owner's, instead of the learnt one

    @property
    def threshold(self) -> float | None:
        return self.owner_threshold if self.owner_threshold is not None else self.learnt_threshold


def reply_default(*, key: str, language: str) -> str:
    with translation.override(language):
        return str(replies.DEFAULTS[key])


def reply_text(*, key: str, language: str) -> str:
    """The owner's wording of the reply for ``key`` in ``language``, else the shipped one."""
    row = ReplyText.objects.filter(key=key, language=language).only("text").first()
    return row.text if row else reply_default(key=key, language=language)


def intent_threshold(intent: str) -> float | None:
    """The confidence ``intent`` needs before SoloOps acts alone: the owner's, else the one the
    current model learnt (``classifier.thresholds``); None: never."""
    owner = IntentThreshold.objects.filter(intent=intent).values_list("threshold", flat=True)
    for value in owner:
        return value
    return _floored(learnt_thresholds(train=False).get(intent))


def _floored(learnt: float | None) -> float | None:
    return None if learnt is None else max(learnt, settings.SUPPORT_AUTO_REPLY_THRESHOLD)


def reply_settings() -> list[ReplySetting]:
    """Every reply key with its texts per language and its thresholds (two queries)."""
    rows = {(r.key, r.language): r.text for r in ReplyText.objects.all()}
    owner = dict(IntentThreshold.objects.values_list("intent", "threshold"))
    learnt = learnt_thresholds(train=False)
    result = []
    for key in replies.KEYS:
        texts, edited = {}, {}
        for language in replies.LANGUAGES:
            edited[language] = (key, language) in rows
            texts[language] = rows.get((key, language)) or reply_default(key=key, language=language)
        result.append(ReplySetting(key, str(replies.label(key)), texts, edited,
                                   _floored(learnt.get(key)), owner.get(key)))  # fmt: skip
    return result


REPLY_KEYS = replies.KEYS
REPLY_LANGUAGES = replies.LANGUAGES


def reply_placeholders(key: str) -> dict[str, str]:
    """The placeholders a reply for ``key`` may use, with what each stands for."""
    names = replies.allowed_names(key)
    return {name: str(replies.PLACEHOLDERS[name]) for name in names}


def reply_preview(*, key: str, language: str, text: str) -> tuple[str, list[str]]:
    """``text`` filled with a sample order's values in ``language``, and what is wrong with it
    (a text with problems is shown as written)."""
    found = replies.problems(key, text)
    with translation.override(language):
        return (text if found else replies.fill(text, replies.sample())), found


def reply_setting(key: str) -> ReplySetting:
    for setting in reply_settings():
        if setting.key == key:
            return setting
    raise NotFound(Code.NOT_FOUND, f"no reply is called {key!r}")

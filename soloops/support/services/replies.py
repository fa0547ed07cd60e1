"""The owner's reply texts and auto-reply thresholds (Settings → Support replies)."""

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.errors import InvalidInput
from soloops.events.services import event_emit
from soloops.support import intents, replies
from soloops.support.errors import SupportErrorCode as Code
from soloops.support.models import IntentThreshold, ReplyText
from soloops.support.selectors import reply_default


def _check_key(key: str, language: str) -> None:
    if key not in replies.KEYS:
        raise InvalidInput(Code.UNKNOWN_REPLY, f"no reply is called {key!r}", field="key")
    if language not in replies.LANGUAGES:
        raise InvalidInput(
            Code.UNKNOWN_REPLY,
            f"language must be one of {', '.join(replies.LANGUAGES)}",
            field="language",
        )


def reply_text_set(*, key: str, language: str, text: str, actor: Actor) -> ReplyText | None:
    """The owner's wording for ``key`` in ``language``. Checked first (placeholders, braces,
    length): a bad text changes nothing. The shipped wording itself removes the owner's."""
    _check_key(key, language)
    text = text.replace("\r\n", "\n").strip()
    found = replies.problems(key, text)
    if found:
        raise InvalidInput(Code.INVALID_REPLY, " ".join(found), field="text")
    if text == reply_default(key=key, language=language):
        reply_text_reset(key=key, language=language, actor=actor)
        return None
    with transaction.atomic():
        row = ReplyText.objects.select_for_update().filter(key=key, language=language).first()
        if row is not None and row.text == text:
            return row
        if row is None:
            row = ReplyText.objects.create(key=key, language=language, text=text)
        else:
            row.text = text
            row.save(update_fields=["text", "updated_at"])
        event_emit(type="support.reply_changed", subject=("support.reply", f"{key}/{language}"),
                   payload={"key": key, "language": language, "text": text, "default": False},
                   actor=actor)  # fmt: skip
    return row


def reply_text_reset(*, key: str, language: str, actor: Actor) -> None:
    """Back to the shipped wording for ``key`` in ``language`` (nothing if already there)."""
    _check_key(key, language)
    with transaction.atomic():
        deleted, _kinds = ReplyText.objects.filter(key=key, language=language).delete()
        if deleted:
            event_emit(type="support.reply_changed",
                       subject=("support.reply", f"{key}/{language}"),
                       payload={"key": key, "language": language,
                                "text": reply_default(key=key, language=language),
                                "default": True},
                       actor=actor)  # fmt: skip


def intent_threshold_set(*, intent: str, threshold: float | None, actor: Actor) -> None:
    """The confidence ``intent`` needs before SoloOps acts alone; None: the learnt one."""
    if intent not in intents.INTENTS:
        raise InvalidInput(Code.UNKNOWN_INTENT, f"no intent is called {intent!r}", field="intent")
    if threshold is not None and not 0 < threshold <= 1:
        raise InvalidInput(
            Code.INVALID_THRESHOLD, "a threshold is above 0 and at most 1", field="threshold"
        )
    with transaction.atomic():
        row = IntentThreshold.objects.select_for_update().filter(intent=intent).first()
        before = row.threshold if row else None
        if before == threshold:
            return
        if threshold is None:
            row.delete()
        elif row is None:
            IntentThreshold.objects.create(intent=intent, threshold=threshold)
        else:
            row.threshold = threshold
            row.save(update_fields=["threshold", "updated_at"])
        event_emit(type="support.threshold_changed", subject=("support.intent", intent),
                   payload={"intent": intent, "from": before, "to": threshold},
                   actor=actor)  # fmt: skip

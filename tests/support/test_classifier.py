"""The intent classifier and its shipped training set."""

from django.conf import settings

from soloops.support import classifier, training_data
from soloops.support.intents import INTENTS


def test_the_shipped_training_set_is_what_the_committed_script_generates():
    assert training_data.generate() == training_data.load()


def test_the_set_covers_every_intent_in_both_languages_with_a_held_out_part():
    rows = training_data.load()
    for language in ("en", "zh"):
        for split in ("train", "test"):
            found = {r["intent"] for r in rows if (r["language"], r["split"]) == (language, split)}
            assert found == set(INTENTS), (language, split)
    assert sum(r["language"] == "zh" for r in rows) >= 300
    train = {r["text"] for r in rows if r["split"] == "train"}
    held_out = [r for r in rows if r["split"] == "test"]
    assert sum(r["text"] in train for r in held_out) < len(held_out) * 0.05


def test_held_out_messages_are_mostly_understood_and_confidence_ranks_them():
    # a floor well under what bench/support.py prints, to catch a broken model or data
    held_out = training_data.load("test")
    predictions = classifier.classify_many([r["text"] for r in held_out], corrections=False)
    right = [r["intent"] == p.intent for r, p in zip(held_out, predictions, strict=True)]
    assert sum(right) / len(right) > 0.75
    sure = [ok for ok, p in zip(right, predictions, strict=True) if p.confidence >= 0.6]
    assert sum(sure) / len(sure) > 0.9


def test_the_model_is_kept_in_var_under_its_version(db):
    _model, version = classifier.model()

    assert (settings.VAR_DIR / "support" / f"intent-model-{version}.pickle").exists()
    assert classifier.classify("thanks!").model_version == version


def test_a_correction_is_stored_and_learnt_from_the_next_night(shop):
    from datetime import timedelta

    from django.utils import timezone

    from soloops.automation.models import Event
    from soloops.support.models import Message
    from soloops.support.services import message_relabel
    from tests.support.conftest import SYSTEM, open_conversation

    # given a message the owner re-labels
    conversation = open_conversation(body="Do you have a physical shop I can visit?")
    (message,) = conversation.messages.all()
    version_before = classifier.model()[1]
    message_relabel(message=message, intent="product_question", actor=SYSTEM)

    # then it is kept beside what the model said, and logged
    message.refresh_from_db()
    conversation.refresh_from_db()
    assert (message.intent, message.corrected_intent) == ("other", "product_question")
    assert conversation.intent == "product_question"
    relabelled = Event.objects.get(type="conversation.relabelled")
    assert relabelled.payload["from"] == "other" and relabelled.payload["to"] == "product_question"

    # and the model changes only once the correction is from before today
    assert classifier.model()[1] == version_before
    Message.objects.filter(pk=message.pk).update(corrected_at=timezone.now() - timedelta(days=1))
    classifier._corrections.cache_clear()
    assert classifier.model()[1] != version_before
    classifier._corrections.cache_clear()

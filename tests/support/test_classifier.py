"""The intent classifier and its shipped training set."""

from soloops.support import classifier, training_data
from soloops.support.intents import INTENTS


def test_the_shipped_training_set_is_what_the_committed_script_generates():
    assert training_data.generate() == training_data.load()


def test_the_set_covers_every_intent_in_both_languages_with_validation_and_held_out_parts():
    rows = training_data.load()
    for language in ("en", "zh"):
        for split in ("train", "validation", "test"):
            found = {r["intent"] for r in rows if (r["language"], r["split"]) == (language, split)}
            assert found == set(INTENTS), (language, split)
    assert sum(r["language"] == "zh" for r in rows) >= 300


def test_no_template_and_no_text_crosses_from_training_to_validation_or_held_out():
    rows = training_data.load()
    by_split = {s: [r for r in rows if r["split"] == s] for s in ("train", "validation", "test")}
    templates = {s: {r["template"] for r in part} for s, part in by_split.items()}
    assert not templates["train"] & templates["validation"]
    assert not templates["train"] & templates["test"]
    assert not templates["validation"] & templates["test"]
    train = {r["text"] for r in by_split["train"]}
    for split in ("validation", "test"):
        part = by_split[split]
        assert sum(r["text"] in train for r in part) < len(part) * 0.02, split
    handwritten = training_data.load("handwritten")
    assert {r["intent"] for r in handwritten} == set(INTENTS)
    assert not {r["text"] for r in handwritten} & {r["text"] for r in rows}


def test_held_out_messages_are_mostly_understood_and_confidence_means_what_it_says():
    # floors well under what bench/support.py prints, to catch a broken model, data or
    # calibration (an uncalibrated SVM's scores are no probabilities at all)
    held_out = training_data.load("test") + training_data.load("handwritten")
    predictions = classifier.classify_many([r["text"] for r in held_out], corrections=False)
    right = [r["intent"] == p.intent for r, p in zip(held_out, predictions, strict=True)]
    assert sum(right) / len(right) > 0.75
    # expected calibration error over ten bands of confidence
    gap = 0.0
    for low in [k / 10 for k in range(10)]:
        inside = [
            (ok, p.confidence)
            for ok, p in zip(right, predictions, strict=True)
            if low <= p.confidence < low + 0.1 or (low == 0.9 and p.confidence == 1)
        ]
        if inside:
            accuracy = sum(ok for ok, _c in inside) / len(inside)
            claimed = sum(c for _ok, c in inside) / len(inside)
            gap += len(inside) / len(right) * abs(accuracy - claimed)
    assert gap < 0.12
    # the learnt thresholds keep automatic answers precise on messages never seen
    thresholds = classifier.learnt_thresholds(corrections=False)
    alone = [ok for ok, p in zip(right, predictions, strict=True)
             if p.intent in ("order_status", "shipping") and thresholds[p.intent] is not None
             and p.confidence >= thresholds[p.intent]]  # fmt: skip
    assert alone and sum(alone) / len(alone) >= 0.9


def test_a_threshold_is_the_lowest_confidence_whose_answers_from_there_up_are_precise():
    # given validation answers for one intent, best first: right, right, ..., a miss at 0.55
    decided = [("thanks", c / 100, "thanks") for c in range(99, 59, -4)]  # 10 right, ≥ 0.63
    decided += [("thanks", 0.55, "other"), ("thanks", 0.5, "thanks")]
    decided += [("other", 0.9, "thanks")] * 3  # an intent that is never right
    # one early miss does not doom an intent whose answers are otherwise right
    decided += [("shipping", 0.99, "other")]
    decided += [("shipping", c / 100, "shipping") for c in range(98, 58, -2)]  # 20 right

    chosen = classifier.thresholds(decided)

    # 10 of 10 down to 0.63; with the miss at 0.55 it is 10/11 < 0.95, and 11/12 at 0.5
    assert chosen["thanks"] == 0.63
    # 20 of 21 from 0.6 up: 0.952
    assert chosen["shipping"] == 0.6
    assert chosen["other"] is None
    assert chosen["complaint"] is None  # never said: no evidence, never alone


def test_the_model_is_kept_in_var_under_its_version(db, settings, tmp_path):
    # given a var/ without a model (the test run's own has the one kept from an earlier run)
    settings.VAR_DIR = tmp_path
    classifier._loaded.clear()

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


def test_a_customers_message_never_trains_the_model_a_worker_does(shop, run_after_commit, settings):
    from datetime import timedelta

    from django.utils import timezone

    from soloops.support.models import Message
    from soloops.support.services import classifier_train_due, message_relabel
    from tests.support.conftest import SYSTEM, open_conversation

    settings.SUPPORT_CLASSIFIER_TRAIN = True
    folder = settings.VAR_DIR / "support"
    # given a trained model (as `soloops init` leaves it) and a correction from yesterday
    classifier.model()
    conversation = open_conversation(body="Could I settle the bill with a market stall voucher?")
    (message,) = conversation.messages.all()
    message_relabel(message=message, intent="payment_problem", actor=SYSTEM)
    Message.objects.filter(pk=message.pk).update(corrected_at=timezone.now() - timedelta(days=1))
    classifier._corrections.cache_clear()
    try:
        assert not classifier.ready()  # tonight's model is due
        models_before = sorted(folder.glob("intent-model-*.pickle"))

        # when a customer writes meanwhile (the web request classifies the message)
        later = open_conversation(body="Where is my parcel?").messages.get()

        # then a model already in var/ says it, and none is trained in the request
        assert (folder / f"intent-model-{later.model_version}.pickle") in models_before
        assert sorted(folder.glob("intent-model-*.pickle")) == models_before
        assert not classifier.ready()

        # when the scheduler ticks: the training goes to a worker, once
        assert classifier_train_due()
        assert not classifier_train_due()
        run_after_commit()

        # then the new model is in var/, and the next message uses it
        assert classifier.ready()
        newest = open_conversation(body="Where is my parcel?").messages.get()
        assert newest.model_version == classifier.model()[1] != later.model_version
        assert not classifier_train_due()
    finally:
        classifier._corrections.cache_clear()


def test_nothing_is_handed_out_when_training_is_switched_off(db, settings):
    from soloops.support.services import classifier_train_due

    settings.SUPPORT_CLASSIFIER_TRAIN = False
    assert not classifier_train_due()

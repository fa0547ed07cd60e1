"""The owner's reply texts and thresholds: checked, used in live replies, restorable, logged."""

import pytest

from soloops.errors import InvalidInput
from soloops.events.models import Event
from soloops.support import answers, classifier, policy
from soloops.support.models import IntentThreshold, ReplyText
from soloops.support.selectors import intent_threshold, reply_settings, reply_text
from soloops.support.services import intent_threshold_set, reply_text_reset, reply_text_set
from tests.support.conftest import SYSTEM, open_conversation


def test_an_owners_text_is_filled_from_the_order_and_the_default_comes_back(shop, order):
    # given the owner's own wording for invoices in English
    reply_text_set(key="invoice", language="en", actor=SYSTEM,
                   text="Dear {name}, the invoice for {number} is on {url} — {shop}")  # fmt: skip

    # when SoloOps writes the reply
    text = answers.compose(intent="invoice", order=order, language="en", name="Ada")

    # then it is hers, with the order's real values
    assert text.startswith(f"Dear Ada, the invoice for {order.number} is on http")
    assert "{" not in text
    # and Chinese still has the shipped wording
    assert order.number in answers.compose(intent="invoice", order=order, language="zh-hans")
    assert "发票" not in reply_text(key="invoice", language="en")

    # when she restores the default
    reply_text_reset(key="invoice", language="en", actor=SYSTEM)

    # then the shipped wording is back, and both changes are logged
    assert not ReplyText.objects.exists()
    assert answers.compose(intent="invoice", order=order, language="en").startswith(
        f"Your order {order.number} ("
    )
    changes = Event.objects.filter(type="support.reply_changed").order_by("pk")
    assert [e.payload["default"] for e in changes] == [False, True]


@pytest.mark.parametrize(
    ("key", "text", "problem"),
    [
        ("invoice", "Hello {nmae}", "Unknown placeholder {nmae}"),
        ("invoice", "Hello {number.__class__}", "Unknown placeholder"),
        ("invoice", "Hello {number", "without its pair"),
        ("invoice", "   ", "empty"),
        ("no_order", "Your order {number}?", "Unknown placeholder {number}"),
        ("invoice", "x" * 2001, "at most 2000"),
    ],
)
def test_a_bad_text_is_refused_naming_the_problem_and_changes_nothing(db, key, text, problem):
    with pytest.raises(InvalidInput) as caught:
        reply_text_set(key=key, language="en", text=text, actor=SYSTEM)

    assert caught.value.field == "text" and problem in caught.value.message
    assert not ReplyText.objects.exists()
    assert not Event.objects.filter(type="support.reply_changed").exists()


def test_unknown_keys_and_languages_are_refused(db):
    with pytest.raises(InvalidInput) as caught:
        reply_text_set(key="weather", language="en", text="Hi", actor=SYSTEM)
    assert caught.value.field == "key"
    with pytest.raises(InvalidInput) as caught:
        reply_text_set(key="thanks", language="fr", text="Merci", actor=SYSTEM)
    assert caught.value.field == "language"
    with pytest.raises(InvalidInput) as caught:
        intent_threshold_set(intent="thanks", threshold=1.5, actor=SYSTEM)
    assert caught.value.field == "threshold"


def test_a_value_holding_braces_is_not_read_as_a_placeholder(shop, order):
    reply_text_set(key="thanks", language="en", text="Thanks {name}!", actor=SYSTEM)

    assert answers.compose(intent="thanks", order=order, language="en",
                           name="{shop} {status}") == "Thanks {shop} {status}!"  # fmt: skip


def test_each_intent_has_its_learnt_threshold_until_the_owner_sets_hers(db):
    learnt = classifier.learnt_thresholds()
    assert intent_threshold("order_status") == max(learnt["order_status"], 0.5)

    intent_threshold_set(intent="order_status", threshold=0.99, actor=SYSTEM)
    assert intent_threshold("order_status") == 0.99
    (row,) = [s for s in reply_settings() if s.key == "order_status"]
    assert (row.owner_threshold, row.threshold) == (0.99, 0.99)

    intent_threshold_set(intent="order_status", threshold=None, actor=SYSTEM)
    assert not IntentThreshold.objects.exists()
    changes = Event.objects.filter(type="support.threshold_changed").order_by("pk")
    assert [(e.payload["from"], e.payload["to"]) for e in changes] == [(None, 0.99), (0.99, None)]


def test_the_policy_asks_the_owner_below_the_intents_threshold(shop, order):
    # given an order-status question SoloOps would answer alone
    conversation = open_conversation(body=f"Where is my order {order.number}?")
    (message,) = conversation.messages.filter(direction="in")
    assert message.intent == "order_status"
    assert policy.decide(conversation=conversation, message=message, history=[]).action == "auto"

    # when the model is 0.9 sure and the owner wants 0.95
    message.confidence = 0.9
    intent_threshold_set(intent="order_status", threshold=0.95, actor=SYSTEM)

    # then she is asked instead
    decision = policy.decide(conversation=conversation, message=message, history=[])
    assert (decision.action, decision.reason) == ("owner", "low_confidence")
    # and with 0.85 SoloOps answers alone again
    intent_threshold_set(intent="order_status", threshold=0.85, actor=SYSTEM)
    assert policy.decide(conversation=conversation, message=message, history=[]).action == "auto"


def test_every_shipped_reply_is_written_in_each_language(db):
    from soloops.support.selectors import REPLY_KEYS, reply_default

    for key in REPLY_KEYS:
        english = reply_default(key=key, language="en")
        chinese = reply_default(key=key, language="zh-hans")
        assert english == chinese == "{status}" or english != chinese, key


@pytest.mark.parametrize(
    "body",
    ["Where is my order {number}?? This is ridiculous", "我的订单{number}到哪了？太离谱了"],  # noqa: RUF001
)
def test_an_upset_customer_reaches_a_person_whatever_the_question(shop, order, body):
    conversation = open_conversation(body=body.format(number=order.number))
    (message,) = conversation.messages.filter(direction="in")
    message.intent, message.confidence = "order_status", 1.0  # however sure of the question

    decision = policy.decide(conversation=conversation, message=message, history=[])

    assert (decision.action, decision.reason) == ("owner", "negative")

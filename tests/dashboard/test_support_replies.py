"""Settings → Support replies: the owner edits a reply with a preview, a bad placeholder is a
form error that saves nothing, the default comes back, thresholds per intent; roles."""

import pytest

from soloops.support.models import IntentThreshold, ReplyText
from tests.emails.conftest import shop  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("shop")
PAGE = "/settings/support/invoice/en/"


def test_the_list_shows_every_intent_with_its_texts_and_threshold(
    owner_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        html = owner_client.get("/settings/support/").content.decode()

    assert "Invoice request" in html and "{receipt} If you need an invoice" in html
    assert "{receipt} 如需开具公司抬头的发票" in html
    assert "Any question without an identified order" in html
    assert PAGE in html


def test_the_owner_previews_saves_and_restores_a_reply(owner_client):
    text = "Hi {name}, your invoice for {number}: {url}"

    # preview: filled with a sample order, nothing saved
    html = owner_client.post(PAGE, {"text": text, "preview": "1"}).content.decode()
    assert "Hi Ada Lovelace, your invoice for SO-2026-7K3QXM2A: https://" in html
    assert not ReplyText.objects.exists()

    # save
    response = owner_client.post(PAGE, {"text": text})
    assert response.status_code == 302
    assert ReplyText.objects.get(key="invoice", language="en").text == text
    assert "yours" in owner_client.get("/settings/support/").content.decode()

    # restore the default
    assert owner_client.post(PAGE + "reset").status_code == 302
    assert not ReplyText.objects.exists()


def test_an_unknown_placeholder_is_a_form_error_and_saves_nothing(owner_client):
    for extra in ({}, {"preview": "1"}):
        response = owner_client.post(PAGE, {"text": "Hello {numbr}", **extra})

        assert response.status_code == 400
        assert "Unknown placeholder {numbr}" in response.content.decode()
    assert not ReplyText.objects.exists()


def test_the_owner_sets_and_clears_an_intents_threshold(owner_client):
    assert owner_client.post(PAGE + "threshold", {"threshold": "0.9"}).status_code == 302
    assert IntentThreshold.objects.get(intent="invoice").threshold == 0.9

    response = owner_client.post(PAGE + "threshold", {"threshold": "2"})
    assert response.status_code == 400 and IntentThreshold.objects.get().threshold == 0.9

    assert owner_client.post(PAGE + "threshold", {"threshold": ""}).status_code == 302
    assert not IntentThreshold.objects.exists()


def test_chinese_page_and_unknown_replies(owner_client):
    html = owner_client.get("/settings/support/thanks/zh-hans/").content.decode()
    assert "不客气" in html
    assert owner_client.get("/settings/support/weather/en/").status_code == 404
    assert owner_client.get("/settings/support/thanks/fr/").status_code == 404


def test_staff_and_viewers_look_but_change_nothing(staff_client, viewer_client):
    for client in (staff_client, viewer_client):
        assert client.get(PAGE).status_code == 200
        assert client.post(PAGE, {"text": "Hi {number}"}).status_code == 403
        assert client.post(PAGE + "threshold", {"threshold": "0.9"}).status_code == 403
        assert client.post(PAGE + "reset").status_code == 403
    assert not ReplyText.objects.exists() and not IntentThreshold.objects.exists()

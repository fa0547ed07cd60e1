"""Campaigns through ``/api/campaigns`` as a client calls them, and their sending: to the
segment's customers who consented, in each one's language, in throttled batches, once per
customer however often a batch runs; then results with clicks and attributed orders."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from soloops.customers.services import segment_save
from soloops.emails.models import EmailSend
from soloops.marketing.campaign_selectors import clicks_compare
from soloops.marketing.models import Campaign, CampaignRecipient
from soloops.marketing.services import campaign_send_batch, campaigns_resume_due
from soloops.orders.models import Order
from tests.api.conftest import assert_error
from tests.customers.conftest import open_shop, place
from tests.marketing.conftest import SYSTEM, customer

CAMPAIGN = {
    "name": "Autumn mugs",
    "segment": "mug-people",
    "subject_en": "New autumn mugs",
    "body_en": "Our autumn glazes are out.",
    "subject_zh": "秋季新杯",
    "body_zh": "秋季釉色上新了。",
    "link_url": "https://shop.example.com/shop/p/autumn/",
}


@pytest.fixture
def audience(db):
    """A saved segment of English and Chinese speakers: three consented, one did not."""
    with transaction.atomic():
        segment_save(key="mug-people", name="Mug people", rules={"max_spent": "1000"},
                     actor=SYSTEM)  # fmt: skip
    return [
        customer("ada@example.com", name="Ada"),
        customer("bo@example.com", name="Bo", language="zh-hans"),
        customer("cy@example.com", name="Cy"),
        customer("no@example.com", name="Nope", consent=False),
    ]


def created(owner, **changes) -> dict:
    response = owner.post("/api/campaigns", {**CAMPAIGN, **changes})
    assert response.status_code == 201, response.content
    return response.json()


def test_create_list_and_detail_with_roles_paging_and_errors(caller, audience):
    owner, staff, viewer = caller("owner"), caller("staff"), caller("viewer")
    # given three campaigns drafted by staff
    for i in range(3):
        assert staff.post("/api/campaigns", {**CAMPAIGN, "name": f"C{i}"}).status_code == 201

    # then a viewer reads them, paged, newest first
    page = viewer.get("/api/campaigns", limit=2).json()
    assert [c["name"] for c in page["items"]] == ["C2", "C1"]
    assert page["count"] == 3 and page["has_more"] is True
    detail = viewer.get(f"/api/campaigns/{page['items'][0]['id']}").json()
    assert detail["status"] == "draft" and detail["results"]["recipients"] == 0

    # and bad input is a 422 naming the field; roles and login are checked
    assert_error(owner.post("/api/campaigns", {**CAMPAIGN, "segment": "nobody"}), 422,
                 "unknown_segment", "segment")  # fmt: skip
    assert_error(owner.post("/api/campaigns", {**CAMPAIGN, "link_url": "javascript:x"}), 422)
    assert_error(viewer.post("/api/campaigns", CAMPAIGN), 403)
    campaign_id = page["items"][0]["id"]
    assert_error(staff.post(f"/api/campaigns/{campaign_id}/schedule", {}), 403)
    assert_error(staff.post(f"/api/campaigns/{campaign_id}/test", {"to": "o@x.com"}), 403)
    assert Client().get("/api/campaigns").status_code == 401
    assert_error(viewer.get("/api/campaigns/999999"), 404)


def test_a_draft_or_scheduled_campaign_is_edited_and_a_sending_one_refused(
    caller, audience, run_after_commit
):
    from soloops.events.models import Event

    owner, staff, viewer = caller("owner"), caller("staff"), caller("viewer")
    campaign = created(staff)
    url = f"/api/campaigns/{campaign['id']}"

    # when staff changes the English subject, the Chinese text and the segment of the draft
    with transaction.atomic():
        segment_save(key="all", name="All", rules={}, actor=SYSTEM)
    response = staff.patch(url, {"subject_en": "Rust and moss mugs", "body_zh": "新釉色。",
                                 "segment": "all", "name": campaign["name"]})  # fmt: skip

    # then the campaign and its preview say so, with one event naming what changed
    assert response.status_code == 200, response.content
    detail = response.json()
    assert (detail["subject_en"], detail["body_zh"], detail["segment"]) == (
        "Rust and moss mugs", "新釉色。", "all"
    )  # fmt: skip
    assert owner.get(f"{url}/preview/en").json()["subject"] == "Rust and moss mugs"
    updated = Event.objects.filter(type="campaign.updated")
    assert [e.payload["changed"] for e in updated] == [["segment", "subject_en", "body_zh"]]

    # and bad input is a 422 naming the field, a viewer is refused; nothing changes
    assert_error(staff.patch(url, {"segment": "nobody"}), 422, "unknown_segment", "segment")
    assert_error(staff.patch(url, {"subject_zh": ""}), 422)
    assert_error(staff.patch(url, {"status": "sent"}), 422)
    assert_error(viewer.patch(url, {"subject_en": "x"}), 403)
    assert_error(staff.patch("/api/campaigns/999999", {"subject_en": "x"}), 404)
    assert staff.patch(url, {"subject_en": "Rust and moss mugs"}).status_code == 200
    assert updated.count() == 1  # the same text again changes nothing

    # when it is scheduled for later, it can still be edited
    later = (timezone.now() + timedelta(days=2)).isoformat()
    owner.post(f"{url}/schedule", {"send_at": later})
    assert staff.patch(url, {"body_en": "Out on Friday."}).status_code == 200

    # when it goes out, it can no longer be edited
    owner.post(f"{url}/schedule", {})
    run_after_commit()
    assert Campaign.objects.get(pk=campaign["id"]).status == "sent"
    error = assert_error(staff.patch(url, {"subject_en": "Too late"}), 409,
                         "campaign_not_editable", "status")  # fmt: skip
    assert "sent" in error["message"]
    assert Campaign.objects.get(pk=campaign["id"]).subject_en == "Rust and moss mugs"
    assert {m.subject for m in mail.outbox} == {"Rust and moss mugs", "秋季新杯"}


def test_preview_per_language_names_the_customer(caller, audience):
    owner = caller("owner")
    campaign = created(owner)

    en = owner.get(f"/api/campaigns/{campaign['id']}/preview/en").json()
    zh = owner.get(f"/api/campaigns/{campaign['id']}/preview/zh-hans").json()

    assert en["subject"] == "New autumn mugs" and "Hello Ada Lovelace" in en["text"]
    assert zh["subject"] == "秋季新杯" and "Ada Lovelace，您好" in zh["text"]  # noqa: RUF001
    assert "秋季釉色上新了" in zh["html"]
    assert_error(owner.get(f"/api/campaigns/{campaign['id']}/preview/fr"), 422)


def test_a_test_send_goes_to_the_owner_once_per_idempotency_key(caller, audience, run_after_commit):
    owner = caller("owner")
    campaign = created(owner)
    path = f"/api/campaigns/{campaign['id']}/test"

    # when the owner sends a test twice with the same key
    for _ in range(2):
        response = owner.client.post(
            path,
            {"to": "olivia@example.com", "language": "zh-hans"},
            content_type="application/json",
            headers={**owner.headers, "Idempotency-Key": "t-1"},
        )
        assert response.status_code == 201, response.content
    run_after_commit()

    # then one test email, in Chinese, marked, with the one-click unsubscribe headers
    (message,) = mail.outbox
    assert message.to == ["olivia@example.com"] and message.subject == "[TEST] 秋季新杯"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://shop.example.com/shop/unsubscribe/"
    )
    assert_error(owner.post(path, {"to": "olivia@example.com", "language": "fr"}), 422)


def test_sending_goes_in_batches_once_per_consenting_customer_in_their_language(
    caller, audience, run_after_commit, settings
):
    # given batches of two, a campaign to the segment, scheduled now
    settings.MARKETING_BATCH_SIZE = 2
    owner = caller("owner")
    campaign = created(owner)
    scheduled = owner.post(f"/api/campaigns/{campaign['id']}/schedule", {})
    assert scheduled.status_code == 200, scheduled.content

    # when the worker runs: the first batch, then the next is due only a batch interval later
    run_after_commit()
    first = sorted(m.to[0] for m in mail.outbox)
    assert len(first) == 2
    row = Campaign.objects.get(pk=campaign["id"])
    assert row.status == "sending" and row.next_batch_at > timezone.now()

    # and a batch run again early (a doubled task) sends nothing more
    campaign_send_batch(campaign_id=row.pk)
    run_after_commit()
    assert len(mail.outbox) == 2

    # when the next batch is due and it runs twice
    later = row.next_batch_at + timedelta(seconds=1)
    campaign_send_batch(campaign_id=row.pk, now=later)
    campaign_send_batch(campaign_id=row.pk, now=later)
    run_after_commit()

    # then each consenting customer got it once, in their language; the one without consent none
    by_to = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_to) == ["ada@example.com", "bo@example.com", "cy@example.com"]
    assert len(mail.outbox) == 3
    assert by_to["bo@example.com"].subject == "秋季新杯"
    assert "Bo，您好" in by_to["bo@example.com"].body  # noqa: RUF001
    assert by_to["ada@example.com"].subject == "New autumn mugs"
    assert "Hello Ada," in by_to["ada@example.com"].body
    assert "/shop/go/" in by_to["ada@example.com"].body  # the link is tracked
    assert Campaign.objects.get(pk=row.pk).status == "sent"
    assert_error(owner.post(f"/api/campaigns/{row.pk}/schedule", {}), 409)


def test_results_count_clicks_unsubscribes_and_orders_within_seven_days_of_a_click(
    caller, audience, run_after_commit
):
    # given a campaign sent to three customers
    open_shop()
    owner = caller("owner")
    campaign = created(owner)
    owner.post(f"/api/campaigns/{campaign['id']}/schedule", {})
    run_after_commit()
    assert len(mail.outbox) == 3
    link = {m.to[0]: _link(m.body, "/shop/go/") for m in mail.outbox}
    unsubscribe = _link(mail.outbox[0].body, "/shop/unsubscribe/")

    # when Ada clicks twice and orders, Bo clicks and orders 8 days later, one unsubscribes
    client = Client()
    for _ in range(2):
        response = client.get(link["ada@example.com"])
        assert response.status_code == 302
        assert response["Location"] == CAMPAIGN["link_url"]
    client.get(link["bo@example.com"])
    place("ada@example.com", ("MUG-1", 2))
    late = place("bo@example.com", ("MUG-1", 1))
    Order.objects.filter(pk=late.pk).update(placed_at=timezone.now() + timedelta(days=8))
    assert client.post(unsubscribe).status_code == 200
    assert client.get("/shop/go/forged:token:here/").status_code == 404

    # then the results say so, with Wilson intervals
    results = owner.get(f"/api/campaigns/{campaign['id']}").json()["results"]
    assert results["sent"] == 3
    assert results["delivered"]["count"] == 3 and results["delivered"]["rate"] == 1.0
    assert results["clicked"]["count"] == 2
    assert 0 < results["clicked"]["low"] < 2 / 3 < results["clicked"]["high"] < 1
    assert results["unsubscribed"]["count"] == 1
    assert results["orders"] == 1 and results["revenue"] == {"EUR": "25.00"}
    assert CampaignRecipient.objects.filter(clicked_at__isnull=False).count() == 2


def test_a_lost_batch_is_resumed_by_the_scheduler(caller, audience, run_after_commit):
    # given a campaign whose start task was lost (no worker ran it)
    owner = caller("owner")
    campaign = created(owner)
    owner.post(f"/api/campaigns/{campaign['id']}/schedule", {})
    from django_tasks_db.models import DBTaskResult

    from tests.conftest import _run_on_commit_callbacks

    _run_on_commit_callbacks()
    DBTaskResult.objects.all().delete()

    # when the scheduler's tick runs well after it was due (five minutes), and the worker runs
    Campaign.objects.update(next_batch_at=timezone.now() - timedelta(minutes=5))
    assert campaigns_resume_due() == 1
    assert campaigns_resume_due() == 0  # handed out once, not on every tick
    run_after_commit()

    # then it went out to everyone who may get it
    assert len(mail.outbox) == 3
    assert EmailSend.objects.filter(template="marketing_message").count() == 3


def _link(body: str, path: str) -> str:
    for word in body.split():
        if path in word:
            return word.removeprefix("https://shop.example.com")
    raise AssertionError(f"no {path} link in {body}")


def test_the_list_costs_the_same_queries_however_many_campaigns(
    caller, audience, django_assert_num_queries
):
    # given campaigns with recipients
    owner = caller("owner")
    for i in range(6):
        created(owner, name=f"C{i}")

    # when a page is asked for (the count, the page with its recipient counts; the API token
    # is kept in the process's memory)
    with django_assert_num_queries(2):
        page = owner.get("/api/campaigns", limit=5).json()

    # then
    assert len(page["items"]) == 5 and page["count"] == 6


def test_a_subject_test_sends_every_other_customer_the_second_subject_once(
    caller, audience, run_after_commit
):
    owner = caller("owner")
    # given a subject test (half of one is refused, naming the missing field)
    assert_error(owner.post("/api/campaigns", {**CAMPAIGN, "subject_en_b": "Mugs in rust"}),
                 422, "invalid_subject_test", "subject_zh_b")  # fmt: skip
    campaign = created(owner, subject_en_b="Mugs in rust", subject_zh_b="铁锈色杯子")

    # when it is sent
    owner.post(f"/api/campaigns/{campaign['id']}/schedule", {})
    run_after_commit()

    # then every other customer (Ada, Bo, Cy in order) got the second subject, each one email
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert len(mail.outbox) == 3
    assert subjects == {"ada@example.com": "New autumn mugs", "bo@example.com": "铁锈色杯子",
                        "cy@example.com": "New autumn mugs"}  # fmt: skip

    # and the results compare the halves, naming no winner on three emails
    test = owner.get(f"/api/campaigns/{campaign['id']}").json()["results"]["subject_test"]
    assert (test["a"]["recipients"], test["b"]["recipients"]) == (2, 1)
    assert test["b"]["subject_zh"] == "铁锈色杯子" and test["winner"] == ""
    assert test["p_value"] == pytest.approx(1.0)
    assert created(owner)["results"]["subject_test"] is None  # no test, no comparison


@pytest.mark.parametrize(
    ("a", "b", "winner"),
    [((10, 200), (40, 200), "b"), ((40, 200), (10, 200), "a"), ((10, 200), (14, 200), ""),
     ((3, 10), (6, 10), "")],
)  # fmt: skip
def test_a_winner_is_named_only_when_the_difference_is_unlikely_to_be_chance(a, b, winner):
    p_value, found = clicks_compare(*a, *b)

    assert found == winner
    assert (p_value < 0.05) == bool(winner)

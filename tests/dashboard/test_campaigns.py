"""The Campaigns pages: staff drafts one, the owner previews it in both languages, sends a
test and schedules it; bad input is a form error; roles are kept; results are shown."""

import re

from django.core import mail
from django.db import transaction

from soloops.customers.services import segment_save
from soloops.marketing.models import Campaign
from tests.marketing.conftest import SYSTEM, customer

FORM = {
    "name": "Autumn mugs",
    "segment": "everyone",
    "subject_en": "New autumn mugs",
    "body_en": "Our autumn glazes are out.",
    "subject_zh": "秋季新杯",
    "body_zh": "秋季釉色上新了。",
    "link_url": "https://shop.example.com/p/autumn/",
}


def _segment() -> None:
    with transaction.atomic():
        segment_save(key="everyone", name="Everyone", rules={}, actor=SYSTEM)


def test_staff_drafts_and_the_owner_tests_and_schedules(
    staff_client, owner_client, viewer_client, run_after_commit, django_assert_max_num_queries
):
    # given a segment with two consenting customers
    _segment()
    customer("ada@example.com", name="Ada")
    customer("bo@example.com", name="Bo", language="zh-hans")

    # when staff drafts a campaign (a bad link first)
    bad = staff_client.post("/customers/campaigns/", {**FORM, "link_url": "javascript:x"})
    assert bad.status_code == 400 and "link_url" in bad.context["form"].errors
    response = staff_client.post("/customers/campaigns/", FORM)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{campaign.pk}/")

    # then the owner sees it in the list, and its page previews English and Chinese
    with django_assert_max_num_queries(12):
        listing = owner_client.get("/customers/campaigns/")
    assert b"Autumn mugs" in listing.content
    page = owner_client.get(f"/customers/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "New autumn mugs" in html and "秋季新杯" in html
    assert "Ada Lovelace" in html  # the preview greets a sample customer by name

    # and staff may not send, a viewer may not draft
    assert staff_client.post(f"/customers/campaigns/{campaign.pk}/schedule/", {}).status_code == 403
    assert viewer_client.post("/customers/campaigns/", FORM).status_code == 403

    # when the owner sends a test, then schedules it for now
    test = owner_client.post(
        f"/customers/campaigns/{campaign.pk}/test/", {"to": "olivia@example.com", "language": "en"}
    )
    assert test.status_code == 302
    assert owner_client.post(f"/customers/campaigns/{campaign.pk}/schedule/", {}).status_code == 302
    run_after_commit()

    # then the test and one email per customer went out; the page shows the results
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.com",
        "bo@example.com",
        "olivia@example.com",
    ]
    page = owner_client.get(f"/customers/campaigns/{campaign.pk}/").content.decode()
    assert "Sent" in page and Campaign.objects.get().status == "sent"


def test_a_schedule_in_the_past_is_a_form_error(owner_client):
    _segment()
    staff_made = owner_client.post("/customers/campaigns/", FORM)
    campaign = Campaign.objects.get()
    assert staff_made.status_code == 302

    response = owner_client.post(
        f"/customers/campaigns/{campaign.pk}/schedule/", {"send_at": "2001-01-01T10:00"}
    )

    assert response.status_code == 400
    assert "send_at" in response.context["schedule_form"].errors
    assert Campaign.objects.get().status == "draft"
    assert owner_client.get("/customers/campaigns/999999/").status_code == 404


def test_staff_edits_a_draft_and_a_sent_campaign_is_no_longer_editable(
    staff_client, owner_client, run_after_commit
):
    # given a drafted campaign
    _segment()
    customer("ada@example.com", name="Ada")
    staff_client.post("/customers/campaigns/", FORM)
    campaign = Campaign.objects.get()
    edit = {f"edit-{name}": value for name, value in FORM.items()}
    page = staff_client.get(f"/customers/campaigns/{campaign.pk}/").content.decode()
    assert 'name="edit-subject_en"' in page and 'value="New autumn mugs"' in page
    # (saving sends nothing: the owner, who sees the schedule form too, is not asked to confirm)
    owners = owner_client.get(f"/customers/campaigns/{campaign.pk}/").content.decode()
    (tag,) = re.findall(
        rf'<form[^>]*action="/customers/campaigns/{campaign.pk}/edit/"[^>]*>', owners
    )
    assert "data-confirm" not in tag

    # when staff empties a subject (a form error), then changes it
    bad = staff_client.post(f"/customers/campaigns/{campaign.pk}/edit/",
                            {**edit, "edit-subject_en": ""})  # fmt: skip
    assert bad.status_code == 400 and "subject_en" in bad.context["edit_form"].errors
    good = staff_client.post(f"/customers/campaigns/{campaign.pk}/edit/",
                             {**edit, "edit-subject_en": "Rust and moss"})  # fmt: skip

    # then it is saved and previewed
    assert good.status_code == 302
    assert Campaign.objects.get().subject_en == "Rust and moss"
    assert (
        "Rust and moss" in staff_client.get(f"/customers/campaigns/{campaign.pk}/").content.decode()
    )

    # when it has been sent, the page offers no editing and a post is refused with why
    owner_client.post(f"/customers/campaigns/{campaign.pk}/schedule/", {})
    run_after_commit()
    page = staff_client.get(f"/customers/campaigns/{campaign.pk}/").content.decode()
    assert 'name="edit-subject_en"' not in page and "can no longer be edited" in page
    late = staff_client.post(f"/customers/campaigns/{campaign.pk}/edit/",
                             {**edit, "edit-subject_en": "Too late"})  # fmt: skip
    assert late.status_code == 400
    assert "starts sending" in str(late.context["edit_form"].non_field_errors())
    assert Campaign.objects.get().subject_en == "Rust and moss"

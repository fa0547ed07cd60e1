"""The owner builds a segment, sends a campaign to it in English and Chinese and reads its
results, in a real browser, at desktop and phone widths, in English and Chinese."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction

from soloops.accounts.services import user_create
from soloops.customers.services import customer_tag
from soloops.marketing.models import Campaign
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.conftest import run_ready_tasks
from tests.marketing.conftest import SYSTEM, customer

PASSWORD = "correct horse battery staple 42"
WIDE = {"width": 1366, "height": 900}


@pytest.fixture
def fans(transactional_db):
    cache.clear()
    user_create(
        username="olivia", email="olivia@example.com", password=PASSWORD, role="owner",
        actor=SYSTEM,
    )  # fmt: skip
    people = [
        customer("ada@example.com", name="Ada"),
        customer("bo@example.com", name="Bo", language="zh-hans"),
        customer("cy@example.com", name="Cy", consent=False),
    ]
    for person in people:
        with transaction.atomic():
            customer_tag(customer=person, tag="fan", actor=SYSTEM)
    customer("other@example.com", name="Not a fan")
    return people


@pytest.mark.parametrize(("viewport", "language"), [(WIDE, "en"), (PHONE, "zh-hans")])
def test_the_owner_builds_a_segment_sends_a_campaign_and_reads_its_results(
    fans, new_page, web_server, viewport, language
):
    page = new_page(viewport=viewport)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "olivia", PASSWORD)
    if page.locator("#language").input_value() != language:
        with page.expect_navigation():
            page.select_option("#language", language)
    width = "phone" if viewport is PHONE else "wide"

    # when she saves a segment of the customers tagged "fan"
    page.goto("/customers/segments/")
    page.locator("details summary").last.click()
    page.locator("input[name=key]").fill("fans")
    page.locator("input[name=name]").fill("Fans")
    page.locator("input[name=tag]").fill("fan")
    with page.expect_navigation():
        page.locator("form[action$='/segments/'] button[type=submit]").click()

    # and drafts a campaign to it, written in English and Chinese
    page.goto("/customers/campaigns/")
    page.locator("details summary").click()
    page.locator("input[name=name]").fill("Autumn mugs")
    page.select_option("select[name=segment]", "fans")
    page.locator("input[name=subject_en]").fill("New autumn mugs")
    page.locator("textarea[name=body_en]").fill("Our autumn glazes are out, in rust and moss.")
    page.locator("input[name=subject_zh]").fill("秋季新杯")
    page.locator("textarea[name=body_zh]").fill("秋季釉色上新了。")
    page.locator("input[name=link_url]").fill(f"{web_server}/shop/")
    with page.expect_navigation():
        page.locator("form[action$='/campaigns/'] button[type=submit]").click()
    campaign = Campaign.objects.get()

    # then its page previews both languages
    assert page.locator("figure.campaign-preview[lang=en]").is_visible()
    assert "秋季新杯" in page.locator("figure.campaign-preview[lang=zh-hans]").inner_text()
    screenshot(page, f"campaign-draft-{width}-{language}")

    # when she schedules it for now and the worker sends it
    with page.expect_navigation():
        page.locator("form[action$='/schedule/'] button[type=submit]").click()
    run_ready_tasks()

    # then the fans who agreed got it, each in their language; Cy (no consent) and others not
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {"ada@example.com": "New autumn mugs", "bo@example.com": "秋季新杯"}

    # when Bo follows the email's link
    bo_mail = next(m for m in mail.outbox if m.to == ["bo@example.com"])
    path = re.search(r"/shop/go/\S+/", bo_mail.body).group(0)
    reader = new_page()
    reader.goto(path)
    assert reader.url == f"{web_server}/shop/"

    # then the campaign's results say: two sent, both delivered, one clicked
    page.goto(f"/customers/campaigns/{campaign.pk}/")
    rows = page.locator("table.campaign-results tbody tr")
    assert rows.nth(1).locator("td.num").first.inner_text() == "2"  # sent
    assert rows.nth(2).locator("td.num").first.inner_text() == "2"  # delivered
    assert rows.nth(6).locator("td.num").first.inner_text() == "1"  # clicked
    assert rows.nth(6).locator("td.num").nth(1).inner_text() == "50 %"
    screenshot(page, f"campaign-results-{width}-{language}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(WIDE, "en"), (WIDE, "zh-hans"), (PHONE, "en"), (PHONE, "zh-hans")],
)
def test_the_owner_edits_a_draft_and_its_preview_follows(
    fans, new_page, web_server, viewport, language
):
    from soloops.customers.services import segment_save
    from soloops.marketing.services import campaign_create

    # given a drafted campaign
    with transaction.atomic():
        segment_save(key="fans", name="Fans", rules={"tag": "fan"}, actor=SYSTEM)
        campaign = campaign_create(
            actor=SYSTEM, name="Autumn mugs", segment="fans", subject_en="New autumn mugs",
            body_en="Our autumn glazes are out.", subject_zh="秋季新杯", body_zh="秋季釉色上新了。",
        )  # fmt: skip
    page = new_page(viewport=viewport)
    questions = []
    log_in(page, "olivia", PASSWORD)
    if page.locator("#language").input_value() != language:
        with page.expect_navigation():
            page.select_option("#language", language)
    width = "phone" if viewport is PHONE else "wide"

    # when she opens the edit form and changes the English subject
    page.goto(f"/customers/campaigns/{campaign.pk}/")
    page.locator("section.campaign-edit details summary").click()
    subject = page.locator("input[name=edit-subject_en]")
    assert subject.input_value() == "New autumn mugs"
    subject.fill("Rust and moss mugs")
    screenshot(page, f"campaign-edit-{width}-{language}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.on("dialog", lambda dialog: questions.append(dialog.message) or dialog.dismiss())
    with page.expect_navigation():
        page.locator("form[action$='/edit/'] button[type=submit]").click()

    # then it was saved without a question (saving sends nothing), the preview shows it
    assert questions == []
    preview = page.locator("figure.campaign-preview[lang=en]").inner_text()
    assert "Rust and moss mugs" in preview
    assert Campaign.objects.get().subject_en == "Rust and moss mugs"


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(WIDE, "en"), (WIDE, "zh-hans"), (PHONE, "en"), (PHONE, "zh-hans")],
)
def test_the_owner_reads_a_subject_test(fans, new_page, web_server, viewport, language):
    from soloops.customers.services import segment_save
    from soloops.marketing.services import campaign_create, campaign_schedule

    # given a campaign testing a second subject, sent to the fans who agreed (Ada, Bo)
    with transaction.atomic():
        segment_save(key="fans", name="Fans", rules={"tag": "fan"}, actor=SYSTEM)
        campaign = campaign_create(
            actor=SYSTEM, name="Autumn mugs", segment="fans", subject_en="New autumn mugs",
            body_en="Our autumn glazes are out.", subject_zh="秋季新杯", body_zh="秋季釉色上新了。",
            subject_en_b="Mugs in rust and moss", subject_zh_b="铁锈色与苔绿色的杯子",
        )  # fmt: skip
    with transaction.atomic():
        campaign_schedule(campaign=campaign, actor=SYSTEM)
    run_ready_tasks()
    assert {m.to[0]: m.subject for m in mail.outbox} == {
        "ada@example.com": "New autumn mugs", "bo@example.com": "铁锈色与苔绿色的杯子"
    }  # fmt: skip

    # when the owner opens its page
    page = new_page(viewport=viewport)
    log_in(page, "olivia", PASSWORD)
    if page.locator("#language").input_value() != language:
        with page.expect_navigation():
            page.select_option("#language", language)
    page.goto(f"/customers/campaigns/{campaign.pk}/")

    # then the two subjects are compared, and no winner is named on two emails
    rows = page.locator("table.subject-test tbody tr")
    assert rows.count() == 2
    assert "Mugs in rust and moss" in rows.nth(1).inner_text()
    verdict = page.locator("p.subject-test-verdict").inner_text()
    assert ("No winner yet" if language == "en" else "暂无胜出者") in verdict
    width = "phone" if viewport is PHONE else "wide"
    screenshot(page, f"campaign-subject-test-{width}-{language}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

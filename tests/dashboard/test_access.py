"""Every console page: login required, viewer sees, and the language follows the person."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from soloops.accounts.models import User
from tests.dashboard.conftest import client_for

SECTIONS = [
    "today",
    "orders",
    "decisions",
    "products",
    "purchase_orders",
    "flows",
    "settings",
]


@pytest.mark.parametrize("section", SECTIONS)
def test_a_visitor_is_sent_to_the_login_page(db, section):
    # given nobody logged in
    # when they open a console page
    response = Client().get(reverse(f"dashboard:{section}"))

    # then they are sent to log in, and come back after
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("section", SECTIONS)
def test_a_viewer_sees_every_section(viewer_client, section):
    response = viewer_client.get(reverse(f"dashboard:{section}"))

    assert response.status_code == 200


def test_the_chosen_language_sticks_to_the_person(viewer_client, viewer):
    # given a viewer reading the console in English
    assert "Orders" in viewer_client.get(reverse("dashboard:today")).content.decode()

    # when they choose Simplified Chinese
    response = viewer_client.post(
        reverse("dashboard:language"), {"language": "zh-hans", "next": "/orders/"}
    )

    # then it is saved on them and the console speaks Chinese, even without the cookie
    assert response.status_code == 302
    assert response["Location"] == "/orders/"
    assert User.objects.get(pk=viewer.pk).language == "zh-hans"
    viewer_client.cookies.clear()
    viewer_client.force_login(viewer)
    page = viewer_client.get(reverse("dashboard:today"))
    assert page["Content-Language"] == "zh-hans"
    assert "订单" in page.content.decode()


def test_an_unknown_language_changes_nothing(viewer_client, viewer):
    response = viewer_client.post(
        reverse("dashboard:language"), {"language": "xx", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.get(pk=viewer.pk).language == ""


def test_every_console_view_is_guarded_by_a_role():
    # given every URL the console serves
    from soloops.dashboard.urls import urlpatterns

    # then each view went through console_view (login + role), none was forgotten
    unguarded = [p.name for p in urlpatterns if not hasattr(p.callback, "console_role")]
    assert len(urlpatterns) > 40
    assert unguarded == []


def test_a_chinese_reader_sees_dates_and_the_actions_catalogue_in_chinese(owner, db):
    # given an owner who reads Chinese
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    client = client_for(owner)

    # when she opens Today and the new-flow page (with the list of actions)
    today = client.get("/").content.decode()
    new_flow = client.get("/flows/new/").content.decode()

    # then today's date reads the Chinese way and the actions are described in Chinese
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 星期[一二三四五六日]", today), today
    assert "接受订单（库存已预留）。" in new_flow  # noqa: RUF001 (the translation's punctuation)
    assert "Accept an order (its stock is already reserved)." not in new_flow

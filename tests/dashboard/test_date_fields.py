"""The console's date fields read and write the shop's one date format, in each language."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from soloops.dashboard.forms.orders import OrderFiltersForm


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "2 Mar 2026"),
        ("en", "2 March 2026"),
        ("en", "2026-03-02"),
        ("zh-hans", "2026年3月2日"),
        ("zh-hans", "2026-03-02"),
    ],
)
def test_a_day_is_typed_as_the_console_writes_it_or_as_iso(language, typed):
    with translation.override(language):
        form = OrderFiltersForm({"placed_from": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["placed_from"] == date(2026, 3, 2)


def test_the_browsers_american_order_is_refused_with_the_format_to_use():
    # given 03/02/2026, which a US-set browser writes for 2 March and a European reads as 3 Feb
    with translation.override("en"):
        form = OrderFiltersForm({"placed_from": "03/02/2026"})

        # then it is not guessed: the error shows how to write the day
        assert not form.is_valid()
        (error,) = form.errors["placed_from"]
    assert error.startswith("Enter a date like ")


def test_a_day_from_a_link_shows_in_the_field_as_the_console_writes_it(owner_client):
    # when Today's tile links to the orders of one day (ISO in the link)
    html = owner_client.get(reverse("dashboard:orders"), {"placed_from": "2026-03-02"})

    # then the field shows it the English way, and the placeholder shows how to type one
    page = html.content.decode()
    (placed_from,) = re.findall(r'<input[^>]*name="placed_from"[^>]*>', page)
    (placed_to,) = re.findall(r'<input[^>]*name="placed_to"[^>]*>', page)
    assert 'value="2 Mar 2026"' in placed_from
    assert 'type="text"' in placed_to  # not the browser's picker, which writes mm/dd/yyyy
    assert re.search(r'placeholder="\d{1,2} [A-Z][a-z]{2} \d{4}"', placed_to), placed_to

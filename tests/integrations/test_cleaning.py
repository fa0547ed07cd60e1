"""Every cleaning rule: what it accepts, what it turns it into, what it refuses, and that it
is counted in the report."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from soloops.integrations.imports.cleaning import CellError, Cleaner


@pytest.mark.parametrize(
    ("raw", "clean", "rule"),
    [
        ("  Blue   mug ", "Blue mug", "trim"),
        ("Blue mug", "Blue mug", None),
    ],
)
def test_text_is_trimmed_and_collapsed(raw, clean, rule):
    cleaner = Cleaner()
    assert cleaner.text(raw) == clean
    assert cleaner.report() == ({rule: 1} if rule else {})


def test_emails_are_lowercased_and_checked():
    cleaner = Cleaner()
    assert cleaner.email(" Ann@Example.COM ") == "ann@example.com"
    assert cleaner.report() == {"email_lowercase": 1, "trim": 1}
    with pytest.raises(CellError, match="'ann-at-example' is not an email address"):
        cleaner.email("ann-at-example")


@pytest.mark.parametrize(
    ("raw", "number", "rules"),
    [
        ("12.50", Decimal("12.50"), {}),
        ("12,50", Decimal("12.50"), {"decimal_comma": 1}),
        ("1,234.50", Decimal("1234.50"), {"thousands": 1}),
        ("1.234,50", Decimal("1234.50"), {"thousands": 1, "decimal_comma": 1}),
        ("1,234", Decimal("1234"), {"thousands": 1}),
        ("¥ 99", Decimal("99"), {}),
        (7, Decimal("7"), {}),
        (4.5, Decimal("4.5"), {}),
        ("", None, {}),
    ],
)
def test_numbers_with_decimal_commas_and_thousands(raw, number, rules):
    cleaner = Cleaner()
    assert cleaner.decimal_value(raw) == number
    assert {k: v for k, v in cleaner.report().items() if k != "trim"} == rules


@pytest.mark.parametrize("raw", ["12.5.0", "abc", "1,23,4", "1.2.3,4", "--1"])
def test_what_is_not_a_number_is_refused_quoting_it(raw):
    with pytest.raises(CellError, match=f"'{raw}' is not a number"):
        Cleaner().decimal_value(raw)


def test_the_file_decimal_choice_reads_1_234_as_a_decimal():
    assert Cleaner(decimal=",").decimal_value("1,234") == Decimal("1.234")
    assert Cleaner(decimal=".").decimal_value("1.234") == Decimal("1.234")


def test_whole_numbers():
    assert Cleaner().integer("1,000") == 1000
    assert Cleaner(decimal=",").integer("1.000") == 1000  # a German thousands point
    with pytest.raises(CellError, match="not a whole number"):
        Cleaner().integer("2.5")


@pytest.mark.parametrize(
    ("raw", "fmt", "day"),
    [
        ("2025-12-31", "auto", date(2025, 12, 31)),
        ("31.12.2025", "auto", date(2025, 12, 31)),
        ("31/12/2025", "auto", date(2025, 12, 31)),
        ("12/31/2025", "auto", date(2025, 12, 31)),
        ("03/04/2025", "dmy", date(2025, 4, 3)),
        ("03/04/2025", "mdy", date(2025, 3, 4)),
        ("46022", "auto", date(2025, 12, 31)),
        (46022, "auto", date(2025, 12, 31)),
        (datetime(2025, 12, 31, 10, 0), "auto", date(2025, 12, 31)),
    ],
)
def test_dates_in_the_files_format_and_excel_serials(raw, fmt, day):
    assert Cleaner(date_format=fmt).date_value(raw) == day


def test_an_ambiguous_date_asks_for_the_format():
    with pytest.raises(CellError, match="choose the file's date format"):
        Cleaner().date_value("03/04/2025")
    with pytest.raises(CellError, match=r"'31\.02\.2025' is not a date"):
        Cleaner().date_value("31.02.2025")


@pytest.mark.parametrize(
    ("raw", "value"),
    [("yes", True), ("是", True), ("Y", True), ("no", False), ("否", False), ("0", False)],
)
def test_booleans_in_english_and_chinese(raw, value):
    assert Cleaner().boolean(raw) is value


def test_a_word_that_is_not_yes_or_no_is_refused():
    with pytest.raises(CellError, match="'maybe' is not yes or no"):
        Cleaner().boolean("maybe")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("GB", "GB"),
        ("gb", "GB"),
        ("United Kingdom", "GB"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        ("中国", "CN"),
        ("德国", "DE"),
        ("USA", "US"),
    ],
)
def test_countries_become_iso_alpha_2(raw, code):
    assert Cleaner().country(raw) == code


def test_an_unknown_country_is_refused():
    with pytest.raises(CellError, match="'Atlantis' is not a country"):
        Cleaner().country("Atlantis")


def test_phone_numbers_become_e164_using_the_row_country_or_the_file_region():
    cleaner = Cleaner(region="CN")
    assert cleaner.phone("020 7946 0958", country="GB") == "+442079460958"
    assert cleaner.phone("138 0013 8000") == "+8613800138000"
    assert cleaner.phone("+1 (212) 555-0100") == "+12125550100"
    assert cleaner.report()["phone_e164"] == 3
    with pytest.raises(CellError, match="is not a phone number"):
        Cleaner().phone("12")

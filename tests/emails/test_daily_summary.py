"""The default daily-summary flow, run by the real database worker: the owner's email counts
yesterday in the shop's time zone, whatever time zone the worker process has."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.automation.models import Flow, FlowRun, RunStatus
from soloops.automation.services import flow_run_start_manual, flows_install_defaults
from soloops.emails.models import EmailSend
from soloops.orders.models import Order
from soloops.shop.services import shop_profile_update
from tests.dashboard.builders import place
from tests.dashboard.conftest import make_person
from tests.factories import make_variant

SYSTEM = Actor.system("test")


def zone_whose_date_differs_from_utc(now: datetime) -> ZoneInfo:
    """UTC+14 is a day ahead of UTC from 10:00 UTC on, UTC-12 a day behind before 12:00."""
    return ZoneInfo("Etc/GMT-14") if now.hour >= 10 else ZoneInfo("Etc/GMT+12")


def instant_in(day, tz, *, not_on, other_tz, before: datetime) -> datetime:
    """A past instant on ``day`` in ``tz`` that is not on the day ``not_on`` in ``other_tz``."""
    for hour in range(24):
        at = datetime.combine(day, time(hour, 30), tzinfo=tz)
        if at < before and at.astimezone(other_tz).date() != not_on:
            return at
    raise AssertionError("no such instant")


def placed_at(at: datetime) -> Order:
    order = place("MUG-1")
    Order.objects.filter(pk=order.pk).update(placed_at=at)
    return order


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Bean There on {day}: 1 orders, €20.00"),
        ("zh-hans", "Bean There {day}：1 个订单，€20.00"),  # noqa: RUF001 (the email's own punctuation)
    ],
)
def test_the_daily_summary_counts_yesterday_in_the_shops_time_zone_and_language(
    transactional_db, run_tasks, language, expected
):
    # given a shop whose day is not UTC's (the worker's TIME_ZONE is UTC) and the default flows
    now = timezone.now()
    tz = zone_whose_date_differs_from_utc(now)
    shop_profile_update(
        actor=SYSTEM,
        time_zone=tz.key,
        contact_email="owner@shop.example",
        name="Bean There",
        language=language,
    )
    owner = make_person("olivia", "owner")
    flows_install_defaults(actor=SYSTEM)
    run_tasks()
    make_variant("MUG-1", price="20.00", stock=100)
    shop_yesterday = now.astimezone(tz).date() - timedelta(days=1)
    utc_yesterday = now.astimezone(UTC).date() - timedelta(days=1)
    assert shop_yesterday != utc_yesterday
    # one order on the shop's yesterday (not UTC's), one on UTC's yesterday (not the shop's)
    placed_at(instant_in(shop_yesterday, tz, not_on=utc_yesterday, other_tz=UTC, before=now))
    placed_at(instant_in(utc_yesterday, UTC, not_on=shop_yesterday, other_tz=tz, before=now))
    sends_before = set(EmailSend.objects.values_list("pk", flat=True))

    # when the owner runs the daily summary and the worker carries it out
    flow = Flow.objects.get(key="daily-summary")
    run = flow_run_start_manual(flow=flow, inputs={}, actor=Actor.for_user(owner))
    run_tasks()

    # then one email to the shop's contact counts the shop's yesterday (one order of 20.00),
    # in the shop's language
    assert FlowRun.objects.get(pk=run.pk).status == RunStatus.COMPLETED
    (summary,) = EmailSend.objects.exclude(pk__in=sends_before).filter(
        template="owner_notification"
    )
    assert summary.to == "owner@shop.example"
    # the day written the shop's one way in its language ("6 Dec 2026" / "2026年12月6日")
    day = {
        "en": f"{shop_yesterday.day} {shop_yesterday:%b %Y}",
        "zh-hans": f"{shop_yesterday.year}年{shop_yesterday.month}月{shop_yesterday.day}日",
    }[language]
    assert expected.format(day=day) in summary.subject_line

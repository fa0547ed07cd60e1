"""Reads about campaigns: lists, one campaign, its preview per language and its results.

Results, per campaign (rates over the emails sent, each with a 95 % Wilson interval):
- sent: its email was accepted by the mail server; bounced: the server refused it for good;
  delivered = sent - bounced (SMTP acceptance is all the shop can know without a feedback loop);
- unsubscribed: addresses suppressed from this campaign's unsubscribe links;
- complained: recipients whose complaint about this campaign's email the mail service reported
  (``webhooks.py``); a bounce it reports later stays counted as delivered (the server took it);
- clicked: recipients who followed a tracked link at least once;
- orders and revenue: orders placed by a clicking recipient from their first click until
  7 days after it (``ATTRIBUTION_DAYS``), cancelled and rejected orders left out;
- a subject test: each half's click rate (of its recipients queued), and a winner only when
  Fisher's exact test puts the chance of so large a difference below 5 % (``SUBJECT_TEST_ALPHA``).
"""

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from soloops.emails.selectors import email_outcomes_about
from soloops.emails.services import email_template_preview
from soloops.errors import NotFound
from soloops.marketing.content import campaign_text, message_context
from soloops.marketing.errors import MarketingErrorCode as Code
from soloops.marketing.models import (
    Campaign,
    CampaignRecipient,
    RecipientStatus,
    Suppression,
    SuppressionReason,
)
from soloops.orders.selectors import orders_of_customers_since

ATTRIBUTION_DAYS = 7
SUBJECT_TEST_ALPHA = 0.05
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Rate:
    count: int
    rate: float | None
    low: float | None
    high: float | None


def wilson(successes: int, n: int, z: float = Z95) -> Rate:
    """The Wilson score interval (exact 0 and 1 at the ends)."""
    if n <= 0:
        return Rate(successes, None, None, None)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Rate(successes, p, low, high)


def campaigns_list() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(recipients_count=Count("recipients")).order_by(
        "-created_at", "-id"
    )


def suppressions_list() -> QuerySet[Suppression]:
    return Suppression.objects.order_by("-created_at", "-id")


def campaign_get(*, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(Code.NOT_FOUND, f"no campaign {campaign_id}", field="campaign_id")
    return campaign


class _Sample:
    pk = 0

    def __init__(self, name: str, email: str) -> None:
        self.name, self.email = name, email


def campaign_preview(*, campaign: Campaign, language: str, name: str = "") -> dict:
    """The email as a customer named ``name`` would get it in ``language`` (en or zh-hans)."""
    subject, body = campaign_text(campaign, language)
    context = message_context(
        customer=_Sample(name or "Ada Lovelace", "ada@example.com"),
        subject=subject, body=body, link_url=campaign.link_url, campaign_id=campaign.pk,
        with_recommendations=False,
    )  # fmt: skip
    rendered = email_template_preview(key="marketing_message", language=language, context=context)
    return {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}


@dataclass(frozen=True)
class SubjectVariant:
    variant: str  # "a": the first subject, "b": the second
    subject_en: str
    subject_zh: str
    recipients: int  # queued
    clicked: Rate  # of recipients


@dataclass(frozen=True)
class SubjectTest:
    a: SubjectVariant
    b: SubjectVariant
    p_value: float | None  # Fisher's exact test, two-sided; None before anyone got it
    winner: str  # "a", "b", or "" while the difference could be chance
    alpha: float = SUBJECT_TEST_ALPHA


@dataclass(frozen=True)
class Results:
    recipients: int  # the audience fixed when sending started
    skipped: int  # consent withdrawn or suppressed before their turn
    pending: int  # queued, not sent yet
    blocked: int  # stopped at the last check before sending
    sent: int  # handed to the mail server (delivered + bounced)
    delivered: Rate  # of sent
    bounced: Rate  # of sent
    unsubscribed: Rate  # of delivered
    complained: Rate  # of delivered
    clicked: Rate  # of delivered
    orders: int
    revenue: dict[str, Decimal]
    attribution_days: int = ATTRIBUTION_DAYS
    subject_test: SubjectTest | None = None


def clicks_compare(clicked_a: int, n_a: int, clicked_b: int, n_b: int) -> tuple[float | None, str]:
    """(p value, winner) of two click counts: the winner has the higher rate, named only when
    the p value is below ``SUBJECT_TEST_ALPHA``."""
    if n_a <= 0 or n_b <= 0:
        return None, ""
    from scipy.stats import fisher_exact  # (scipy is slow to import; rarely needed)

    table = [[clicked_a, n_a - clicked_a], [clicked_b, n_b - clicked_b]]
    p_value = float(fisher_exact(table).pvalue)
    if p_value >= SUBJECT_TEST_ALPHA or clicked_a * n_b == clicked_b * n_a:
        return p_value, ""
    return p_value, "a" if clicked_a * n_b > clicked_b * n_a else "b"


def subject_test(*, campaign: Campaign) -> SubjectTest | None:
    """How the two subjects of a subject test did (one query); None without a test."""
    if not (campaign.subject_en_b and campaign.subject_zh_b):
        return None
    counts = CampaignRecipient.objects.filter(
        campaign=campaign, status=RecipientStatus.QUEUED
    ).aggregate(
        a=Count("id", filter=Q(variant="a")),
        b=Count("id", filter=Q(variant="b")),
        a_clicked=Count("id", filter=Q(variant="a", clicked_at__isnull=False)),
        b_clicked=Count("id", filter=Q(variant="b", clicked_at__isnull=False)),
    )
    p_value, winner = clicks_compare(
        counts["a_clicked"], counts["a"], counts["b_clicked"], counts["b"]
    )
    subjects = {"a": (campaign.subject_en, campaign.subject_zh),
                "b": (campaign.subject_en_b, campaign.subject_zh_b)}  # fmt: skip
    a, b = (
        SubjectVariant(v, *subjects[v], counts[v], wilson(counts[f"{v}_clicked"], counts[v]))
        for v in ("a", "b")
    )
    return SubjectTest(a=a, b=b, p_value=p_value, winner=winner)


def _attribution(campaign: Campaign) -> tuple[int, dict[str, Decimal]]:
    clicks = dict(
        CampaignRecipient.objects.filter(campaign=campaign, clicked_at__isnull=False).values_list(
            "customer_id", "clicked_at"
        )
    )
    if not clicks:
        return 0, {}
    orders, revenue = 0, {}
    window = timedelta(days=ATTRIBUTION_DAYS)
    rows = orders_of_customers_since(customer_ids=list(clicks), since=min(clicks.values()))
    for customer_id, placed_at, total, currency in rows:
        clicked = clicks[customer_id]
        if clicked <= placed_at <= clicked + window:
            orders += 1
            revenue[currency] = revenue.get(currency, Decimal(0)) + total
    return orders, revenue


def campaign_results(*, campaign: Campaign) -> Results:
    """Five queries (six in a subject test) whatever the audience's size (see the module's
    docstring for the rules)."""
    counts = CampaignRecipient.objects.filter(campaign=campaign).aggregate(
        total=Count("id"),
        skipped=Count("id", filter=Q(status=RecipientStatus.SKIPPED)),
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
    )
    mail = email_outcomes_about(subject_type="marketing.campaign", subject_id=str(campaign.pk))
    sent = mail["sent"] + mail["bounced"]
    suppressed = Suppression.objects.filter(campaign=campaign).aggregate(
        unsubscribed=Count("id", filter=Q(reason=SuppressionReason.UNSUBSCRIBED)),
        complained=Count("id", filter=Q(reason=SuppressionReason.COMPLAINED)),
    )
    orders, revenue = _attribution(campaign)
    return Results(
        recipients=counts["total"],
        skipped=counts["skipped"],
        pending=mail["pending"],
        blocked=mail["blocked"],
        sent=sent,
        delivered=wilson(mail["sent"], sent),
        bounced=wilson(mail["bounced"], sent),
        unsubscribed=wilson(suppressed["unsubscribed"], mail["sent"]),
        complained=wilson(suppressed["complained"], mail["sent"]),
        clicked=wilson(counts["clicked"], mail["sent"]),
        orders=orders,
        revenue=revenue,
        subject_test=subject_test(campaign=campaign),
    )

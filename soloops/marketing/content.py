"""What one marketing email says to one customer: the context the ``marketing_message``
template renders, with tracked links, recommendations (when the recommendations selector
exists) and the unsubscribe link. Pure reads; the services queue what this builds."""

import importlib
import logging

from django.conf import settings
from django.urls import reverse

from soloops.emails.selectors import language_for
from soloops.marketing.tokens import click_token, unsubscribe_token

logger = logging.getLogger(__name__)

RECOMMENDATIONS = 4


def unsubscribe_url(*, email: str, campaign_id: int | None = None) -> str:
    token = unsubscribe_token(email=email, campaign_id=campaign_id)
    return f"{settings.SITE_URL}{reverse('storefront:unsubscribe', kwargs={'token': token})}"


def tracked_url(*, recipient_id: int, url: str) -> str:
    token = click_token(recipient_id=recipient_id, url=url)
    return f"{settings.SITE_URL}{reverse('storefront:marketing_click', kwargs={'token': token})}"


def _field(item, name: str) -> str:
    value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
    return "" if value is None else str(value)


def recommendations(customer_id: int) -> list[dict]:
    """Up to four products for the customer, from ``selectors.recommendations_for_customer``
    (the recommendations work); no block at all while that function does not exist."""
    try:
        module = importlib.import_module("soloops.marketing.selectors")
    except ModuleNotFoundError:
        return []
    find = getattr(module, "recommendations_for_customer", None)
    if find is None:
        return []
    try:
        items = list(find(customer_id, limit=RECOMMENDATIONS) or [])
    except Exception:
        # A campaign must not stop because a suggestion could not be computed.
        logger.exception("recommendations for customer %s failed", customer_id)
        return []
    rows = []
    for item in items[:RECOMMENDATIONS]:
        url = _field(item, "url")
        rows.append(
            {
                "title": _field(item, "title") or _field(item, "sku"),
                "price": _field(item, "price"),
                "currency": _field(item, "currency"),
                "url": url if url.startswith(("https://", "http://")) else "",
            }
        )
    return rows


def message_context(
    *,
    customer,
    subject: str,
    body: str,
    link_url: str = "",
    link_text: str = "",
    campaign_id: int | None = None,
    recipient_id: int | None = None,
    with_recommendations: bool = True,
) -> dict:
    """The template context for one customer; links go through the click redirect when the
    email belongs to a campaign recipient."""
    items = recommendations(customer.pk) if with_recommendations else []
    if recipient_id is not None:
        if link_url:
            link_url = tracked_url(recipient_id=recipient_id, url=link_url)
        for item in items:
            if item["url"]:
                item["url"] = tracked_url(recipient_id=recipient_id, url=item["url"])
    return {
        "customer": {"name": customer.name, "email": customer.email},
        "subject": subject,
        "body": body,
        "link_url": link_url,
        "link_text": link_text,
        "recommendations": items,
        "unsubscribe_url": unsubscribe_url(email=customer.email, campaign_id=campaign_id),
    }


def campaign_text(campaign, language: str, variant: str = "a") -> tuple[str, str]:
    """(subject, body) of a campaign in an email language ("en" or "zh-hans"); variant "b"
    takes the second subject of a subject test."""
    if language_for(language) == "zh-hans":
        subject = campaign.subject_zh_b if variant == "b" else campaign.subject_zh
        return subject or campaign.subject_zh, campaign.body_zh
    subject = campaign.subject_en_b if variant == "b" else campaign.subject_en
    return subject or campaign.subject_en, campaign.body_en

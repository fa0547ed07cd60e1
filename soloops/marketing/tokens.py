"""Signed tokens in marketing links: the unsubscribe link (which address, from which campaign)
and the click-tracking redirect (which recipient, which address to go on to). Signed with the
site's secret, so a link cannot be forged for someone else's address or turned into an open
redirect; unsubscribe links never expire (a years-old email must still work)."""

from django.core import signing

from soloops.errors import InvalidInput
from soloops.marketing.errors import MarketingErrorCode as Code

UNSUBSCRIBE_SALT = "soloops.marketing.unsubscribe"
CLICK_SALT = "soloops.marketing.click"


def unsubscribe_token(*, email: str, campaign_id: int | None = None) -> str:
    return signing.dumps({"e": email.lower(), "c": campaign_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[str, int | None]:
    """(email, campaign id or None); InvalidInput for a token that was not ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return str(data["e"]), data.get("c")
    except (signing.BadSignature, KeyError, TypeError):
        raise InvalidInput(
            Code.INVALID_TOKEN, "this unsubscribe link is not valid", field="token"
        ) from None


def click_token(*, recipient_id: int, url: str) -> str:
    return signing.dumps({"r": recipient_id, "u": url}, salt=CLICK_SALT, compress=True)


def click_read(token: str) -> tuple[int, str]:
    """(recipient id, destination); InvalidInput for a forged or damaged link."""
    try:
        data = signing.loads(token, salt=CLICK_SALT)
        url = str(data["u"])
        if not url.startswith(("https://", "http://")):
            raise KeyError("u")
        return int(data["r"]), url
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidInput(Code.INVALID_TOKEN, "this link is not valid", field="token") from None

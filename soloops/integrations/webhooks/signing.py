"""The signature on every webhook body: ``X-SoloOps-Signature: t=<unix time>,v1=<hex>``, the
HMAC-SHA256 of ``"<t>.<body>"`` with the subscription's secret — the scheme of the
``http.request`` flow action (and of Stripe), so one receiver-side check serves both."""

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
HEADER = "X-SoloOps-Signature"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(*, secret: str, body: bytes, header: str, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (the README shows the same in a few lines): used by our tests."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))

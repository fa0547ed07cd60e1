"""The catch-up poll's GET of a channel's REST API (outside any transaction)."""

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

TIMEOUT = 20


class StoreUnreachable(Exception):
    """The store's API did not answer with JSON (refused, timed out, an HTTP error, garbage)."""


def api_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a store's API address, or None. Only http(s) with a host: the
    poll must never read ``file://`` or another scheme urllib would follow."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "an http:// or https:// address with a host name"
    return None


def get_json(url: str, headers: dict[str, str]):
    problem = api_url_problem(url)
    if problem:
        raise StoreUnreachable(problem)
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as e:
        raise StoreUnreachable(f"HTTP {e.code}") from e
    except (OSError, ValueError, UnicodeError) as e:  # refused, timeout, bad URL, not JSON
        raise StoreUnreachable(str(e) or type(e).__name__) from e

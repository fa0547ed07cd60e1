"""The catch-up poll's GET of a channel's REST API (outside any transaction)."""

import json
import re
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import urljoin, urlsplit

TIMEOUT = 20
# A poll reads at most this many pages (Shopify's 250 or WooCommerce's 100 orders each): a
# store whose "next page" never ends is cut off rather than read forever.
MAX_PAGES = 200
_NEXT = re.compile(r'<([^>]+)>\s*;[^,]*rel="?next"?', re.IGNORECASE)


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
    return get_page(url, headers)[0]


def get_page(url: str, headers: dict[str, str]) -> tuple[object, Message]:
    """The JSON body of ``url`` and the response's headers (where the next page is named)."""
    problem = api_url_problem(url)
    if problem:
        raise StoreUnreachable(problem)
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read()), response.headers
    except urllib.error.HTTPError as e:
        raise StoreUnreachable(f"HTTP {e.code}") from e
    except (OSError, ValueError, UnicodeError) as e:  # refused, timeout, bad URL, not JSON
        raise StoreUnreachable(str(e) or type(e).__name__) from e


def next_link(link_header: str, *, current: str) -> str | None:
    """The ``rel="next"`` address of an RFC 8288 ``Link`` header, or None. It must stay on the
    store's own scheme and host: the access token goes with it, so a page pointing elsewhere is
    refused, not followed."""
    found = _NEXT.search(link_header or "")
    if not found:
        return None
    target = urljoin(current, found.group(1))
    here, there = urlsplit(current), urlsplit(target)
    if (there.scheme, there.netloc) != (here.scheme, here.netloc):
        raise StoreUnreachable(f"the next page is on another host: {there.netloc}")
    return target

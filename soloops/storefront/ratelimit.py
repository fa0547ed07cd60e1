"""A sliding-window rate limit per client address, kept in Django's default cache.

The cache must be shared by every web process (settings.CACHES), or each gunicorn worker would
count on its own. Each key holds the times of the attempts still inside the window. Reading and
writing that list is not atomic, so a burst of simultaneous requests from one address may get a
few attempts past the limit; sequential attempts are counted exactly.
"""

import ipaddress
import math
import time

from django.core.cache import cache


def client_key(ip: str | None) -> str:
    """The address an attempt is counted against. An IPv6 host usually owns a whole /64, so
    the /64 counts as one client; otherwise changing the last bits would reset the limit."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)


def attempt(*, scope: str, ip: str | None, limit: int, window: float) -> int | None:
    """Count one attempt. None when it is allowed, else the seconds until the next one is."""
    key = f"soloops:ratelimit:{scope}:{client_key(ip)}"
    now = time.time()
    recent = [t for t in cache.get(key, []) if t > now - window]
    if len(recent) >= limit:
        return max(1, math.ceil(recent[0] + window - now))
    recent.append(now)
    cache.set(key, recent, timeout=math.ceil(window))
    return None

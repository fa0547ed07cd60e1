"""Who may read ``/metrics``: loopback and the scrape addresses the owner configures
(``SOLOOPS_METRICS_ALLOWED_IPS``), anyone else with a valid API token (any role reads).

A request that came through a proxy (it carries ``X-Forwarded-For`` or ``Forwarded``) is not
loopback even when the proxy runs on this machine: otherwise a public reverse proxy in front of
SoloOps would hand the metrics to the whole internet. Through a proxy in
``SOLOOPS_TRUSTED_PROXIES`` the client's own address (resolved by ``TrustedProxyMiddleware``)
is the one checked.
"""

import ipaddress
from functools import cache

from django.conf import settings

from soloops.accounts.permissions import may

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(raw: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in raw)


def in_networks(address: str, networks: list[str]) -> bool:
    """Whether ``address`` (text) is in any of ``networks`` ("10.0.0.0/8", "192.0.2.1")."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(networks)))


def _address(request):
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return None


def scrape_allowed(request) -> bool:
    address = _address(request)
    # Forwarded by a proxy we do not trust: the address is the proxy's, not the scraper's.
    resolved = "SOLOOPS_PEER_ADDR" in request.META  # by a trusted proxy (TrustedProxyMiddleware)
    proxied = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META
    if address is not None and (resolved or not proxied):
        if address.is_loopback:
            return True
        if any(address in net for net in _networks(tuple(settings.METRICS_ALLOWED_IPS))):
            return True
    return may(getattr(request, "actor", None), "read")

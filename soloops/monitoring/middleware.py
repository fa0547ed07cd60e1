"""Counts every answered request for ``/metrics``: by URL pattern, method and status, with its
latency. First in the middleware list, so static files, redirects and refusals count too."""

import time

from django.conf import settings

from soloops.monitoring.metrics import request_observe


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + (match.route or match.view_name or "")
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"  # a 404 or a file WhiteNoise served: one series, not one per path


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_observe(
            route=_route(request),
            method=request.method,
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response


class TrustedProxyMiddleware:
    """The client's address behind a reverse proxy: when the request comes from a proxy listed
    in ``SOLOOPS_TRUSTED_PROXIES``, ``REMOTE_ADDR`` becomes the nearest address in
    ``X-Forwarded-For`` that is not itself a trusted proxy (read right to left: the entries
    further left were written by the client and may be forged). Rate limits, intake's risk
    rules and ``/metrics`` then see the real client. From any other peer the header is ignored.
    The proxy's own address is kept in ``SOLOOPS_PEER_ADDR``; its ``X-Forwarded-Proto: https``
    makes the request secure (only from a trusted proxy: a client cannot claim it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from soloops.monitoring.scrape import in_networks

        proxies = settings.TRUSTED_PROXIES
        peer = request.META.get("REMOTE_ADDR", "")
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if proxies and forwarded and in_networks(peer, proxies):
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            client = next((hop for hop in reversed(hops) if not in_networks(hop, proxies)), None)
            client = client or (hops[0] if hops else None)
            if client and in_networks(client, ["0.0.0.0/0", "::/0"]):
                request.META["SOLOOPS_PEER_ADDR"] = peer
                request.META["REMOTE_ADDR"] = client
            # TLS ended at the proxy: the request is secure (HSTS, secure redirects).
            if request.META.get("HTTP_X_FORWARDED_PROTO", "").lower() == "https":
                request.META["wsgi.url_scheme"] = "https"
        return self.get_response(request)

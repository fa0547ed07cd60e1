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

from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from soloops.monitoring.metrics import exposition
from soloops.monitoring.scrape import scrape_allowed
from soloops.monitoring.selectors import readiness


@never_cache
@require_GET
def healthz(request):
    """The process is up and serving; no dependency is checked."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Ready to take work: 200 when every check passes, else 503 with each check's reason."""
    result = readiness()
    return JsonResponse(
        {"status": "ready" if result.ready else "not ready", "checks": result.checks},
        status=200 if result.ready else 503,
    )


@never_cache
@require_GET
def metrics(request):
    """Prometheus text: loopback and configured scrapers freely, others with an API token."""
    if not scrape_allowed(request):
        response = JsonResponse(
            {
                "code": "metrics_forbidden",
                "message": "scrape from loopback or SOLOOPS_METRICS_ALLOWED_IPS, "
                "or send an API token as 'Authorization: Bearer'",
                "field": None,
                "extra": None,
            },
            status=401 if getattr(request, "actor", None) is None else 403,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)

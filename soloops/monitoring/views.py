from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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

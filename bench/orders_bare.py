"""A bare Django view around the raw intake transaction: the framework's own ceiling.

``bench/orders.py`` serves this module with gunicorn under the same settings as ``soloops web``
(workers, threads, access log) and posts the same order bodies to it as to ``/api/orders``. The
view parses the JSON, looks the SKUs up in memory and runs ``RawIntake`` on a connection kept per
thread: what is left between it and the raw column is HTTP, gunicorn and Django's request cycle
(no middleware, no ORM, no authentication). ``BENCH_BARE_SPEC`` names a JSON file with the
template rows, the SKUs and the database.
"""

import json
import os
import sys
import threading
from pathlib import Path

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse, JsonResponse
from django.urls import path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from orders_raw import RawIntake

SPEC = json.loads(Path(os.environ["BENCH_BARE_SPEC"]).read_text())
RAW = RawIntake(
    SPEC["template"],
    sqlite_path=SPEC["sqlite_path"],
    pg_url=SPEC["pg_url"],
    mysql_url=SPEC.get("mysql_url", ""),
)
SKUS = {sku[0]: sku for sku in SPEC["skus"]}
_local = threading.local()


def orders(request):
    if request.method != "POST":
        return HttpResponse(status=405)
    body = json.loads(request.body)
    lines = [SKUS[line["sku"]] for line in body["lines"]]
    if not hasattr(_local, "conn"):
        _local.conn = RAW.connect()
    error = RAW.place(_local.conn, lines)
    if error:
        return JsonResponse({"code": "conflict", "message": error}, status=409)
    return JsonResponse({"lines": len(lines)}, status=201)


def healthz(request):
    return HttpResponse("ok")


urlpatterns = [path("api/orders", orders), path("healthz", healthz)]

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-" + os.urandom(16).hex(),
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()
application = get_wsgi_application()

"""What API handlers answer besides their schema: where a created resource lives."""

from django.http import HttpResponse
from ninja import Status

API_ROOT = "/api"


def created(response: HttpResponse, path: str, body) -> Status:
    """A 201 with ``Location: /api<path>``; ``response`` is the handler's temporal response."""
    response["Location"] = f"{API_ROOT}{path}"
    return Status(201, body)

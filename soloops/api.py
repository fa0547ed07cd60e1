"""The HTTP API: one NinjaAPI that mounts each app's router and renders every error alike.

Every error body is ``{"code", "message", "field", "extra"}``; OpenAPI lives at /api/docs.
"""

import logging
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from soloops.accounts.api import router as accounts_router
from soloops.accounts.auth import ActorAuth
from soloops.analytics.api import router as analytics_router
from soloops.api_input import SPECIFIC_CODES, JsonParser, body_too_large, refuse_unstorable
from soloops.automation.api import router as automation_router
from soloops.automation.api_flows import router as flows_router
from soloops.catalog.api import router as catalog_router
from soloops.customers.api import router as customers_router
from soloops.emails.api import router as emails_router
from soloops.errors import ApplicationError
from soloops.fulfillment.api import router as fulfillment_router
from soloops.integrations.api.channels import router as channels_router
from soloops.integrations.api.webhooks import router as webhooks_router
from soloops.integrations.api_imports import router as imports_router
from soloops.inventory.api import router as inventory_router
from soloops.marketing.api import router as marketing_router
from soloops.orders.api import router as orders_router
from soloops.payments.api import router as payments_router
from soloops.purchasing.api import router as purchasing_router
from soloops.support.api import router as support_router

logger = logging.getLogger(__name__)

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "field", "extra"],
    "properties": {
        "code": {"type": "string", "description": "what went wrong, for programs"},
        "message": {"type": "string", "description": "what went wrong, for people"},
        "field": {"type": ["string", "null"], "description": "the input at fault, if one is"},
        "extra": {"type": "object", "description": "details, such as every invalid field"},
    },
}
# Every operation may answer these; one with a body or parameters, the rest.
ERRORS_ALWAYS = {
    "401": "not authenticated: no, an unknown, a revoked or an expired token",
    "403": "the token's scope or the caller's role does not allow this",
    "405": "the path does not take this method",
}
ERRORS_WITH_INPUT = {"422": "invalid input; `field` names it"}
ERRORS_WITH_PATH = {"404": "no such object (or not one the caller may see)"}
ERRORS_WITH_BODY = {
    "400": "the body is not valid JSON (line and column in `extra`)",
    "413": "the body is too large",
    "415": "the body is not application/json",
}
ERRORS_OF_CHANGES = {
    "404": "an object the input names does not exist",
    "409": "the object's state does not allow this now",
}


class SoloOpsAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's schema, plus the error answers every operation may give (``Error``)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                errors = dict(ERRORS_ALWAYS)
                if operation.get("parameters") or "requestBody" in operation:
                    errors |= ERRORS_WITH_INPUT
                if "{" in path:
                    errors |= ERRORS_WITH_PATH
                if "requestBody" in operation:
                    errors |= ERRORS_WITH_BODY
                if method != "get":
                    errors |= ERRORS_OF_CHANGES
                # Ninja keys its responses by int, ``openapi_extra`` may by str: both became
                # "200" twice in the JSON, which Swagger UI refused (a blank /api/docs).
                responses = {}
                for status, answer in operation.get("responses", {}).items():
                    responses.setdefault(str(status), {}).update(answer)
                operation["responses"] = responses
                for status, description in errors.items():
                    responses.setdefault(status, {"description": description, "content": ref})
        return schema


api = SoloOpsAPI(
    title="SoloOps API",
    version="1",
    auth=ActorAuth(),
    urls_namespace="api",
    parser=JsonParser(),
    description="Send an API token as `Authorization: Bearer <token>` (create one with "
    "`soloops token create`). Writes need a token with the write scope.",
)
api.add_router("/", accounts_router)
api.add_router("/", automation_router)
api.add_router("/", flows_router)
api.add_router("/", catalog_router)
api.add_router("/", customers_router)
api.add_router("/", emails_router)
api.add_router("/", inventory_router)
api.add_router("/", orders_router)
api.add_router("/", payments_router)
api.add_router("/", purchasing_router)
api.add_router("/", fulfillment_router)
api.add_router("/", imports_router)
api.add_router("/", webhooks_router)
api.add_router("/", channels_router)
api.add_router("/", analytics_router)
api.add_router("/", support_router)
api.add_router("/", marketing_router)
# After validation, before any handler: no NUL characters, no integers past 64 bits.
api.add_decorator(refuse_unstorable)


def _error(request, status: int, code: str, message: str, field=None, extra=None):
    body = {"code": code, "message": message, "field": field, "extra": extra or {}}
    return api.create_response(request, body, status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _field_path(loc) -> str:
    # ninja locations start with where the value came from ("body", "query", ...), then the
    # name of the parameter; the caller only knows the field path inside their payload.
    parts = [str(p) for p in loc]
    source = parts.pop(0) if parts and parts[0] in _SOURCES else None
    if parts and (source == "body" or (len(parts) > 1 and parts[0] in _SCHEMA_PARAMS)):
        parts = parts[1:]
    path = ""
    for p in parts:
        path += f"[{p}]" if p.isdigit() else (f".{p}" if path else p)
    return path or "body"


_SOURCES = {"body", "query", "path", "header", "cookie", "form"}
_SCHEMA_PARAMS = {"payload", "body", "data", "filters", "page"}


def _message(error: dict) -> str:
    # pydantic prefixes the text of a ValueError raised in a validator.
    return error.get("msg", "invalid").removeprefix("Value error, ")


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [{"field": _field_path(e.get("loc", ())), "message": _message(e)} for e in exc.errors]
    first = errors[0] if errors else {"field": "body", "message": "invalid input"}
    kind = exc.errors[0].get("type") if exc.errors else None
    return _error(
        request,
        422,
        kind if kind in SPECIFIC_CODES else "invalid_input",
        f"{first['field']}: {first['message']}",
        field=first["field"],
        extra={"errors": errors},
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _error(request, 401, "not_authenticated", "log in or send a valid API token")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # Ninja wraps whatever the body parser raised in a 400 "Cannot parse request body"; the
    # parser's own error says what was wrong (not JSON, not UTF-8, too large, wrong type).
    cause = exc.__cause__
    if isinstance(cause, ApplicationError):
        return on_application_error(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return on_application_error(request, body_too_large())
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc):
    return on_application_error(request, body_too_large())


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", "not found")


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("unexpected error on %s %s", request.method, request.path)
    return _error(request, 500, "internal_error", "something went wrong; it has been logged")


def json_method_not_allowed(view):
    """Wrap an API URL's view so a method it does not take answers the JSON error shape (Ninja
    answers plain text), keeping the ``Allow`` header."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse(
                {
                    "code": "method_not_allowed",
                    "message": f"{request.method} is not allowed here; use {allowed}",
                    "field": None,
                    "extra": {"allowed": [m.strip() for m in allowed.split(",")]},
                },
                status=405,
            )
            response["Allow"] = allowed
        return response

    return wrapped


def urls():
    """``api.urls`` with every view answering 405 in JSON."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = json_method_not_allowed(pattern.callback)
    return patterns, app_name, namespace


def not_found(request):
    """Any /api/ path no route matches: the API's JSON error, not Django's HTML 404 page."""
    body = {"code": "not_found", "message": "no such API endpoint", "field": None, "extra": {}}
    return JsonResponse(body, status=404)

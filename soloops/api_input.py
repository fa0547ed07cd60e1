"""The API's shared input layer: what every request goes through before a handler sees it.

- ``JsonParser`` reads bodies: only ``application/json`` (415 otherwise), malformed JSON is a
  400 naming line and column, a body past ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413.
- ``refuse_unstorable`` (a decorator on every operation) walks the validated input — path,
  query and body alike — and refuses text with a NUL character (PostgreSQL cannot store or
  compare it) and integers outside 64 bits (SQLite cannot bind them): a 422 naming the field,
  instead of a 500 from the database.
- ``In`` is the base of every request-body schema: a JSON object with no unknown fields.
- ``Integer`` (``Quantity``), ``Flag``, ``Money``, ``Day`` are strict: ``"2"``, ``true`` or
  ``2.0`` are not a quantity, ``0`` is not a flag nor a day.
"""

import json
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.parser import Parser
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    model_validator,
)
from pydantic_core import PydanticCustomError

from soloops.errors import (
    BodyTooLarge,
    InvalidInput,
    MalformedBody,
    UnsupportedMediaType,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Validation errors are ``invalid_input``, except these, whose code says more.
SPECIFIC_CODES = frozenset({"invalid_email"})


def body_too_large() -> BodyTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return BodyTooLarge(
        "body_too_large",
        _("the request body is larger than %(limit)s bytes") % {"limit": limit},
        field="body",
        extra={"limit": limit},
    )


class JsonParser(Parser):
    """Bodies are JSON objects sent as ``application/json``; anything else is refused."""

    def parse_body(self, request):
        media_type = (request.content_type or "").lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaType(
                "unsupported_media_type",
                _("send the body as application/json (got %(type)s)")
                % {"type": media_type or "no Content-Type"},
                field="Content-Type",
            )
        try:
            raw = request.body
        except RequestDataTooBig:
            raise body_too_large() from None
        try:
            return json.loads(raw)
        except UnicodeDecodeError:
            raise MalformedBody(
                "malformed_json", _("the body is not UTF-8 text"), field="body"
            ) from None
        except json.JSONDecodeError as e:
            raise MalformedBody(
                "malformed_json",
                _("the body is not valid JSON: %(error)s at line %(line)s, column %(column)s")
                % {"error": e.msg, "line": e.lineno, "column": e.colno},
                field="body",
                extra={"line": e.lineno, "column": e.colno},
            ) from None


# --- values no database can take ----------------------------------------------------------


def _unstorable(value: Any, path: str) -> tuple[str, str] | None:
    """The first (field, problem) in ``value`` a database would fail on, or None."""
    if isinstance(value, str):
        return (path, _("must not contain NUL characters")) if "\x00" in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            return path, _("must be between %(min)s and %(max)s") % {
                "min": INT64_MIN,
                "max": INT64_MAX,
            }
        return None
    if isinstance(value, BaseModel):
        items = ((name, getattr(value, name)) for name in type(value).model_fields)
    elif isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple | set | frozenset):
        items = ((f"[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        key = str(key)
        if "\x00" in key:
            return path or "body", _("must not contain NUL characters")
        child = f"{path}{key}" if key.startswith("[") else (f"{path}.{key}" if path else key)
        found = _unstorable(item, child)
        if found:
            return found
    return None


# Ninja hands the handler each parameter by name; a schema parameter (body or query) stands
# for the fields inside it, which is what the caller sent and must see named.
def refuse_unstorable(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        for name, value in kwargs.items():
            found = _unstorable(value, "" if isinstance(value, BaseModel) else name)
            if found:
                field, problem = found
                raise InvalidInput(
                    "invalid_input", f"{field or 'body'}: {problem}", field=field or "body"
                )
        return view(request, *args, **kwargs)

    return checked


# --- request-body schemas ------------------------------------------------------------------


class In(Schema):
    """A request body: a JSON object whose every field is known (``price`` on an order line
    is refused by name, not silently ignored)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        # Ninja's Schema reads attributes off any object (for ORM instances), so without this
        # a body of ``[null, null]`` validated as ``{}``. It validates an extra="forbid" schema
        # twice: the raw value, then the value wrapped in its DjangoGetter.
        if not isinstance(getattr(data, "_obj", data), dict):
            raise ValueError("must be a JSON object")
        return data


def _not_bool(value):
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


def _iso_day(value):
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _email(value: str) -> str:
    # The same rule the services apply, checked with the other fields: a bad address is
    # reported together with them, not only once everything else passes.
    try:
        validate_email(value.strip())
    except DjangoValidationError:
        raise PydanticCustomError("invalid_email", "enter a valid email address") from None
    return value


Email = Annotated[str, AfterValidator(_email)]
Integer = Annotated[int, Strict()]
Quantity = Integer
Flag = Annotated[bool, Strict()]
Money = Annotated[Decimal, BeforeValidator(_not_bool)]
Day = Annotated[date, BeforeValidator(_iso_day)]

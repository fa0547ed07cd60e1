"""The one error type that services raise and every API turns into the same JSON shape.

``{"code": ..., "message": ..., "field": ..., "extra": ...}`` with the status of the error class.
Each app names its codes in its own ``errors.py``.
"""

from typing import Any


class ApplicationError(Exception):
    status = 400

    def __init__(
        self, code: str, message: str, *, field: str | None = None, extra: dict | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "extra": self.extra,
        }


class MalformedBody(ApplicationError):
    status = 400  # the request body is not the JSON it claims to be


class UnsupportedMediaType(ApplicationError):
    status = 415


class BodyTooLarge(ApplicationError):
    status = 413


class InvalidInput(ApplicationError):
    status = 422


class NotAuthenticated(ApplicationError):
    status = 401


class PermissionDenied(ApplicationError):
    status = 403


class NotFound(ApplicationError):
    status = 404


class Conflict(ApplicationError):
    status = 409

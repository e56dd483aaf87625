"""One hierarchy of errors, each with the HTTP status it maps to."""

from __future__ import annotations

from typing import Any


class ThcError(Exception):
    """Base of every error the project raises on purpose; `status` is its HTTP status."""

    status = 500
    title = "Internal error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.title, "status": self.status, "message": self.message, **self.details}


class BadRequest(ThcError):
    status = 400
    title = "Bad request"


class BadQuery(BadRequest):
    title = "Bad query"


class BadData(BadRequest):
    """Input that cannot be read: a syntax error, an unknown format, an unreadable file."""

    title = "Unreadable data"


class ConfigError(BadRequest):
    title = "Bad setting"


class Unauthorized(ThcError):
    status = 401
    title = "Unauthorized"


class Forbidden(ThcError):
    status = 403
    title = "Forbidden"


class NotFound(ThcError):
    status = 404
    title = "Not found"


class MethodNotAllowed(ThcError):
    status = 405
    title = "Method not allowed"


class NotAcceptable(ThcError):
    status = 406
    title = "Not acceptable"


class TooLarge(ThcError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(ThcError):
    status = 415
    title = "Unsupported media type"


class InvalidData(ThcError):
    """Data that parses but violates the shapes; `report` holds the violations."""

    status = 422
    title = "Invalid data"

    def __init__(self, message: str, report: Any) -> None:
        super().__init__(message)
        self.report = report

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["violations"] = [v.to_dict() for v in self.report.violations]
        return data


class RateLimited(ThcError):
    status = 429
    title = "Too many requests"


class StoreError(ThcError):
    status = 500
    title = "Store error"


class Timeout(ThcError):
    status = 503
    title = "Query timeout"

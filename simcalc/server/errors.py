"""How the API answers errors: JSON ``{"error": {"type", "message", "field"}}`` with a status naming what
was wrong (the client's mistakes 4xx, missing resources 503, time limits 504)."""
from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from simcalc.errors import (
    InputFormatError,
    InvalidTextError,
    ResourceNotFoundError,
    ScorerUnavailableError,
    SimcalcError,
    UnknownScorerError,
)

from .schemas import ErrorResponse
from .scorers import NotServedError


class ApiError(Exception):
    """An error answered as JSON with ``status``; ``field`` names the offending part of the request."""

    def __init__(self, status: int, type_: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.type, self.message, self.field = status, type_, message, field


def error_response(status: int, type_: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"type": type_, "message": message, "field": field}}, status_code=status)


def from_simcalc(exc: SimcalcError, field: str | None = None) -> ApiError:
    """simcalc's own errors → HTTP: the client's mistakes are 4xx, missing resources 503."""
    if isinstance(exc, (UnknownScorerError, NotServedError)):
        return ApiError(422, "unknown_scorer", str(exc).strip("'\""), "scorer")
    if isinstance(exc, (ScorerUnavailableError, ResourceNotFoundError)):
        return ApiError(503, "scorer_unavailable", str(exc), "scorer")
    if isinstance(exc, (InvalidTextError, InputFormatError)):
        return ApiError(422, "invalid_text", str(exc), field)
    return ApiError(500, "scoring_failed", str(exc), field)


ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (400, 408, 413, 422, 503, 504)}

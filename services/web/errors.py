"""The review page's one error mapping: how a failed ReviewService call or an HTTP refusal reaches the user.

Handlers do not catch :class:`~docai.services.web.review_client.ReviewCallError` to answer
it; they let it (and Starlette's ``HTTPException``) propagate, and the exception handlers
made here (registered by ``app.create_app``) answer: a JSON error ``{"error", "message",
"field"}`` under ``/api/``, the error page elsewhere, with the HTTP status :data:`HTTP_STATUS`
gives the gRPC code. :func:`friendly` is what a reviewer reads for a failed call; handlers
that flash a message instead of failing (bank-details confirmation) use it too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from docai.services.web.review_client import ReviewCallError

HTTP_STATUS = {
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 502,
    grpc.StatusCode.UNAVAILABLE: 503,
}
"""HTTP status for a failed call's gRPC code; any other code is 502."""

ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


def friendly(error: ReviewCallError) -> str:
    """What a reviewer should read for a failed call."""
    if error.reason == "LEASE_HELD":
        return f"{error.metadata.get('holder') or 'A colleague'} is working on this invoice."
    if error.reason == "STALE_ETAG":
        return "This invoice changed since you opened it. Reload to see the latest version."
    if error.reason == "TASK_CLOSED":
        return "This invoice is already approved or rejected."
    if error.reason == "SECOND_PERSON_REQUIRED":
        return "You changed or approved these bank details yourself: a second person must confirm them."
    if error.reason in ("ALREADY_CONFIRMED", "NO_BANK_CHANGE"):
        return error.message
    if error.reason == "TASK_NOT_CLAIMED":
        return "Your claim on this invoice ran out. Reload to claim it again."
    if error.code == grpc.StatusCode.NOT_FOUND:
        return "This invoice does not exist."
    if error.code in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.PERMISSION_DENIED,
    ):
        return error.message  # the server's own words, e.g. "'31.02.' is not a valid invoice_date"
    return "The review service did not answer as expected. Try again in a moment."


def error_json(error: ReviewCallError) -> JSONResponse:
    """The ``/api/`` answer to a failed call."""
    body = {
        "error": error.reason or error.code.name,
        "message": friendly(error),
        "field": error.metadata.get("field", ""),
    }
    return JSONResponse(body, status_code=HTTP_STATUS.get(error.code, 502))


def exception_handlers(render: Callable[..., HTMLResponse]) -> dict[type[Exception], ExceptionHandler]:
    """The app's handlers for ``HTTPException`` and ``ReviewCallError``; error pages come from ``render``."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code in (301, 302, 303, 307) and exc.headers:
            return Response(status_code=exc.status_code, headers=exc.headers)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "HTTP", "message": exc.detail}, exc.status_code)
        if exc.status_code == 404:
            return render(request, "error.html", 404, title="Not found", message="There is no such invoice or page.")
        return render(request, "error.html", exc.status_code, title="Error", message=str(exc.detail))

    async def call_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ReviewCallError)
        if request.url.path.startswith("/api/"):
            return error_json(exc)
        status = HTTP_STATUS.get(exc.code, 502)
        title = "Not found" if status == 404 else "Something went wrong"
        message = "There is no such invoice or page." if status == 404 else friendly(exc)
        return render(request, "error.html", status, title=title, message=message)

    return {HTTPException: http_error, ReviewCallError: call_error}

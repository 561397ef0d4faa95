"""Browser-facing protections: the session secret and cookie, CSRF tokens and strict response headers."""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any

from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
# No inline script or style anywhere: JS and CSS come from /static, data from data- attributes.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
}


def secret_key(home: Path) -> str:
    """The session-signing key, generated once into ``home/web_secret`` (mode 600)."""
    path = home / "web_secret"
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def _csrf_ok(request: Request) -> bool:
    expected = request.session.get("csrf")
    if not expected:
        return False
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    return bool(sent) and hmac.compare_digest(str(sent), str(expected))


Endpoint = Callable[[Request], Awaitable[Response]]


def csrf_protected(endpoint: Endpoint) -> Endpoint:
    """Refuses the request with 403 unless it carries this session's CSRF token."""

    @wraps(endpoint)
    async def checked(request: Request) -> Response:
        if not await _csrf_ok(request):
            if request.url.path.startswith("/api/"):
                return JSONResponse({"error": "csrf", "message": "Missing or wrong CSRF token; reload the page."}, 403)
            return PlainTextResponse("Missing or wrong CSRF token; reload the page.", status_code=403)
        return await endpoint(request)

    checked.csrf_protected = True  # type: ignore[attr-defined]
    return checked


class SecurityHeaders:
    """Adds the CSP and related headers to every response (pages, JSON, images, static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = [h for h in message.get("headers", []) if h[0].lower() not in HEADERS]
                headers.extend(HEADERS.items())
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SessionCookie:
    """Starlette's signed session cookie, always ``HttpOnly`` and ``SameSite=Lax``, and ``Secure``
    whenever the request came over https.

    The scheme is the request's own, or, behind a proxy named in ``trusted_proxies`` (see
    :func:`docai.services.web.app.create_app`), its ``X-Forwarded-Proto``. The cookie carries
    the session id, the CSRF token and a few view preferences; who is signed in is decided by
    the server-side session the id names.
    """

    def __init__(self, app: ASGIApp, *, secret_key: str, cookie: str, max_age: int) -> None:
        options: dict[str, Any] = {
            "secret_key": secret_key,
            "session_cookie": cookie,
            "max_age": max_age,
            "same_site": "lax",
        }
        self.plain = SessionMiddleware(app, https_only=False, **options)
        self.secure = SessionMiddleware(app, https_only=True, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self.secure if scope.get("scheme") in ("https", "wss") else self.plain
        await chosen(scope, receive, send)

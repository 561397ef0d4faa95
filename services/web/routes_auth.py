"""The review page's sign-in and sign-out.

Routes (added to the app by :func:`routes`):

=====================  ====================================================================
``GET /login``         the sign-in form (signed-in visitors go to the queue)
``POST /login``        checks the password, slowed by the sign-in throttle, and opens a
                       fresh server-side session (and CSRF token)
``POST /logout``       ends the server-side session, so every copy of the cookie dies with it
=====================  ====================================================================
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from docai.services.web.security import csrf_protected
from docai.services.web.state import WebState


def routes(*, state: WebState, render: Callable[..., HTMLResponse]) -> list[Route]:
    """Sign-in and sign-out routes, for the review page's app (``docai.services.web.app.create_app``)."""

    async def login_form(request: Request) -> Response:
        if state.user(request) is not None:
            return RedirectResponse("/", 303)
        return render(request, "login.html", next=_safe_next(request.query_params.get("next", "")))

    @csrf_protected
    async def login(request: Request) -> Response:
        form = await request.form()
        username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
        target = _safe_next(str(form.get("next", "")))
        address = request.client.host if request.client else ""
        wait = state.throttle.retry_after(username, address)
        if wait > 0:  # no password is checked while the guesser waits
            seconds = math.ceil(wait)
            response = render(
                request,
                "login.html",
                429,
                username=username,
                next=target,
                error=f"Too many failed sign-ins from here. Try again in {_duration(seconds)}.",
            )
            response.headers["retry-after"] = str(seconds)
            return response
        user = await asyncio.to_thread(state.users.verify, username, password)
        if user is None:
            state.throttle.failed(username, address)
            return render(
                request, "login.html", 401, error="Wrong username or password.", username=username, next=target
            )
        state.throttle.succeeded(username, address)
        old = request.session.get("sid")
        if isinstance(old, str):
            await asyncio.to_thread(state.users.end_session, old)
        sid = await asyncio.to_thread(state.users.start_session, user.username)
        request.session.clear()  # a fresh session (and CSRF token) at every sign-in
        request.session["sid"] = sid
        return RedirectResponse(target or "/", 303)

    @csrf_protected
    async def logout(request: Request) -> Response:
        sid = request.session.get("sid")
        if isinstance(sid, str):
            await asyncio.to_thread(state.users.end_session, sid)  # copies of the cookie die with it
        request.session.clear()
        return RedirectResponse("/login", 303)

    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def _safe_next(target: str) -> str:
    """Only same-site paths, so the sign-in form cannot bounce people to another site."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""

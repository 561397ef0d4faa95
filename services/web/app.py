"""The review page: a Starlette app that signs accountants in and talks to the ReviewService over gRPC.

Pages are rendered with Jinja2 (autoescape on); the JavaScript in ``static/`` reads the data
from ``data-`` attributes and calls the small JSON API under ``/api/``. Every POST checks
the session's CSRF token; every response carries a strict Content-Security-Policy.
Sign-in opens a server-side session (:class:`~docai.services.web.users.UserStore`) whose
id rides in the signed cookie; sign-out ends it, and :class:`~docai.services.web.users.LoginThrottle`
slows password guessing.

This module only wires the app together: the shared state (``state``), the templates, the
routes of each area (``routes_auth``: sign-in; ``routes_queue``: the queue and "next";
``routes_tasks``: one invoice and its JSON actions; ``search``: the archive), the middleware,
and the one error mapping (``errors``) as the app's exception handlers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from docai.services.web import routes_auth, routes_queue, routes_tasks, search, views
from docai.services.web.errors import exception_handlers
from docai.services.web.review_client import ReviewClient
from docai.services.web.security import SecurityHeaders, SessionCookie, csrf_token
from docai.services.web.state import WebState
from docai.services.web.users import LoginThrottle, UserStore

HERE = Path(__file__).parent
SESSION_COOKIE = "docai_review"


def build_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        item_columns=views.ITEM_COLUMNS,
        item_labels=views.ITEM_LABELS,
        reason_labels=views.REASON_LABELS,
        tax_columns=views.TAX_COLUMNS,
        tax_labels=views.TAX_LABELS,
    )
    return env


def create_app(
    *,
    client: ReviewClient,
    users: UserStore,
    secret: str,
    trusted_proxies: Sequence[str] = (),
    throttle: LoginThrottle | None = None,
) -> Starlette:
    """Builds the review page application.

    Args:
        client: The ReviewService client (service-scope token).
        users: The review page's accounts and sessions.
        secret: Key that signs the session cookie.
        trusted_proxies: Addresses (or networks like ``10.0.0.0/8``) of reverse proxies whose
            ``X-Forwarded-Proto`` and ``X-Forwarded-For`` are believed: the scheme decides the
            cookie's ``Secure`` flag, the address is what the sign-in throttle counts. Empty
            (the default): no forwarded header is believed.
        throttle: The sign-in throttle; a default :class:`LoginThrottle` if None.

    Returns:
        The ASGI application.
    """
    state = WebState(client=client, users=users, throttle=throttle or LoginThrottle())
    env = build_templates()

    def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(
            request=request, csrf=csrf_token(request), user=state.user(request), flash=request.session.pop("flash", "")
        )
        return HTMLResponse(env.get_template(template).render(**context), status_code=status_code)

    routes = [
        *routes_queue.routes(state=state, render=render),  # the queue, "next"
        *routes_auth.routes(state=state, render=render),  # sign in, sign out
        *routes_tasks.routes(state=state, render=render),  # one invoice, its page images and JSON actions
        *search.routes(client=client, render=render, page_user=state.page_user),  # search, history, re-open, CSV
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    # Outermost first: the proxy's scheme and address are known before the cookie is written.
    middleware = [
        *([Middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))] if trusted_proxies else []),
        Middleware(SecurityHeaders),
        Middleware(SessionCookie, secret_key=secret, cookie=SESSION_COOKIE, max_age=int(users.max_seconds)),
    ]
    return Starlette(routes=routes, middleware=middleware, exception_handlers=exception_handlers(render))

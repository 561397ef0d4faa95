"""The review page: a Starlette app that signs accountants in and talks to the ReviewService over gRPC.

Pages are rendered with Jinja2 (autoescape on); the JavaScript in ``static/`` reads the data
from ``data-`` attributes and calls the small JSON API under ``/api/``. Every POST checks
the session's CSRF token; every response carries a strict Content-Security-Policy.
Sign-in opens a server-side session (:class:`~docai.services.web.users.UserStore`) whose
id rides in the signed cookie; sign-out ends it, and :class:`~docai.services.web.users.LoginThrottle`
slows password guessing.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import grpc
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.web import search, views
from docai.services.web.review_client import ReviewCallError, ReviewClient, request_id
from docai.services.web.security import SecurityHeaders, SessionCookie, csrf_protected, csrf_token
from docai.services.web.users import LoginThrottle, User, UserStore

log = logging.getLogger("docai.web")
HERE = Path(__file__).parent
DPI = 130
HD_DPI = 200  # what a zoomed-in page asks for, so its text stays sharp
SESSION_COOKIE = "docai_review"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_SKIPPED = 30
REASON_CODES = tuple(views.REASON_LABELS)
ORDERS = {
    "": "Oldest first",
    "-create_time": "Newest first",
    "-total_gross": "Largest amount",
    "total_gross": "Smallest amount",
}
_HTTP = {
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 502,
    grpc.StatusCode.UNAVAILABLE: 503,
}


@dataclass
class WebState:
    """What the request handlers share: the gRPC client, the user table and a small page-image cache."""

    client: ReviewClient
    users: UserStore
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    pages: OrderedDict[tuple[str, str, int, int], asyncio.Future[Any]] = field(default_factory=OrderedDict)

    background: set[asyncio.Task[None]] = field(default_factory=set)

    def prefetch_next(self, user: User, *, current: str) -> None:
        """Renders page 1 of the next waiting invoices in the background, so "n" finds it ready."""
        if len(self.background) > 4:
            return

        async def warm() -> None:
            try:
                listed = await self.client.list_tasks(user, page_size=5)
                for task in listed.review_tasks[:3]:
                    if task.document != current and task.claimed_by in ("", user.username):
                        await self.page(user, task.document, 1)
            except Exception:  # noqa: BLE001 - a cache warm-up must never disturb the page
                log.debug("prefetch failed", exc_info=True)

        job = asyncio.create_task(warm())
        self.background.add(job)
        job.add_done_callback(self.background.discard)

    async def page(self, user: User, document: str, number: int, dpi: int = DPI) -> tuple[bytes, float, float]:
        """Page `number` as (png, width, height in points), rendered once and shared by concurrent callers."""
        rendered = await self.rendered(user, document, number, dpi)
        return rendered.png, rendered.width_points, rendered.height_points

    async def rendered(self, user: User, document: str, number: int, dpi: int = DPI) -> pb.RenderPageResponse:
        """The RenderPage answer for page `number` (image, size, words), cached and shared like `page`."""
        # Keyed by tenant too, so a cached image never crosses tenants.
        key = (user.tenant, document, number, dpi)
        job = self.pages.get(key)
        if job is None:
            job = asyncio.ensure_future(self.client.render(user, document, number, dpi))
            self.pages[key] = job
            while len(self.pages) > 24:
                self.pages.popitem(last=False)
        else:
            self.pages.move_to_end(key)
        try:
            rendered = await asyncio.shield(job)
        except ReviewCallError:
            if self.pages.get(key) is job:
                del self.pages[key]  # failures are not cached
            raise
        response: pb.RenderPageResponse = rendered
        return response


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
    if error.code == grpc.StatusCode.INVALID_ARGUMENT:
        return error.message  # the server's own words, e.g. "'31.02.' is not a valid invoice_date"
    return "The review service did not answer as expected. Try again in a moment."


def _error_json(error: ReviewCallError) -> JSONResponse:
    body = {"error": error.reason or error.code.name, "message": friendly(error), "field": error.metadata.get("field", "")}
    return JSONResponse(body, status_code=_HTTP.get(error.code, 502))


def build_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        item_columns=views.ITEM_COLUMNS, item_labels=views.ITEM_LABELS, reason_labels=views.REASON_LABELS,
        tax_columns=views.TAX_COLUMNS, tax_labels=views.TAX_LABELS,
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
        context.update(request=request, csrf=csrf_token(request), user=_user(request), flash=request.session.pop("flash", ""))
        return HTMLResponse(env.get_template(template).render(**context), status_code=status_code)

    def _user(request: Request) -> User | None:
        """The user of the request's server-side session (looked up once per request)."""
        if "docai.user" not in request.scope:
            sid = request.session.get("sid")
            user = state.users.session_user(sid) if isinstance(sid, str) else None
            if user is None and sid is not None:
                del request.session["sid"]  # ended, expired or revoked: the cookie forgets it
            request.scope["docai.user"] = user
        found: User | None = request.scope["docai.user"]
        return found

    def page_user(request: Request) -> User:
        user = _user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(303, headers={"location": "/login?" + urlencode({"next": target})})
        return user

    def api_user(request: Request) -> User:
        user = _user(request)
        if user is None:
            raise HTTPException(401, "sign in first")
        return user

    def checked_id(value: str) -> str:
        if not _ID.match(value):
            raise HTTPException(404)
        return value

    # -- sign in / out -----------------------------------------------------------------------

    async def login_form(request: Request) -> Response:
        if _user(request) is not None:
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
                request, "login.html", 429, username=username, next=target,
                error=f"Too many failed sign-ins from here. Try again in {_duration(seconds)}.",
            )
            response.headers["retry-after"] = str(seconds)
            return response
        user = await asyncio.to_thread(state.users.verify, username, password)
        if user is None:
            state.throttle.failed(username, address)
            return render(request, "login.html", 401, error="Wrong username or password.", username=username, next=target)
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

    # -- queue -------------------------------------------------------------------------------

    async def queue(request: Request) -> Response:
        user = page_user(request)
        params = request.query_params
        reason = params.get("reason", "") if params.get("reason", "") in REASON_CODES else ""
        order = params.get("order", "") if params.get("order", "") in ORDERS else ""
        vendor = params.get("vendor", "")[:100]
        token = params.get("page", "")[:200]
        try:
            listed = await state.client.list_tasks(user, reason_code=reason, vendor=vendor, order_by=order, page_token=token)
        except ReviewCallError as error:
            if error.code != grpc.StatusCode.INVALID_ARGUMENT:
                raise
            listed = await state.client.list_tasks(user, reason_code=reason, vendor=vendor, order_by=order)
        tasks = [views.task_summary(t, user) for t in listed.review_tasks]
        try:  # documents not yet read: shown instead of "All clear" while the pipeline works on them
            processing = views.processing_view(await state.client.pipeline_status(user))
        except ReviewCallError as error:
            if error.code != grpc.StatusCode.UNIMPLEMENTED:  # an older server: the queue without it
                raise
            processing = None
        bank: list[dict[str, Any]] = []
        if user.can_approve:
            waiting = await state.client.bank_details_unconfirmed(user)
            audits = await asyncio.gather(*(state.client.audit(user, t.document) for t in waiting))
            bank = [views.bank_change_view(t, a, user) for t, a in zip(waiting, audits, strict=True)]
        state.prefetch_next(user, current="")
        next_link = (
            "/?" + urlencode({k: v for k, v in {"reason": reason, "vendor": vendor, "order": order,
                                                  "page": listed.next_page_token}.items() if v})
            if listed.next_page_token else ""
        )
        response = render(
            request, "queue.html", tasks=tasks, total=listed.total_size, reason=reason, vendor=vendor, order=order,
            orders=ORDERS, reasons=views.REASON_LABELS, next_link=next_link, bank=bank, processing=processing,
        )
        response.headers["cache-control"] = "no-store"  # back to the queue after an approval shows it gone
        return response

    async def claim_next(user: User, skipped: list[str], *, claim: bool = True) -> str | None:
        """Resumes the user's own claimed invoice, else claims the oldest open one not skipped.

        With ``claim=False`` the oldest open one is only found, not claimed: opening an invoice
        does not take it away from colleagues, its first edit does.
        """
        active = await state.client.list_tasks(user, page_size=500)
        for task in active.review_tasks:
            tid = views.task_id(task.name)
            if task.claimed_by == user.username and task.state == pb.REVIEW_TASK_STATE_CLAIMED and tid not in skipped:
                return tid
        for task in active.review_tasks:
            tid = views.task_id(task.name)
            if task.state != pb.REVIEW_TASK_STATE_OPEN or tid in skipped:
                continue
            if not claim:
                return tid
            try:
                await state.client.claim(user, tid)
            except ReviewCallError as error:
                if error.code in (grpc.StatusCode.ABORTED, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND):
                    continue  # a colleague was faster; try the next one
                raise
            return tid
        return None

    async def next_task(request: Request, user: User, skip: str, *, claim: bool = True) -> str | None:
        skipped = [s for s in request.session.get("skipped", []) if isinstance(s, str)]
        if skip and _ID.match(skip) and skip not in skipped:
            skipped = [*skipped, skip][-_MAX_SKIPPED:]
        found = await claim_next(user, skipped, claim=claim)
        if found is None and skipped:
            # Everything left was skipped earlier: go round again, the just-skipped one last.
            skipped = [skip] if skip else []
            found = await claim_next(user, skipped, claim=claim)
        request.session["skipped"] = skipped
        return found

    @csrf_protected
    async def next_form(request: Request) -> Response:
        user = page_user(request)
        found = await next_task(request, user, "")
        if found is None:
            request.session["flash"] = "Nothing is waiting for review. Nice work."
            return RedirectResponse("/", 303)
        return RedirectResponse(f"/tasks/{found}", 303)

    @csrf_protected
    async def next_api(request: Request) -> Response:
        user = api_user(request)
        body = await _json(request)
        found = await next_task(request, user, str(body.get("skip", "")), claim=body.get("claim", True) is not False)
        if found is None:
            request.session["flash"] = "Nothing else is waiting for review. Nice work."
            return JSONResponse({"url": "/", "empty": True})
        return JSONResponse({"url": f"/tasks/{found}", "empty": False})

    # -- one invoice -------------------------------------------------------------------------

    async def task_page(request: Request) -> Response:
        user = page_user(request)
        tid = checked_id(request.path_params["task_id"])
        detail = await state.client.get(user, tid)
        task = views.task_summary(detail.review_task, user)
        document = detail.review_task.document
        audit, first_page = await asyncio.gather(
            state.client.audit(user, document), state.page(user, document, 1), return_exceptions=True
        )
        if isinstance(audit, BaseException):
            raise audit
        width, height = (first_page[1], first_page[2]) if not isinstance(first_page, BaseException) else (0.0, 0.0)
        state.prefetch_next(user, current=document)
        route = detail.route
        return render(
            request,
            "task.html",
            task=task,
            doc_id=views.task_id(document),
            groups=views.grouped(views.field_views(detail.extraction, list(detail.review_task.reasons))),
            items=views.item_views(detail.extraction),
            taxes=views.tax_views(detail.extraction),
            route_options=views.route_options_view(detail.route_options, route),
            checks=views.check_views(detail.extraction),
            vendor_master=views.vendor_master_view(detail),
            route={
                "department": route.department, "cost_centre": route.cost_centre, "approver": route.approver,
                "covered": route.covered,
                "confidence": int(round(route.confidence * 100)), "present": detail.HasField("route"),
            },
            audit=views.audit_views(audit),
            page_width=f"{width:.2f}",
            page_height=f"{height:.2f}",
            dpi=DPI,
            can_approve=user.can_approve,
        )

    async def history_page(request: Request) -> Response:
        user = page_user(request)
        tid = checked_id(request.path_params["task_id"])
        detail = await state.client.get(user, tid)
        audit = await state.client.audit(user, detail.review_task.document)
        return render(request, "history.html", task=views.task_summary(detail.review_task, user), audit=views.audit_views(audit))

    async def page_image(request: Request) -> Response:
        user = page_user(request)
        doc_id = checked_id(request.path_params["doc_id"])
        number = int(request.path_params["page"])
        if not 1 <= number <= 500:
            raise HTTPException(404)
        dpi = HD_DPI if request.query_params.get("hd") == "1" else DPI
        png, _, _ = await state.page(user, f"documents/{doc_id}", number, dpi)
        return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=300"})

    async def page_words(request: Request) -> Response:
        """The page's words and their boxes in points, for picking a value off the page."""
        user = api_user(request)
        doc_id = checked_id(request.path_params["doc_id"])
        number = int(request.path_params["page"])
        if not 1 <= number <= 500:
            raise HTTPException(404)
        rendered = await state.rendered(user, f"documents/{doc_id}", number)
        return JSONResponse(views.words_view(rendered), headers={"cache-control": "private, max-age=300"})

    # -- JSON actions ------------------------------------------------------------------------

    @csrf_protected
    async def claim_api(request: Request) -> Response:
        user = api_user(request)
        tid = checked_id(request.path_params["task_id"])
        try:
            task = await state.client.claim(user, tid)
        except ReviewCallError as error:
            return _error_json(error)
        return JSONResponse({"task": views.task_summary(task, user)})

    @csrf_protected
    async def release_api(request: Request) -> Response:
        user = api_user(request)
        tid = checked_id(request.path_params["task_id"])
        try:
            task = await state.client.release(user, tid)
        except ReviewCallError as error:
            return _error_json(error)
        return JSONResponse({"task": views.task_summary(task, user)})

    @csrf_protected
    async def corrections_api(request: Request) -> Response:
        user = api_user(request)
        tid = checked_id(request.path_params["task_id"])
        body = await _json(request)
        raw_fields, line_items, route = body.get("fields"), body.get("line_items"), body.get("route")
        taxes = body.get("tax_details")
        if not isinstance(raw_fields, dict | None) or not all(
            isinstance(rows, list | None) and (rows is None or all(isinstance(row, dict) for row in rows))
            for rows in (line_items, taxes)
        ):
            return JSONResponse({"error": "INVALID_ARGUMENT", "message": "Malformed corrections."}, 400)
        fields = {str(k): str(v) for k, v in (raw_fields or {}).items()}
        rows = (
            [{str(k): str(v) for k, v in row.items() if k in views.LINE_ITEM_KEYS} for row in line_items]
            if line_items is not None else None
        )
        tax_rows = (
            [{str(k): str(v) for k, v in row.items() if k in views.TAX_DETAIL_KEYS} for row in taxes]
            if taxes is not None else None
        )
        route_change = (
            {k: str(route.get(k, "")) for k in ("department", "cost_centre", "approver")} if isinstance(route, dict) else None
        )
        try:
            response = await state.client.correct(
                user, tid, etag=str(body.get("etag", "")), fields=fields, line_items=rows, route=route_change,
                tax_details=tax_rows, request_id=request_id(body.get("request_id")),
            )
        except ReviewCallError as error:
            return _error_json(error)
        payload = views.corrected_payload(response, user)
        try:  # the history shows the correction at once
            payload["audit"] = views.audit_views(await state.client.audit(user, response.review_task.document))
        except ReviewCallError:
            log.debug("history not refreshed after a correction", exc_info=True)
        return JSONResponse(payload)

    @csrf_protected
    async def approve_api(request: Request) -> Response:
        user = api_user(request)
        tid = checked_id(request.path_params["task_id"])
        if not user.can_approve:
            return JSONResponse({"error": "ROLE", "message": "Your role cannot approve invoices; ask an approver."}, 403)
        body = await _json(request)
        try:
            task = await state.client.approve(
                user, tid, etag=str(body.get("etag", "")), request_id=request_id(body.get("request_id"))
            )
        except ReviewCallError as error:
            return _error_json(error)
        return JSONResponse({"task": views.task_summary(task, user)})

    @csrf_protected
    async def reject_api(request: Request) -> Response:
        user = api_user(request)
        tid = checked_id(request.path_params["task_id"])
        if not user.can_approve:
            return JSONResponse({"error": "ROLE", "message": "Your role cannot reject invoices; ask an approver."}, 403)
        body = await _json(request)
        reason = str(body.get("reason", "")).strip()[:2000]
        if not reason:
            return JSONResponse({"error": "MISSING_FIELD", "message": "Say why the invoice is rejected.", "field": "reason"}, 400)
        try:
            task = await state.client.reject(
                user, tid, etag=str(body.get("etag", "")), reason=reason, request_id=request_id(body.get("request_id"))
            )
        except ReviewCallError as error:
            return _error_json(error)
        return JSONResponse({"task": views.task_summary(task, user)})

    @csrf_protected
    async def confirm_bank_form(request: Request) -> Response:
        user = page_user(request)
        tid = checked_id(request.path_params["task_id"])
        if not user.can_approve:
            request.session["flash"] = "Your role cannot confirm bank details; ask an approver."
            return RedirectResponse("/", 303)
        try:
            await state.client.confirm_bank_details(user, tid, request_id=request_id())
            request.session["flash"] = "Bank details confirmed: the invoice's corrections can now train the model."
        except ReviewCallError as error:
            request.session["flash"] = friendly(error)
        return RedirectResponse("/", 303)

    # -- errors ------------------------------------------------------------------------------

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
            return _error_json(exc)
        status = _HTTP.get(exc.code, 502)
        title = "Not found" if status == 404 else "Something went wrong"
        message = "There is no such invoice or page." if status == 404 else friendly(exc)
        return render(request, "error.html", status, title=title, message=message)

    routes = [
        Route("/", queue),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/next", next_form, methods=["POST"]),
        Route("/tasks/{task_id}", task_page),
        Route("/tasks/{task_id}/history", history_page),
        Route("/tasks/{task_id}/confirm-bank", confirm_bank_form, methods=["POST"]),
        Route("/documents/{doc_id}/pages/{page:int}.png", page_image),
        Route("/api/documents/{doc_id}/pages/{page:int}/words", page_words),
        Route("/api/next", next_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/claim", claim_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/release", release_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/corrections", corrections_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/approve", approve_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/reject", reject_api, methods=["POST"]),
        *search.routes(client=client, render=render, page_user=page_user),  # search, history, re-open, CSV
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    # Outermost first: the proxy's scheme and address are known before the cookie is written.
    middleware = [
        *([Middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))] if trusted_proxies else []),
        Middleware(SecurityHeaders),
        Middleware(SessionCookie, secret_key=secret, cookie=SESSION_COOKIE, max_age=int(users.max_seconds)),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, ReviewCallError: call_error},
    )


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def _safe_next(target: str) -> str:
    """Only same-site paths, so the sign-in form cannot bounce people to another site."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "expected a JSON body") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "expected a JSON object")
    return body

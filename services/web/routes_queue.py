"""The review page's queue: the invoices waiting for review, and "next" (resume or claim the oldest one).

Routes (added to the app by :func:`routes`):

=====================  ====================================================================
``GET /``              the queue: filters (reason, vendor), order, paging; documents still
                       being read; bank details waiting for a second person (approvers)
``POST /next``         opens the reviewer's next invoice (form; "Nothing is waiting" when done)
``POST /api/next``     the same for the page's "n" key, skipping the one just left
=====================  ====================================================================
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import grpc
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.web import views
from docai.services.web.review_client import ReviewCallError
from docai.services.web.security import csrf_protected
from docai.services.web.state import ID_PATTERN, WebState, read_json
from docai.services.web.users import User

_MAX_SKIPPED = 30
REASON_CODES = tuple(views.REASON_LABELS)
ORDERS = {
    "": "Oldest first",
    "-create_time": "Newest first",
    "-total_gross": "Largest amount",
    "total_gross": "Smallest amount",
}


def routes(*, state: WebState, render: Callable[..., HTMLResponse]) -> list[Route]:
    """The queue's routes, for the review page's app (``docai.services.web.app.create_app``)."""

    async def queue(request: Request) -> Response:
        user = state.page_user(request)
        params = request.query_params
        reason = params.get("reason", "") if params.get("reason", "") in REASON_CODES else ""
        order = params.get("order", "") if params.get("order", "") in ORDERS else ""
        vendor = params.get("vendor", "")[:100]
        token = params.get("page", "")[:200]
        try:
            listed = await state.client.list_tasks(
                user, reason_code=reason, vendor=vendor, order_by=order, page_token=token
            )
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
            "/?"
            + urlencode(
                {
                    k: v
                    for k, v in {
                        "reason": reason,
                        "vendor": vendor,
                        "order": order,
                        "page": listed.next_page_token,
                    }.items()
                    if v
                }
            )
            if listed.next_page_token
            else ""
        )
        response = render(
            request,
            "queue.html",
            tasks=tasks,
            total=listed.total_size,
            reason=reason,
            vendor=vendor,
            order=order,
            orders=ORDERS,
            reasons=views.REASON_LABELS,
            next_link=next_link,
            bank=bank,
            processing=processing,
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
                if error.code in (
                    grpc.StatusCode.ABORTED,
                    grpc.StatusCode.FAILED_PRECONDITION,
                    grpc.StatusCode.NOT_FOUND,
                ):
                    continue  # a colleague was faster; try the next one
                raise
            return tid
        return None

    async def next_task(request: Request, user: User, skip: str, *, claim: bool = True) -> str | None:
        skipped = [s for s in request.session.get("skipped", []) if isinstance(s, str)]
        if skip and ID_PATTERN.match(skip) and skip not in skipped:
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
        user = state.page_user(request)
        found = await next_task(request, user, "")
        if found is None:
            request.session["flash"] = "Nothing is waiting for review. Nice work."
            return RedirectResponse("/", 303)
        return RedirectResponse(f"/tasks/{found}", 303)

    @csrf_protected
    async def next_api(request: Request) -> Response:
        user = state.api_user(request)
        body = await read_json(request)
        found = await next_task(request, user, str(body.get("skip", "")), claim=body.get("claim", True) is not False)
        if found is None:
            request.session["flash"] = "Nothing else is waiting for review. Nice work."
            return JSONResponse({"url": "/", "empty": True})
        return JSONResponse({"url": f"/tasks/{found}", "empty": False})

    return [
        Route("/", queue),
        Route("/next", next_form, methods=["POST"]),
        Route("/api/next", next_api, methods=["POST"]),
    ]

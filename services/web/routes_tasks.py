"""The review page's one invoice: the review screen, its history, its page images and words, and the
JSON actions a reviewer takes on it.

Routes (added to the app by :func:`routes`):

==================================================  ============================================
``GET /tasks/{task_id}``                            the review screen: the page beside the fields
``GET /tasks/{task_id}/history``                    the invoice's audit trail
``POST /tasks/{task_id}/confirm-bank``              a second person confirms changed bank details
``GET /documents/{doc_id}/pages/{page}.png``        a page image (``?hd=1``: sharper, for zoom)
``GET /api/documents/{doc_id}/pages/{page}/words``  the page's words and boxes, to pick values
``POST /api/tasks/{task_id}/claim``, ``/release``   take or give back the invoice
``POST /api/tasks/{task_id}/corrections``           save corrected fields, line items, taxes, route
``POST /api/tasks/{task_id}/approve``, ``/reject``  decide (approvers)
==================================================  ============================================

A failed ReviewService call is not caught here: it propagates to the app's one error mapping
(``docai.services.web.errors``), which answers JSON under ``/api/`` and an error page elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from docai.services.web import views
from docai.services.web.errors import friendly
from docai.services.web.review_client import ReviewCallError, request_id
from docai.services.web.security import csrf_protected
from docai.services.web.state import DPI, HD_DPI, WebState, checked_id, read_json

log = logging.getLogger("docai.web")


def routes(*, state: WebState, render: Callable[..., HTMLResponse]) -> list[Route]:
    """One invoice's routes, for the review page's app (``docai.services.web.app.create_app``)."""

    async def task_page(request: Request) -> Response:
        user = state.page_user(request)
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
                "department": route.department,
                "cost_centre": route.cost_centre,
                "approver": route.approver,
                "covered": route.covered,
                "confidence": round(route.confidence * 100),
                "present": detail.HasField("route"),
            },
            audit=views.audit_views(audit),
            page_width=f"{width:.2f}",
            page_height=f"{height:.2f}",
            dpi=DPI,
            can_approve=user.can_approve,
        )

    async def history_page(request: Request) -> Response:
        user = state.page_user(request)
        tid = checked_id(request.path_params["task_id"])
        detail = await state.client.get(user, tid)
        audit = await state.client.audit(user, detail.review_task.document)
        return render(
            request, "history.html", task=views.task_summary(detail.review_task, user), audit=views.audit_views(audit)
        )

    async def page_image(request: Request) -> Response:
        user = state.page_user(request)
        doc_id = checked_id(request.path_params["doc_id"])
        number = int(request.path_params["page"])
        if not 1 <= number <= 500:
            raise HTTPException(404)
        dpi = HD_DPI if request.query_params.get("hd") == "1" else DPI
        png, _, _ = await state.page(user, f"documents/{doc_id}", number, dpi)
        return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=300"})

    async def page_words(request: Request) -> Response:
        """The page's words and their boxes in points, for picking a value off the page."""
        user = state.api_user(request)
        doc_id = checked_id(request.path_params["doc_id"])
        number = int(request.path_params["page"])
        if not 1 <= number <= 500:
            raise HTTPException(404)
        rendered = await state.rendered(user, f"documents/{doc_id}", number)
        return JSONResponse(views.words_view(rendered), headers={"cache-control": "private, max-age=300"})

    # -- JSON actions ------------------------------------------------------------------------

    @csrf_protected
    async def claim_api(request: Request) -> Response:
        user = state.api_user(request)
        tid = checked_id(request.path_params["task_id"])
        task = await state.client.claim(user, tid)
        return JSONResponse({"task": views.task_summary(task, user)})

    @csrf_protected
    async def release_api(request: Request) -> Response:
        user = state.api_user(request)
        tid = checked_id(request.path_params["task_id"])
        task = await state.client.release(user, tid)
        return JSONResponse({"task": views.task_summary(task, user)})

    @csrf_protected
    async def corrections_api(request: Request) -> Response:
        user = state.api_user(request)
        tid = checked_id(request.path_params["task_id"])
        body = await read_json(request)
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
            if line_items is not None
            else None
        )
        tax_rows = (
            [{str(k): str(v) for k, v in row.items() if k in views.TAX_DETAIL_KEYS} for row in taxes]
            if taxes is not None
            else None
        )
        route_change = (
            {k: str(route.get(k, "")) for k in ("department", "cost_centre", "approver")}
            if isinstance(route, dict)
            else None
        )
        response = await state.client.correct(
            user,
            tid,
            etag=str(body.get("etag", "")),
            fields=fields,
            line_items=rows,
            route=route_change,
            tax_details=tax_rows,
            request_id=request_id(body.get("request_id")),
        )
        payload = views.corrected_payload(response, user)
        try:  # the history shows the correction at once
            payload["audit"] = views.audit_views(await state.client.audit(user, response.review_task.document))
        except ReviewCallError:
            log.debug("history not refreshed after a correction", exc_info=True)
        return JSONResponse(payload)

    @csrf_protected
    async def approve_api(request: Request) -> Response:
        user = state.api_user(request)
        tid = checked_id(request.path_params["task_id"])
        if not user.can_approve:
            return JSONResponse(
                {"error": "ROLE", "message": "Your role cannot approve invoices; ask an approver."}, 403
            )
        body = await read_json(request)
        task = await state.client.approve(
            user, tid, etag=str(body.get("etag", "")), request_id=request_id(body.get("request_id"))
        )
        return JSONResponse({"task": views.task_summary(task, user)})

    @csrf_protected
    async def reject_api(request: Request) -> Response:
        user = state.api_user(request)
        tid = checked_id(request.path_params["task_id"])
        if not user.can_approve:
            return JSONResponse({"error": "ROLE", "message": "Your role cannot reject invoices; ask an approver."}, 403)
        body = await read_json(request)
        reason = str(body.get("reason", "")).strip()[:2000]
        if not reason:
            return JSONResponse(
                {"error": "MISSING_FIELD", "message": "Say why the invoice is rejected.", "field": "reason"}, 400
            )
        task = await state.client.reject(
            user, tid, etag=str(body.get("etag", "")), reason=reason, request_id=request_id(body.get("request_id"))
        )
        return JSONResponse({"task": views.task_summary(task, user)})

    @csrf_protected
    async def confirm_bank_form(request: Request) -> Response:
        user = state.page_user(request)
        tid = checked_id(request.path_params["task_id"])
        if not user.can_approve:
            request.session["flash"] = "Your role cannot confirm bank details; ask an approver."
            return RedirectResponse("/", 303)
        try:
            await state.client.confirm_bank_details(user, tid, request_id=request_id())
            request.session["flash"] = "Bank details confirmed: the invoice's corrections can now train the model."
        except ReviewCallError as error:
            request.session["flash"] = friendly(error)  # a flash on the queue, not an error page
        return RedirectResponse("/", 303)

    return [
        Route("/tasks/{task_id}", task_page),
        Route("/tasks/{task_id}/history", history_page),
        Route("/tasks/{task_id}/confirm-bank", confirm_bank_form, methods=["POST"]),
        Route("/documents/{doc_id}/pages/{page:int}.png", page_image),
        Route("/api/documents/{doc_id}/pages/{page:int}/words", page_words),
        Route("/api/tasks/{task_id}/claim", claim_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/release", release_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/corrections", corrections_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/approve", approve_api, methods=["POST"]),
        Route("/api/tasks/{task_id}/reject", reject_api, methods=["POST"]),
    ]

"""What the review page's request handlers share: the gRPC client, the accounts and who is signed in,
and a small cache of rendered page images.

:class:`WebState` is made once per app by ``app.create_app`` and handed to the route modules
(``routes_auth``, ``routes_queue``, ``routes_tasks``). Who is signed in is decided by the
server-side session whose id rides in the signed cookie; :meth:`WebState.page_user` sends a
visitor to the sign-in form, :meth:`WebState.api_user` answers 401. :func:`checked_id` and
:func:`read_json` are the request checks every handler needs.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request

from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.web.review_client import ReviewCallError, ReviewClient
from docai.services.web.users import LoginThrottle, User, UserStore

log = logging.getLogger("docai.web")
DPI = 130
HD_DPI = 200  # what a zoomed-in page asks for, so its text stays sharp
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""What a task or document id in a URL may look like; anything else is a 404."""


@dataclass
class WebState:
    """What the request handlers share: the gRPC client, the user table and a small page-image cache."""

    client: ReviewClient
    users: UserStore
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    pages: OrderedDict[tuple[str, str, int, int], asyncio.Future[Any]] = field(default_factory=OrderedDict)

    background: set[asyncio.Task[None]] = field(default_factory=set)

    def user(self, request: Request) -> User | None:
        """The user of the request's server-side session (looked up once per request)."""
        if "docai.user" not in request.scope:
            sid = request.session.get("sid")
            user = self.users.session_user(sid) if isinstance(sid, str) else None
            if user is None and sid is not None:
                del request.session["sid"]  # ended, expired or revoked: the cookie forgets it
            request.scope["docai.user"] = user
        found: User | None = request.scope["docai.user"]
        return found

    def page_user(self, request: Request) -> User:
        """The signed-in user of a page request; anyone else is sent to the sign-in form (303)."""
        user = self.user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(303, headers={"location": "/login?" + urlencode({"next": target})})
        return user

    def api_user(self, request: Request) -> User:
        """The signed-in user of an ``/api/`` request; anyone else gets 401."""
        user = self.user(request)
        if user is None:
            raise HTTPException(401, "sign in first")
        return user

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


def checked_id(value: str) -> str:
    """``value`` if it looks like a task or document id; else 404."""
    if not ID_PATTERN.match(value):
        raise HTTPException(404)
    return value


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object body; 400 for anything else."""
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "expected a JSON body") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "expected a JSON object")
    return body
